-- Word frequencies per category (the last, most specific element of documents.category_path; '(none)' when
-- the page showed no breadcrumb). `share` = occurrences per 1,000 content tokens of that category, so
-- categories of different sizes compare.
CREATE OR REPLACE VIEW term_by_category AS
WITH counted AS (
    SELECT coalesce(d.category_path[-1], '(none)') AS category,
           t.word, t.pos, CAST(sum(t.count) AS BIGINT) AS count, count(*) AS documents
    FROM doc_term_counts AS t
    JOIN documents AS d USING (doc_id)
    GROUP BY ALL
)
SELECT category, word, pos, count, documents,
       round(1000.0 * count / sum(count) OVER (PARTITION BY category), 3) AS share
FROM counted
ORDER BY category, count DESC, word, pos;
