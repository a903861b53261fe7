"""The ETL flow: resolve sources, then for each batch fetch → transform (extract/clean, segment, enrich)
in a worker process → load into DuckDB, then the run summary.

Tasks here are thin wrappers over the plain functions in `wenji.tasks`; retries and names live in one
place. Fetching (async httpx, and decoding) runs in a process of its own, one batch ahead; transforming
is CPU-bound and runs on the task runner (a local process pool, or an existing Dask cluster when
`settings.dask_address` is set), up to `settings.workers` batches at a time while the flow process loads
finished ones. The flow process is the only DuckDB writer; it holds the file across a few batches and
lets go of it every few seconds for readers (see `wenji.tasks.db.holding`).

`reprocess` feeds the same transform → load loop from the raw pages stored in the database instead of
fetching, for when the cleaning rules improve.
"""

from __future__ import annotations

import contextvars
import gc
import multiprocessing
import queue
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.assets import materialize
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner
from prefect.tasks import MaterializingTask

from wenji.flows.assets import table_asset
from wenji.flows.runtime import name_process
from wenji.tasks import load as loader
from wenji.tasks.crawl import resolve_and_discover
from wenji.tasks.db import holding
from wenji.tasks.enrich import duplicates
from wenji.tasks.fetch import fetch_batch, unchanged_by_lastmod
from wenji.tasks.load import TABLE_ORDER, BatchTables, RunCounts, to_tables
from wenji.tasks.records import ErrorRecord, Page, SourceItem, StepResult
from wenji.tasks.settings import CrawlConfig, FetchConfig, Settings, load_settings
from wenji.tasks.transform import TransformResult, init_worker, transform_batch


@dataclass(slots=True)
class RunSummary:
    run_id: str
    db_path: str
    status: str
    seconds: float
    counts: RunCounts
    errors_by_kind: Counter[str] = field(default_factory=Counter)
    stage_seconds: dict[str, float] = field(default_factory=dict)  # resolve, fetch or read, transform, load


# Batches carry raw bytes and Arrow tables: hashing them for a cache key would cost more than the work.
@task(name="resolve", cache_policy=NO_CACHE)
def resolve(sources: list[str], cfg: FetchConfig, crawl: CrawlConfig) -> StepResult[SourceItem]:
    return resolve_and_discover(sources, cfg, crawl)


class FetchProcess:
    """The process that fetches (or reads) and decodes the pages, started when first needed.

    Fetching costs CPU too (HTTP, decoding, charset detection, ~1-2 ms a page): in a thread of the flow
    process it shared one interpreter lock with loading, unpickling and collecting (py-spy at 10,000 pages:
    the fetch thread busy 151 of the run's 162 s); in a process of its own the run took 156 s instead of
    174 s. A batch's pages cross to the flow process once, pickled (a few ms). A process that died is
    replaced at the next batch.
    """

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    def fetch(
        self,
        items: list[SourceItem],
        cfg: FetchConfig,
        validators: dict[str, tuple[str | None, str | None]] | None,
    ) -> StepResult[Page]:
        if self._pool is None:
            # spawn, as the worker processes: forking a process with running threads can deadlock.
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=name_process,
                initargs=("wenji-fetch",),
            )
        try:
            return self._pool.submit(fetch_batch, items, cfg, validators).result()
        except BrokenProcessPool:
            self.close()
            raise

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


# One task with the comparison to the stored pages: each task run costs Prefect's server ~0.1 s of CPU,
# which on two cores the workers miss.
@task(name="fetch", task_run_name="fetch batch {batch_no}", cache_policy=NO_CACHE, retries=1)
def fetch(
    process: FetchProcess,
    items: list[SourceItem],
    cfg: FetchConfig,
    db_path: str,
    batch_no: int,
    validators: dict[str, tuple[str | None, str | None]] | None = None,
) -> tuple[StepResult[Page], list[str]]:
    """The batch fetched, without the pages stored unchanged (same bytes, or a 304): their URLs apart."""
    fetched = process.fetch(items, cfg, validators)
    fetched.items, unchanged = loader.split_unchanged(db_path, fetched.items)
    return fetched, unchanged


@task(name="read-stored", task_run_name="read stored pages, batch {batch_no}", cache_policy=NO_CACHE)
def read_stored(
    db_path: str, after_page_id: str, limit: int, since: datetime | None, batch_no: int
) -> list[Page]:
    return loader.stored_pages(db_path, after_page_id, limit, since)


