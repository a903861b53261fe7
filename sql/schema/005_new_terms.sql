-- wenji schema, version 5: new-term candidates found over the whole corpus (issue 19), a corpus step like
-- duplicates and term_stats: recomputed whole after each run's batches (load/new_terms.sql,
-- tasks/enrich/new_terms.py). A candidate is a run of 2 or 3 adjacent Chinese tokens that the segmenter
-- keeps apart but the corpus uses as one unit: frequent, cohesive (pmi) and free at both edges (entropy).
CREATE TABLE new_terms (
    term            VARCHAR NOT NULL,      -- the tokens joined: 区数据局
    parts           VARCHAR[] NOT NULL,    -- the segmenter's cut, the most frequent one: [区, 数据, 局]
    pos             VARCHAR NOT NULL,      -- the last part's usual tag (compounds are head-final)
    frequency       BIGINT NOT NULL,       -- occurrences in the corpus
    documents       BIGINT NOT NULL,       -- documents it occurs in
    pmi             DOUBLE NOT NULL,       -- cohesion: ln(p(term) / (p(a) p(b))), the weakest of its cuts
    left_entropy    DOUBLE NOT NULL,       -- branching entropy (nats) of the token before it; a sentence
    right_entropy   DOUBLE NOT NULL,       -- edge counts as a neighbour of its own; likewise after it
    score           DOUBLE NOT NULL,       -- ln(1 + frequency) * pmi * least(left, right entropy)
    rank            BIGINT NOT NULL,       -- 1 = highest score
    first_seen      TIMESTAMP,             -- the earliest published_at of the documents using it
    first_doc_id    VARCHAR NOT NULL,      -- the earliest such document (undated ones last)
    run_id          VARCHAR NOT NULL       -- the run that recomputed it
);
