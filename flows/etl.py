"""The ETL flow: resolve the sources → decide what to fetch → stream pages → transform batches → load →
corpus steps → summary. `etl` below is that recipe; the machinery lives in `wenji.flows.streaming`.

Pages stream: the crawl runs in a process of its own, host by host, and hands over batches of pages
that are already complete (`batch_size` pages, or what `batch_wait` seconds brought), so a hanging URL
holds one slot of its own host and nobody else. Each batch is one transform task on the task runner (a
local process pool, or an existing Dask cluster when `settings.dask_address` is set) and one load
transaction in the flow process, the only DuckDB writer. A run holds the database's writer lock for its
whole length (a second run waits or stops), and lets go of the file itself every few seconds for readers
(see `wenji.tasks.db.holding`). Every counter the steps keep ends up in `run_stats`, which the summary
and the Prefect artifacts are rendered from.

`reprocess` feeds the same transform → load steps from the raw pages stored in the database instead of
fetching, for when the cleaning rules improve.
"""

from __future__ import annotations

import gc
import os
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, partial

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.assets import add_asset_metadata, materialize
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture, wait
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner
from prefect.tasks import MaterializingTask

from wenji.flows.assets import table_asset
from wenji.flows.runtime import current_api_url, keep_one_api_client, name_process, settings_serialized_once
from wenji.flows.streaming import QUEUED_BATCHES, Done, FetchStream, Sealed, WorkBatch, in_flight_window
from wenji.tasks import incremental, store
from wenji.tasks.crawl import resolve_and_discover
from wenji.tasks.crawler import FetchedBatch
from wenji.tasks.db import holding, writer_lock
from wenji.tasks.enrich import duplicates, new_terms
from wenji.tasks.records import ErrorRecord, SourceItem, StepResult
from wenji.tasks.runstats import RunCounts, RunStats
from wenji.tasks.settings import CrawlConfig, FetchConfig, Settings, load_settings
from wenji.tasks.tables import TABLE_ORDER, BatchTables, to_tables
from wenji.tasks.transform import BatchFailed, TransformResult, init_worker, transform_batch

# run_stats name of a corpus step's seconds under stage load: duplicates_seconds, new_terms_seconds …
CORPUS_STEP_SECONDS = "_seconds"
# Stored state is read for this many URLs at a time (one query each) while deciding what to fetch.
STATE_CHUNK_URLS = 5_000


@dataclass(slots=True)
class RunSummary:
    run_id: str
    db_path: str
    status: str
    seconds: float
    counts: RunCounts
    errors_by_kind: Counter[str] = field(default_factory=Counter)
    stage_seconds: dict[str, float] = field(default_factory=dict)  # resolve, fetch, extract, …, load
    hosts_given_up: dict[str, str] = field(default_factory=dict)  # host → why
    corpus_seconds: dict[str, float] = field(default_factory=dict)  # duplicates, term_stats, new_terms
    new_terms: int = 0  # rows of new_terms after the run's corpus steps (when they ran: corpus_seconds)


@dataclass(slots=True)
class Run:
    """One recorded run: its id, settings and counters, passed from step to step."""

    settings: Settings
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    stats: RunStats = field(default_factory=RunStats)
    started: float = field(default_factory=time.monotonic)
    seconds: float = 0.0
    rows_loaded: Counter[str] = field(default_factory=Counter)  # by table, over the batches loaded so far

    @property
    def db(self) -> str:
        return self.settings.db_path

    def summary(self, status: str = "done") -> RunSummary:
        return RunSummary(
            self.run_id,
            self.db,
            status,
            self.seconds,
            self.stats.counts(),
            self.stats.errors_by_kind(),
            self.stats.seconds(),
            dict(self.stats.given_up),
            {
                name.removesuffix(CORPUS_STEP_SECONDS): v
                for (stage, name), v in self.stats.values.items()
                if stage == "load" and name.endswith(CORPUS_STEP_SECONDS)
            },
            int(self.stats.get("load", "new_terms")),
        )


# --- the steps: thin tasks over the functions in wenji.tasks ------------------------------------------
# Batches carry raw bytes and Arrow tables: hashing them for a cache key would cost more than the work.


@task(name="resolve", cache_policy=NO_CACHE)
def resolve(sources: list[str], cfg: FetchConfig, crawl: CrawlConfig) -> StepResult[SourceItem]:
    return resolve_and_discover(sources, cfg, crawl)


