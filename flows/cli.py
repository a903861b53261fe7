"""`wenji`: the command line front door. Thin: each command parses flags and calls library code.

Prefect is imported lazily, inside the commands that run flows, so `wenji query` and `wenji extract`
start fast and work without Prefect configured at all.
"""

from __future__ import annotations

import csv
import errno
import json
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from wenji import __version__
from wenji.tasks.settings import TRUST_CONFIG_PATHS_ENV, Settings, SettingsError, load_settings, with_fetch

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_SITE = REPO_ROOT / "examples" / "site"
DEMO_QUERIES = ("reports/demo_documents", "reports/demo_top_words", "reports/demo_errors")

# Exit statuses (the README's "Commands" section lists them). 2 is click's own for usage errors.
EXIT_FAILED = 1  # the work failed: nothing loaded (run, demo, reprocess), a page failed (extract); or a bug
EXIT_USAGE = 2  # a flag, the config file or a source is wrong; nothing was started
EXIT_DATABASE = 3  # the database is held by another process, or its schema does not match this version
EXIT_PREFECT = 4  # the configured Prefect server does not answer, or the temporary one did not start
EXIT_SYSTEM = 5  # disk full, permission denied, read-only file system, out of memory
EXIT_INTERRUPTED = 130  # Ctrl-C
# Errors shown under a run's summary (the rest are in the `errors` table).
SUMMARY_ERRORS = 5
# errno values that are the machine's state, not a bug: each names what the user can do.
SYSTEM_ERRNOS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EROFS: "the file system is read-only",
}
# The same states as DuckDB words them in its IO errors.
DUCKDB_SYSTEM_MESSAGES = {
    "No space left on device": "the disk is full",
    "Disk quota exceeded": "the disk quota is exceeded",
    "Permission denied": "permission denied",
    "Read-only file system": "the file system is read-only",
}


@dataclass(frozen=True, slots=True)
class Failure:
    """An expected failure: one message for the terminal and the exit status."""

    code: int
    message: str


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def expected_failure(exc: BaseException) -> Failure | None:
    """What `exc` (or an exception it was raised from) means for the user, or None for a bug.

    Expected: bad configuration, the database held by another process or from another version, the
    Prefect server down, and the machine's state (disk full, permissions, memory). Anything else is a
    bug and keeps its traceback.
    """
    from wenji.flows.runtime import PrefectUnavailable
    from wenji.tasks.db import DatabaseBusyError, RunLockedError, SchemaError

    for e in _causes(exc):
        if isinstance(e, SettingsError):
            return Failure(EXIT_USAGE, f"configuration: {e}")
        if isinstance(e, DatabaseBusyError | RunLockedError | SchemaError):
            return Failure(EXIT_DATABASE, str(e))
        if isinstance(e, PrefectUnavailable):
            return Failure(EXIT_PREFECT, str(e))
        if isinstance(e, MemoryError):
            return Failure(EXIT_SYSTEM, "out of memory; lower --batch-size or --workers")
        if isinstance(e, OSError) and e.errno in SYSTEM_ERRNOS:
            where = f": {e.filename}" if e.filename else ""
            return Failure(EXIT_SYSTEM, f"{SYSTEM_ERRNOS[e.errno]}{where} ({e.strerror})")
        duckdb = sys.modules.get("duckdb")
        if duckdb is not None and isinstance(e, duckdb.OutOfMemoryException):
            return Failure(EXIT_SYSTEM, f"DuckDB ran out of memory; lower --batch-size ({e})")
        if duckdb is not None and isinstance(e, duckdb.IOException):
            for words, what in DUCKDB_SYSTEM_MESSAGES.items():
                if words in str(e):
                    return Failure(EXIT_SYSTEM, f"{what} ({e})")
    return None


