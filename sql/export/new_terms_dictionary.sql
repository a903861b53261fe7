-- The best-ranked new terms for a user dictionary (`wenji terms export`): used in at least ? documents,
-- the first ? by rank.
SELECT term, parts, pos, frequency, documents, score
FROM new_terms
WHERE documents >= ?
ORDER BY rank
LIMIT ?;
