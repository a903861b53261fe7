"""Load: records become Arrow tables, and each batch goes into DuckDB in one transaction.

`to_tables` is pure (it runs in the worker process at the end of a batch, so the flow process only
moves columnar data); `load_batch` is the only writer, one short transaction per batch: either the whole
batch is in the database or none of it is.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from wenji.tasks.db import migrate, open_db, sql_text
from wenji.tasks.records import ErrorRecord, Page, ProcessedDoc
from wenji.tasks.settings import Settings

# zlib level 6 halves Chinese HTML for ~20 MB/s per core; higher levels cost much more time for ~3% less.
RAW_COMPRESSION_LEVEL = 6

_STR = pa.string()
_LIST_STR = pa.list_(pa.string())
_TS_TZ = pa.timestamp("us", tz="UTC")

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

# Insertion order inside the transaction: parents before children.
TABLE_ORDER = ("pages", "documents", "paragraphs", "sentences", "keywords", "errors")


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


def _table(name: str, columns: dict[str, list]) -> pa.Table:
    return pa.Table.from_pydict(columns, schema=SCHEMAS[name])


def _columns(name: str) -> dict[str, list]:
    return {f.name: [] for f in SCHEMAS[name]}


def _append(columns: dict[str, list], **row: object) -> None:
    for k, v in row.items():
        columns[k].append(v)


def to_tables(
    run_id: str,
    pages: Sequence[Page],
    docs: Sequence[ProcessedDoc],
    errors: Sequence[ErrorRecord],
    unchanged_urls: Sequence[str] = (),
) -> BatchTables:
    """Turn one batch of records into Arrow tables (pure; no I/O)."""
    now = datetime.now(UTC)
    docs_per_page: dict[str, int] = {}
    for pd in docs:
        docs_per_page[pd.doc.page_id] = docs_per_page.get(pd.doc.page_id, 0) + 1

    p = _columns("pages")
    titles = {pd.doc.page_id: pd.doc.meta.title for pd in docs}
    for page in pages:
        pid = page.page_id
        _append(
            p,
            page_id=pid,
            url=page.url,
            final_url=page.final_url,
            status=page.status,
            content_type=page.content_type,
            encoding=page.encoding,
            encoding_source=page.encoding_source,
            bad_bytes=page.bad_bytes,
            content_hash=page.content_hash,
            etag=page.etag,
            last_modified=page.last_modified,
            fetched_at=page.fetched_at,
            n_bytes=len(page.body),
            raw_zlib=zlib.compress(page.body, RAW_COMPRESSION_LEVEL),
            title=titles.get(pid),
            n_documents=docs_per_page.get(pid, 0),
            run_id=run_id,
        )

    d, par, sen, kw = (
        _columns("documents"),
        _columns("paragraphs"),
        _columns("sentences"),
        _columns("keywords"),
    )
    for pd in docs:
        doc, meta, doc_id = pd.doc, pd.doc.meta, pd.doc.doc_id
        text = doc.text
        _append(
            d,
            doc_id=doc_id,
            page_id=doc.page_id,
            url=doc.url,
            part_no=doc.part_no,
            title=doc.title,
            page_title=meta.title,
            site_name=meta.site_name,
            category_path=meta.category_path,
            published_at=meta.published_at,
            tags=meta.tags,
            language=meta.language,
            text=text,
            n_chars=len(text),
            n_paragraphs=len(doc.paragraphs),
            n_sentences=len(pd.sentences),
            n_tokens=pd.n_tokens,
            run_id=run_id,
        )
        start = 0
        for i, para in enumerate(doc.paragraphs):
            _append(
                par,
                doc_id=doc_id,
                paragraph_no=i,
                start_char=start,
                end_char=start + len(para),
                text=para,
                run_id=run_id,
            )
            start += len(para) + 1  # the '\n' that joins paragraphs in doc.text
        for s in pd.sentences:
            _append(
                sen,
                doc_id=doc_id,
                sentence_no=s.sentence_no,
                paragraph_no=s.paragraph_no,
                start_char=s.start,
                end_char=s.end,
                text=s.text,
                words=s.words,
                pos=s.pos,
                run_id=run_id,
            )
        ranks: dict[str, int] = {}
        for k_ in pd.keywords:
            ranks[k_.method] = ranks.get(k_.method, 0) + 1
            _append(
                kw,
                doc_id=doc_id,
                method=k_.method,
                rank=ranks[k_.method],
                word=k_.word,
                weight=k_.weight,
                run_id=run_id,
            )

    e = _columns("errors")
    for err in errors:
        _append(
            e,
            run_id=run_id,
            url=err.url,
            stage=err.stage,
            kind=err.kind,
            message=err.message,
            recorded_at=now,
        )

    return BatchTables(
        tables={
            "pages": _table("pages", p),
            "documents": _table("documents", d),
            "paragraphs": _table("paragraphs", par),
            "sentences": _table("sentences", sen),
            "keywords": _table("keywords", kw),
            "errors": _table("errors", e),
        },
        page_ids=[page.page_id for page in pages],
        urls=list(dict.fromkeys([*(page.url for page in pages), *(err.url for err in errors)])),
        unchanged_urls=list(unchanged_urls),
    )


def load_batch(db_path: str | Path, batch: BatchTables) -> None:
    """Write one batch in one transaction: replace the batch's pages and their derived rows, insert the rest.

    A crash (or kill) before COMMIT leaves the database as it was before this batch.
    """
    with open_db(db_path) as con:
        con.register("batch_page_ids", pa.table({"page_id": pa.array(batch.page_ids, _STR)}))
        con.register("batch_urls", pa.table({"url": pa.array(batch.urls, _STR)}))
        con.register("batch_unchanged_urls", pa.table({"url": pa.array(batch.unchanged_urls, _STR)}))
        for name in TABLE_ORDER:
            con.register(f"batch_{name}", batch.tables[name])
        con.execute("BEGIN")
        try:
            con.execute(sql_text("load/replace_pages"))
            for name in TABLE_ORDER:
                # Table names come from the fixed TABLE_ORDER tuple, never from input.
                con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM batch_{name}")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise


def stored_hashes(db_path: str | Path, page_ids: Sequence[str]) -> dict[str, str]:
    """page_id -> content hash of the pages already stored, for skipping unchanged pages."""
    with open_db(db_path) as con:
        con.register("batch_page_ids", pa.table({"page_id": pa.array(list(page_ids), _STR)}))
        return dict(con.execute(sql_text("load/stored_hashes")).fetchall())


def start_run(db_path: str | Path, run_id: str, sources: Sequence[str], settings: Settings) -> None:
    """Migrate the schema if needed and record the run as `running`."""
    with open_db(db_path) as con:
        migrate(con)
        con.execute(
            sql_text("load/start_run"),
            [run_id, datetime.now(UTC), list(sources), json.dumps(asdict(settings), ensure_ascii=False)],
        )


@dataclass(slots=True)
class RunCounts:
    pages_seen: int = 0
    pages_fetched: int = 0
    pages_unchanged: int = 0
    pages_failed: int = 0
    documents: int = 0
    sentences: int = 0
    tokens: int = 0
    errors: int = 0


def finish_run(db_path: str | Path, run_id: str, counts: RunCounts, status: str, seconds: float) -> None:
    """Record the run's counts; `done` only after every batch committed."""
    with open_db(db_path) as con:
        c = asdict(counts)
        con.execute(
            sql_text("load/finish_run"),
            [status, datetime.now(UTC), seconds, *c.values(), run_id],
        )


def split_unchanged(db_path: str | Path, pages: Sequence[Page]) -> tuple[list[Page], list[str]]:
    """Pages whose raw bytes differ from the stored ones (to process), and URLs of those that don't."""
    stored = stored_hashes(db_path, [p.page_id for p in pages])
    changed = [p for p in pages if stored.get(p.page_id) != p.content_hash]
    unchanged = [p.url for p in pages if stored.get(p.page_id) == p.content_hash]
    return changed, unchanged
