-- The corpus step of new-term discovery, after a run's batches: new_terms recomputed whole from the stored
-- token lists (see sql/schema/005_new_terms.sql), in the caller's transaction. Thresholds are variables
-- set by tasks/enrich/new_terms.py (new_terms_min_frequency, _min_pmi, _max_candidates, _min_entropy);
-- `getvariable('run_id')` is the run.
-- Two passes over the sentences, each unnesting shifted copies of the token lists side by side (a token,
-- the next two, and the neighbours: no sort, no window). The first counts every run of 2 or 3 adjacent
-- word tokens and keeps the frequent, cohesive ones whose edges can bound a term; the second collects the
-- neighbours and documents of the most frequent of those only, for their branching entropy.
DELETE FROM new_terms;

INSERT INTO new_terms
WITH
adjacent AS NOT MATERIALIZED (   -- each token (a) with the one before it (l) and the three after it
    SELECT s.doc_id, s.sentence_no,
           unnest(list_prepend(NULL, s.words[1:-3])) AS l,
           unnest(s.words[1:-2]) AS a, unnest(s.words[2:]) AS b, unnest(s.words[3:]) AS c,
           unnest(s.words[4:]) AS d,
           unnest(s.pos[1:-2]) AS pa, unnest(s.pos[2:]) AS pb, unnest(s.pos[3:]) AS pc
    FROM sentences AS s
),
word_runs AS NOT MATERIALIZED (   -- a b are word tokens (no punctuation, numeral, Latin); c is NULL unless it is one too
    SELECT doc_id, sentence_no, l, a, b, CASE WHEN pc NOT IN ('x', 'm', 'mq', 'eng') THEN c END AS c,
           c AS after_b, d AS after_c, pa, pb, pc
    FROM adjacent
    WHERE pa NOT IN ('x', 'm', 'mq', 'eng') AND pb NOT IN ('x', 'm', 'mq', 'eng')
),
counted AS MATERIALIZED (   -- every run a b and a b c seen often enough; tags depend on the word only
    SELECT a, b, c, count(*) AS frequency, any_value(pa) AS first_tag,
           CASE WHEN grouping(c) = 1 THEN any_value(pb) ELSE any_value(pc) END AS last_tag
    FROM word_runs
    GROUP BY GROUPING SETS ((a, b), (a, b, c))
    HAVING count(*) >= getvariable('new_terms_min_frequency') AND (grouping(c) = 1 OR c IS NOT NULL)
),
unit AS MATERIALIZED (SELECT word, sum(n) AS n FROM doc_terms GROUP BY word),   -- every token's count
total AS (SELECT sum(n)::DOUBLE AS n FROM unit),
cohesive AS (   -- cohesion: ln(p(term) / p(a) p(b)); a 3-token term takes the lower of a | b c and a b | c
    SELECT k.a, k.b, k.c, k.a || k.b || coalesce(k.c, '') AS term, k.frequency, k.last_tag,
           CASE WHEN k.c IS NULL THEN ln(k.frequency * t.n / (ua.n * ub.n))
                ELSE least(ln(k.frequency * t.n / (ua.n * bc.frequency)),
                           ln(k.frequency * t.n / (ab.frequency * uc.n)))
           END AS pmi
    FROM counted AS k
    CROSS JOIN total AS t
    JOIN unit AS ua ON ua.word = k.a
    JOIN unit AS ub ON ub.word = k.b
    LEFT JOIN unit AS uc ON uc.word = k.c
    LEFT JOIN counted AS ab ON k.c IS NOT NULL AND ab.a = k.a AND ab.b = k.b AND ab.c IS NULL
    LEFT JOIN counted AS bc ON k.c IS NOT NULL AND bc.a = k.b AND bc.b = k.c AND bc.c IS NULL
    -- Edges that can bound a term: no stopword, and no pronoun, adverb, preposition, conjunction,
    -- particle, localiser or measure word (这次会议, 每季度至少, 严肃追 are phrases around a term);
    -- no coordination or 的 inside (信心和决心, 突如其来的新冠 are two terms).
    WHERE NOT regexp_matches(k.first_tag, '^[rdpcufqyeo]') AND NOT regexp_matches(k.last_tag, '^[rdpcufqyeo]')
      AND k.a NOT IN (SELECT word FROM stopwords) AND coalesce(k.c, k.b) NOT IN (SELECT word FROM stopwords)
      AND coalesce(k.c, '') NOT IN ('和', '与', '及', '或', '并', '的', '地', '得')
      AND k.b NOT IN ('和', '与', '及', '或', '并', '的', '地', '得')
),
candidates AS (   -- Chinese only, not already a token somewhere in the corpus (the dictionary knows it)
    SELECT *
    FROM cohesive
    WHERE pmi >= getvariable('new_terms_min_pmi')
      AND regexp_full_match(term, '\p{Han}+')
      AND term NOT IN (SELECT word FROM unit)
    ORDER BY frequency DESC, term
    LIMIT getvariable('new_terms_max_candidates')
),
occurrences AS MATERIALIZED (   -- each candidate's occurrences with its neighbours and document
    SELECT r.doc_id, k.term,
           -- a sentence edge is a neighbour of its own, each time: it leaves the term free
           coalesce(r.l, '^' || r.doc_id || '/' || r.sentence_no) AS left_word,
           coalesce(CASE WHEN k.c IS NULL THEN r.after_b ELSE r.after_c END,
                    '$' || r.doc_id || '/' || r.sentence_no) AS right_word
    FROM word_runs AS r
    JOIN candidates AS k ON k.a = r.a AND k.b = r.b AND (k.c IS NULL OR k.c = r.c)
),
sides AS (
    SELECT term, 'l' AS side, left_word AS neighbour, count(*) AS n FROM occurrences GROUP BY ALL
    UNION ALL
    SELECT term, 'r' AS side, right_word AS neighbour, count(*) AS n FROM occurrences GROUP BY ALL
),
entropy AS (   -- branching entropy in nats of the token before and after the term
    SELECT term,
           greatest(-sum(n / t * ln(n / t)) FILTER (WHERE side = 'l'), 0) AS left_entropy,
           greatest(-sum(n / t * ln(n / t)) FILTER (WHERE side = 'r'), 0) AS right_entropy
    FROM (SELECT *, sum(n) OVER (PARTITION BY term, side)::DOUBLE AS t FROM sides)
    GROUP BY term
),
documents_of AS (   -- per term: documents, and the earliest one (undated documents last)
    SELECT o.term, count(*) AS documents, min(d.published_at) AS first_seen,
           arg_min(o.doc_id, (d.published_at IS NULL, d.published_at, o.doc_id)) AS first_doc_id
    FROM (SELECT DISTINCT term, doc_id FROM occurrences) AS o
    JOIN documents AS d USING (doc_id)
    GROUP BY o.term
),
scored AS (   -- one string may come from two cuts (创文 办 / 创 文办): the more frequent one stays
    SELECT k.term, list_filter([k.a, k.b, k.c], lambda p: p IS NOT NULL) AS parts, k.last_tag AS pos,
           k.frequency, g.documents, k.pmi, e.left_entropy, e.right_entropy, g.first_seen, g.first_doc_id,
           ln(1 + k.frequency) * k.pmi * least(e.left_entropy, e.right_entropy) AS score
    FROM candidates AS k
    JOIN entropy AS e USING (term)
    JOIN documents_of AS g USING (term)
    QUALIFY row_number() OVER (PARTITION BY k.term ORDER BY k.frequency DESC, len(parts)) = 1
)
SELECT term, parts, pos, frequency, documents, round(pmi, 4) AS pmi, round(left_entropy, 4) AS left_entropy,
       round(right_entropy, 4) AS right_entropy, round(score, 4) AS score,
       row_number() OVER (ORDER BY score DESC, frequency DESC, term) AS rank,
       first_seen, first_doc_id, getvariable('run_id') AS run_id
FROM scored
WHERE least(left_entropy, right_entropy) >= getvariable('new_terms_min_entropy')
ORDER BY rank;
