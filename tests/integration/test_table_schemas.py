"""The Arrow schemas tables are built with agree with the DDL in sql/schema/: the DDL is the one source
of truth for a table's columns, and this test is what keeps the Arrow side (`wenji.tasks.tables.SCHEMAS`,
the batch tables and the duplicates step's) from drifting from it. Loads go `INSERT ... BY NAME`, so a
column the DDL lacks fails at the first batch, and a type that differs is cast silently: both are caught
here instead."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from wenji.tasks.db import migrate, open_db
from wenji.tasks.tables import SCHEMAS, TABLE_ORDER


@pytest.fixture(scope="module")
def described(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, list[tuple[str, str]]]]:
    """For each table: its columns as the migrated database declares them, and as DuckDB types the
    Arrow schema's columns (an empty Arrow table turned into a DuckDB table)."""
    db = Path(tmp_path_factory.mktemp("schemas")) / "wenji.duckdb"
    out: dict[str, dict[str, list[tuple[str, str]]]] = {}
    with open_db(db) as con:
        migrate(con)
        for name, schema in SCHEMAS.items():
            empty = pa.Table.from_pylist([], schema=schema)
            con.register("empty_batch", empty)
            con.execute("CREATE OR REPLACE TEMP TABLE arrow_side AS SELECT * FROM empty_batch")
            out[name] = {
                "ddl": [(r[0], r[1]) for r in con.execute(f"DESCRIBE {name}").fetchall()],
                "arrow": [(r[0], r[1]) for r in con.execute("DESCRIBE arrow_side").fetchall()],
            }
            con.unregister("empty_batch")
    return out


def test_every_loaded_table_has_an_arrow_schema() -> None:
    assert set(TABLE_ORDER) | {"duplicates"} == set(SCHEMAS)


@pytest.mark.parametrize("table", sorted(SCHEMAS))
def test_arrow_columns_are_the_ddl_columns_with_the_same_types(
    described: dict[str, dict[str, list[tuple[str, str]]]], table: str
) -> None:
    ddl = dict(described[table]["ddl"])
    arrow = dict(described[table]["arrow"])
    assert sorted(arrow) == sorted(ddl), f"{table}: columns differ from sql/schema"
    assert {c: arrow[c] for c in ddl} == ddl, f"{table}: types differ from sql/schema"
