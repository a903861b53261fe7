"""`wenji`: the command line front door. Thin: each command parses flags and calls library code.

Prefect is imported lazily, inside the commands that run flows, so `wenji query` and `wenji extract`
start fast and work without Prefect configured at all.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from wenji import __version__
from wenji.tasks.settings import Settings, SettingsError, load_settings

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_SITE = REPO_ROOT / "examples" / "site"
DEMO_QUERIES = ("reports/demo_documents", "reports/demo_top_words", "reports/demo_errors")


def _settings(config: str | None, **overrides: object) -> Settings:
    try:
        return load_settings(config, **overrides)
    except SettingsError as e:
        raise click.UsageError(f"configuration: {e}") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wenji")
def main() -> None:
    """wenji (文集): Chinese web documents → DuckDB tables.

    Fetch pages, extract and clean their text, segment it, enrich it and load everything into DuckDB,
    orchestrated by Prefect. Start with `wenji demo`, then `wenji query "SELECT ..."`.
    """


def _run_and_report(sources: Sequence[str], settings: Settings) -> None:
    from wenji.flows.runtime import prefect_backend

    with prefect_backend():
        from wenji.flows.etl import run_etl, summary_markdown

        summary = run_etl(sources, settings)
    click.echo("")
    click.echo(summary_markdown(summary))
    if summary.counts.errors:
        click.echo(
            f"\nSee them with: wenji query --db {settings.db_path} "
            '"SELECT url, stage, kind, message FROM errors"'
        )


@main.command()
@click.argument("sources", nargs=-1, required=True)
@click.option("--db", "db_path", help="DuckDB file to write (default: data/wenji.duckdb).")
@click.option("--config", type=click.Path(dir_okay=False), help="TOML settings file.")
@click.option("--batch-size", type=int, help="Pages per batch (one worker task and one transaction each).")
@click.option("--workers", type=int, help="Worker processes for the CPU-bound steps.")
@click.option(
    "--allow-private", is_flag=True, default=None, help="Allow fetching loopback/private addresses."
)
def run(
    sources: tuple[str, ...],
    db_path: str | None,
    config: str | None,
    batch_size: int | None,
    workers: int | None,
    allow_private: bool | None,
) -> None:
    """Run the ETL flow over SOURCES: page URLs, sitemap URLs, files of URLs, or folders of saved pages."""
    settings = _settings(config, db_path=db_path, batch_size=batch_size, workers=workers)
    if allow_private:
        from dataclasses import replace

        settings = replace(settings, fetch=replace(settings.fetch, allow_private=True))
    _run_and_report(sources, settings)


@main.command()
@click.option("--db", "db_path", default="data/wenji.duckdb", show_default=True, help="DuckDB file to write.")
@click.option(
    "--site",
    type=click.Path(exists=True, file_okay=False),
    default=str(SAMPLE_SITE),
    show_default=False,
    help="Folder to serve (default: the bundled sample site).",
)
def demo(db_path: str, site: str) -> None:
    """Serve the bundled sample site on 127.0.0.1, run the flow over its sitemap, and show some queries."""
    from dataclasses import replace

    from wenji.tasks.site_server import serve

    settings = _settings(None, db_path=db_path)
    settings = replace(settings, fetch=replace(settings.fetch, allow_private=True))
    with serve(Path(site)) as base_url:
        click.echo(f"Serving {site} at {base_url}; running the ETL flow over {base_url}/sitemap.xml")
        _run_and_report([f"{base_url}/sitemap.xml"], settings)
    from wenji.tasks.db import open_db, sql_text

    with open_db(db_path, read_only=True) as con:
        for name in DEMO_QUERIES:
            text = sql_text(name)
            click.echo(f"\n-- sql/{name}.sql")
            click.echo("\n".join(line for line in text.splitlines() if not line.startswith("--")).strip())
            _print_result(con.execute(text), "table")
    click.echo(
        f'\nThe database is {db_path}. Try: wenji query --db {db_path} "SELECT title, n_chars FROM documents"'
    )


def _print_result(cursor, fmt: str) -> None:  # type: ignore[no-untyped-def]
    columns = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    if fmt == "json":
        click.echo(
            json.dumps(
                [dict(zip(columns, r, strict=True)) for r in rows], ensure_ascii=False, default=str, indent=1
            )
        )
    elif fmt == "csv":
        w = csv.writer(sys.stdout)
        w.writerow(columns)
        w.writerows(rows)
    else:
        click.echo(_table(columns, rows))


def _cell(v: object, width: int = 60) -> str:
    s = "" if v is None else str(v).replace("\n", " ")
    return s if len(s) <= width else s[: width - 1] + "…"


def _display_width(s: str) -> int:
    """Terminal columns: CJK characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _table(columns: list[str], rows: list[tuple]) -> str:
    cells = [[_cell(c) for c in columns], *[[_cell(v) for v in r] for r in rows]]
    widths = [max(_display_width(r[i]) for r in cells) for i in range(len(columns))]
    fmt_row = lambda r: " | ".join(v + " " * (w - _display_width(v)) for v, w in zip(r, widths, strict=True))  # noqa: E731
    out = [fmt_row(cells[0]), "-+-".join("-" * w for w in widths), *(fmt_row(r) for r in cells[1:])]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


