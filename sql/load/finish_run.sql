UPDATE runs
SET status = ?, finished_at = ?, seconds = ?,
    pages_seen = ?, pages_fetched = ?, pages_unchanged = ?, pages_failed = ?,
    documents = ?, sentences = ?, tokens = ?, errors = ?
WHERE run_id = ?;
