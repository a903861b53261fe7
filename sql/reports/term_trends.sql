-- How the 6 most frequent terms move month by month: occurrences per 1,000 content tokens published that
-- month (0 in a month where the term does not occur).
WITH top AS (
    SELECT word, pos FROM term_freq LIMIT 6
), months AS (
    SELECT DISTINCT month FROM term_by_month
)
SELECT m.month, t.word, coalesce(b.count, 0) AS count, coalesce(b.share, 0) AS share
FROM top AS t
CROSS JOIN months AS m
LEFT JOIN term_by_month AS b ON b.month = m.month AND b.word = t.word AND b.pos = t.pos
ORDER BY t.word, m.month;
