-- Corpus TF-IDF per (document, word), from document frequencies over the whole corpus, so it follows the
-- corpus as it grows (the keywords table's tfidf uses jieba's general-language IDF instead).
-- Counted: tokens that are not punctuation (POS x) and longer than one character.
-- tf = count in the document / counted tokens of the document; idf = ln((1 + N) / (1 + df)) + 1 (smoothed,
-- as scikit-learn does, so a word in every document still weighs a little); tf_idf = tf * idf.
-- Built from `sentences` directly (not the `tokens` view) so that it does not depend on view creation order.
CREATE OR REPLACE VIEW tfidf AS
WITH toks AS (
    SELECT doc_id, unnest(words) AS word, unnest(pos) AS pos FROM sentences
),
tf AS (
    SELECT doc_id, word, count(*) AS n
    FROM toks
    WHERE pos <> 'x' AND length(word) > 1
    GROUP BY doc_id, word
),
doc_len AS (
    SELECT doc_id, sum(n) AS n_tokens FROM tf GROUP BY doc_id
),
df AS (
    SELECT word, count(*) AS df FROM tf GROUP BY word
),
corpus AS (
    SELECT count(*) AS n_docs FROM doc_len
)
SELECT tf.doc_id,
       tf.word,
       tf.n AS count,
       df.df,
       tf.n / doc_len.n_tokens AS tf,
       ln((1 + corpus.n_docs) / (1 + df.df)) + 1 AS idf,
       tf.n / doc_len.n_tokens * (ln((1 + corpus.n_docs) / (1 + df.df)) + 1) AS tf_idf
FROM tf
JOIN doc_len USING (doc_id)
JOIN df USING (word)
CROSS JOIN corpus;