@main.command()
@click.argument("sql", required=False)
@click.option("--db", "db_path", default="data/wenji.duckdb", show_default=True, help="DuckDB file to read.")
@click.option(
    "--file", "sql_file", type=click.Path(exists=True, dir_okay=False), help="Read the SQL from a file."
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True
)
def query(sql: str | None, db_path: str, sql_file: str | None, fmt: str) -> None:
    """Run SQL against the database, opened read-only."""
    import duckdb

    from wenji.tasks.db import DatabaseBusyError, open_db

    if (sql is None) == (sql_file is None):
        raise click.UsageError("give either SQL as an argument or --file FILE.sql")
    text = Path(sql_file).read_text(encoding="utf-8") if sql_file else sql
    try:
        with open_db(db_path, read_only=True) as con:
            _print_result(con.execute(text), fmt)
    except (FileNotFoundError, DatabaseBusyError) as e:
        raise click.ClickException(str(e)) from None
    except duckdb.Error as e:
        raise click.ClickException(f"query failed: {e}") from None


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
def extract(files: tuple[str, ...], fmt: str) -> None:
    """Extract and clean saved pages (no database, no Prefect); print one result per page."""
    from wenji.tasks.extract import extract_batch
    from wenji.tasks.fetch import fetch_batch
    from wenji.tasks.records import SourceItem
    from wenji.tasks.settings import FetchConfig

    items = [SourceItem(url=Path(f).resolve().as_uri(), path=str(Path(f).resolve())) for f in files]
    pages = fetch_batch(items, FetchConfig())
    docs = extract_batch(pages.items)
    by_url: dict[str, list] = {}
    for d in docs.items:
        by_url.setdefault(d.url, []).append(d)
    for page in pages.items:
        pdocs = by_url.get(page.url, [])
        meta = pdocs[0].meta if pdocs else None
        out = {
            "url": page.url,
            "title": meta.title if meta else None,
            "published_at": meta.published_at.isoformat() if meta and meta.published_at else None,
            "category_path": meta.category_path if meta else [],
            "tags": meta.tags if meta else [],
            "documents": [{"title": d.title, "text": d.text} for d in pdocs],
        }
        if fmt == "json":
            click.echo(json.dumps(out, ensure_ascii=False))
        else:
            for d in out["documents"]:
                click.echo(f"# {d['title']}\n\n{d['text']}\n")
    for err in [*pages.errors, *docs.errors]:
        click.echo(f"wenji: {err.url}: {err.stage} failed ({err.kind}): {err.message}", err=True)
    if pages.errors or docs.errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
