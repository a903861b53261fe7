-- What failed, where, and why: the run report of problems.
SELECT stage, kind, count(*) AS pages, any_value(message) AS example
FROM errors
GROUP BY ALL
ORDER BY pages DESC, stage, kind;
