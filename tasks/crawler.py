"""The crawl: every URL of a run through one fetcher, host by host, handed on as each page completes.

Modelled on Scrapy's downloader. Each host has a queue and slots (fetch.per_host_concurrency) under a
global limit (fetch.concurrency); a URL is started only when its host has a free slot, so a slow or
hanging URL holds one slot of its own host until its deadline and never holds back other URLs or
other hosts. robots.txt is read once per host per run.

Host health: one bad URL among good ones leaves its host alone. A host whose requests fail one after
another (timeouts, connection errors, 429, 5xx) is in trouble: 429 and 5xx answers halve its slots and
double its delay (errors never speed a host up), and after fetch.host_failure_limit failures in a row
it is given up: its remaining URLs become `fetch_host_unresponsive` errors at once (the next run tries
them again) instead of each waiting out a full deadline. Delays follow AutoThrottle: real sites start
at fetch.throttle_start_delay and move towards their observed latency, never below min_delay or the
site's Crawl-delay; loopback and listed hosts keep min_delay.

Back-pressure: finished pages wait in a bounded queue for the batcher, which hands over a batch when it
holds `batch_size` pages or its first page has waited `batch_wait` seconds. While the consumer is busy,
finished requests wait to be queued, and no new request starts: memory stays bounded at any size.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import httpx

from wenji.tasks.fetch import (
    Fetcher,
    FetchFailure,
    fetch_item,
    is_exempt_from_throttle,
    is_host_failure,
    open_fetcher,
)
from wenji.tasks.incremental import FetchJob, Validators, is_unchanged
from wenji.tasks.records import ErrorRecord, Page, SourceItem, StepResult
from wenji.tasks.settings import FetchConfig

T = TypeVar("T")
Outcome = Page | ErrorRecord


class QueueLike(Protocol):
    def put(self, obj: object) -> None: ...


# The throttle never spaces a host's requests more than this (seconds), whatever its latency or errors.
MAX_THROTTLE_DELAY = 60.0
# Saved pages (items with a path) are read this many at a time: disk reads, no host to be polite to.
LOCAL_SLOTS = 4
_LOCAL = ""  # the host key of saved pages


@dataclass(slots=True)
class _Host:
    """One host's queue and health."""

    name: str
    slots: int  # requests it may have in flight now; fewer than configured while it is overloaded
    jobs: deque[FetchJob] = field(default_factory=deque)
    active: int = 0
    failures_in_a_row: int = 0
    last_failure: str = ""
    given_up: str | None = None  # why, once given up


@dataclass(slots=True)
class FetchedBatch:
    """Pages as they completed, for one transform task: the pages to process, the URLs that failed and
    those whose stored copy still holds, the crawl's counters since the previous batch, and the hosts
    given up meanwhile (host → why)."""

    pages: list[Page] = field(default_factory=list)
    errors: list[ErrorRecord] = field(default_factory=list)
    unchanged_urls: list[str] = field(default_factory=list)
    counters: Counter[str] = field(default_factory=Counter)
    given_up: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.pages) + len(self.errors) + len(self.unchanged_urls)


def _host_of(item: SourceItem) -> str:
    if item.path is not None:
        return _LOCAL
    try:
        return httpx.URL(item.url).host
    except httpx.InvalidURL:
        return item.url  # fails on its own when fetched


