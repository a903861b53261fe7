-- The words that most often rank among a document's TF-IDF keywords (stopwords never do).
SELECT word, count(*) AS documents, round(avg(weight), 3) AS avg_weight
FROM keywords
WHERE method = 'tfidf'
GROUP BY word
ORDER BY documents DESC, avg_weight DESC, word
LIMIT 10;
