-- Corpus word frequencies, most frequent first: each (word, POS tag) with its occurrences (`count`) and the
-- number of documents it occurs in. Punctuation, stopwords, numerals and placeholders are left out
-- (tokens_content).
CREATE OR REPLACE VIEW term_freq AS
SELECT word, pos, CAST(sum(count) AS BIGINT) AS count, count(*) AS documents
FROM doc_term_counts
GROUP BY ALL
ORDER BY count DESC, documents DESC, word, pos;
