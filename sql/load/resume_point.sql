-- What an interrupted run left done: the runs over the same sources (the first parameter) since the last
-- one that finished, which did not finish themselves (status running: killed; failed: stopped by an error),
-- with the URLs of the pages their batches loaded. A resumed run skips those URLs. The second parameter is
-- the asking run, left out. A run asks while it holds the writer lock, so a `running` run is a dead one.
WITH same_sources AS (
    SELECT run_id, started_at, status FROM runs WHERE sources = ?::VARCHAR[] AND run_id <> ?
),
last_done AS (
    SELECT max(started_at) AS started_at FROM same_sources WHERE status = 'done'
),
unfinished AS (
    SELECT s.run_id, s.started_at
    FROM same_sources AS s, last_done AS d
    WHERE s.status <> 'done' AND (d.started_at IS NULL OR s.started_at > d.started_at)
)
SELECT u.run_id, u.started_at, p.url
FROM unfinished AS u
LEFT JOIN pages AS p ON p.run_id = u.run_id
ORDER BY u.started_at;
