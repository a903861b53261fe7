-- The 10 most frequent terms of each category, with their share of the category's content tokens (‰).
SELECT category, word, pos, count, documents, share
FROM term_by_category
WHERE rank <= 10
ORDER BY category, rank;
