"""DuckDB access: opening the file, schema migrations, and SQL loaded from `sql/` by name.

Only the flow process writes. It opens the file for each batch's transaction and closes it right after,
so analysts can open the database between batches instead of being locked out for the whole run.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path

import duckdb

# A reader (`wenji query`, the duckdb CLI) may hold the file for a moment; the writer waits this long
# for it before giving up with a message that says who to close.
LOCK_WAIT_SECONDS = 30.0
LOCK_POLL_SECONDS = 0.2


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


def connect(path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the database, waiting briefly if another process holds it."""
    path = Path(path)
    if read_only and not path.exists():
        raise FileNotFoundError(
            f"no database at {path}: run `wenji run SOURCE --db {path}` (or `wenji demo`) first"
        )
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as e:
            if not _is_lock_error(e) or time.monotonic() > deadline:
                if _is_lock_error(e):
                    raise DatabaseBusyError(
                        f"{path} is held by another process (a wenji run or a duckdb session): {e}. "
                        "Wait for it to finish or close it, then try again."
                    ) from None
                raise
            time.sleep(LOCK_POLL_SECONDS)


@contextmanager
def open_db(path: str | Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(path, read_only=read_only)
    try:
        yield con
    finally:
        con.close()


_VERSION_RE = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply `sql/schema/NNN_*.sql` not yet applied, each in its own transaction with its bookkeeping row.

    Refuses to start if a file that was already applied has changed since (its checksum differs): schema
    changes go into a new numbered file. Views and macros are (re)created afterwards. Returns the names
    of the files applied now.
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
        checksum = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if version in applied:
            if applied[version][1] != checksum:
                raise SchemaError(
                    f"sql/schema/{name} changed after it was applied to this database; "
                    "put schema changes in a new numbered file instead"
                )
            continue
        con.execute("BEGIN")
        try:
            con.execute(text)
            con.execute(
                "INSERT INTO schema_version (version, name, checksum) VALUES (?, ?, ?)",
                [version, name, checksum],
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        done.append(name)
    for folder in ("views", "macros"):
        for _, text in _sql_files(folder):
            con.execute(text)
    return done
