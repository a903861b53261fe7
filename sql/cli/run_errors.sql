-- The first errors of one run, for the terminal summary of `wenji run` / `wenji demo`.
-- Parameters: run_id, the number of rows. Resolve errors (a source that failed) come first: they explain
-- the most.
SELECT url, stage, kind, message
FROM errors
WHERE run_id = ?
ORDER BY stage <> 'resolve', recorded_at, url
LIMIT ?;
