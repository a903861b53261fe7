-- True when a run after the last finished one did not finish (failed or killed): it may have loaded batches
-- without refreshing the corpus-wide tables (duplicates, term_stats, new_terms), so the next run must refresh them.
SELECT count(*) > 0
FROM runs
WHERE run_id <> ?
  AND status <> 'done'
  AND started_at > coalesce((SELECT max(started_at) FROM runs WHERE status = 'done'), TIMESTAMPTZ '1970-01-01');
