-- Corpus TF-IDF per (document, word), from document frequencies over the whole corpus, so it follows the
-- corpus as it grows (the keywords table's tfidf uses jieba's general-language IDF instead).
-- Counted: tokens that are not punctuation (POS x) and longer than one character, POS tags merged.
-- tf = count in the document / counted tokens of the document; idf = ln((1 + N) / (1 + df)) + 1 (smoothed,
-- as scikit-learn does, so a word in every document still weighs a little), N = documents in the corpus;
-- tf_idf = tf * idf. Term counts come from doc_terms; df from term_stats (scope word, refreshed after each
-- run). The document lengths are summed from doc_terms again rather than from `tf`: a CTE used twice is
-- materialised whole, while this way a filter on doc_id reaches both scans and reads one document's rows:
--   SELECT word, tf_idf FROM tfidf WHERE doc_id = ? ORDER BY tf_idf DESC LIMIT 10;
CREATE OR REPLACE VIEW tfidf AS
WITH tf AS (
    SELECT doc_id, word, CAST(sum(n) AS BIGINT) AS n
    FROM doc_terms
    WHERE pos <> 'x' AND length(word) > 1
    GROUP BY doc_id, word
), doc_len AS (
    SELECT doc_id, sum(n) AS n_tokens
    FROM doc_terms
    WHERE pos <> 'x' AND length(word) > 1
    GROUP BY doc_id
)
SELECT tf.doc_id,
       tf.word,
       tf.n AS count,
       df.documents AS df,
       tf.n / doc_len.n_tokens AS tf,
       ln((1 + corpus.n_docs) / (1 + df.documents)) + 1 AS idf,
       tf.n / doc_len.n_tokens * (ln((1 + corpus.n_docs) / (1 + df.documents)) + 1) AS tf_idf
FROM tf
JOIN doc_len USING (doc_id)
JOIN term_stats AS df ON df.scope = 'word' AND df.word = tf.word
CROSS JOIN (SELECT count(*) AS n_docs FROM documents) AS corpus;
