"""DuckDB access: opening the file, schema migrations, and SQL loaded from `sql/` by name.

Only the flow process writes. A run holds the file across a few batches' transactions (see `holding`)
and lets go of it every few seconds, so analysts can open the database between batches instead of being
locked out for the whole run.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

import duckdb

# A reader (`wenji query`, the duckdb CLI) may hold the file for a moment; the writer waits this long
# for it before giving up with a message that says who to close.
LOCK_WAIT_SECONDS = 30.0
# Short, so that a waiting reader gets in during the gaps between a run's batch transactions.
LOCK_POLL_SECONDS = 0.05


class DatabaseBusyError(RuntimeError):
    """Another process holds the database file."""


class SchemaError(RuntimeError):
    """The database's schema history does not match the schema files shipped with this version."""


def sql_text(name: str) -> str:
    """The text of `sql/<name>.sql`, e.g. `sql_text("load/replace_pages")`."""
    return files("wenji.sql").joinpath(f"{name}.sql").read_text(encoding="utf-8")


def _sql_files(folder: str) -> list[tuple[str, str]]:
    root = files("wenji.sql").joinpath(folder)
    return sorted((p.name, p.read_text(encoding="utf-8")) for p in root.iterdir() if p.name.endswith(".sql"))


def _is_lock_error(e: duckdb.Error) -> bool:
    return "lock" in str(e).lower()


def run_marker_path(db_path: str | Path) -> Path:
    """`<db>.run.json`, present while a run writes `db_path`.

    DuckDB's lock says only that some process holds the file; a reader that cannot open the database
    reads this marker instead, to say which run holds it and since when.
    """
    return Path(f"{db_path}.run.json")


def write_run_marker(db_path: str | Path, run_id: str, started_at: datetime) -> None:
    marker = run_marker_path(db_path)
    tmp = marker.with_name(marker.name + ".tmp")
    tmp.write_text(
        json.dumps({"run_id": run_id, "pid": os.getpid(), "started_at": started_at.isoformat()}),
        encoding="utf-8",
    )
    tmp.replace(marker)  # readers never see half a marker


def remove_run_marker(db_path: str | Path, run_id: str) -> None:
    """Remove the marker if it is this run's (a newer run may have replaced it)."""
    marker = run_marker_path(db_path)
    with suppress(OSError, ValueError):
        if json.loads(marker.read_text(encoding="utf-8")).get("run_id") == run_id:
            marker.unlink()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        return True
    return True


def describe_holder(db_path: str | Path) -> str:
    """Who probably holds the database, in words, from the run marker (see `run_marker_path`)."""
    try:
        marker = json.loads(run_marker_path(db_path).read_text(encoding="utf-8"))
        run_id, pid, started = marker["run_id"], int(marker["pid"]), marker["started_at"]
    except (OSError, ValueError, KeyError, TypeError):
        pid = None
    if pid is None or pid == os.getpid():  # no run's marker, or our own: the run holds its writer lock
        return "another process (no other wenji run is writing it: a duckdb session or a script?)"
    if not _pid_alive(pid):
        return (
            f"another process; the last wenji run here (run {run_id}, pid {pid}, started at {started}) "
            "is no longer running"
        )
    return f"wenji run {run_id} (pid {pid}), started at {started}"


class RunLockedError(RuntimeError):
    """Another wenji run writes the same database, and did not finish within the wait."""


# How often a run waiting for another run's writer lock looks again.
WRITER_LOCK_POLL_SECONDS = 0.5


def writer_lock_path(db_path: str | Path) -> Path:
    return Path(f"{db_path}.lock")


