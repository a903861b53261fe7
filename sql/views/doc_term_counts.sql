-- Bag of words: how often each content word (is_content_word: no punctuation, stopwords, numerals or
-- placeholders) occurs in each document, from the per-document counts stored at load time (doc_terms).
-- Live: it follows every committed batch, while the term_* views read term_stats, refreshed after a run.
CREATE OR REPLACE VIEW doc_term_counts AS
SELECT doc_id, word, pos, n AS count
FROM doc_terms
WHERE is_content_word(word, pos);
