"""The ETL flow: resolve sources, then for each batch fetch → transform (extract/clean, segment, enrich)
in a worker process → load into DuckDB, then the run summary.

Tasks here are thin wrappers over the plain functions in `wenji.tasks`; retries and names live in one
place. Fetching is I/O (async httpx) and runs in the flow process; transforming is CPU-bound and runs on
the process pool, up to `settings.workers` batches at a time while the flow process fetches the next
batch and loads finished ones. The flow process is the only DuckDB writer.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter, deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.task_runners import ProcessPoolTaskRunner

from wenji.tasks import load as loader
from wenji.tasks.fetch import fetch_batch
from wenji.tasks.load import BatchTables, RunCounts, to_tables
from wenji.tasks.records import ErrorRecord, Page, SourceItem, StepResult
from wenji.tasks.settings import FetchConfig, Settings
from wenji.tasks.sources import resolve_sources
from wenji.tasks.transform import TransformResult, init_worker, transform_batch


@dataclass(slots=True)
class RunSummary:
    run_id: str
    db_path: str
    status: str
    seconds: float
    counts: RunCounts
    errors_by_kind: Counter[str] = field(default_factory=Counter)


# Batches carry raw bytes and Arrow tables: hashing them for a cache key would cost more than the work.
@task(name="resolve", cache_policy=NO_CACHE)
def resolve(sources: list[str], cfg: FetchConfig) -> StepResult[SourceItem]:
    return resolve_sources(sources, cfg)


@task(name="fetch", task_run_name="fetch batch {batch_no}", cache_policy=NO_CACHE, retries=1)
def fetch(items: list[SourceItem], cfg: FetchConfig, batch_no: int) -> StepResult[Page]:
    return fetch_batch(items, cfg)


@task(name="skip-unchanged", task_run_name="skip unchanged, batch {batch_no}", cache_policy=NO_CACHE)
def skip_unchanged(db_path: str, pages: list[Page], batch_no: int) -> tuple[list[Page], list[str]]:
    return loader.split_unchanged(db_path, pages)


@task(name="transform", task_run_name="transform batch {batch_no}", cache_policy=NO_CACHE, retries=1)
def transform(
    run_id: str,
    pages: list[Page],
    prior_errors: list[ErrorRecord],
    unchanged_urls: list[str],
    settings: Settings,
    batch_no: int,
) -> TransformResult:
    return transform_batch(run_id, pages, prior_errors, unchanged_urls, settings)


@task(
    name="load",
    task_run_name="load batch {batch_no}",
    cache_policy=NO_CACHE,
    retries=2,
    retry_delay_seconds=2,
)
def load(db_path: str, batch: BatchTables, batch_no: int) -> None:
    loader.load_batch(db_path, batch)


def _batches(items: Sequence[SourceItem], size: int) -> Iterator[list[SourceItem]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


@dataclass(slots=True)
class _InFlight:
    batch_no: int
    future: PrefectFuture[TransformResult]
    pages: list[Page]
    prior_errors: list[ErrorRecord]
    unchanged_urls: list[str]


@flow(
    name="etl",
    task_runner=ProcessPoolTaskRunner(max_workers=2, initializer=init_worker, initargs=(Settings(),)),
)
def etl(sources: list[str], settings: Settings) -> RunSummary:
    """Fetch, extract, clean, segment, enrich and load the pages named by `sources` into DuckDB."""
    logger = get_run_logger()
    started = time.monotonic()
    run_id = uuid.uuid4().hex[:16]
    db = settings.db_path
    loader.start_run(db, run_id, sources, settings)
    counts, kinds = RunCounts(), Counter[str]()

    resolved = resolve(sources, settings.fetch)
    items = resolved.items
    counts.pages_seen = len(items)
    n_batches = max(1, -(-len(items) // settings.batch_size))
    logger.info(
        "%d pages from %d sources, %d batches of up to %d",
        len(items),
        len(sources),
        n_batches,
        settings.batch_size,
    )

    def record(batch_no: int, batch: BatchTables) -> None:
        load(db, batch, batch_no)
        docs = batch.tables["documents"]
        counts.pages_unchanged += len(batch.unchanged_urls)
        counts.pages_fetched += batch.rows("pages")
        counts.documents += docs.num_rows
        counts.sentences += batch.rows("sentences")
        counts.tokens += sum(docs.column("n_tokens").to_pylist())
        counts.errors += batch.rows("errors")
        counts.pages_failed += len(set(batch.tables["errors"].column("url").to_pylist()))
        kinds.update(batch.tables["errors"].column("kind").to_pylist())
        logger.info(
            "batch %d/%d loaded: %d pages, %d unchanged, %d documents, %d errors (%.1f s)",
            batch_no,
            n_batches,
            batch.rows("pages"),
            len(batch.unchanged_urls),
            docs.num_rows,
            batch.rows("errors"),
            time.monotonic() - started,
        )

    def finish(job: _InFlight) -> None:
        try:
            batch = job.future.result().batch
        except Exception as e:  # a worker died or a step had a bug: the batch's pages become error rows
            failed = [
                ErrorRecord(p.url, "extract", "batch_failed", f"processing the batch failed: {e}")
                for p in job.pages
            ]
            batch = to_tables(run_id, [], [], [*job.prior_errors, *failed], job.unchanged_urls)
        record(job.batch_no, batch)

    try:
        in_flight: deque[_InFlight] = deque()
        carry_errors = list(resolved.errors)  # resolve errors ride with the first batch's transaction
        for batch_no, items_batch in enumerate(_batches(items, settings.batch_size), start=1):
            fetched = fetch(items_batch, settings.fetch, batch_no)
            changed, unchanged = skip_unchanged(db, fetched.items, batch_no)
            errors, carry_errors = [*carry_errors, *fetched.errors], []
            future = transform.submit(run_id, changed, errors, unchanged, settings, batch_no)
            in_flight.append(_InFlight(batch_no, future, changed, errors, unchanged))
            while len(in_flight) >= settings.workers:
                finish(in_flight.popleft())
        while in_flight:
            finish(in_flight.popleft())
        if carry_errors:  # nothing to fetch at all: still record why
            record(0, to_tables(run_id, [], [], carry_errors))

    except BaseException:
        loader.finish_run(db, run_id, counts, "failed", time.monotonic() - started)
        raise
    seconds = time.monotonic() - started
    loader.finish_run(db, run_id, counts, "done", seconds)
    summary = RunSummary(run_id, db, "done", seconds, counts, kinds)
    create_markdown_artifact(
        key="wenji-run-summary", markdown=summary_markdown(summary), description="wenji run summary"
    )
    return summary


def summary_markdown(s: RunSummary) -> str:
    c = s.counts
    rows = [
        ("pages seen", c.pages_seen),
        ("pages loaded (new or changed)", c.pages_fetched),
        ("pages unchanged", c.pages_unchanged),
        ("pages with errors", c.pages_failed),
        ("documents", c.documents),
        ("sentences", c.sentences),
        ("tokens", c.tokens),
        ("errors", c.errors),
    ]
    lines = [
        f"# wenji run `{s.run_id}`",
        "",
        f"{s.status} in {s.seconds:.1f} s, database `{s.db_path}`",
        "",
        "| | count |",
        "|---|---:|",
        *(f"| {k} | {v:,} |" for k, v in rows),
    ]
    if s.errors_by_kind:
        lines += [
            "",
            "| error kind | count |",
            "|---|---:|",
            *(f"| {k} | {v} |" for k, v in s.errors_by_kind.most_common(10)),
        ]
    return "\n".join(lines)


def run_etl(sources: Sequence[str], settings: Settings) -> RunSummary:
    """Run the flow with the worker pool sized and initialised from `settings`."""
    runner = ProcessPoolTaskRunner(
        max_workers=settings.workers, initializer=init_worker, initargs=(settings,)
    )
    return etl.with_options(task_runner=runner)(list(sources), settings)
