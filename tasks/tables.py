"""Records become Arrow tables: one table per stored table, with the columns of its DDL in sql/schema/.

Pure (no I/O): `to_tables` runs in the worker process at the end of a batch, so the flow process only
moves columnar data, and the writer (wenji.tasks.store) inserts the tables as they are. The tables
computed from tokens (doc_terms, fingerprints) start from the sentences table's words, dictionary-encoded
once per batch. The schemas below are the Arrow side of the DDL; tests/integration/test_table_schemas.py
compares each with DESCRIBE.
"""

from __future__ import annotations

import itertools
import zlib
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from wenji.tasks.enrich import fingerprint
from wenji.tasks.enrich.placeholders import is_template
from wenji.tasks.records import ErrorRecord, Page, ProcessedDoc, Sentence

# zlib level 6 halves Chinese HTML for ~20 MB/s per core; higher levels cost much more time for ~3% less.
RAW_COMPRESSION_LEVEL = 6

_STR = pa.string()
_LIST_STR = pa.list_(pa.string())
_TS_TZ = pa.timestamp("us", tz="UTC")

T = TypeVar("T")

# documents' 政府信息公开 columns (006_gov_info.sql), each named gov_<GovInfo field>.
GOV_INFO_COLUMNS: tuple[tuple[str, pa.DataType], ...] = (
    ("gov_index_no", _STR),
    ("gov_issuer", _STR),
    ("gov_doc_no", _STR),
    ("gov_written_at", pa.date32()),
    ("gov_published_at", pa.date32()),
    ("gov_topic", _STR),
    ("gov_validity", _STR),
)
SCHEMAS: dict[str, pa.Schema] = {
    "pages": pa.schema(
        [
            ("page_id", _STR),
            ("url", _STR),
            ("final_url", _STR),
            ("status", pa.int32()),
            ("content_type", _STR),
            ("encoding", _STR),
            ("encoding_source", _STR),
            ("bad_bytes", pa.int64()),
            ("content_hash", _STR),
            ("etag", _STR),
            ("last_modified", _STR),
            ("fetched_at", _TS_TZ),
            ("n_bytes", pa.int64()),
            ("raw_zlib", pa.binary()),
            ("title", _STR),
            ("n_documents", pa.int32()),
            ("run_id", _STR),
        ]
    ),
    "documents": pa.schema(
        [
            ("doc_id", _STR),
            ("page_id", _STR),
            ("url", _STR),
            ("part_no", pa.int32()),
            ("title", _STR),
            ("page_title", _STR),
            ("site_name", _STR),
            ("category_path", _LIST_STR),
            ("published_at", pa.timestamp("us")),
            ("tags", _LIST_STR),
            ("language", _STR),
            ("text", _STR),
            ("n_chars", pa.int32()),
            ("n_paragraphs", pa.int32()),
            ("n_sentences", pa.int32()),
            ("n_tokens", pa.int32()),
            ("doc_type", _STR),
            ("n_placeholders", pa.int32()),
            ("is_template", pa.bool_()),
            *GOV_INFO_COLUMNS,
            ("run_id", _STR),
        ]
    ),
    "paragraphs": pa.schema(
        [
            ("doc_id", _STR),
            ("paragraph_no", pa.int32()),
            ("start_char", pa.int32()),
            ("end_char", pa.int32()),
            ("text", _STR),
            ("section_path", pa.list_(pa.int32())),
            ("run_id", _STR),
        ]
    ),
    "sentences": pa.schema(
        [
            ("doc_id", _STR),
            ("sentence_no", pa.int32()),
            ("paragraph_no", pa.int32()),
            ("start_char", pa.int32()),
            ("end_char", pa.int32()),
            ("text", _STR),
            ("words", _LIST_STR),
            ("pos", _LIST_STR),
            ("run_id", _STR),
        ]
    ),
    "keywords": pa.schema(
        [
            ("doc_id", _STR),
            ("method", _STR),
            ("rank", pa.int32()),
            ("word", _STR),
            ("weight", pa.float64()),
            ("run_id", _STR),
        ]
    ),
    "entities": pa.schema(
        [
            ("doc_id", _STR),
            ("kind", _STR),
            ("entity", _STR),
            ("count", pa.int32()),
            ("first_sentence_no", pa.int32()),
            ("run_id", _STR),
        ]
    ),
    "terms": pa.schema(
        [
            ("doc_id", _STR),
            ("kind", _STR),
            ("term", _STR),
            ("count", pa.int32()),
            ("first_sentence_no", pa.int32()),
            ("run_id", _STR),
        ]
    ),
    "outline": pa.schema(
        [
            ("doc_id", _STR),
            ("heading_no", pa.int32()),
            ("level", pa.int32()),
            ("style", _STR),
            ("marker", _STR),
            ("text", _STR),
            ("paragraph_no", pa.int32()),
            ("parent_no", pa.int32()),
            ("run_in", pa.bool_()),
            ("run_id", _STR),
        ]
    ),
    "placeholders": pa.schema(
        [
            ("doc_id", _STR),
            ("slot_no", pa.int32()),
            ("kind", _STR),
            ("text", _STR),
            ("start_char", pa.int32()),
            ("end_char", pa.int32()),
            ("run_id", _STR),
        ]
    ),
    "fingerprints": pa.schema(
        [
            ("doc_id", _STR),
            ("n_shingles", pa.int32()),
            ("signature", pa.list_(pa.uint32())),
            ("run_id", _STR),
        ]
    ),
    "doc_terms": pa.schema(
        [
            ("doc_id", _STR),
            ("word", _STR),
            ("pos", _STR),
            ("n", pa.int32()),
            ("run_id", _STR),
        ]
    ),
    "duplicates": pa.schema(
        [
            ("group_id", _STR),
            ("doc_id", _STR),
            ("similarity_to_representative", pa.float64()),
            ("is_representative", pa.bool_()),
            ("run_id", _STR),
        ]
    ),
    "errors": pa.schema(
        [
            ("run_id", _STR),
            ("url", _STR),
            ("stage", _STR),
            ("kind", _STR),
            ("message", _STR),
            ("recorded_at", _TS_TZ),
        ]
    ),
}

