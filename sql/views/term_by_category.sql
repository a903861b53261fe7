-- Word frequencies per category (the last, most specific element of documents.category_path; '(none)' when
-- the page showed no breadcrumb). `share` = occurrences per 1,000 content tokens of that category, so
-- categories of different sizes compare; `rank` 1 = the category's most frequent word. From term_stats.
-- No ORDER BY: sorting its million-odd rows would cost every query that filters it (a report on one
-- category) more than the query itself. term_stats is written in (category, rank) order and DuckDB returns a
-- table's rows in that order (preserve_insertion_order); add ORDER BY category, rank where order matters.
CREATE OR REPLACE VIEW term_by_category AS
SELECT category, word, pos, n AS count, documents, share, rank
FROM term_stats
WHERE scope = 'category';
