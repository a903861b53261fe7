-- The tables `wenji export` writes: every base table of the database (views are recomputed, not exported).
SELECT table_name
FROM information_schema.tables
WHERE table_schema = 'main' AND table_type = 'BASE TABLE'
ORDER BY table_name;
