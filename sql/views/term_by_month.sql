-- Word frequencies per month of publication (documents.published_at; documents without a date are left
-- out). `share` = occurrences per 1,000 content tokens published that month: the trend measure, since
-- months differ in how much was published; `rank` 1 = the month's most frequent word. From term_stats.
-- No ORDER BY: sorting its million-odd rows would cost every query that filters it (a report on one
-- month) more than the query itself. term_stats is written in (month, rank) order and DuckDB returns a
-- table's rows in that order (preserve_insertion_order); add ORDER BY month, rank where order matters.
CREATE OR REPLACE VIEW term_by_month AS
SELECT month, word, pos, n AS count, documents, share, rank
FROM term_stats
WHERE scope = 'month';