def plan_fetches(run: Run, items: list[SourceItem], sources: list[str]) -> incremental.Plan:
    """What to request and how (tasks/incremental.py), from what the database holds about the URLs.

    Not a task: a few queries in the flow process, whose log lines the user should see."""
    settings, plan = run.settings, incremental.Plan()
    resumed = store.resume_point(run.db, sources, run.run_id) if settings.resume else None
    done = resumed.loaded_urls if resumed else frozenset()
    for chunk in incremental.chunks(items, STATE_CHUNK_URLS):
        stored = store.stored_state(run.db, [item.url for item in chunk])
        plan.extend(incremental.plan_fetches(chunk, stored, settings.fetch.trust_sitemap_lastmod, done))
    if resumed:
        get_run_logger().info(
            "resuming: the last run over these sources (%s, started %s) did not finish; "
            "%d pages it loaded are not fetched again (--no-resume fetches everything)",
            ", ".join(resumed.run_ids),
            resumed.started_at.isoformat(timespec="seconds"),
            plan.resumed,
        )
    run.stats.add("fetch", {"left_alone_by_lastmod": plan.left_alone, "resumed": plan.resumed})
    get_run_logger().info(
        "%d pages from %d sources: %d to fetch, in batches of up to %d pages or %g s",
        len(items),
        len(sources),
        len(plan.jobs),
        settings.batch_size,
        settings.batch_wait,
    )
    return plan


@task(name="transform", task_run_name="transform batch {batch_no}", cache_policy=NO_CACHE, retries=1)
def transform(run_id: str, batch: Sealed[WorkBatch], settings: Settings, batch_no: int) -> TransformResult:
    work = batch.value
    return transform_batch(run_id, work.pages, work.errors, work.unchanged_urls, settings)


@task(name="read-stored", task_run_name="read stored pages, batch {batch_no}", cache_policy=NO_CACHE)
def read_stored(db_path: str, after_page_id: str, limit: int, since: datetime | None, batch_no: int) -> list:
    return store.stored_pages(db_path, after_page_id, limit, since)


def _tables_loaded(db_path: str, rows: dict[str, int]) -> None:
    for table, n in rows.items():
        add_asset_metadata(table_asset(db_path, table), {"rows_loaded_by_this_run": n})


@cache
def tables_loaded_task(db_path: str) -> MaterializingTask[[str, dict[str, int]], None]:
    """The run's tables as the assets it materialized (lineage in the UI), each with the rows the run
    loaded into it; one task per database file, built once.

    One task run per run, after its batches: a materializing task run per batch cost the Prefect server
    ~65 ms of CPU and the flow process ~15 ms (30 batches: 2.4 CPU s, measured), for the same lineage.
    """
    return materialize(
        *(table_asset(db_path, t) for t in TABLE_ORDER),
        name="tables-loaded",
        task_run_name="tables loaded",
        cache_policy=NO_CACHE,
    )(_tables_loaded)


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
    rows = store.refresh_term_stats(db_path, run_id)
    get_run_logger().info("term_stats: %d rows", rows)
    return rows


@task(name="new-terms", cache_policy=NO_CACHE)
def find_new_terms(db_path: str, run_id: str) -> new_terms.NewTermStats:
    """Corpus step after all batches: recompute the new-term candidates over the whole corpus."""
    stats = new_terms.refresh_new_terms(db_path, run_id)
    get_run_logger().info("new_terms: %d candidates (%.2f s)", stats.terms, stats.seconds)
    return stats


# --- the run around the steps ----------------------------------------------------------------------


@contextmanager
def recorded_run(sources: list[str], settings: Settings) -> Iterator[Run]:
    """The run's writer lock, its `runs` row (`done` only when every batch committed), its run_stats,
    and the Prefect artifacts of its summary."""
    run = Run(settings)
    logger = get_run_logger()
    with writer_lock(run.db, run.run_id, settings.writer_wait, on_wait=logger.warning), holding(run.db):
        store.start_run(run.db, run.run_id, sources, settings)
        try:
            with _collections_of_this_run_only():
                yield run
        except BaseException:
            run.seconds = time.monotonic() - run.started
            store.finish_run(run.db, run.run_id, run.stats, "failed", run.seconds)
            _record_tables_loaded(run)
            raise
        run.seconds = time.monotonic() - run.started
        store.finish_run(run.db, run.run_id, run.stats, "done", run.seconds)
        _record_tables_loaded(run)
    summary = run.summary()
    logger.info(summary_line(summary))
    create_markdown_artifact(
        key="wenji-run-summary", markdown=summary_markdown(summary), description="wenji run summary"
    )
    create_table_artifact(
        key="wenji-run-stages", table=summary_table(summary), description="wenji run: counts and stage times"
    )