class Crawler:
    """One run's crawl over `jobs`; `run(on_outcome)` awaits `on_outcome` for each URL as it completes."""

    def __init__(self, fetcher: Fetcher, jobs: Iterable[FetchJob]):
        self.fetcher = fetcher
        self.cfg = fetcher.cfg
        self.given_up: dict[str, str] = {}
        self._hosts: dict[str, _Host] = {}
        for job in jobs:
            name = _host_of(job.item)
            if name not in self._hosts:
                slots = LOCAL_SLOTS if name == _LOCAL else max(1, self.cfg.per_host_concurrency)
                self._hosts[name] = _Host(name, slots)
            self._hosts[name].jobs.append(job)
        self._active = 0
        self._changed = asyncio.Event()

    async def run(self, on_outcome: Callable[[FetchJob, Outcome], Awaitable[None]]) -> None:
        running: set[asyncio.Task[None]] = set()
        order = deque(self._hosts.values())
        while True:
            self._changed.clear()  # before looking: a task finishing from here on wakes the wait below
            for job, host in self._startable(order):
                task = asyncio.create_task(self._one(job, host, on_outcome))
                running.add(task)
                task.add_done_callback(running.discard)
            for host in self._hosts.values():
                if host.given_up and host.jobs:
                    await self._drain(host, on_outcome)
            # Not `running`: a finished task leaves it only after its done callbacks, a loop turn later.
            if not self._active and not any(h.jobs for h in self._hosts.values()):
                return
            await self._changed.wait()

    def _startable(self, order: deque[_Host]) -> list[tuple[FetchJob, _Host]]:
        """Jobs to start now, one host after another in turn, while the global limit allows."""
        started: list[tuple[FetchJob, _Host]] = []
        limit = max(1, self.cfg.concurrency)
        progress = True
        while progress and self._active < limit:
            progress = False
            for _ in range(len(order)):
                host = order[0]
                order.rotate(-1)
                if self._active >= limit:
                    break
                if host.jobs and not host.given_up and host.active < host.slots:
                    host.active += 1
                    self._active += 1
                    started.append((host.jobs.popleft(), host))
                    progress = True
        return started

    async def _one(
        self, job: FetchJob, host: _Host, on_outcome: Callable[[FetchJob, Outcome], Awaitable[None]]
    ) -> None:
        try:
            outcome = await fetch_item(self.fetcher, job.item, job.validators)
            if host.name != _LOCAL:
                self._observe(host, outcome)
            await on_outcome(job, outcome)  # waits while the consumer is busy: back-pressure
        finally:
            host.active -= 1
            self._active -= 1
            self._changed.set()

    def _observe(self, host: _Host, outcome: Outcome) -> None:
        """Host health and throttle after one answer (or its absence)."""
        gate, cfg = self.fetcher.gate, self.cfg
        if isinstance(outcome, ErrorRecord) and is_host_failure(outcome.kind):
            host.failures_in_a_row += 1
            host.last_failure = outcome.kind
            if outcome.kind != "fetch_timeout" and outcome.kind != "fetch_connection_error":
                # The host answered that it is overloaded or broken: fewer requests, further apart.
                host.slots = max(1, host.slots // 2)
                gate.set_delay(host.name, min(MAX_THROTTLE_DELAY, max(gate.delay(host.name), 0.5) * 2))
            limit = cfg.host_failure_limit
            if limit and host.failures_in_a_row >= limit and host.given_up is None:
                host.given_up = (
                    f"{host.failures_in_a_row} requests in a row failed (the last: {host.last_failure})"
                )
                self.given_up[host.name] = host.given_up
                self.fetcher.counters["hosts_given_up"] += 1
            return
        host.failures_in_a_row = 0
        host.slots = min(max(1, cfg.per_host_concurrency), host.slots + 1)
        latency = self.fetcher.latency.get(host.name)
        if latency is not None and not is_exempt_from_throttle(host.name, cfg):
            # AutoThrottle: halfway from the current delay towards the latency, so that one slow answer
            # doesn't swing it; the gate keeps it above min_delay and Crawl-delay.
            target = (gate.delay(host.name) + latency) / 2
            gate.set_delay(host.name, min(MAX_THROTTLE_DELAY, target))

    async def _drain(self, host: _Host, on_outcome: Callable[[FetchJob, Outcome], Awaitable[None]]) -> None:
        """A given-up host's remaining URLs, recorded at once instead of each waiting out its deadline."""
        while host.jobs:
            job = host.jobs.popleft()
            self.fetcher.counters["dropped_fetch_host_unresponsive"] += 1
            message = (
                f"{job.url} not requested: {host.name} was given up after {host.given_up}; the next "
                "run tries again (fetch.host_failure_limit sets how many failures in a row give a host up)"
            )
            await on_outcome(job, ErrorRecord(job.url, "fetch", "fetch_host_unresponsive", message))


def _into_batch(batch: FetchedBatch, job: FetchJob, outcome: Outcome) -> None:
    if isinstance(outcome, ErrorRecord):
        batch.errors.append(outcome)
    elif is_unchanged(outcome, job.stored_hash):
        batch.unchanged_urls.append(job.url)
    else:
        batch.pages.append(outcome)


_END = object()


async def crawl(
    jobs: Sequence[FetchJob],
    cfg: FetchConfig,
    send: Callable[[FetchedBatch], Awaitable[None]],
    batch_size: int,
    batch_wait: float,
) -> None:
    """Fetch `jobs` and `send` the results as batches of at most `batch_size`, each sent once full or
    `batch_wait` seconds after its first result, whichever comes first. `send` may take its time: the
    crawl waits (see the module docstring)."""
    counters: Counter[str] = Counter()
    finished: asyncio.Queue[object] = asyncio.Queue(maxsize=max(1, batch_size))
    async with open_fetcher(cfg, counters) as fetcher:
        crawler = Crawler(fetcher, jobs)
        reported: set[str] = set()

        async def batches() -> None:
            loop = asyncio.get_running_loop()
            done = False
            while not done:
                first = await finished.get()
                if first is _END:
                    break
                batch = FetchedBatch()
                _into_batch(batch, *first)  # type: ignore[misc]
                deadline = loop.time() + batch_wait
                while len(batch) < batch_size:
                    try:
                        item = await asyncio.wait_for(finished.get(), max(0.0, deadline - loop.time()))
                    except TimeoutError:
                        break
                    if item is _END:
                        done = True
                        break
                    _into_batch(batch, *item)  # type: ignore[misc]
                batch.counters = counters.copy()
                counters.clear()
                batch.given_up = {h: why for h, why in crawler.given_up.items() if h not in reported}
                reported.update(batch.given_up)
                await send(batch)
            if counters:  # counted after the last page (robots.txt of a site whose pages all failed)
                await send(FetchedBatch(counters=counters.copy()))

        async def put(job: FetchJob, outcome: Outcome) -> None:
            await finished.put((job, outcome))

        sender = asyncio.create_task(batches())
        try:
            await crawler.run(put)
            await finished.put(_END)
            await sender
        finally:
            sender.cancel()


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` to completion from sync code, also when the caller already runs an event loop
    (a notebook, an async Prefect flow): then in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def fetch_batch(
    items: Sequence[SourceItem],
    cfg: FetchConfig,
    validators: dict[str, Validators] | None = None,
) -> StepResult[Page]:
    """Fetch (or read from disk) and decode every item, all at once; pages come back in input order.

    For callers that need the whole set before going on (link discovery, benchmarks, tests); a run
    streams through `crawl` instead. A 304 answer to a conditional request is a Page with status 304.
    """
    outcomes: dict[str, Outcome] = {}
    counters: Counter[str] = Counter()

    async def everything() -> None:
        async with open_fetcher(cfg, counters) as fetcher:

            async def keep(job: FetchJob, outcome: Outcome) -> None:
                outcomes[job.url] = outcome

            await Crawler(fetcher, [FetchJob(i, (validators or {}).get(i.url)) for i in items]).run(keep)

    run_sync(everything())
    result: StepResult[Page] = StepResult(counters=counters)
    for item in items:
        outcome = outcomes[item.url]
        if isinstance(outcome, ErrorRecord):
            result.errors.append(outcome)
        else:
            result.items.append(outcome)
    return result


def crawl_into(
    jobs: Sequence[FetchJob],
    cfg: FetchConfig,
    out: QueueLike,
    batch_size: int,
    batch_wait: float,
) -> None:
    """The fetch process's whole life: crawl `jobs`, putting each FetchedBatch on `out` (a bounded
    multiprocessing queue: a full one pauses the crawl), then None; or the exception that stopped it."""

    async def send(batch: FetchedBatch) -> None:
        await asyncio.to_thread(out.put, batch)

    try:
        run_sync(crawl(jobs, cfg, send, batch_size, batch_wait))
    except BaseException as exc:  # handed to the flow, which raises it
        out.put(exc)
        raise
    out.put(None)


class BlockingFetcher:
    """The crawl's fetcher for sync code that needs one file at a time (sitemaps, while resolving
    sources); see `blocking_fetcher`."""

    def __init__(self, fetcher: Fetcher, call: Callable[[Coroutine[Any, Any, Any]], Any]):
        self._fetcher, self._call = fetcher, call

    def __call__(self, url: str) -> bytes:
        """One URL's body; raises FetchFailure."""
        raw = self._call(self._fetcher.fetch(url))
        if isinstance(raw, FetchFailure):
            raise raw
        return raw.body

    def robots_sitemaps(self, url: str) -> tuple[str, ...]:
        """The sitemaps named by the robots.txt of `url`'s site (read once per run)."""
        sitemaps: tuple[str, ...] = self._call(self._fetcher.robots_sitemaps(url))
        return sitemaps


@contextmanager
def blocking_fetcher(cfg: FetchConfig) -> Iterator[BlockingFetcher]:
    """A fetcher giving one URL's body, or raising FetchFailure, for sync code that needs one file at a
    time (sitemaps, while resolving sources). It is the crawl's own fetcher, so sitemaps get what pages
    get: retries, robots.txt, the size cap, the compression-bomb guard and the address checks. Its event
    loop runs in a thread of its own, so it works whether or not the caller runs a loop."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="wenji-resolve", daemon=True)
    thread.start()

    def call(coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, loop).result()

    opened = open_fetcher(cfg, Counter())
    fetcher = call(opened.__aenter__())
    try:
        yield BlockingFetcher(fetcher, call)
    finally:
        call(opened.__aexit__(None, None, None))
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()