@contextmanager
def writer_lock(
    db_path: str | Path,
    run_id: str,
    wait_seconds: float = 0.0,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the writer lock of `db_path` for a whole run: one wenji run writes a database at a time.

    DuckDB's own lock is let go every few seconds for readers (see `holding`), so between two batches a
    second run could get in and process the same pages beside the first. An advisory lock on
    `<db>.lock` (flock: the kernel drops it when the holder dies, even by kill -9) keeps runs apart,
    and the run marker says who holds it. A second run waits up to `wait_seconds`, telling `on_wait`
    once who holds the file, then raises RunLockedError. Readers don't take it.
    """
    path = writer_lock_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")  # noqa: SIM115 - held open for the whole run, closed in `finally`
    try:
        deadline = time.monotonic() + wait_seconds
        told = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise RunLockedError(
                        f"{db_path} is being written by {describe_holder(db_path)}; "
                        + (f"waited {wait_seconds:.0f} s. " if wait_seconds else "")
                        + "Wait for it to finish, or pass --wait SECONDS to queue behind it."
                    ) from None
                if not told and on_wait is not None:
                    on_wait(
                        f"{db_path} is being written by {describe_holder(db_path)}; waiting up to "
                        f"{wait_seconds:.0f} s for it to finish"
                    )
                    told = True
                time.sleep(WRITER_LOCK_POLL_SECONDS)
        write_run_marker(db_path, run_id, datetime.now(UTC))
        try:
            yield
        finally:
            remove_run_marker(db_path, run_id)
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        handle.close()


# DuckDB's default limit is 80% of RAM. The corpus steps (term_stats groups every stored word count) grew
# the writer by ~45 MB per 1,000 pages (543 MB at 10,000): with a limit DuckDB spills to `<db>.tmp` instead,
# so a run's memory stays flat however large the corpus (issue 8: < 2 GB at 100,000 pages, all processes).
# 256 MB rather than 512: with the connection held across batches (see `holding`) the flow process peaked at
# 764-805 MB at 10,000 pages with 512 MB, 601 MB with 256, in the same time within the runs' noise.
WRITER_MEMORY_LIMIT = "256MB"
# The corpus steps run after the workers have stopped, and may use some of the memory they held: over
# 100,000 pages (4.7 M sentences, 101 M tokens) new_terms' token runs need more than WRITER_MEMORY_LIMIT,
# which DuckDB could not spill ("could not allocate block"; 512 MB: 34.7 s, 1 GB: 30.6 s).
CORPUS_STEP_MEMORY_LIMIT = "1GB"
# DuckDB threads of a writer. It loads batches beside the workers, which have the cores: more threads of
# its own only cost CPU (30 bench batches of 200 pages loaded in 13.9-14.0 CPU s with DuckDB's default of
# one per core, 13.0-13.1 with one, in the same wall time). The corpus steps, which run after the workers
# have stopped, get a thread per core again (`corpus_step_limits`).
WRITER_THREADS = 1


def connect(
    path: str | Path,
    read_only: bool = False,
    wait_seconds: float = LOCK_WAIT_SECONDS,
    config: dict[str, Any] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open the database, waiting up to `wait_seconds` if another process holds it.

    `config` goes to DuckDB as is, e.g. `{"enable_external_access": False}` to refuse file access.
    Writers (the pipeline) get WRITER_MEMORY_LIMIT and WRITER_THREADS unless `config` says otherwise, and
    no progress bar.
    """
    path = Path(path)
    if read_only and not path.exists():
        raise FileNotFoundError(
            f"no database at {path}: run `wenji run SOURCE --db {path}` (or `wenji demo`) first"
        )
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    settings = dict(config or {})
    if not read_only:
        settings.setdefault("memory_limit", WRITER_MEMORY_LIMIT)
        settings.setdefault("threads", WRITER_THREADS)
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only, config=settings)
            return con if read_only else quiet(con)
        except duckdb.IOException as e:
            if not _is_lock_error(e) or time.monotonic() > deadline:
                if _is_lock_error(e):
                    raise DatabaseBusyError(
                        f"{path} is held by {describe_holder(path)}; waited {wait_seconds:.0f} s. "
                        "A run lets go of it every ~10 s: try again, or wait for the run to "
                        "finish or close the other session."
                    ) from None
                raise
            time.sleep(LOCK_POLL_SECONDS)