@task(name="transform", task_run_name="transform batch {batch_no}", cache_policy=NO_CACHE, retries=1)
def transform(
    run_id: str,
    pages: list[Page],
    prior_errors: list[ErrorRecord],
    unchanged_urls: list[str],
    settings: Settings,
    batch_no: int,
) -> tuple[TransformResult, float]:
    """The batch's tables, and the seconds the worker spent on them (the flow process sees only waits)."""
    started = time.perf_counter()
    result = transform_batch(run_id, pages, prior_errors, unchanged_urls, settings)
    return result, time.perf_counter() - started


@task(name="find-duplicates", cache_policy=NO_CACHE)
def find_duplicates(db_path: str, run_id: str) -> duplicates.DuplicateStats:
    """Corpus step after all batches: regroup near-duplicate documents over the whole database."""
    stats = duplicates.find_duplicates(db_path, run_id)
    get_run_logger().info(
        "near-duplicates: %d groups holding %d of %d documents (%d candidate pairs checked)",
        stats.groups,
        stats.grouped_documents,
        stats.documents,
        stats.candidate_pairs,
    )
    return stats


@task(name="term-stats", cache_policy=NO_CACHE)
def term_stats(db_path: str, run_id: str) -> int:
    """Corpus step after all batches: recompute the corpus word counts the term_* views read."""
    rows = loader.refresh_term_stats(db_path, run_id)
    get_run_logger().info("term_stats: %d rows", rows)
    return rows


def _load(db_path: str, batch: BatchTables, batch_no: int) -> None:
    loader.load_batch(db_path, batch)


def load_task(db_path: str) -> MaterializingTask[[str, BatchTables, int], None]:
    """The load task, declaring the database's tables as the assets it materializes (lineage in the UI)."""
    return materialize(
        *(table_asset(db_path, t) for t in TABLE_ORDER),
        name="load",
        task_run_name="load batch {batch_no}",
        cache_policy=NO_CACHE,
        retries=2,
        retry_delay_seconds=2,
    )(_load)


def _init_worker(settings: Settings) -> None:
    name_process("wenji-worker")
    init_worker(settings)


def task_runner_for(settings: Settings) -> TaskRunner:
    """Local worker processes, or the Dask cluster at `settings.dask_address` (needs the `dask` extra)."""
    if not settings.dask_address:
        return ProcessPoolTaskRunner(
            max_workers=settings.workers, initializer=_init_worker, initargs=(settings,)
        )
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError:
        raise RuntimeError(
            "dask_address is set but prefect-dask is not installed: pip install 'wenji[dask]'"
        ) from None
    # Dask workers warm up lazily: the first batch on each worker loads the segmenter and dictionaries.
    return DaskTaskRunner(address=settings.dask_address)