# A batch's tables, in insertion order inside its transaction: parents before children. (duplicates is
# a corpus step's, written whole after the batches.)
TABLE_ORDER = (
    "pages",
    "documents",
    "paragraphs",
    "sentences",
    "keywords",
    "entities",
    "terms",
    "outline",
    "placeholders",
    "fingerprints",
    "doc_terms",
    "errors",
)
# Per-document enrichment tables, filled by `_append_enrichment`.
ENRICHMENT_TABLES = ("entities", "terms", "outline", "placeholders", "fingerprints", "doc_terms")


@dataclass(slots=True)
class BatchTables:
    """One batch, columnar, ready for one transaction.

    `page_ids` are the pages whose stored rows the batch replaces. `urls` are the URLs processed or failed
    now: all their old error rows are replaced. `unchanged_urls` were fetched fine but not reprocessed:
    only their old fetch/decode errors go, the errors of later stages still hold for the stored content.
    """

    tables: dict[str, pa.Table]
    page_ids: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    unchanged_urls: list[str] = field(default_factory=list)

    def rows(self, name: str) -> int:
        return self.tables[name].num_rows


def table(name: str, run_id: str, columns: dict[str, list | pa.Array]) -> pa.Table:
    """A table from whole columns (one list or Arrow array per column, not one dict per row: a batch has
    ~50,000 sentence rows and 100,000 doc_terms rows); `run_id` fills its column."""
    run_ids = pa.repeat(pa.scalar(run_id, _STR), len(next(iter(columns.values()))))
    return pa.Table.from_pydict({**columns, "run_id": run_ids}, schema=SCHEMAS[name])


def _repeated(values: pa.Array, counts: Sequence[int]) -> pa.Array:
    """`values[i]` `counts[i]` times, in order (a take in Arrow instead of one Python string per row)."""
    return values.take(np.repeat(np.arange(len(values), dtype=np.int32), counts))


def _with_doc_ids(doc_ids: pa.Array, per_doc: Sequence[Collection[T]]) -> tuple[pa.Array, list[T]]:
    """Child records of all documents in one list, and the doc_id of each."""
    return _repeated(doc_ids, list(map(len, per_doc))), list(itertools.chain.from_iterable(per_doc))


def is_counted_token(word: str, pos: str) -> bool:
    """Whether doc_terms counts the token: every one but punctuation and symbols.

    jieba tags punctuation `x`, but also rare characters such as 𠮷, so an `x` token counts when it holds
    a letter or digit (the test of the is_content_word macro). Stopwords, numerals and placeholders are
    counted: the views filter them in SQL, against the stopword list of the current release.
    """
    return pos != "x" or any(ch.isalnum() for ch in word)