def _record_tables_loaded(run: Run) -> None:
    """Declare the tables materialized once the run has loaded a batch; its committed batches stay
    loaded when it fails later."""
    if run.rows_loaded:
        tables_loaded_task(run.db)(run.db, {t: run.rows_loaded[t] for t in TABLE_ORDER})


def fetched_work(
    run: Run, resolved: StepResult[SourceItem], stream: FetchStream
) -> Iterator[WorkBatch | None]:
    """The crawl's batches as work for the transform tasks (None: an idle tick, see FetchStream), with
    the crawl's counters added to the run's. The resolve errors ride with the first batch."""
    carried, batch_no, started = list(resolved.errors), 0, time.perf_counter()
    batch: FetchedBatch | None
    for batch in stream.batches():
        if batch is None:
            yield None
            continue
        run.stats.add("fetch", batch.counters)
        run.stats.add("fetch", {"pages_out": len(batch.pages), "unchanged": len(batch.unchanged_urls)})
        for host, why in batch.given_up.items():
            get_run_logger().warning(
                "gave up %s: %s; its remaining pages are left for the next run", host, why
            )
        run.stats.given_up.update(batch.given_up)
        batch_no += 1
        yield WorkBatch(batch_no, batch.pages, [*carried, *batch.errors], batch.unchanged_urls)
        carried = []
    run.stats.add("fetch", {"seconds": time.perf_counter() - started})
    if carried:  # nothing was fetched at all: still record why
        yield WorkBatch(batch_no + 1, [], carried)


def stored_work(run: Run, since: datetime | None) -> Iterator[WorkBatch | None]:
    """The stored pages, batch by batch in page_id order (a batch is read only when the window wants it)."""
    after, batch_no = "", 0
    while True:
        with run.stats.timed("fetch"):
            pages = read_stored(run.db, after, run.settings.batch_size, since, batch_no + 1)
        if not pages:
            return
        batch_no += 1
        after = pages[-1].page_id
        run.stats.add("resolve", {"urls": len(pages)})
        yield WorkBatch(batch_no, pages)


def _submit(runner: TaskRunner, run: Run, batch: WorkBatch) -> PrefectFuture[TransformResult]:
    parameters = {
        "run_id": run.run_id,
        "batch": Sealed(batch),
        "settings": run.settings,
        "batch_no": batch.batch_no,
    }
    return runner.submit(transform, parameters)


@task(name="start-worker", cache_policy=NO_CACHE)
def start_worker() -> int:
    """Nothing but a worker process started and warmed up (see `Workers.warm`); its pid."""
    return os.getpid()


@dataclass(slots=True)
class Workers:
    """The run's task runner (see `workers`), and the start-worker task runs that warmed its local pool."""

    run: Run
    runner: TaskRunner
    started: list[PrefectFuture[int]] = field(default_factory=list)

    def warm(self) -> None:
        """Start the local pool's workers now rather than at their first batch (concurrent.futures spawns
        a process per submit), once batches are sure to come: their start (Python, Prefect, the segmenter
        and the enrichment tables: ~2 s) then overlaps resolving the sources, the fetch process's start
        and the first batch's pages instead of holding up the first batches. Once per run."""
        if not self.started and isinstance(self.runner, ProcessPoolTaskRunner):
            self.started = [self.runner.submit(start_worker, {}) for _ in range(self.run.settings.workers)]

    def transformed(self, work: Iterator[WorkBatch | None]) -> Iterator[Done[TransformResult]]:
        """Each batch transformed by one task, up to `workers + QUEUED_BATCHES` at a time, handed on in
        order as they finish. A batch with no pages to transform is never submitted, so an unchanged
        re-run starts no worker process at all."""
        yield from in_flight_window(
            work, partial(_submit, self.runner, self.run), self.run.settings.workers + QUEUED_BATCHES
        )


