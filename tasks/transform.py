"""The CPU-bound middle of the pipeline for one batch: extract/clean → segment → enrich → Arrow.

Runs in a worker process. The steps are chained here, inside one task per batch, so a batch's data
crosses the process boundary twice (pages in, Arrow tables out) instead of once per step.
"""

from __future__ import annotations

import gc
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from wenji.tasks import enrich
from wenji.tasks.extract import extract_batch
from wenji.tasks.records import ErrorRecord, Page, Stage
from wenji.tasks.segment import segment_batch, warm_up
from wenji.tasks.settings import Settings
from wenji.tasks.tables import BatchTables, to_tables


@dataclass(slots=True)
class TransformResult:
    batch: BatchTables
    counters: dict[str, Counter[str]]  # by stage: extract, segment, enrich


class BatchFailed(Exception):
    """A step raised for a whole batch (a bug, not bad input): which stage, and what it said."""

    def __init__(self, stage: Stage, message: str):
        super().__init__(stage, message)
        self.stage: Stage = stage
        self.message = message

    def __str__(self) -> str:
        return f"{self.stage} failed: {self.message}"


def transform_batch(
    run_id: str,
    pages: Sequence[Page],
    prior_errors: Sequence[ErrorRecord],
    unchanged_urls: Sequence[str],
    settings: Settings,
) -> TransformResult:
    """Pages of one batch → Arrow tables for one load transaction.

    `prior_errors` (from fetch) and `unchanged_urls` (fetched, same content as stored) ride along so
    that the batch's errors are written in the same transaction as its rows.
    """
    stage: Stage = "extract"
    clock = time.perf_counter()
    seconds: dict[str, float] = {}

    def lap(done: Stage, next_stage: Stage) -> None:
        nonlocal stage, clock
        now = time.perf_counter()
        seconds[done], stage, clock = now - clock, next_stage, now

    try:
        docs = extract_batch(list(pages), settings.extract.sites)
        lap("extract", "segment")
        segmented = segment_batch(docs.items, settings.segment)
        lap("segment", "enrich")
        enriched = enrich.enrich_all(segmented.items, settings.enrich)
        lap("enrich", "load")  # turning the records into the tables the load writes
        errors = [*prior_errors, *docs.errors, *segmented.errors, *enriched.errors]
        batch = to_tables(run_id, pages, enriched.items, errors, unchanged_urls)
    except Exception as e:
        raise BatchFailed(stage, f"{type(e).__name__}: {e}") from e
    counters = {
        "extract": docs.counters + Counter(pages_in=len(pages), documents_out=len(docs.items)),
        "segment": segmented.counters + Counter(documents_in=len(docs.items)),
        "enrich": enriched.counters + Counter(documents_in=len(segmented.items)),
    }
    for stage_name, counter in counters.items():
        counter["seconds"] = seconds[stage_name]
    return TransformResult(batch=batch, counters=counters)


def init_worker(settings: Settings) -> None:
    """Process-pool initializer: load the segmenter, dictionaries and enrichment tables once per process.

    Then everything loaded so far is frozen out of the garbage collector's reach: its full collections
    would otherwise walk those long-lived tables again and again while batches allocate (measured ~5% of
    a batch's CPU time on the bench corpus).
    """
    warm_up(settings.segment)
    enrich.warm_up()
    gc.collect()
    gc.freeze()
