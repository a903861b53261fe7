"""A run's counters, by stage: what every step counted, stored as `run_stats(run_id, stage, name, value)`.

Pure: the flow adds each step's counters as they come (the crawl's with each fetched batch, the workers'
with each transformed one, the writer's after each load); `runs`' headline counts, the terminal summary
and the Prefect artifacts are all read from here, so they can't disagree.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

STAGES = ("resolve", "fetch", "extract", "segment", "enrich", "load")
# Error rows name a finer stage than run_stats does: decoding is part of fetching, cleaning of extracting.
_STATS_STAGE_OF_ERROR = {"decode": "fetch", "clean": "extract"}


def stats_stage(error_stage: str) -> str:
    return _STATS_STAGE_OF_ERROR.get(error_stage, error_stage)


@dataclass(slots=True)
class RunCounts:
    """The headline counts of a run, as the `runs` table keeps them."""

    pages_seen: int = 0
    pages_fetched: int = 0
    pages_unchanged: int = 0
    pages_failed: int = 0
    documents: int = 0
    sentences: int = 0
    tokens: int = 0
    errors: int = 0


@dataclass(slots=True)
class RunStats:
    values: Counter[tuple[str, str]] = field(default_factory=Counter)  # (stage, name) → value
    errors: Counter[tuple[str, str]] = field(default_factory=Counter)  # (stage, kind) → error rows
    given_up: dict[str, str] = field(default_factory=dict)  # host → why (fetch.host_failure_limit)

    def add(self, stage: str, counters: Mapping[str, float]) -> None:
        for name, value in counters.items():
            self.values[(stage, name)] += value

    def get(self, stage: str, name: str) -> float:
        return self.values.get((stage, name), 0)

    @contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.values[(stage, "seconds")] += time.perf_counter() - started

    def add_loaded(self, tables: Mapping[str, pa.Table], unchanged: int) -> None:
        """What one batch's transaction wrote: rows per table, error rows by kind."""
        docs, errors = tables["documents"], tables["errors"]
        self.add(
            "load",
            {
                "pages": tables["pages"].num_rows,
                "documents": docs.num_rows,
                "sentences": tables["sentences"].num_rows,
                "tokens": pc.sum(docs.column("n_tokens")).as_py() or 0,
                "errors": errors.num_rows,
                "pages_failed": len(pc.unique(errors.column("url"))),
                "unchanged": unchanged,
            },
        )
        for (stage, kind), n in Counter(
            zip(errors.column("stage").to_pylist(), errors.column("kind").to_pylist(), strict=True)
        ).items():
            self.errors[(stats_stage(stage), kind)] += n

    def counts(self) -> RunCounts:
        g = self.get
        return RunCounts(
            pages_seen=int(g("resolve", "urls")),
            pages_fetched=int(g("load", "pages")),
            pages_unchanged=int(g("load", "unchanged") + g("fetch", "left_alone_by_lastmod")),
            pages_failed=int(g("load", "pages_failed")),
            documents=int(g("load", "documents")),
            sentences=int(g("load", "sentences")),
            tokens=int(g("load", "tokens")),
            errors=int(g("load", "errors")),
        )

    def errors_by_kind(self) -> Counter[str]:
        kinds: Counter[str] = Counter()
        for (_, kind), n in self.errors.items():
            kinds[kind] += n
        return kinds

    def seconds(self) -> dict[str, float]:
        return {stage: v for (stage, name), v in self.values.items() if name == "seconds"}

    def table(self, run_id: str) -> pa.Table:
        # Error kinds are named fetch_timeout, extract_empty …; step counters never are (dropped_<kind>).
        rows = sorted((self.values + self.errors).items())
        return pa.table(
            {
                "run_id": pa.array([run_id] * len(rows), pa.string()),
                "stage": pa.array([stage for (stage, _), _ in rows], pa.string()),
                "name": pa.array([name for (_, name), _ in rows], pa.string()),
                "value": pa.array([float(v) for _, v in rows], pa.float64()),
            }
        )
