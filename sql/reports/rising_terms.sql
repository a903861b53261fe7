-- Rising terms: the latest month with publications against the month before it, by the change in share
-- (occurrences per 1,000 content tokens). Terms need 3 occurrences this month to count, so one document
-- repeating a rare word does not top the list.
WITH latest AS (
    SELECT max(month) AS this_month FROM term_by_month
), this AS (
    SELECT b.word, b.pos, b.count, b.share
    FROM term_by_month AS b, latest
    WHERE b.month = latest.this_month AND b.count >= 3
), prev AS (
    SELECT b.word, b.pos, b.count, b.share
    FROM term_by_month AS b, latest
    WHERE b.month = latest.this_month - INTERVAL 1 MONTH
)
SELECT (SELECT this_month FROM latest) AS month,
       t.word, t.pos,
       t.count AS count_this_month, coalesce(p.count, 0) AS count_last_month,
       t.share AS share_this_month, coalesce(p.share, 0) AS share_last_month,
       round(t.share - coalesce(p.share, 0), 3) AS rise
FROM this AS t
LEFT JOIN prev AS p USING (word, pos)
ORDER BY rise DESC, t.word
LIMIT 20;
