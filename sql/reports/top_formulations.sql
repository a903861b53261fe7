-- The most widespread formulations (提法): quoted phrases, numeric slogans and series, by distinct texts.
SELECT term, kind, texts, documents, sites, count, first_title
FROM term_index
LIMIT 30;
