-- The stopword list of the segmenter and keyword steps (tasks/data/stopwords.txt), copied into the database
-- at every migrate so that SQL (term_freq, cooccur, the reports) filters exactly the same words, also when
-- the file is opened later by a plain duckdb session. `stopword_list` is the file's words, registered from Arrow.
CREATE OR REPLACE TABLE stopwords AS SELECT DISTINCT word FROM stopword_list ORDER BY word;