def term_counts(sentences: Sequence[Sentence]) -> Counter[tuple[str, str]]:
    """(word, POS tag) -> occurrences in one document's sentences, of the tokens `is_counted_token` keeps.

    All tokens are counted in C first, so the test runs once per distinct token, not once per token.
    """
    words = itertools.chain.from_iterable(s.words for s in sentences)
    tags = itertools.chain.from_iterable(s.pos for s in sentences)
    counts = Counter(zip(words, tags, strict=True))
    for token in [t for t in counts if t[1] == "x" and not is_counted_token(*t)]:
        del counts[token]
    return counts


def _enrichment_tables(run_id: str, doc_ids: pa.Array, docs: Sequence[ProcessedDoc]) -> dict[str, pa.Table]:
    """The per-document enrichment tables of a batch: entities, terms, outline, placeholders."""
    ids, ents = _with_doc_ids(doc_ids, [pd.entities for pd in docs])
    entities = {
        "doc_id": ids,
        "kind": [e.kind for e in ents],
        "entity": [e.text for e in ents],
        "count": [e.count for e in ents],
        "first_sentence_no": [e.first_sentence_no for e in ents],
    }
    ids, terms = _with_doc_ids(doc_ids, [pd.terms for pd in docs])
    term_rows = {
        "doc_id": ids,
        "kind": [t.kind for t in terms],
        "term": [t.text for t in terms],
        "count": [t.count for t in terms],
        "first_sentence_no": [t.first_sentence_no for t in terms],
    }
    ids, heads = _with_doc_ids(doc_ids, [pd.outline for pd in docs])
    outline = {
        "doc_id": ids,
        "heading_no": [h.heading_no for h in heads],
        "level": [h.level for h in heads],
        "style": [h.style for h in heads],
        "marker": [h.marker for h in heads],
        "text": [h.text for h in heads],
        "paragraph_no": [h.paragraph_no for h in heads],
        "parent_no": [h.parent_no for h in heads],
        "run_in": [h.run_in for h in heads],
    }
    ids, slots = _with_doc_ids(doc_ids, [pd.placeholders for pd in docs])
    slot_nos = [no for pd in docs for no in range(len(pd.placeholders))]
    placeholders = {
        "doc_id": ids,
        "slot_no": slot_nos,
        "kind": [ph.kind for ph in slots],
        "text": [ph.text for ph in slots],
        "start_char": [ph.start for ph in slots],
        "end_char": [ph.end for ph in slots],
    }
    return {
        "entities": table("entities", run_id, entities),
        "terms": table("terms", run_id, term_rows),
        "outline": table("outline", run_id, outline),
        "placeholders": table("placeholders", run_id, placeholders),
    }


def _fingerprints_table(
    run_id: str, doc_ids: pa.Array, word: pa.DictionaryArray, n_tokens: Sequence[int]
) -> pa.Table:
    """MinHash signatures (enrich/fingerprint.py) of the documents with words, from the batch's tokens
    (`word`, dictionary-encoded; the documents' in turn, `n_tokens` each): each distinct word is hashed
    once, not once per token."""
    hashes = fingerprint.word_hashes(word.dictionary.to_pylist())[word.indices.to_numpy()]
    signatures, n_shingles = fingerprint.signatures(hashes, np.array(n_tokens, dtype=np.int64))
    signed = np.flatnonzero(n_shingles)
    offsets = np.arange(0, signatures.size + 1, fingerprint.NUM_PERM, dtype=np.int32)
    return table(
        "fingerprints",
        run_id,
        {
            "doc_id": doc_ids.take(signed),
            "n_shingles": n_shingles[signed].astype(np.int32),
            "signature": pa.ListArray.from_arrays(offsets, signatures.ravel()),
        },
    )


