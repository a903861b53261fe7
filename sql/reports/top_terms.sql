-- The 20 most frequent terms of the corpus (no punctuation, stopwords, numerals or placeholders).
SELECT word, pos, count, documents
FROM term_freq
LIMIT 20;
