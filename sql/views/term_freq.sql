-- Corpus word frequencies, most frequent first: each (word, POS tag) with its occurrences (`count`) and the
-- number of documents it occurs in. Punctuation, stopwords, numerals and placeholders are left out
-- (is_content_word). Read from term_stats (scope corpus), which each run recomputes after its batches.
CREATE OR REPLACE VIEW term_freq AS
SELECT word, pos, n AS count, documents
FROM term_stats
WHERE scope = 'corpus'
ORDER BY rank;