@contextmanager
def workers(run: Run) -> Iterator[Workers]:
    """The run's task runner, whose worker processes stop at the end of the block (before the corpus
    steps, which take their memory).

    The runner is built here from the run's settings, not taken from the flow: a run that a `prefect
    worker` or `wenji serve` starts from a deployment loads the flow from its entrypoint with the
    decorator's options and reads its config file only once it runs, so the config's `workers` and
    `dask_address` could not reach a runner chosen before."""
    # Settings as an object only for a local pool's workers, not for a Dask cluster's.
    with (
        task_runner_for(run.settings) as runner,
        settings_serialized_once(same_machine=isinstance(runner, ProcessPoolTaskRunner)),
    ):
        pool = Workers(run, runner)
        yield pool
        wait(pool.started)


def tables_of(run: Run, done: Done[TransformResult]) -> BatchTables:
    """The batch's tables; a failed batch's pages become error rows naming the stage that failed."""
    b = done.batch
    if done.error is not None:
        stage = done.error.stage if isinstance(done.error, BatchFailed) else "extract"
        failed = [
            ErrorRecord(p.url, stage, "batch_failed", f"processing the batch failed: {done.error}")
            for p in b.pages
        ]
        return to_tables(run.run_id, [], [], [*b.errors, *failed], b.unchanged_urls)
    if done.result is None:
        return to_tables(run.run_id, [], [], b.errors, b.unchanged_urls)
    for stage, counters in done.result.counters.items():
        run.stats.add(stage, counters)
    return done.result.batch


def load(run: Run, done: Done[TransformResult]) -> None:
    """Write one batch in one transaction, and count what it wrote."""
    batch = tables_of(run, done)
    with run.stats.timed("load"):
        store.load_batch(run.db, batch)
    run.stats.add_loaded(batch.tables, len(batch.unchanged_urls))
    run.rows_loaded.update({name: t.num_rows for name, t in batch.tables.items()})
    get_run_logger().info(
        "batch %d loaded: %d pages, %d unchanged, %d documents, %d errors (%.1f s)",
        done.batch.batch_no,
        batch.rows("pages"),
        len(batch.unchanged_urls),
        batch.rows("documents"),
        batch.rows("errors"),
        time.monotonic() - run.started,
    )
    # A batch's Arrow tables and its worker's answer sit in reference cycles (Prefect's states and
    # futures) that only a full collection frees: without one per batch the flow process grew by
    # ~80 MB per batch between Python's rare full collections (1.0-1.5 GB peaks at 10k-100k pages).
    del batch, done
    gc.collect()


def corpus_steps(run: Run) -> None:
    """Near-duplicate groups, corpus word counts and new terms, over the whole database, each timed in
    run_stats (load: <step>_seconds; they are part of load's seconds). They cost seconds per 1,000
    documents: skipped when nothing changed, so an unchanged re-run stays cheap, unless an unfinished
    earlier run left them stale."""
    if not (run.stats.get("load", "pages") or store.corpus_stale(run.db, run.run_id)):
        return
    with run.stats.timed("load"):
        with _corpus_step(run, "duplicates"):
            find_duplicates(run.db, run.run_id)
        with _corpus_step(run, "term_stats"):
            term_stats(run.db, run.run_id)
        with _corpus_step(run, "new_terms"):
            run.stats.add("load", {"new_terms": find_new_terms(run.db, run.run_id).terms})


