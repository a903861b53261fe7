-- A run's counters (the batch_run_stats table registered from Arrow), replacing any it wrote before.
DELETE FROM run_stats WHERE run_id IN (SELECT DISTINCT run_id FROM batch_run_stats);
INSERT INTO run_stats BY NAME SELECT * FROM batch_run_stats;