# One thread of a process uses a database at a time. DuckDB shares one instance between the connections a
# process opens to a file and tears it down when the last one closes: a connection opened by one thread
# while another thread's close was tearing the instance down failed with "Table Function with name
# python_arrow_scan does not exist" (the flow reads stored state for the next batch while loading one).
_PROCESS_DB_LOCK = threading.RLock()


# Closing the writer's connection checkpoints the WAL into the file, and that checkpoint rewrote the
# tables' unfinished row groups every time: closing after each batch took 0.35 s growing to 1.0 s per
# batch over 20 batches, 42 of the 52 s of loading in a 10,000-page run (py-spy). A connection held
# across batches loads one in ~0.25 s, flat. Held for at most this long, then closed (with its
# checkpoint): a reader waiting for the file (`wenji query` waits 30 s) gets in at the next release.
HOLD_SECONDS = 10.0
# Held, the WAL is checkpointed when the hold is released instead of at every 16 MiB (DuckDB's default,
# which checkpointed about every other batch).
HELD_CHECKPOINT_THRESHOLD = "1GB"
# After a release the file stays free this long before the run opens it again: a run's next use often
# comes milliseconds later (the next batch's stored state), and a reader polling every LOCK_POLL_SECONDS
# could miss gap after gap and wait out a whole run (seen in the reader test under load).
RELEASE_GAP_SECONDS = 0.25


@dataclass(slots=True)
class _Hold:
    path: Path
    seconds: float
    con: duckdb.DuckDBPyConnection | None = None
    opened_at: float = 0.0
    users: int = 0  # open_db blocks using it now (nested in one thread): it is not released under them
    released_at: float = float("-inf")
    timer: threading.Timer | None = None

    def cursor(self, wait_seconds: float) -> duckdb.DuckDBPyConnection:
        if self.con is None:
            time.sleep(max(0.0, self.released_at + RELEASE_GAP_SECONDS - time.monotonic()))
            config = {"checkpoint_threshold": HELD_CHECKPOINT_THRESHOLD}
            self.con = connect(self.path, wait_seconds=wait_seconds, config=config)
            self.opened_at = time.monotonic()
            # Also released when nobody uses it by then: a run may wait minutes for a slow site.
            self.timer = threading.Timer(self.seconds, self._release_when_due)
            self.timer.daemon = True
            self.timer.start()
        return self.con.cursor()  # cursors share the connection's settings

    def _release_when_due(self) -> None:
        with _PROCESS_DB_LOCK:
            self.release(only_if_due=True)

    def release(self, only_if_due: bool = False) -> None:
        due = not only_if_due or (self.users == 0 and time.monotonic() - self.opened_at >= self.seconds)
        if self.con is not None and due:
            if self.timer is not None:
                self.timer.cancel()
            self.con.close()
            self.con = None
            self.released_at = time.monotonic()


_holds: dict[Path, _Hold] = {}


@contextmanager
def holding(path: str | Path, seconds: float = HOLD_SECONDS) -> Iterator[None]:
    """Within this block, this process's `open_db(path)` calls share one writer connection, opened when
    first needed and closed once it has been open `seconds` (after the use in progress) and at the end.

    For a run's many short transactions; see HOLD_SECONDS for why and for what readers see.
    """
    key = Path(path).resolve()
    with _PROCESS_DB_LOCK:
        _holds[key] = _Hold(Path(path), seconds)
    try:
        yield
    finally:
        with _PROCESS_DB_LOCK:
            _holds.pop(key).release()


