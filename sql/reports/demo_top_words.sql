-- The most frequent content words (nouns, verbs, named terms) over the corpus.
SELECT word, pos, count(*) AS n, count(DISTINCT doc_id) AS documents
FROM tokens
WHERE pos[1] IN ('n', 'v', 'a') AND length(word) >= 2
GROUP BY ALL
ORDER BY n DESC, word
LIMIT 10;