def _batches(items: Sequence[SourceItem], size: int) -> Iterator[list[SourceItem]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


@dataclass(slots=True)
class _Batch:
    """One batch ready for a worker: the pages to transform, and what rides along into its transaction."""

    batch_no: int
    pages: list[Page]
    errors: list[ErrorRecord] = field(default_factory=list)
    unchanged_urls: list[str] = field(default_factory=list)
    left_alone: int = 0  # pages not even requested (sitemap lastmod older than the stored copy)

    def is_empty(self) -> bool:
        return not (self.pages or self.errors or self.unchanged_urls)


@dataclass(slots=True)
class _InFlight:
    batch: _Batch
    future: PrefectFuture[tuple[TransformResult, float]] | None  # None: nothing to transform


# Batches submitted beyond one per worker: a worker that finishes a batch starts the next at once, while
# the flow process loads the finished one and fetches another (without it each worker idled meanwhile).
QUEUED_BATCHES = 1


@dataclass(slots=True)
class _Tally:
    """What a run has done so far: counts, error kinds, and seconds per stage."""

    started: float = field(default_factory=time.monotonic)
    counts: RunCounts = field(default_factory=RunCounts)
    kinds: Counter[str] = field(default_factory=Counter)
    seconds: dict[str, float] = field(default_factory=dict)

    def add_seconds(self, stage: str, seconds: float) -> None:
        self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds

    @contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.add_seconds(stage, time.perf_counter() - started)

    def add(self, batch: BatchTables) -> None:
        docs, errors = batch.tables["documents"], batch.tables["errors"]
        c = self.counts
        c.pages_unchanged += len(batch.unchanged_urls)
        c.pages_fetched += batch.rows("pages")
        c.documents += docs.num_rows
        c.sentences += batch.rows("sentences")
        c.tokens += sum(docs.column("n_tokens").to_pylist())
        c.errors += errors.num_rows
        c.pages_failed += len(set(errors.column("url").to_pylist()))
        self.kinds.update(errors.column("kind").to_pylist())


_DONE = object()
# Where batches come from (fetching, or reading stored pages): a generator, closed when the run stops.
Batches = Generator[_Batch, None, None]


def _prefetched(batches: Batches) -> Iterator[_Batch]:
    """`batches`, produced one step ahead in a thread: the next batch's fetch (mostly waiting for servers:
    per-host limits keep few requests in flight) overlaps loading and submitting the current one.

    The thread runs in a copy of this context, so its task runs belong to the flow run. An exception in
    the producer is raised here, in the flow.
    """
    handoff: queue.Queue[object] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def put(item: object) -> bool:
        """Hand over `item`; False once the flow thread has stopped taking batches."""
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            with closing(batches):  # when the flow stops early: the generator's clean-up runs here
                for batch in batches:
                    if not put(batch):
                        return
            put(_DONE)
        except BaseException as exc:  # handed to the flow thread, which raises it
            put(exc)

    producer = threading.Thread(target=contextvars.copy_context().run, args=(produce,), name="wenji-fetch")
    producer.start()
    try:
        while (item := handoff.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        producer.join()


def _transform_and_load(run_id: str, settings: Settings, batches: Batches, tally: _Tally) -> None:
    """Transform each batch on the task runner and load it from the flow process, the only DuckDB writer.

    Up to `settings.workers + QUEUED_BATCHES` batches are in flight, so producing the next batch (a fetch,
    or a read of stored pages) and loading finished ones overlap the workers' transforms. A batch without
    pages to transform (all unchanged, or all failed to fetch) is never submitted: its tables are built
    here, so an unchanged re-run starts no worker process at all.
    """
    logger = get_run_logger()
    db = settings.db_path
    load = load_task(db)

    def tables_of(job: _InFlight) -> BatchTables:
        b = job.batch
        if job.future is None:
            return to_tables(run_id, [], [], b.errors, b.unchanged_urls)
        try:
            result, seconds = job.future.result()
        except Exception as e:  # a worker died or a step had a bug: the batch's pages become error rows
            failed = [
                ErrorRecord(p.url, "extract", "batch_failed", f"processing the batch failed: {e}")
                for p in b.pages
            ]
            return to_tables(run_id, [], [], [*b.errors, *failed], b.unchanged_urls)
        tally.add_seconds("transform", seconds)
        return result.batch

    def finish(job: _InFlight) -> None:
        b = job.batch
        batch = tables_of(job)
        with tally.timed("load"):
            load(db, batch, b.batch_no)
        tally.add(batch)
        logger.info(
            "batch %d loaded: %d pages, %d unchanged, %d documents, %d errors (%.1f s)",
            b.batch_no,
            batch.rows("pages"),
            len(batch.unchanged_urls),
            batch.rows("documents"),
            batch.rows("errors"),
            time.monotonic() - tally.started,
        )
        # A batch's Arrow tables and its worker's answer sit in reference cycles (Prefect's states and
        # futures) that only a full collection frees: without one per batch the flow process grew by
        # ~80 MB per batch between Python's rare full collections (1.0-1.5 GB peaks at 10k-100k pages).
        del batch, job.future
        gc.collect()

    in_flight: deque[_InFlight] = deque()
    with _collections_of_this_run_only():
        for b in _prefetched(batches):
            tally.counts.pages_unchanged += b.left_alone
            if b.is_empty():
                continue
            future = (
                transform.submit(run_id, b.pages, b.errors, b.unchanged_urls, settings, b.batch_no)
                if b.pages
                else None
            )
            in_flight.append(_InFlight(b, future))
            while len(in_flight) >= settings.workers + QUEUED_BATCHES:
                finish(in_flight.popleft())
        while in_flight:
            finish(in_flight.popleft())


@contextmanager
def _collections_of_this_run_only() -> Iterator[None]:
    """Leave the objects that exist before the batches (modules, Prefect's machinery) out of the garbage
    collector's full collections until the run's batches are done.

    The per-batch collection walked them every time: py-spy saw it take ~0.5 s of the flow process per
    batch, holding the interpreter lock the fetch and load threads need. Garbage among them waits for
    the first collection after the run.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _run(sources: list[str], settings: Settings, make_batches: Callable[[_Tally], Batches]) -> RunSummary:
    """One recorded run: the `runs` row, the transform → load loop over `make_batches`, the artifacts."""
    tally = _Tally()
    run_id = uuid.uuid4().hex[:16]
    db = settings.db_path
    with holding(db):
        loader.start_run(db, run_id, sources, settings)
        try:
            _transform_and_load(run_id, settings, make_batches(tally), tally)
            # Corpus-wide steps cost seconds per 1,000 documents: skip them when nothing changed, so an
            # unchanged re-run stays cheap, unless an unfinished earlier run left them stale.
            if tally.counts.pages_fetched or loader.corpus_stale(db, run_id):
                with tally.timed("duplicates"):
                    find_duplicates(db, run_id)
                with tally.timed("term_stats"):
                    term_stats(db, run_id)
        except BaseException:
            loader.finish_run(db, run_id, tally.counts, "failed", time.monotonic() - tally.started)
            raise
        seconds = time.monotonic() - tally.started
        loader.finish_run(db, run_id, tally.counts, "done", seconds)
    summary = RunSummary(run_id, db, "done", seconds, tally.counts, tally.kinds, dict(tally.seconds))
    create_markdown_artifact(
        key="wenji-run-summary", markdown=summary_markdown(summary), description="wenji run summary"
    )
    create_table_artifact(
        key="wenji-run-stages", table=summary_table(summary), description="wenji run: counts and stage times"
    )
    return summary


def _fetched_batches(
    sources: list[str], settings: Settings, tally: _Tally, resumed: loader.ResumePoint | None = None
) -> Batches:
    """Resolve the sources, then fetch batch after batch, leaving out pages whose content is unchanged
    and, when resuming, pages an interrupted run already loaded."""
    with tally.timed("resolve"):
        resolved = resolve(sources, settings.fetch, settings.crawl)
    items = resolved.items
    tally.counts.pages_seen = len(items)
    if resumed:
        items = [item for item in items if item.url not in resumed.loaded_urls]
        get_run_logger().info(
            "resuming: the last run over these sources (%s, started %s) did not finish; "
            "%d pages it loaded are not fetched again (--no-resume fetches everything)",
            ", ".join(resumed.run_ids),
            resumed.started_at.isoformat(timespec="seconds"),
            tally.counts.pages_seen - len(items),
        )
    get_run_logger().info(
        "%d pages from %d sources, %d batches of up to %d",
        len(items),
        len(sources),
        max(1, -(-len(items) // settings.batch_size)),
        settings.batch_size,
    )
    carry_errors = list(resolved.errors)  # resolve errors ride with the first batch's transaction
    process = FetchProcess()
    try:
        for batch_no, items_batch in enumerate(_batches(items, settings.batch_size), start=1):
            with tally.timed("fetch"):
                stored = loader.stored_state(settings.db_path, [i.url for i in items_batch])
                todo, kept = (
                    unchanged_by_lastmod(items_batch, stored.fetched_at)
                    if settings.fetch.trust_sitemap_lastmod
                    else (items_batch, [])
                )
                fetched, unchanged = (
                    fetch(process, todo, settings.fetch, settings.db_path, batch_no, stored.validators)
                    if todo
                    else (StepResult(), [])
                )
            # Pages left alone were not looked at: nothing about them is written, not even their errors.
            yield _Batch(
                batch_no, fetched.items, [*carry_errors, *fetched.errors], unchanged, left_alone=len(kept)
            )
            carry_errors = []
    finally:
        process.close()
    if carry_errors:  # nothing to fetch at all: still record why
        yield _Batch(0, [], carry_errors)


def _settings_for(
    settings: Settings | None, config: str | None, db_path: str | None, batch_size: int | None
) -> Settings:
    """Local runs pass `settings`; deployments pass plain JSON (a config file path and overrides)."""
    return settings or load_settings(config, db_path=db_path, batch_size=batch_size)


@flow(
    name="etl",
    task_runner=task_runner_for(Settings()),  # deployments and direct calls; run_etl picks it per run
)
def etl(
    sources: list[str] | None = None,
    settings: Settings | None = None,
    config: str | None = None,
    db_path: str | None = None,
    batch_size: int | None = None,
) -> RunSummary:
    """Fetch, extract, clean, segment, enrich and load the pages named by `sources` into DuckDB.

    Without `sources`, the config's `sources` are used. `settings` (local runs) wins over `config`,
    `db_path` and `batch_size` (the JSON parameters of deployments).
    """
    settings = _settings_for(settings, config, db_path, batch_size)
    todo = list(sources or settings.sources)
    if not todo:
        raise ValueError("no sources: pass `sources`, or list them under `sources` in the config file")
    resumed = loader.resume_point(settings.db_path, todo) if settings.resume else None
    return _run(todo, settings, lambda tally: _fetched_batches(todo, settings, tally, resumed))


def _stored_batches(settings: Settings, since: datetime | None, tally: _Tally) -> Batches:
    """The stored pages, batch by batch in page_id order (a batch is read only when the loop wants it)."""
    after, batch_no = "", 0
    while True:
        with tally.timed("read"):
            pages = read_stored(settings.db_path, after, settings.batch_size, since, batch_no + 1)
        if not pages:
            return
        batch_no += 1
        after = pages[-1].page_id
        tally.counts.pages_seen += len(pages)
        yield _Batch(batch_no, pages)


@flow(
    name="reprocess",
    task_runner=task_runner_for(Settings()),  # run_reprocess picks it per run
)
def reprocess(
    since: datetime | None = None,
    settings: Settings | None = None,
    config: str | None = None,
    db_path: str | None = None,
    batch_size: int | None = None,
) -> RunSummary:
    """Extract, clean, segment, enrich and load again the raw pages stored in the database (no network).

    For when the cleaning rules improve: each page's derived rows are replaced in its batch's transaction.
    `since` keeps pages fetched at or after it.
    """
    settings = _settings_for(settings, config, db_path, batch_size)
    label = "stored pages" + (f" fetched since {since.isoformat()}" if since else "")
    return _run([f"reprocess: {label}"], settings, lambda tally: _stored_batches(settings, since, tally))


def _count_rows(s: RunSummary) -> list[tuple[str, int]]:
    c = s.counts
    return [
        ("pages seen", c.pages_seen),
        ("pages loaded (new or changed)", c.pages_fetched),
        ("pages unchanged", c.pages_unchanged),
        ("pages with errors", c.pages_failed),
        ("documents", c.documents),
        ("sentences", c.sentences),
        ("tokens", c.tokens),
        ("errors", c.errors),
    ]


def summary_markdown(s: RunSummary) -> str:
    lines = [
        f"# wenji run `{s.run_id}`",
        "",
        f"{s.status} in {s.seconds:.1f} s, database `{s.db_path}`",
        "",
        "| | count |",
        "|---|---:|",
        *(f"| {k} | {v:,} |" for k, v in _count_rows(s)),
    ]
    if s.stage_seconds:
        lines += [
            "",
            "| stage | seconds |",
            "|---|---:|",
            *(f"| {k} | {v:.2f} |" for k, v in s.stage_seconds.items()),
        ]
    if s.errors_by_kind:
        lines += [
            "",
            "| error kind | count |",
            "|---|---:|",
            *(f"| {k} | {v} |" for k, v in s.errors_by_kind.most_common(10)),
        ]
    return "\n".join(lines)


def summary_table(s: RunSummary) -> list[dict[str, object]]:
    """The summary as rows for a Prefect table artifact: counts, seconds per stage, the top error kinds.

    Transform seconds add up the workers' time, so with several workers they can exceed the run's.
    """
    return [
        *({"measure": k, "value": v} for k, v in _count_rows(s)),
        *({"measure": f"seconds: {k}", "value": round(v, 3)} for k, v in s.stage_seconds.items()),
        {"measure": "seconds: whole run", "value": round(s.seconds, 3)},
        *({"measure": f"error: {k}", "value": v} for k, v in s.errors_by_kind.most_common(10)),
    ]


def run_etl(sources: Sequence[str], settings: Settings) -> RunSummary:
    """Run the flow on the task runner chosen by `settings` (worker pool size, or a Dask cluster)."""
    return etl.with_options(task_runner=task_runner_for(settings))(list(sources), settings)


def run_reprocess(settings: Settings, since: datetime | None = None) -> RunSummary:
    """Reprocess the stored pages on the task runner chosen by `settings`."""
    return reprocess.with_options(task_runner=task_runner_for(settings))(since, settings)
