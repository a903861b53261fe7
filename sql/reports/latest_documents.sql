-- The 20 most recently published documents with their top keywords.
SELECT title, site, category, strftime(published_at, '%Y-%m-%d') AS published, chars, keywords
FROM doc_summary
LIMIT 20;
