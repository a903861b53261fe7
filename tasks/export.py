"""Export: every table of the database to Parquet or CSV files, for tools that don't speak DuckDB.

The table list comes from the database itself (`sql/export/tables.sql`), so tables added by later schema
files are exported without a change here. A table with a query in `sql/export/<table>.sql` is exported
through it; those queries add a `site` column (the host of the document's URL), and in Parquet such tables
(documents, paragraphs, sentences: the large ones) are written as Hive partitions `site=<host>/`.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from wenji.tasks.db import open_db, sql_text

FORMATS = ("parquet", "csv")
PARTITION_COLUMN = "site"


@dataclass(slots=True, frozen=True)
class ExportedTable:
    table: str
    rows: int
    path: str  # a file, or for a partitioned table a folder of `site=<host>/` subfolders
    partitioned: bool


def _export_query(table: str) -> str:
    custom = files("wenji.sql").joinpath("export", f"{table}.sql")
    # Table names come from information_schema, never from the user; quoting keeps odd names valid.
    return sql_text(f"export/{table}") if custom.is_file() else f'SELECT * FROM "{table}"'


def export_tables(db_path: str | Path, out_dir: str | Path, fmt: str) -> list[ExportedTable]:
    """Write each base table of the database at `db_path` into `out_dir` as `fmt` (parquet or csv).

    Existing files of the same names are overwritten. The database is opened read-only.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    done: list[ExportedTable] = []
    with open_db(db_path, read_only=True) as con:
        tables = [name for (name,) in con.execute(sql_text("export/tables")).fetchall()]
        for table in tables:
            rel = con.sql(_export_query(table))
            rows = rel.aggregate("count(*)").fetchall()[0][0]
            partitioned = fmt == "parquet" and PARTITION_COLUMN in rel.columns
            if partitioned:
                path = out / table
                rel.write_parquet(str(path), partition_by=[PARTITION_COLUMN], overwrite=True)
            elif fmt == "parquet":
                path = out / f"{table}.parquet"
                rel.write_parquet(str(path))
            else:
                path = out / f"{table}.csv"
                rel.write_csv(str(path), header=True)
            done.append(ExportedTable(table=table, rows=rows, path=str(path), partitioned=partitioned))
    return done
