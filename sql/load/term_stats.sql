-- The corpus step of the word counts, after a run's batches: term_stats recomputed whole from doc_terms
-- (see sql/schema/003_term_counts.sql), in the caller's transaction. `getvariable('run_id')` is the run.
-- One pass over doc_terms ⋈ documents groups by (word, pos), by month and by category at once; the content
-- word test runs on the groups, not on every doc_terms row, since it depends on (word, pos) only.
DELETE FROM term_stats;

INSERT INTO term_stats
WITH counted AS (
    SELECT CASE WHEN grouping(month) = 0 THEN 'month' WHEN grouping(category) = 0 THEN 'category'
                ELSE 'corpus' END AS scope,
           month, category, word, pos, sum(n) AS n, count(*) AS documents
    FROM (
        SELECT t.word, t.pos, t.n,
               CAST(date_trunc('month', d.published_at) AS DATE) AS month,
               coalesce(d.category_path[-1], '(none)') AS category
        FROM doc_terms AS t
        JOIN documents AS d USING (doc_id)
    )
    GROUP BY GROUPING SETS ((word, pos), (month, word, pos), (category, word, pos))
    -- undated documents have no month: their group by month is left out
    HAVING (grouping(month) = 1 OR month IS NOT NULL) AND is_content_word(word, pos)
)
SELECT scope, month, category, word, pos, n, documents,
       round(1000.0 * n / sum(n) OVER (PARTITION BY scope, month, category), 3) AS share,
       row_number() OVER (PARTITION BY scope, month, category ORDER BY n DESC, documents DESC, word, pos) AS rank,
       getvariable('run_id') AS run_id
FROM counted
ORDER BY scope, month, category, rank;

-- tfidf's document frequencies: the same words as its term frequencies (no punctuation, 2+ characters).
INSERT INTO term_stats
SELECT 'word' AS scope, NULL AS month, NULL AS category, word, NULL AS pos, sum(n) AS n,
       count(DISTINCT doc_id) AS documents, NULL AS share,
       row_number() OVER (ORDER BY sum(n) DESC, count(DISTINCT doc_id) DESC, word) AS rank,
       getvariable('run_id') AS run_id
FROM doc_terms
WHERE pos <> 'x' AND length(word) > 1
GROUP BY word
ORDER BY rank;