def _doc_terms_table(
    run_id: str, doc_ids: pa.Array, word: pa.DictionaryArray, sentences: pa.Table, n_tokens: Sequence[int]
) -> pa.Table:
    """`term_counts` of every document of the batch at once, in Arrow, from the sentences table (whose
    rows belong to the documents in turn, with `n_tokens` tokens each; `word` are their words,
    dictionary-encoded).

    The rows come out as `term_counts` orders them (documents in turn, each one's tokens in order of first
    occurrence); the `is_counted_token` test runs once per distinct `x`-tagged word.
    """
    tag = sentences.column("pos").combine_chunks().flatten().dictionary_encode()
    n_words, n_tags = len(word.dictionary), len(tag.dictionary)
    # One integer per (document, word, tag): a hash count of single integers, which keeps the order of
    # first occurrence, costs a fraction of a group-by on the three columns; of 32-bit ones, when a batch's
    # keys fit, 3/4 of 64-bit ones.
    key_type = np.int32 if len(n_tokens) * n_words * n_tags <= np.iinfo(np.int32).max else np.int64
    doc_of_token = np.repeat(np.arange(len(n_tokens), dtype=key_type), n_tokens)
    keys = (doc_of_token * n_words + word.indices.to_numpy()) * n_tags + tag.indices.to_numpy()
    counts = pc.value_counts(keys)
    doc_no, token = np.divmod(counts.field("values").to_numpy(), n_words * n_tags)
    word_no, tag_no = np.divmod(token, n_tags)
    tagged_x = tag_no == pc.index(tag.dictionary, "x").as_py()
    uncounted = np.zeros(n_words, dtype=bool)
    for no in np.unique(word_no[tagged_x]).tolist():
        uncounted[no] = not is_counted_token(word.dictionary[no].as_py(), "x")
    kept = pa.array(~(tagged_x & uncounted[word_no]))
    return table(
        "doc_terms",
        run_id,
        {
            "doc_id": doc_ids.take(pa.array(doc_no).filter(kept)),
            "word": word.dictionary.take(pa.array(word_no).filter(kept)),
            "pos": tag.dictionary.take(pa.array(tag_no).filter(kept)),
            "n": counts.field("counts").filter(kept).cast(pa.int32()),
        },
    )


def _pages_table(
    run_id: str,
    pages: Sequence[Page],
    page_ids: list[str],
    docs: Sequence[ProcessedDoc],
    doc_pages: list[str],
) -> pa.Table:
    """`page_ids` are those of `pages`, `doc_pages` those of the documents' pages."""
    docs_per_page = Counter(doc_pages)
    titles = {pid: pd.doc.meta.title for pid, pd in zip(doc_pages, docs, strict=True)}
    return table(
        "pages",
        run_id,
        {
            "page_id": page_ids,
            "url": [p.url for p in pages],
            "final_url": [p.final_url for p in pages],
            "status": [p.status for p in pages],
            "content_type": [p.content_type for p in pages],
            "encoding": [p.encoding for p in pages],
            "encoding_source": [p.encoding_source for p in pages],
            "bad_bytes": [p.bad_bytes for p in pages],
            "content_hash": [p.content_hash for p in pages],
            "etag": [p.etag for p in pages],
            "last_modified": [p.last_modified for p in pages],
            "fetched_at": [p.fetched_at for p in pages],
            "n_bytes": [len(p.body) for p in pages],
            "raw_zlib": [zlib.compress(p.body, RAW_COMPRESSION_LEVEL) for p in pages],
            "title": [titles.get(pid) for pid in page_ids],
            "n_documents": [docs_per_page.get(pid, 0) for pid in page_ids],
        },
    )


def _documents_table(
    run_id: str, doc_ids: pa.Array, docs: Sequence[ProcessedDoc], doc_pages: list[str], n_tokens: list[int]
) -> pa.Table:
    texts = [pd.doc.text for pd in docs]
    return table(
        "documents",
        run_id,
        {
            "doc_id": doc_ids,
            "page_id": doc_pages,
            "url": [pd.doc.url for pd in docs],
            "part_no": [pd.doc.part_no for pd in docs],
            "title": [pd.doc.title for pd in docs],
            "page_title": [pd.doc.meta.title for pd in docs],
            "site_name": [pd.doc.meta.site_name for pd in docs],
            "category_path": [pd.doc.meta.category_path for pd in docs],
            "published_at": [pd.doc.meta.published_at for pd in docs],
            "tags": [pd.doc.meta.tags for pd in docs],
            "language": [pd.doc.meta.language for pd in docs],
            "text": texts,
            "n_chars": [len(text) for text in texts],
            "n_paragraphs": [len(pd.doc.paragraphs) for pd in docs],
            "n_sentences": [len(pd.sentences) for pd in docs],
            "n_tokens": n_tokens,
            "doc_type": [pd.doc_type for pd in docs],
            "n_placeholders": [len(pd.placeholders) for pd in docs],
            "is_template": [is_template(pd.placeholders) for pd in docs],
            **_gov_info_columns(docs),
        },
    )


def _gov_info_columns(docs: Sequence[ProcessedDoc]) -> dict[str, list]:
    """The page's 政府信息公开 fields (sql/schema/006_gov_info.sql) on each of its documents; None without."""
    infos = [pd.doc.meta.gov_info for pd in docs]
    return {
        column: [getattr(info, column.removeprefix("gov_")) if info else None for info in infos]
        for column, _ in GOV_INFO_COLUMNS
    }


