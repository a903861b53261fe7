-- wenji schema, version 2: the structure of each document (issue 5).
-- Per-document tables are replaced with their page inside the batch transaction (load/replace_pages.sql);
-- `duplicates` is a corpus step, recomputed whole after every run's batches (tasks/enrich/duplicates.py).

ALTER TABLE documents ADD COLUMN doc_type VARCHAR;            -- 讲话 | 报告 | 方案 | 通知 | 心得体会 | 总结 | 意见 | 决定 | 其他
ALTER TABLE documents ADD COLUMN n_placeholders INTEGER;      -- template slots (X, XX, 20XX, ○○, 某某) in the text
ALTER TABLE documents ADD COLUMN is_template BOOLEAN;         -- n_placeholders >= 2: a 范文 template, not a real document
-- heading_nos (outline.heading_no) of the sections the paragraph is in, outermost first; [] before the first heading.
ALTER TABLE paragraphs ADD COLUMN section_path INTEGER[];

CREATE TABLE entities (
    doc_id              VARCHAR NOT NULL,
    kind                VARCHAR NOT NULL,      -- person | place | org | meeting
    entity              VARCHAR NOT NULL,
    count               INTEGER NOT NULL,      -- mentions in the document
    first_sentence_no   INTEGER NOT NULL,
    run_id              VARCHAR NOT NULL
);

CREATE TABLE terms (
    doc_id              VARCHAR NOT NULL,
    kind                VARCHAR NOT NULL,      -- quoted (“……”) | numeric (五个三, 三纵四横) | series (不敢腐、不能腐、不想腐)
    term                VARCHAR NOT NULL,
    count               INTEGER NOT NULL,
    first_sentence_no   INTEGER NOT NULL,      -- sentences.sentence_no where it first appears
    run_id              VARCHAR NOT NULL
);

CREATE TABLE outline (
    doc_id              VARCHAR NOT NULL,
    heading_no          INTEGER NOT NULL,      -- 0-based in document order
    level               INTEGER NOT NULL,      -- 1 = top
    style               VARCHAR NOT NULL,      -- marker family: cn_dun 一、| cn_paren （一）| digit_dot 1. | fangmian 第一个方面 | shi 一是 | yao 一要 …
    marker              VARCHAR NOT NULL,      -- as written, e.g. 二、
    text                VARCHAR NOT NULL,
    paragraph_no        INTEGER NOT NULL,
    parent_no           INTEGER,               -- heading_no of the enclosing heading; NULL at the top
    run_in              BOOLEAN NOT NULL,      -- body text follows the heading in the same paragraph
    run_id              VARCHAR NOT NULL
);

CREATE TABLE placeholders (
    doc_id              VARCHAR NOT NULL,
    slot_no             INTEGER NOT NULL,      -- 0-based in text order
    kind                VARCHAR NOT NULL,      -- year (20XX) | person (X同志) | slot
    text                VARCHAR NOT NULL,
    start_char          INTEGER NOT NULL,      -- offsets into documents.text
    end_char            INTEGER NOT NULL,
    run_id              VARCHAR NOT NULL
);

-- MinHash (128 values) of the document's word 3-gram shingles: the input of the duplicates step.
CREATE TABLE fingerprints (
    doc_id              VARCHAR NOT NULL,
    n_shingles          INTEGER NOT NULL,
    signature           UINTEGER[] NOT NULL,
    run_id              VARCHAR NOT NULL
);

-- Near-duplicate groups over the whole corpus (estimated Jaccard similarity of word shingles >= 0.5).
-- Documents without a near-duplicate are in no group. group_id is the representative's doc_id.
CREATE TABLE duplicates (
    group_id                        VARCHAR NOT NULL,
    doc_id                          VARCHAR NOT NULL,
    similarity_to_representative    DOUBLE NOT NULL,
    is_representative               BOOLEAN NOT NULL,
    run_id                          VARCHAR NOT NULL
);