@contextmanager
def _corpus_step(run: Run, name: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        run.stats.add("load", {f"{name}{CORPUS_STEP_SECONDS}": time.perf_counter() - started})


@contextmanager
def _collections_of_this_run_only() -> Iterator[None]:
    """Leave the objects that exist before the batches (modules, Prefect's machinery) out of the garbage
    collector's full collections until the run's batches are done.

    The per-batch collection walked them every time: py-spy saw it take ~0.5 s of the flow process per
    batch. Garbage among them waits for the first collection after the run.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


# --- the flows -------------------------------------------------------------------------------------


def _init_worker(settings: Settings, api_url: str | None = None) -> None:
    name_process("wenji-worker")
    keep_one_api_client(api_url)
    init_worker(settings)


def task_runner_for(settings: Settings) -> TaskRunner:
    """Local worker processes, or the Dask cluster at `settings.dask_address` (needs the `dask` extra)."""
    if not settings.dask_address:
        return ProcessPoolTaskRunner(
            max_workers=settings.workers, initializer=_init_worker, initargs=(settings, current_api_url())
        )
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError:
        raise RuntimeError(
            "dask_address is set but prefect-dask is not installed: pip install 'wenji[dask]'"
        ) from None
    # Dask workers warm up lazily: the first batch on each worker loads the segmenter and dictionaries.
    return DaskTaskRunner(address=settings.dask_address)


def _settings_for(
    settings: Settings | None, config: str | None, db_path: str | None, batch_size: int | None
) -> Settings:
    """Local runs pass `settings`; deployments pass plain JSON (a config file path and overrides)."""
    return settings or load_settings(config, db_path=db_path, batch_size=batch_size)


@flow(name="etl")
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
    with recorded_run(todo, settings) as run:
        with workers(run) as pool:
            if not store.has_pages(run.db):  # a first run: whatever the sources hold is new
                pool.warm()
            with run.stats.timed("resolve"):
                resolved = resolve(todo, settings.fetch, settings.crawl)
            run.stats.add("resolve", {**resolved.counters, "urls": len(resolved.items)})
            plan = plan_fetches(run, resolved.items, todo)
            if plan.has_new_pages():
                pool.warm()
            with FetchStream(plan.jobs, settings.fetch, settings.batch_size, settings.batch_wait) as stream:
                for done in pool.transformed(fetched_work(run, resolved, stream)):
                    load(run, done)
        corpus_steps(run)
    return run.summary()


@flow(name="reprocess")
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
    with recorded_run([f"reprocess: {label}"], settings) as run:
        with workers(run) as pool:
            pool.warm()
            for done in pool.transformed(stored_work(run, since)):
                load(run, done)
        corpus_steps(run)
    return run.summary()


# --- the summary -----------------------------------------------------------------------------------


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
        *([("new terms (whole corpus)", s.new_terms)] if "new_terms" in s.corpus_seconds else []),
    ]


def summary_line(s: RunSummary) -> str:
    """The run in one line, logged at its end: what `wenji serve`'s terminal shows per served run."""
    c = s.counts
    given_up = f", {len(s.hosts_given_up)} hosts given up" if s.hosts_given_up else ""
    return (
        f"wenji run {s.run_id} {s.status} in {s.seconds:.1f} s: {c.pages_seen:,} pages seen, "
        f"{c.pages_fetched:,} loaded, {c.pages_unchanged:,} unchanged, "
        f"{c.pages_failed:,} with errors{given_up}; {c.documents:,} documents, {c.errors:,} errors; "
        f"database {s.db_path}"
    )


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
            *(f"| … load: {k} | {v:.2f} |" for k, v in s.corpus_seconds.items()),
        ]
    if s.errors_by_kind:
        lines += [
            "",
            "| error kind | count |",
            "|---|---:|",
            *(f"| {k} | {v} |" for k, v in s.errors_by_kind.most_common(10)),
        ]
    if s.hosts_given_up:
        lines += ["", "Hosts given up (their remaining pages are left for the next run):", ""]
        lines += [f"- {host}: {why}" for host, why in s.hosts_given_up.items()]
    return "\n".join(lines)


def summary_table(s: RunSummary) -> list[dict[str, object]]:
    """The summary as rows for a Prefect table artifact: counts, seconds per stage, the top error kinds.

    Extract, segment and enrich seconds add up the workers' time, so with several workers they can
    exceed the run's.
    """
    return [
        *({"measure": k, "value": v} for k, v in _count_rows(s)),
        *({"measure": f"seconds: {k}", "value": round(v, 3)} for k, v in s.stage_seconds.items()),
        *({"measure": f"seconds: load: {k}", "value": round(v, 3)} for k, v in s.corpus_seconds.items()),
        {"measure": "seconds: whole run", "value": round(s.seconds, 3)},
        *({"measure": f"error: {k}", "value": v} for k, v in s.errors_by_kind.most_common(10)),
        *({"measure": f"host given up: {host}", "value": why} for host, why in s.hosts_given_up.items()),
    ]


def run_etl(sources: Sequence[str], settings: Settings) -> RunSummary:
    """Run the flow over `sources`; its batches go to the task runner `settings` choose (`workers`)."""
    return etl(list(sources), settings)


def run_reprocess(settings: Settings, since: datetime | None = None) -> RunSummary:
    """Reprocess the stored pages."""
    return reprocess(since, settings)
