-- wenji schema, version 1.
-- Keys are stable across runs: page_id = hash(normalised URL), doc_id = hash(normalised URL, part_no).
-- Every data row carries the run_id that wrote it. A changed page's rows are replaced inside one
-- transaction per batch, so re-running the same sources never duplicates rows.

CREATE TABLE runs (
    run_id          VARCHAR PRIMARY KEY,
    started_at      TIMESTAMPTZ NOT NULL,
    finished_at     TIMESTAMPTZ,
    status          VARCHAR NOT NULL,          -- running | done | failed
    sources         VARCHAR[] NOT NULL,
    settings        JSON,
    pages_seen      BIGINT DEFAULT 0,          -- URLs resolved from the sources
    pages_fetched   BIGINT DEFAULT 0,          -- fetched and new or changed
    pages_unchanged BIGINT DEFAULT 0,          -- same content hash as the stored page: not reprocessed
    pages_failed    BIGINT DEFAULT 0,
    documents       BIGINT DEFAULT 0,
    sentences       BIGINT DEFAULT 0,
    tokens          BIGINT DEFAULT 0,
    errors          BIGINT DEFAULT 0,
    seconds         DOUBLE
);

CREATE TABLE pages (
    page_id         VARCHAR PRIMARY KEY,
    url             VARCHAR NOT NULL,          -- normalised request URL
    final_url       VARCHAR NOT NULL,          -- after redirects
    status          INTEGER NOT NULL,
    content_type    VARCHAR,
    encoding        VARCHAR NOT NULL,          -- codec used to decode, e.g. gb18030
    encoding_source VARCHAR NOT NULL,          -- header | bom | meta | detected | default
    bad_bytes       BIGINT NOT NULL,           -- bytes replaced while decoding
    content_hash    VARCHAR NOT NULL,          -- of the raw body; unchanged hash = page skipped on re-runs
    etag            VARCHAR,
    last_modified   VARCHAR,
    fetched_at      TIMESTAMPTZ NOT NULL,
    n_bytes         BIGINT NOT NULL,
    raw_zlib        BLOB NOT NULL,             -- the raw body, zlib-compressed: reprocessing needs no network
    title           VARCHAR,
    n_documents     INTEGER NOT NULL,
    run_id          VARCHAR NOT NULL
);

CREATE TABLE documents (
    doc_id          VARCHAR PRIMARY KEY,
    page_id         VARCHAR NOT NULL,
    url             VARCHAR NOT NULL,
    part_no         INTEGER NOT NULL,          -- 0-based piece of a page holding several documents
    title           VARCHAR NOT NULL,
    page_title      VARCHAR,
    site_name       VARCHAR,
    category_path   VARCHAR[],
    published_at    TIMESTAMP,
    tags            VARCHAR[],
    language        VARCHAR,
    text            VARCHAR NOT NULL,          -- paragraphs joined by '\n'; offsets index into it
    n_chars         INTEGER NOT NULL,
    n_paragraphs    INTEGER NOT NULL,
    n_sentences     INTEGER NOT NULL,
    n_tokens        INTEGER NOT NULL,
    run_id          VARCHAR NOT NULL
);

CREATE TABLE paragraphs (
    doc_id          VARCHAR NOT NULL,
    paragraph_no    INTEGER NOT NULL,
    start_char      INTEGER NOT NULL,
    end_char        INTEGER NOT NULL,
    text            VARCHAR NOT NULL,
    run_id          VARCHAR NOT NULL
);

-- Tokens travel and are stored as one list of words and one of POS tags per sentence (columnar, compact);
-- the `tokens` view unnests them into one row per token.
CREATE TABLE sentences (
    doc_id          VARCHAR NOT NULL,
    sentence_no     INTEGER NOT NULL,
    paragraph_no    INTEGER NOT NULL,
    start_char      INTEGER NOT NULL,
    end_char        INTEGER NOT NULL,
    text            VARCHAR NOT NULL,
    words           VARCHAR[] NOT NULL,
    pos             VARCHAR[] NOT NULL,
    run_id          VARCHAR NOT NULL
);

CREATE TABLE keywords (
    doc_id          VARCHAR NOT NULL,
    method          VARCHAR NOT NULL,          -- tfidf | textrank
    rank            INTEGER NOT NULL,          -- 1 = strongest
    word            VARCHAR NOT NULL,
    weight          DOUBLE NOT NULL,
    run_id          VARCHAR NOT NULL
);

-- The open problems: the latest error per URL and stage. Processing a URL again replaces its rows,
-- so a page that now succeeds has none and re-running adds no duplicates. `runs.errors` keeps the count.
CREATE TABLE errors (
    run_id          VARCHAR NOT NULL,
    url             VARCHAR NOT NULL,
    stage           VARCHAR NOT NULL,          -- resolve | fetch | decode | extract | clean | segment | enrich | load
    kind            VARCHAR NOT NULL,          -- reason code, e.g. fetch_http_500, decode_failed, extract_empty
    message         VARCHAR NOT NULL,
    recorded_at     TIMESTAMPTZ NOT NULL
);
