"""Checks on a run's database shared by the end-to-end tests: the rows of every table, and whether
`run_stats` counts what the tables hold."""

from __future__ import annotations

from pathlib import Path

from wenji.tasks.db import open_db

RUN_STATS_STAGES = {"resolve", "fetch", "extract", "segment", "enrich", "load"}
TABLES_PER_RUN = frozenset({"runs", "run_stats"})  # one row (or set of rows) per run


def table_counts(db_path: Path, leave_out: frozenset[str] = frozenset()) -> dict[str, int]:
    """Rows of every base table of the database, but those in `leave_out`."""
    with open_db(db_path, read_only=True) as con:
        tables = [
            t
            for (t,) in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
                "AND table_schema = 'main' ORDER BY table_name"
            ).fetchall()
            if t not in leave_out
        ]
        # Names come from the catalogue, not from input.
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def assert_run_stats_agree(db_path: Path, run_id: str) -> dict[str, int]:
    """`run_stats` of the run names only the six stages, has each error kind of the run's `errors` rows
    under its own name with the same count, and load/documents equals the run's documents. Returns the
    run's error counts by kind, for the caller to check that the run had some."""
    with open_db(db_path, read_only=True) as con:
        errors = dict(
            con.execute(
                "SELECT kind, count(*) FROM errors WHERE run_id = ? GROUP BY kind", [run_id]
            ).fetchall()
        )
        documents = con.execute("SELECT count(*) FROM documents WHERE run_id = ?", [run_id]).fetchone()[0]
        stats = con.execute("SELECT stage, name, value FROM run_stats WHERE run_id = ?", [run_id]).fetchall()
    assert stats, "no run_stats rows for the run"
    assert {stage for stage, _, _ in stats} <= RUN_STATS_STAGES, sorted({s for s, _, _ in stats})
    by_name: dict[str, list[int]] = {}
    for _, name, value in stats:
        by_name.setdefault(name, []).append(int(value))
    for kind, count in errors.items():
        assert count in by_name.get(kind, []), f"errors has {count} × {kind}; run_stats: {by_name.get(kind)}"
    load_documents = [int(v) for stage, name, v in stats if stage == "load" and name == "documents"]
    assert load_documents == [documents], f"run_stats load/documents {load_documents}, documents {documents}"
    return errors