def _paragraphs_table(run_id: str, doc_ids: pa.Array, docs: Sequence[ProcessedDoc]) -> pa.Table:
    ids, paragraphs = _with_doc_ids(doc_ids, [pd.doc.paragraphs for pd in docs])
    starts: list[int] = []
    paths: list[list[int]] = []
    for pd in docs:
        n = len(pd.doc.paragraphs)
        # Offsets into doc.text, where paragraphs are joined by one "\n" each.
        starts.extend(itertools.accumulate((len(p) + 1 for p in pd.doc.paragraphs[:-1]), initial=0))
        paths.extend(pd.section_paths[:n])
        paths.extend([] for _ in range(n - len(pd.section_paths)))
    return table(
        "paragraphs",
        run_id,
        {
            "doc_id": ids,
            "paragraph_no": [no for pd in docs for no in range(len(pd.doc.paragraphs))],
            "start_char": starts,
            "end_char": [start + len(p) for start, p in zip(starts, paragraphs, strict=True)],
            "text": paragraphs,
            "section_path": paths,
        },
    )


def _sentences_table(run_id: str, doc_ids: pa.Array, docs: Sequence[ProcessedDoc]) -> pa.Table:
    ids, sentences = _with_doc_ids(doc_ids, [pd.sentences for pd in docs])
    return table(
        "sentences",
        run_id,
        {
            "doc_id": ids,
            "sentence_no": [s.sentence_no for s in sentences],
            "paragraph_no": [s.paragraph_no for s in sentences],
            "start_char": [s.start for s in sentences],
            "end_char": [s.end for s in sentences],
            "text": [s.text for s in sentences],
            "words": [s.words for s in sentences],
            "pos": [s.pos for s in sentences],
        },
    )


def _keywords_table(run_id: str, doc_ids: pa.Array, docs: Sequence[ProcessedDoc]) -> pa.Table:
    ids, keywords = _with_doc_ids(doc_ids, [pd.keywords for pd in docs])
    ranks: list[int] = []  # 1-based within (document, method)
    for pd in docs:
        seen: Counter[str] = Counter()
        for k in pd.keywords:
            seen[k.method] += 1
            ranks.append(seen[k.method])
    return table(
        "keywords",
        run_id,
        {
            "doc_id": ids,
            "method": [k.method for k in keywords],
            "rank": ranks,
            "word": [k.word for k in keywords],
            "weight": [k.weight for k in keywords],
        },
    )


def to_tables(
    run_id: str,
    pages: Sequence[Page],
    docs: Sequence[ProcessedDoc],
    errors: Sequence[ErrorRecord],
    unchanged_urls: Sequence[str] = (),
) -> BatchTables:
    """Turn one batch of records into Arrow tables (pure; no I/O)."""
    doc_ids = pa.array([pd.doc.doc_id for pd in docs], _STR)
    # Each computed once: a page id is a hash, a document's token count a sum over its sentences.
    page_ids = [page.page_id for page in pages]
    doc_pages = [pd.doc.page_id for pd in docs]
    n_tokens = [pd.n_tokens for pd in docs]
    sentences = _sentences_table(run_id, doc_ids, docs)
    word = sentences.column("words").combine_chunks().flatten().dictionary_encode()
    now = datetime.now(UTC)
    error_rows = {
        "url": [e.url for e in errors],
        "stage": [e.stage for e in errors],
        "kind": [e.kind for e in errors],
        "message": [e.message for e in errors],
        "recorded_at": [now] * len(errors),
    }
    return BatchTables(
        tables={
            "pages": _pages_table(run_id, pages, page_ids, docs, doc_pages),
            "documents": _documents_table(run_id, doc_ids, docs, doc_pages, n_tokens),
            "paragraphs": _paragraphs_table(run_id, doc_ids, docs),
            "sentences": sentences,
            "keywords": _keywords_table(run_id, doc_ids, docs),
            **_enrichment_tables(run_id, doc_ids, docs),
            "fingerprints": _fingerprints_table(run_id, doc_ids, word, n_tokens),
            "doc_terms": _doc_terms_table(run_id, doc_ids, word, sentences, n_tokens),
            "errors": table("errors", run_id, error_rows),
        },
        page_ids=page_ids,
        urls=list(dict.fromkeys([*(page.url for page in pages), *(err.url for err in errors)])),
        unchanged_urls=list(unchanged_urls),
    )
