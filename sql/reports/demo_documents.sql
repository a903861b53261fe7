-- Documents per category, with their size.
SELECT coalesce(category_path[-1], '(none)') AS category,
       count(*) AS documents,
       sum(n_chars) AS chars,
       round(avg(n_tokens)) AS avg_tokens
FROM documents
GROUP BY ALL
ORDER BY documents DESC, category;
