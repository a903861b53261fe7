"""Schema migrations: a database made by schema version 1 and holding data is upgraded in place by the
next run (start_run migrates), with every old row intact, and then takes new batches."""

from __future__ import annotations

from pathlib import Path

from _corpus import batch_run_id, make_batch

from wenji.tasks.db import migrate, open_db, sql_text
from wenji.tasks.runstats import RunStats
from wenji.tasks.settings import Settings
from wenji.tasks.store import finish_run, load_batch, start_run

V1_TABLES = ("runs", "pages", "documents", "paragraphs", "sentences", "keywords", "errors")
SOURCES = ["https://www.reliability-demo.gov.cn/sitemap.xml"]


def _columns(con, table: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        r[0]
        for r in con.execute(
            f"SELECT column_name FROM duckdb_columns() WHERE table_name = '{table}'"
        ).fetchall()
    ]


def _build_v1(db_path: Path) -> None:
    """What release 1 left behind: schema file 001 only, one finished run and one batch of real pages."""
    with open_db(db_path) as con:
        assert migrate(con, upto=1) == ["001_initial.sql"]
        con.execute(sql_text("load/start_run"), ["v1-run", "2024-03-29 09:30:00+00", SOURCES, "{}"])
        batch = make_batch(0)
        for name in V1_TABLES[1:]:
            table, v1_columns = batch.tables[name], _columns(con, name)
            con.register("v1_rows", table.select([c for c in table.column_names if c in v1_columns]))
            con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM v1_rows")
            con.unregister("v1_rows")
        con.execute("UPDATE runs SET status = 'done' WHERE run_id = 'v1-run'")


def _v1_columns(db_path: Path) -> dict[str, list[str]]:
    with open_db(db_path, read_only=True) as con:
        return {t: _columns(con, t) for t in V1_TABLES}


def _rows(db_path: Path, columns: dict[str, list[str]]) -> dict[str, list[tuple]]:
    with open_db(db_path, read_only=True) as con:
        return {
            t: sorted(con.execute(f"SELECT {', '.join(cols)} FROM {t}").fetchall(), key=repr)
            for t, cols in columns.items()
        }


def test_v1_database_is_migrated_in_place_with_its_data(tmp_path: Path) -> None:
    db_path = tmp_path / "v1.duckdb"
    _build_v1(db_path)
    with open_db(db_path, read_only=True) as con:
        assert con.execute("SELECT version FROM schema_version").fetchall() == [(1,)]
    assert db_path.stat().st_size < 5_000_000  # built from 001_initial.sql here, never committed
    v1_columns = _v1_columns(db_path)
    before = _rows(db_path, v1_columns)
    assert len(before["sentences"]) > 500 and any(
        "同志们" in r for row in before["paragraphs"] for r in row if isinstance(r, str)
    )

    # The next run migrates (start_run) and loads a batch with the current code.
    start_run(db_path, "current-run", SOURCES, Settings(db_path=str(db_path)))
    load_batch(db_path, make_batch(1))
    finish_run(db_path, "current-run", RunStats(), "done", 1.0)

    with open_db(db_path, read_only=True) as con:
        versions = [
            r[0] for r in con.execute("SELECT version FROM schema_version ORDER BY version").fetchall()
        ]
        new_batch_docs = con.execute(
            "SELECT count(*) FROM documents WHERE run_id = ?", [batch_run_id(1)]
        ).fetchone()[0]
        tokens = con.execute("SELECT count(*) FROM tokens").fetchone()[0]
    shipped = sorted(
        int(p.name[:3]) for p in (Path(__file__).parents[2] / "sql" / "schema").glob("[0-9]*.sql")
    )
    assert versions == shipped and len(versions) >= 1
    assert new_batch_docs == make_batch(1).rows("documents")
    assert tokens > 0  # views are created over the migrated tables

    after = _rows(db_path, v1_columns)
    old = {
        t: [r for r in rows if batch_run_id(1) not in r and "current-run" not in r]
        for t, rows in after.items()
    }
    assert old == before  # every v1 row, every v1 column, unchanged

    # Migrating again is a no-op.
    with open_db(db_path) as con:
        assert migrate(con) == []
