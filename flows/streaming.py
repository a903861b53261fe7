"""The machinery under the etl flow: the fetch process, and the window of transform tasks in flight.

The crawl (tasks/crawler.py) runs in a process of its own and hands over batches of completed pages
through a bounded queue: a full queue pauses the crawl, so memory stays bounded whatever the corpus
size. The flow process submits each batch as one transform task on the task runner (worker processes
or a Dask cluster), keeps up to `workers + QUEUED_BATCHES` of them in flight, and hands finished ones
to the writer in order. Nothing waits for a batch's slowest page: a batch is made of pages that are
already done.
"""

from __future__ import annotations

import multiprocessing
import queue
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from types import TracebackType
from typing import TYPE_CHECKING, Generic, TypeVar

from wenji.flows.runtime import name_process
from wenji.tasks.crawler import FetchedBatch, crawl_into
from wenji.tasks.incremental import FetchJob
from wenji.tasks.records import ErrorRecord, Page
from wenji.tasks.settings import FetchConfig

# Prefect only where the flow process uses it: the fetch process imports this module for its entry point
# and needs none of Prefect, whose import took it 1.2 CPU s before its first request.
if TYPE_CHECKING:
    from prefect.futures import PrefectFuture

# Fetched batches waiting for the flow at most. With the batch being filled and the pages in flight,
# the fetch process holds at most about (LOOKAHEAD_BATCHES + 2) × batch_size pages.
LOOKAHEAD_BATCHES = 2
# How often the flow, waiting for the next fetched batch, looks at its transform tasks and at whether
# the fetch process is still alive.
POLL_SECONDS = 0.2
# Batches submitted beyond one per worker: a worker that finishes a batch starts the next at once, while
# the flow process loads the finished one (without it each worker idled meanwhile).
QUEUED_BATCHES = 1


class FetchProcessDied(RuntimeError):
    """The fetch process ended without finishing the crawl (killed, or out of memory)."""


def _fetch_process_main(
    jobs: Sequence[FetchJob], cfg: FetchConfig, out: object, size: int, wait: float
) -> None:
    name_process("wenji-fetch")
    crawl_into(jobs, cfg, out, size, wait)  # type: ignore[arg-type]


class FetchStream:
    """The crawl of `jobs` in a process of its own; iterate `batches()` for what it fetched.

    A context manager: leaving the block early (an error in the flow, Ctrl-C) stops the process.
    """

    def __init__(self, jobs: Sequence[FetchJob], cfg: FetchConfig, batch_size: int, batch_wait: float):
        # spawn, as the worker processes: forking a process with running threads can deadlock.
        ctx = multiprocessing.get_context("spawn")
        self._queue = ctx.Queue(maxsize=LOOKAHEAD_BATCHES)
        self._process: BaseProcess = ctx.Process(
            target=_fetch_process_main,
            args=(list(jobs), cfg, self._queue, batch_size, batch_wait),
            name="wenji-fetch",
            daemon=True,
        )
        self._empty = not jobs

    def __enter__(self) -> FetchStream:
        if not self._empty:
            self._process.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._process.is_alive():
            self._process.terminate()
        if self._process.pid is not None:
            self._process.join(timeout=10)
        self._queue.close()
        self._queue.cancel_join_thread()

    def batches(self) -> Iterator[FetchedBatch | None]:
        """Fetched batches as the crawl hands them over; None whenever POLL_SECONDS pass without one, so
        that the caller can do other work meanwhile."""
        if self._empty:
            return
        while True:
            try:
                item = self._queue.get(timeout=POLL_SECONDS)
            except queue.Empty:
                if not self._process.is_alive():
                    raise FetchProcessDied(
                        f"the fetch process stopped (exit code {self._process.exitcode}) before the crawl "
                        "was done; what was loaded so far stays, and the next run resumes from there"
                    ) from None
                yield None
                continue
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item


@dataclass(slots=True)
class WorkBatch:
    """One batch for a worker: the pages to transform, and what rides along into its transaction."""

    batch_no: int
    pages: list[Page]
    errors: list[ErrorRecord] = field(default_factory=list)
    unchanged_urls: list[str] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.pages or self.errors or self.unchanged_urls)


T = TypeVar("T")
R = TypeVar("R")


class Sealed(Generic[T]):
    """A task parameter that Prefect hands over without walking into it.

    Prefect walks every task parameter for futures, states and upstream task runs: in the flow process
    before submitting, and twice more in the worker (`collect_task_run_inputs`, then resolving). Over a
    batch's pages (dataclasses holding raw bytes) each walk cost ~27 ms for 200 pages, ~80 ms of CPU per
    batch in all, for nothing to find. Prefect's own `quote` is dropped by the first walk, so the worker
    walked the pages anyway; Prefect does not look inside an object of a class it does not know.
    """

    __slots__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value


@dataclass(slots=True)
class Done(Generic[R]):
    """A batch whose transform finished: its result, or the exception that stopped it."""

    batch: WorkBatch
    result: R | None
    error: BaseException | None = None


def _finished(future: PrefectFuture[R]) -> bool:
    """Without asking the Prefect server: `future.state` reads the task run over the API each time."""
    from prefect.futures import PrefectWrappedFuture  # see TYPE_CHECKING above

    if isinstance(future, PrefectWrappedFuture):
        return future.wrapped_future.done()
    return future.state.is_final()


def in_flight_window(
    batches: Iterator[WorkBatch | None],
    submit: Callable[[WorkBatch], PrefectFuture[R] | None],
    window: int,
) -> Iterator[Done[R]]:
    """Submit each batch (`submit` gives None for a batch with nothing to transform) and yield them as
    they finish, in order, with at most `window` submitted and not yet yielded. `None` items of
    `batches` are idle ticks: a finished head batch is yielded then instead of waiting for the next."""
    pending: deque[tuple[WorkBatch, PrefectFuture[R] | None]] = deque()

    def head_done() -> bool:
        future = pending[0][1]
        return future is None or _finished(future)

    def pop() -> Done[R]:
        batch, future = pending.popleft()
        if future is None:
            return Done(batch, None)
        try:
            return Done(batch, future.result())
        except Exception as e:  # a worker died or a step had a bug: the caller records it
            return Done(batch, None, e)

    for batch in batches:
        if batch is not None and not batch.is_empty():
            pending.append((batch, submit(batch) if batch.pages else None))
        while pending and (len(pending) >= window or head_done()):
            yield pop()
    while pending:
        yield pop()