@contextmanager
def corpus_step_limits(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """DuckDB's memory limit raised to CORPUS_STEP_MEMORY_LIMIT and a thread per core within the block,
    then the writer's limits again (they are the database instance's, shared by the held connection's
    cursors)."""
    # our constants, never input
    con.execute(f"SET memory_limit = '{CORPUS_STEP_MEMORY_LIMIT}'; SET threads = {os.cpu_count() or 1}")
    try:
        yield
    finally:
        con.execute(f"SET memory_limit = '{WRITER_MEMORY_LIMIT}'; SET threads = {WRITER_THREADS}")


def quiet(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """No progress bar on this connection: DuckDB draws one on stdout for any query past 2 s, even
    without a terminal, and a large run's corpus steps (new_terms: 4 s at 10,000 pages) printed one into
    the run's log."""
    con.execute("SET enable_progress_bar = false")
    return con


@contextmanager
def open_db(
    path: str | Path,
    read_only: bool = False,
    wait_seconds: float = LOCK_WAIT_SECONDS,
    config: dict[str, Any] | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to `path`, closed afterwards; inside `holding(path)`, a cursor of the held writer
    connection (whatever `read_only` and `config` say: one process opens a file one way at a time)."""
    with _PROCESS_DB_LOCK:
        hold = _holds.get(Path(path).resolve())
        if hold is not None:
            cur = hold.cursor(wait_seconds)
            hold.users += 1
            try:
                yield cur
            finally:
                hold.users -= 1
                cur.close()
                hold.release(only_if_due=True)
            return
        con = connect(path, read_only=read_only, wait_seconds=wait_seconds, config=config)
        try:
            yield con
        finally:
            con.close()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN … COMMIT around the block, ROLLBACK if it raises (also on KeyboardInterrupt): the database
    is left as it was before the block."""
    con.execute("BEGIN")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


_VERSION_RE = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


def migrate(con: duckdb.DuckDBPyConnection, upto: int | None = None) -> list[str]:
    """Apply `sql/schema/NNN_*.sql` not yet applied, each in its own transaction with its bookkeeping row.

    Refuses to start if a file that was already applied has changed since (its checksum differs): schema
    changes go into a new numbered file. Views and macros are (re)created afterwards. Returns the names
    of the files applied now. `upto` stops after that version and skips views and macros (they may need
    later versions): it builds the databases of older releases, to test upgrading them.
    """
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, checksum VARCHAR NOT NULL,"
        " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
    )
    applied = {
        v: (n, c) for v, n, c in con.execute("SELECT version, name, checksum FROM schema_version").fetchall()
    }
    done: list[str] = []
    for name, text in _sql_files("schema"):
        m = _VERSION_RE.match(name)
        if not m:
            raise SchemaError(f"sql/schema/{name}: schema files must be named NNN_name.sql")
        version = int(m.group(1))
        if upto is not None and version > upto:
            return done
        checksum = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if version in applied:
            if applied[version][1] != checksum:
                raise SchemaError(
                    f"sql/schema/{name} changed after it was applied to this database; "
                    "put schema changes in a new numbered file instead"
                )
            continue
        with transaction(con):
            con.execute(text)
            con.execute(
                "INSERT INTO schema_version (version, name, checksum) VALUES (?, ?, ?)",
                [version, name, checksum],
            )
        done.append(name)
    _load_reference_data(con)
    _create_views_and_macros(con, [text for folder in ("views", "macros") for _, text in _sql_files(folder)])
    return done


def _create_views_and_macros(con: duckdb.DuckDBPyConnection, texts: list[str]) -> None:
    """Run the CREATE OR REPLACE VIEW/MACRO files in an order where each one's dependencies exist.

    DuckDB binds a view when it is created, so a view over another view (or a macro) fails if the file
    order puts it first; such files are retried after the others until a round makes no progress, and
    then the first remaining file runs once more to raise its own error.
    """
    pending = texts
    while pending:
        failed = []
        for text in pending:
            try:
                con.execute(text)
            except duckdb.CatalogException:
                failed.append(text)
        if len(failed) == len(pending):
            con.execute(failed[0])
        pending = failed


def _load_reference_data(con: duckdb.DuckDBPyConnection) -> None:
    """Copy the versioned word lists the views filter on (`stopwords`) from tasks/data into the database."""
    import pyarrow as pa

    from wenji.tasks.enrich.keywords import stopwords

    con.register("stopword_list", pa.table({"word": pa.array(sorted(stopwords()), pa.string())}))
    try:
        con.execute(sql_text("reference/stopwords"))
    finally:
        con.unregister("stopword_list")
