"""The pipeline's storage: every read and write of the DuckDB file a run makes, each in one statement or
one transaction (`wenji.tasks.db.transaction`).

A batch goes in whole (`load_batch`) or not at all; the corpus steps replace their tables whole. The
records were turned into Arrow tables before (wenji.tasks.tables), so nothing here builds rows. The
connection machinery (the held writer connection, the writer lock, migrations) is wenji.tasks.db; the
read-only queries of the CLI, the reports and the exports stay with them.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa

from wenji.tasks.db import corpus_step_limits, migrate, open_db, sql_text, transaction
from wenji.tasks.decode import decode_html
from wenji.tasks.enrich.fingerprint import NUM_PERM
from wenji.tasks.incremental import Stored
from wenji.tasks.records import Page, page_id_for
from wenji.tasks.runstats import RunStats
from wenji.tasks.settings import Settings
from wenji.tasks.tables import TABLE_ORDER, BatchTables

_STR = pa.string()
# Signatures read per chunk (512 bytes each): bounded memory per read, few round trips.
SIGNATURE_CHUNK_ROWS = 50_000


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
        with transaction(con):
            if con.execute(sql_text("load/batch_has_stored_pages")).fetchone() == (True,):
                con.execute(sql_text("load/replace_pages"))
            con.execute(sql_text("load/replace_errors"))
            for name in TABLE_ORDER:
                # Table names come from the fixed TABLE_ORDER tuple, never from input.
                con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM batch_{name}")


def stored_state(db_path: str | Path, urls: Sequence[str]) -> dict[str, Stored]:
    """What is stored about `urls` (normalised), by URL, for the incremental decisions; URLs without a
    stored page are left out. One query for the lot: the flow reads it one chunk of URLs at a time."""
    by_id = {page_id_for(url): url for url in urls}
    if not Path(db_path).exists():
        return {}
    with open_db(db_path) as con:
        con.register("batch_page_ids", pa.table({"page_id": pa.array(list(by_id), _STR)}))
        rows = con.execute(sql_text("load/stored_state")).fetchall()
    return {
        by_id[page_id]: Stored(fetched_at, content_hash, etag, last_modified)
        for page_id, etag, last_modified, fetched_at, content_hash in rows
    }


def start_run(db_path: str | Path, run_id: str, sources: Sequence[str], settings: Settings) -> None:
    """Migrate the schema if needed and record the run as `running`."""
    started_at = datetime.now(UTC)
    with open_db(db_path) as con:
        migrate(con)
        con.execute(
            sql_text("load/start_run"),
            [run_id, started_at, list(sources), json.dumps(asdict(settings), ensure_ascii=False)],
        )


def recompute(db_path: str | Path, script: str, table: str, variables: dict[str, object]) -> int:
    """Recompute a corpus-wide table with one sql/ script in one transaction, the script's `getvariable`s
    set first; returns the table's rows. Between runs' batches and after a failed run it lags behind."""
    with open_db(db_path) as con:
        for name, value in variables.items():
            con.execute(f"SET VARIABLE {name} = ?", [value])  # names are ours; values are bound
        with corpus_step_limits(con), transaction(con):
            con.execute(sql_text(script))
        # `table` is one of our table names, never input.
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def refresh_term_stats(db_path: str | Path, run_id: str) -> int:
    """Recompute the corpus word counts (term_stats) from all stored doc_terms after a run's batches."""
    return recompute(db_path, "load/term_stats", "term_stats", {"run_id": run_id})


def read_signatures(
    db_path: str | Path,
) -> tuple[list[str], np.ndarray, np.ndarray, list[datetime | None]]:
    """(doc_ids, n_shingles, signatures n x NUM_PERM, published_at) of every fingerprinted document,
    read in chunks.

    Signatures of another length (from a build with a different NUM_PERM) are skipped: they cannot be
    compared with the others.
    """
    doc_ids: list[str] = []
    shingles: list[np.ndarray] = []
    chunks: list[np.ndarray] = []
    published: list[datetime | None] = []
    with open_db(db_path, read_only=True) as con:
        # NUM_PERM is a constant int, so formatting it in is safe; a relation streams Arrow batches.
        reader = con.sql(
            "SELECT f.doc_id, f.n_shingles, f.signature, d.published_at "
            "FROM fingerprints f LEFT JOIN documents d USING (doc_id) "
            f"WHERE len(f.signature) = {NUM_PERM} ORDER BY f.doc_id"
        ).to_arrow_reader(SIGNATURE_CHUNK_ROWS)
        for batch in reader:
            if batch.num_rows == 0:
                continue
            doc_ids.extend(batch.column(0).to_pylist())
            shingles.append(batch.column(1).to_numpy(zero_copy_only=False))
            flat = batch.column(2).flatten().to_numpy(zero_copy_only=False)
            chunks.append(flat.astype(np.uint32).reshape(-1, NUM_PERM))
            published.extend(batch.column(3).to_pylist())
    if not chunks:
        return [], np.empty(0, np.int64), np.empty((0, NUM_PERM), np.uint32), []
    return doc_ids, np.concatenate(shingles), np.concatenate(chunks), published