class _Main(click.Group):
    """The `wenji` group: an expected failure is one line on stderr and an exit status, no traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            if ctx.params.get("debug"):
                raise
            click.echo("wenji: interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except Exception as e:
            failure = expected_failure(e)
            if failure is None or ctx.params.get("debug"):
                raise
            click.echo(f"wenji: {failure.message}", err=True)
            ctx.exit(failure.code)


class Refused(click.ClickException):
    """A configuration or source that cannot work: one line, `wenji: ...`, exit EXIT_USAGE."""

    exit_code = EXIT_USAGE

    def show(self, file: Any = None) -> None:
        click.echo(f"wenji: {self.format_message()}", err=True)


def _settings(config: str | None, trust_paths: bool = False, **overrides: object) -> Settings:
    try:
        return load_settings(config, trust_paths, **overrides)
    except SettingsError as e:
        raise Refused(f"configuration: {e}") from None


# The file's paths (db_path, segment.user_dicts, local sources) stay under data_dir unless the operator says
# so here: a config file cannot widen its own reach.
_trust_config_paths = click.option(
    "--trust-config-paths",
    "trust_paths",
    is_flag=True,
    default=False,
    help="Let the config file's paths be absolute or leave data_dir (only for a config file you trust).",
)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wenji")
@click.option(
    "--debug",
    is_flag=True,
    envvar="WENJI_DEBUG",
    help="Show the traceback of expected failures too (database busy, server down, disk full, ...).",
)
def main(debug: bool) -> None:
    """wenji (文集): Chinese web documents → DuckDB tables.

    Fetch pages, extract and clean their text, segment it, enrich it and load everything into DuckDB,
    orchestrated by Prefect. Start with `wenji demo`, then `wenji query "SELECT ..."`.
    """


def _check_sources(sources: Sequence[str]) -> None:
    """Refuse, in well under a second and before Prefect starts, sources that cannot work (exit 2)."""
    from wenji.tasks.preflight import source_problems

    problems = source_problems(sources)
    if problems:
        raise Refused("\n".join(f"source {p}" for p in problems))


def _check_runtime(settings: Settings) -> None:
    """Refuse settings the flow would only trip over after Prefect started (exit 2)."""
    import importlib.util

    from wenji.tasks.preflight import database_problem

    if problem := database_problem(settings.db_path):
        raise Refused(problem)

    if settings.dask_address and importlib.util.find_spec("prefect_dask") is None:
        raise Refused("dask_address is set but prefect-dask is not installed: pip install 'wenji[dask]'")


def nothing_loaded(counts: Any) -> bool:
    """Whether a run failed as a whole: it has errors and loaded nothing, not even an unchanged page.

    A run with some pages loaded and some failed succeeded (its errors are rows of `errors`); so did a
    re-run where every page was unchanged, and a resumed run whose pages were all loaded before (they
    count as seen, not failed).
    """
    return (
        counts.errors > 0
        and counts.pages_fetched == 0
        and counts.pages_unchanged == 0
        and counts.pages_failed >= counts.pages_seen
    )


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _first_errors(db_path: str, run_id: str, limit: int = SUMMARY_ERRORS) -> list[tuple[str, str, str, str]]:
    """The first errors of one run (url, stage, kind, message), from sql/cli/run_errors.sql."""
    from wenji.tasks.db import open_db, sql_text

    with open_db(db_path, read_only=True) as con:
        return con.execute(sql_text("cli/run_errors"), [run_id, limit]).fetchall()


def _run_and_report(sources: Sequence[str] | None, settings: Settings, since: datetime | None = None) -> None:
    """Run the flow over `sources` (with None: reprocess the stored pages) and print the summary.

    Exits with EXIT_FAILED when the run loaded nothing because every source or page failed.
    """
    from wenji.flows.runtime import hide_tracebacks_of, prefect_backend

    if not click.get_current_context().find_root().params.get("debug"):
        hide_tracebacks_of(lambda e: expected_failure(e) is not None)
    with prefect_backend():
        from wenji.flows.etl import run_etl, run_reprocess, summary_markdown

        summary = run_etl(sources, settings) if sources is not None else run_reprocess(settings, since)
    click.echo("")
    click.echo(summary_markdown(summary))
    if summary.counts.errors:
        first = _first_errors(summary.db_path, summary.run_id)
        n = summary.counts.errors
        click.echo(f"\nErrors ({len(first)} of {n:,}):" if len(first) < n else "\nErrors:")
        for url, _stage, kind, message in first:
            click.echo(f"  {url}\n    {kind}: {message}")
        click.echo(
            f"\nSee them all with: wenji query --db {settings.db_path} "
            f"\"SELECT url, stage, kind, message FROM errors WHERE run_id = '{summary.run_id}'\""
        )
    if nothing_loaded(summary.counts):
        errors = _plural(summary.counts.errors, "error")
        click.echo(f"wenji: nothing was loaded: every source or page failed ({errors}, above)", err=True)
        sys.exit(EXIT_FAILED)


@main.command()
@click.argument("sources", nargs=-1)
@click.option("--db", "db_path", help="DuckDB file to write (default: data/wenji.duckdb).")
@click.option("--config", type=click.Path(dir_okay=False), help="TOML settings file.")
@_trust_config_paths
@click.option("--batch-size", type=int, help="Pages per batch (one worker task and one transaction each).")
@click.option("--workers", type=int, help="Worker processes for the CPU-bound steps.")
@click.option(
    "--allow-private", is_flag=True, default=None, help="Allow fetching loopback/private addresses."
)
@click.option(
    "--allow-link-local",
    is_flag=True,
    default=None,
    help="Allow link-local and cloud metadata addresses (169.254/16, fe80::/10); not --allow-private.",
)
@click.option(
    "--sitemap-any-host",
    is_flag=True,
    default=None,
    help="Keep sitemap URLs on any host (default: the sitemap's, or hosts whose robots.txt names it).",
)
@click.option(
    "--resume/--no-resume",
    default=None,
    help="Skip pages an interrupted run over the same sources already loaded (default: on, logged).",
)
@click.option(
    "--min-delay",
    type=click.FloatRange(min=0),
    help="Seconds between requests to one host (fetch.min_delay; ~1.0 is polite on real sites).",
)
@click.option(
    "--follow-links", is_flag=True, default=None, help="Also fetch the pages linked from page-URL SOURCES."
)
@click.option("--max-depth", type=click.IntRange(min=1), help="Links followed from a given page (default 1).")
@click.option("--max-pages", type=click.IntRange(min=1), help="Pages found by following links, at most.")
@click.option("--include", multiple=True, metavar="REGEX", help="Follow only links matching one of these.")
@click.option("--exclude", multiple=True, metavar="REGEX", help="Never follow links matching one of these.")
@click.option("--any-site", is_flag=True, default=None, help="Follow links to other hosts too.")
@click.option(
    "--dask-address",
    metavar="tcp://HOST:PORT",
    help="Run the CPU-bound steps on this Dask scheduler (needs wenji[dask]); the DB writes stay here.",
)
@click.option(
    "--wait",
    "writer_wait",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="If another run writes the same database, wait up to SECONDS for it (default 0: stop at once).",
)
def run(
    sources: tuple[str, ...],
    db_path: str | None,
    config: str | None,
    trust_paths: bool,
    batch_size: int | None,
    workers: int | None,
    allow_private: bool | None,
    allow_link_local: bool | None,
    sitemap_any_host: bool | None,
    resume: bool | None,
    min_delay: float | None,
    follow_links: bool | None,
    max_depth: int | None,
    max_pages: int | None,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    any_site: bool | None,
    dask_address: str | None,
    writer_wait: float | None,
) -> None:
    """Run the ETL flow over SOURCES: page URLs, sitemap URLs, files of URLs, or folders of saved pages.

    With --follow-links (implied by the other link options), page-URL SOURCES are list pages: the pages
    they link to (same host by default) are processed too.
    """
    from dataclasses import replace

    settings = _settings(
        config,
        trust_paths,
        db_path=db_path,
        batch_size=batch_size,
        workers=workers,
        resume=resume,
        dask_address=dask_address,
        writer_wait=writer_wait,
    )
    sources = sources or settings.sources
    if not sources:
        raise Refused("no sources: give SOURCE arguments, or list `sources` in the --config file")
    _check_sources(sources)
    _check_runtime(settings)
    if allow_private:
        settings = with_fetch(settings, allow_private=True)
    if allow_link_local:
        settings = with_fetch(settings, allow_link_local=True)
    if sitemap_any_host:
        settings = with_fetch(settings, sitemap_same_host=False)
    if min_delay is not None:
        settings = with_fetch(settings, min_delay=min_delay)
    crawl = {
        "max_depth": max_depth,
        "max_pages": max_pages,
        "include": include or None,
        "exclude": exclude or None,
        "same_site": False if any_site else None,
    }
    crawl = {k: v for k, v in crawl.items() if v is not None}
    if follow_links or crawl:
        try:
            settings = replace(settings, crawl=replace(settings.crawl, follow_links=True, **crawl))
        except SettingsError as e:
            raise Refused(f"configuration: {e}") from None
    _run_and_report(sources, settings)


@main.command(name="serve")
@click.option(
    "--config",
    type=click.Path(dir_okay=False),
    default="wenji.toml",
    show_default=True,
    help="TOML file with `sources` and settings (see examples/wenji.toml).",
)
@click.option(
    "--interval",
    type=click.FloatRange(min=1),
    metavar="SECONDS",
    help="Refresh every SECONDS instead of on the cron schedule.",
)
@click.option("--cron", metavar="EXPR", help="Cron schedule of the refresh (default: schedule_cron).")
@_trust_config_paths
def serve_command(config: str, interval: float | None, cron: str | None, trust_paths: bool) -> None:
    """Serve the deployments etl/daily-refresh and etl/on-demand, with their schedules, from this process.

    For use without Prefect workers. Needs a Prefect server (`prefect server start`); due runs are run
    one at a time until Ctrl-C. Trigger the on-demand one with
    `prefect deployment run etl/on-demand --param sources='["https://..."]'`.
    """
    if interval is not None and cron is not None:
        raise click.UsageError("give --interval or --cron, not both")
    if not Path(config).is_file():
        raise Refused(f"no config file {config}: copy examples/wenji.toml and list your sources")
    settings = _settings(config, trust_paths, schedule_cron=cron)
    if trust_paths:
        # The flow runs of the deployments read the config file again, in processes of their own.
        os.environ[TRUST_CONFIG_PATHS_ENV] = "1"
    if not settings.sources:
        raise Refused(f"configuration: sources: list the URLs to refresh in {config}")
    from wenji.flows.runtime import quiet_prefect

    quiet_prefect()
    from wenji.flows.serve import NoServerError, ScheduleChoice, require_server, serve_deployments

    try:
        api_url = require_server()  # PrefectUnavailable, when it does not answer, exits EXIT_PREFECT
    except NoServerError as e:
        click.echo(str(e), err=True)
        sys.exit(EXIT_USAGE)
    when = ScheduleChoice(settings.schedule_cron, settings.schedule_timezone, interval)
    click.echo(f"Serving etl/daily-refresh ({when.describe()}) and etl/on-demand on {api_url}")
    serve_deployments(settings, Path(config), when)


@main.command()
@click.option("--db", "db_path", help="DuckDB file to reprocess (default: data/wenji.duckdb).")
@click.option("--config", type=click.Path(dir_okay=False), help="TOML settings file.")
@_trust_config_paths
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
    help="Only pages fetched at or after this date (UTC).",
)
@click.option("--batch-size", type=int, help="Pages per batch (one worker task and one transaction each).")
@click.option("--workers", type=int, help="Worker processes for the CPU-bound steps.")
@click.option(
    "--dask-address", metavar="tcp://HOST:PORT", help="Run the CPU-bound steps on this Dask scheduler."
)
def reprocess(
    db_path: str | None,
    config: str | None,
    trust_paths: bool,
    since: datetime | None,
    batch_size: int | None,
    workers: int | None,
    dask_address: str | None,
) -> None:
    """Extract, clean, segment, enrich and load again the raw pages stored in the database; no network.

    For when the cleaning rules improve: each page's derived rows are replaced, none duplicated.
    """
    settings = _settings(
        config,
        trust_paths,
        db_path=db_path,
        batch_size=batch_size,
        workers=workers,
        dask_address=dask_address,
    )
    if not Path(settings.db_path).exists():
        raise Refused(f"no database at {settings.db_path}: run `wenji run` first")
    _check_runtime(settings)
    _run_and_report(None, settings, since.replace(tzinfo=UTC) if since else None)


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

    from wenji.tasks.site_server import CANONICAL_ORIGIN, serve

    settings = _settings(None, db_path=db_path)
    _check_runtime(settings)
    # The site is served as stored, under its public URLs, from a new port each time: `connect_to` sends
    # the requests for those URLs here, so a page keeps its id (the hash of its URL) from run to run.
    with serve(Path(site), rewrite_origin=False) as base_url:
        settings = with_fetch(settings, allow_private=True, connect_to=(f"{CANONICAL_ORIGIN}={base_url}",))
        sitemap = f"{CANONICAL_ORIGIN}/sitemap.xml"
        click.echo(f"Serving {site} as {CANONICAL_ORIGIN} at {base_url}; running the ETL flow over {sitemap}")
        _run_and_report([sitemap], settings)
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
        click.echo(query_table(columns, rows))


# Widest a cell gets, in terminal cells (a CJK character takes two); longer ones end in "…".
MAX_CELL_WIDTH = 60
# Width of the table when stdout is no terminal (a pipe, a file): wide enough that nothing is cut short of
# MAX_CELL_WIDTH in ordinary queries.
PIPE_WIDTH = 200


def query_table(columns: list[str], rows: list[tuple], width: int | None = None) -> str:
    """Rows as a terminal table, laid out by display width with `rich`, so that CJK columns line up. A
    cell wider than MAX_CELL_WIDTH is cut with an ellipsis; when the terminal is narrower than the
    table, cells fold onto more lines rather than lose characters unmarked."""
    import io
    import shutil

    from rich import box
    from rich.cells import cell_len
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    def cell(v: object) -> Text:
        text = Text("" if v is None else str(v).replace("\n", " "))
        text.truncate(MAX_CELL_WIDTH, overflow="ellipsis")
        return text

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    for name in columns:
        table.add_column(name, overflow="fold", min_width=cell_len(name))
    for row in rows:
        table.add_row(*(cell(v) for v in row))
    if width is None:
        width = shutil.get_terminal_size((PIPE_WIDTH, 24)).columns if sys.stdout.isatty() else PIPE_WIDTH
    out = io.StringIO()
    Console(file=out, width=width, color_system=None, highlight=False, emoji=False, markup=False).print(table)
    lines = [line.rstrip() for line in out.getvalue().splitlines()]
    return "\n".join([*lines, f"({len(rows)} row{'s' if len(rows) != 1 else ''})"])


@main.command()
@click.argument("sql", required=False)
@click.option("--db", "db_path", default="data/wenji.duckdb", show_default=True, help="DuckDB file to read.")
@click.option(
    "--file", "sql_file", type=click.Path(exists=True, dir_okay=False), help="Read the SQL from a file."
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True
)
@click.option(
    "--wait",
    "wait_seconds",
    type=float,
    default=30.0,
    show_default=True,
    help="Seconds to wait while a run holds the database (it does only while loading a batch).",
)
def query(sql: str | None, db_path: str, sql_file: str | None, fmt: str, wait_seconds: float) -> None:
    """Run SQL against the database, opened read-only and without file or network access.

    COPY ... TO, ATTACH, read_csv('/any/file') and extension loading are refused: export with
    --format csv/json instead.
    """
    import duckdb

    from wenji.tasks.db import open_db

    if (sql is None) == (sql_file is None):
        raise click.UsageError("give either SQL as an argument or --file FILE.sql")
    text = Path(sql_file).read_text(encoding="utf-8") if sql_file else sql
    try:
        # Read-only alone still lets SQL write and read files (COPY TO, read_csv): external access is off.
        with open_db(
            db_path, read_only=True, wait_seconds=wait_seconds, config={"enable_external_access": False}
        ) as con:
            _print_result(con.execute(text), fmt)
    except FileNotFoundError as e:
        raise click.ClickException(str(e)) from None
    except duckdb.Error as e:
        raise click.ClickException(f"query failed: {e}") from None


@main.command()
@click.argument("out_dir", type=click.Path(file_okay=False))
@click.option("--db", "db_path", default="data/wenji.duckdb", show_default=True, help="DuckDB file to read.")
@click.option("--format", "fmt", type=click.Choice(["parquet", "csv"]), default="parquet", show_default=True)
def export(out_dir: str, db_path: str, fmt: str) -> None:
    """Write every table to OUT_DIR as Parquet (the large ones partitioned by site) or CSV."""
    import duckdb

    from wenji.tasks.export import export_tables

    try:
        exported = export_tables(db_path, out_dir, fmt)
    except FileNotFoundError as e:
        raise click.ClickException(str(e)) from None
    except duckdb.Error as e:
        raise click.ClickException(f"export failed: {e}") from None
    for t in exported:
        click.echo(f"{t.table:<16} {t.rows:>10} rows  {t.path}{'/site=*/' if t.partitioned else ''}")


@main.command()
@click.option("--db", "db_path", default="data/wenji.duckdb", show_default=True, help="DuckDB file to read.")
@click.option("--out", "out", default="report.html", show_default=True, type=click.Path(dir_okay=False))
def report(db_path: str, out: str) -> None:
    """Write one self-contained HTML report (charts over the analysis views; opens offline)."""
    import duckdb

    from wenji.tasks.report import write_report

    try:
        path = write_report(db_path, out)
    except FileNotFoundError as e:
        raise click.ClickException(str(e)) from None
    except duckdb.Error as e:
        raise click.ClickException(f"report failed: {e}") from None
    click.echo(f"Wrote {path} ({path.stat().st_size // 1024} KiB); it opens in a browser without network.")


@main.group()
def terms() -> None:
    """New terms found over the corpus (table new_terms), as a user dictionary."""


@terms.command(name="export")
@click.option("--db", "db_path", default="data/wenji.duckdb", show_default=True, help="DuckDB file to read.")
@click.option("--top", type=click.IntRange(min=1), default=100, show_default=True, help="Best-ranked terms.")
@click.option(
    "--min-documents",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Only terms used in at least this many documents.",
)
@click.option(
    "-o", "--out", "out", required=True, type=click.Path(dir_okay=False), help="Dictionary file to write."
)
def terms_export(db_path: str, top: int, min_documents: int, out: str) -> None:
    """Write the top new terms as a jieba user dictionary (word freq tag per line).

    List the file under segment.user_dicts in a config file, then `wenji reprocess --config F` segments
    the stored pages again with it.
    """
    import duckdb

    from wenji.tasks.db import DatabaseBusyError
    from wenji.tasks.enrich.new_terms import top_new_terms, user_dict_text

    try:
        found = top_new_terms(db_path, top, min_documents)
    except (FileNotFoundError, DatabaseBusyError) as e:
        raise click.ClickException(str(e)) from None
    except duckdb.CatalogException:
        raise click.ClickException(
            f"{db_path} has no new_terms table yet: run `wenji run` or `wenji reprocess` on it first"
        ) from None
    Path(out).write_text(user_dict_text(found, db_path), encoding="utf-8")
    click.echo(
        f"Wrote {len(found)} terms to {out}; list it under segment.user_dicts, then `wenji reprocess`."
    )


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
@click.option("--config", type=click.Path(dir_okay=False), help="TOML file with [[extract.sites]].")
@_trust_config_paths
def extract(files: tuple[str, ...], fmt: str, config: str | None, trust_paths: bool) -> None:
    """Extract and clean saved pages (no database, no Prefect); print one result per page.

    A page's URL is the one it states (canonical link, og:url), else its file:// URL; site rules from
    --config match that URL's host.
    """
    from wenji.tasks.crawler import fetch_batch
    from wenji.tasks.extract import extract_batch
    from wenji.tasks.records import SourceItem
    from wenji.tasks.sources import CANONICAL_SCAN_BYTES, recovered_url

    settings = _settings(config, trust_paths)
    items = []
    for f in files:
        path = Path(f).resolve()
        with path.open("rb") as fh:
            stated = recovered_url(fh.read(CANONICAL_SCAN_BYTES))
        items.append(SourceItem(url=stated or path.as_uri(), path=str(path)))
    pages = fetch_batch(items, settings.fetch)
    docs = extract_batch(pages.items, settings.extract.sites)
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
