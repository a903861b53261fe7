-- wenji schema, version 3: per-document word counts, so that the word-count views (term_freq, term_by_*,
-- tfidf) read one row per (document, word, tag) instead of unnesting every token on each query (issue 7).
-- doc_terms is written with each batch by the worker (tasks/load.py: term_counts) and replaced with its page
-- (load/replace_pages.sql); term_stats is a corpus step, recomputed whole from it after every run's
-- batches (load/term_stats.sql), like duplicates.

-- Every token except punctuation and symbols (POS x without a letter or digit). Stopwords, numerals and
-- placeholders are kept: the views filter them in SQL (is_content_word, against the stopwords table of
-- the current release) and tfidf counts them.
CREATE TABLE doc_terms (
    doc_id      VARCHAR NOT NULL,
    word        VARCHAR NOT NULL,
    pos         VARCHAR NOT NULL,
    n           INTEGER NOT NULL,          -- occurrences in the document
    run_id      VARCHAR NOT NULL
);

-- Documents loaded before this version: their counts from the stored token lists, the same rule in SQL.
INSERT INTO doc_terms
SELECT doc_id, word, pos, count(*) AS n, any_value(run_id) AS run_id
FROM (SELECT doc_id, run_id, unnest(words) AS word, unnest(pos) AS pos FROM sentences)
WHERE pos <> 'x' OR regexp_matches(word, '[\p{L}\p{N}]')
GROUP BY doc_id, word, pos;

-- Word counts summed over the corpus (scope corpus), per month of publication (month; undated documents
-- left out) and per category (category: the last element of category_path, '(none)' without one), of
-- content words only (is_content_word: no punctuation, stopwords, numerals, placeholders); and scope word:
-- every word of 2 or more characters but punctuation, POS tags merged (pos NULL), for tfidf's document
-- frequencies. Stored so that term_freq, term_by_* and the reports read a few hundred thousand rows instead
-- of aggregating tens of millions of doc_terms rows on each query.
CREATE TABLE term_stats (
    scope       VARCHAR NOT NULL,          -- corpus | month | category | word
    month       DATE,                      -- scope month: the first day of the month
    category    VARCHAR,                   -- scope category
    word        VARCHAR NOT NULL,
    pos         VARCHAR,                   -- NULL in scope word
    n           BIGINT NOT NULL,           -- occurrences
    documents   BIGINT NOT NULL,           -- documents it occurs in
    share       DOUBLE,                    -- per 1,000 content tokens of the same scope, month or category
    rank        BIGINT NOT NULL,           -- 1 = most frequent within the same scope, month or category
    run_id      VARCHAR NOT NULL           -- the run that recomputed it
);