def replace_duplicates(db_path: str | Path, duplicates: pa.Table) -> None:
    """The whole `duplicates` table replaced by `duplicates`, in one transaction."""
    with open_db(db_path) as con:
        con.register("new_duplicates", duplicates)
        with transaction(con):
            con.execute("DELETE FROM duplicates")
            con.execute("INSERT INTO duplicates BY NAME SELECT * FROM new_duplicates")


def finish_run(db_path: str | Path, run_id: str, stats: RunStats, status: str, seconds: float) -> None:
    """Record the run's counts and its run_stats rows in one transaction; `done` only after every batch
    committed."""
    with open_db(db_path) as con:
        con.register("batch_run_stats", stats.table(run_id))
        with transaction(con):
            con.execute(
                sql_text("load/finish_run"),
                [status, datetime.now(UTC), seconds, *asdict(stats.counts()).values(), run_id],
            )
            con.execute(sql_text("load/run_stats"))


@dataclass(slots=True, frozen=True)
class ResumePoint:
    """What earlier runs over the same sources loaded before they were interrupted."""

    run_ids: list[str]  # the unfinished runs since the last finished one, oldest first
    started_at: datetime  # when the oldest of them started
    loaded_urls: frozenset[str]


def resume_point(db_path: str | Path, sources: Sequence[str], current_run: str = "") -> ResumePoint | None:
    """None when the last run over `sources` finished (or there was none); else what to skip on resuming.

    A run killed mid-way stays `running`, one stopped by an error is `failed`; every page their batches
    committed carries their run_id. Knowingly misses pages the interrupted run found unchanged (their
    rows keep the older run_id): a resumed run fetches those again.
    """
    if not Path(db_path).exists():
        return None
    with open_db(db_path, read_only=True) as con:
        rows = con.execute(sql_text("load/resume_point"), [list(sources), current_run]).fetchall()
    if not rows:
        return None
    return ResumePoint(
        run_ids=list(dict.fromkeys(r[0] for r in rows)),
        started_at=rows[0][1],
        loaded_urls=frozenset(r[2] for r in rows if r[2] is not None),
    )


def stored_pages(
    db_path: str | Path, after_page_id: str, limit: int, since: datetime | None = None
) -> list[Page]:
    """The next `limit` stored pages (in page_id order, after `after_page_id`), rebuilt from their raw bytes.

    For reprocessing without network: the body is decoded again, so improved decoding rules apply too;
    the fetch time, headers and content hash are kept. `since` keeps pages fetched at or after it.
    """
    with open_db(db_path) as con:
        rows = con.execute(sql_text("load/stored_pages"), [after_page_id, since, since, limit]).fetchall()
    pages = []
    for url, final_url, status, content_type, raw, chash, fetched_at, etag, last_modified in rows:
        body = zlib.decompress(raw)
        decoded = decode_html(body, content_type)
        pages.append(
            Page(
                url=url,
                final_url=final_url,
                status=status,
                content_type=content_type,
                body=body,
                text=decoded.text,
                encoding=decoded.encoding,
                encoding_source=decoded.source,
                bad_bytes=decoded.bad_bytes,
                content_hash=chash,
                fetched_at=fetched_at,
                etag=etag,
                last_modified=last_modified,
            )
        )
    return pages


def has_pages(db_path: str | Path) -> bool:
    """Whether the (migrated) database stores any page."""
    with open_db(db_path) as con:
        return bool(con.execute(sql_text("load/has_pages")).fetchone()[0])


def corpus_stale(db_path: str | Path, run_id: str) -> bool:
    """Whether an unfinished run since the last finished one may have left the corpus-wide tables stale."""
    with open_db(db_path) as con:
        return bool(con.execute(sql_text("load/corpus_stale"), [run_id]).fetchone()[0])
