-- Open problems per stage and reason code (the latest error of each URL).
SELECT stage, kind, count(*) AS pages
FROM errors
GROUP BY ALL
ORDER BY stage, pages DESC, kind;
