-- The 10 most frequent terms of each category, with their share of the category's content tokens (‰).
SELECT category, word, pos, count, documents, share
FROM term_by_category
QUALIFY row_number() OVER (PARTITION BY category ORDER BY count DESC, word, pos) <= 10
ORDER BY category, count DESC, word;
