INSERT INTO runs (run_id, started_at, status, sources, settings)
VALUES (?, ?, 'running', ?, ?);
