"""The CPU-bound middle of the pipeline for one batch: extract/clean → segment → enrich → Arrow.

Runs in a worker process. The steps are chained here, inside one task per batch, so a batch's data
crosses the process boundary twice (pages in, Arrow tables out) instead of once per step.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from wenji.tasks import enrich
from wenji.tasks.extract import extract_batch
from wenji.tasks.load import BatchTables, to_tables
from wenji.tasks.records import ErrorRecord, Page
from wenji.tasks.segment import segment_batch, warm_up
from wenji.tasks.settings import Settings


@dataclass(slots=True)
class TransformResult:
    batch: BatchTables
    counters: Counter[str]


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
    docs = extract_batch(list(pages), settings.extract.sites)
    segmented = segment_batch(docs.items, settings.segment)
    enriched = enrich.enrich_all(segmented.items, settings.enrich)
    errors = [*prior_errors, *docs.errors, *segmented.errors, *enriched.errors]
    counters = docs.counters + segmented.counters + enriched.counters
    batch = to_tables(run_id, pages, enriched.items, errors, unchanged_urls)
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
