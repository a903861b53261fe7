"""Time `load_batch`, the flow process's only DuckDB writer, batch after batch into a fresh database file.

The batches are made once (bench corpus pages → `transform_batch`, as the workers make them) and pickled
to `--cache`, so later runs time the load alone. Each batch is then loaded in order into a new file, the
way a run loads it: inside `holding` (one connection kept across batches, released every HOLD_SECONDS
with a checkpoint), and again with a connection opened and closed per batch (`--modes`). Every statement
is timed, so the report has rows/s per table as well as per batch, early and late (tables grow).

    python bench/load.py                                   # 4,000 pages: 20 batches of 200, both modes
    python bench/load.py --pages 1000 --rounds 4           # 5 batches loaded 4 times under fresh ids
    python bench/load.py --digest /tmp/after.json          # per-table digests of what was loaded

`--rounds R` loads the batches R times, each round under fresh page and document ids (hashed with the round
number), so the tables grow as if R times as many pages came in. The digests (rows and an order-free hash of
every column but run_id and clock times, computed in DuckDB) let a change be checked to store the same rows.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # bench/corpus.py, found through the path above
from profile_transform import BENCH_DIR, batches, read_pages

from wenji.tasks import db as dbmod
from wenji.tasks import store
from wenji.tasks.runstats import RunStats
from wenji.tasks.settings import Settings
from wenji.tasks.tables import TABLE_ORDER, BatchTables
from wenji.tasks.transform import init_worker, transform_batch

# Columns that differ between two loads of the same batches; left out of the digests with run_id.
VOLATILE_COLUMNS = ("run_id", "recorded_at")
ID_COLUMNS = ("page_id", "doc_id")


def make_batches(pages: int, batch_size: int, folder: Path | None) -> list[BatchTables]:
    folder = corpus.generate(pages, folder or BENCH_DIR / f"profile-corpus-{pages}")
    settings = Settings()
    init_worker(settings)
    return [
        transform_batch("bench", batch, [], [], settings).batch
        for batch in batches(read_pages(folder), batch_size)
    ]


def with_round(batch: BatchTables, round_no: int) -> BatchTables:
    """The batch under fresh page and document ids (and URLs) for round `round_no` > 0: same shape."""
    if round_no == 0:
        return batch
    tag = f"~r{round_no}"

    def suffixed(table: pa.Table) -> pa.Table:
        for name in (*ID_COLUMNS, "url"):
            if name in table.column_names:
                i = table.column_names.index(name)
                col = pc.binary_join_element_wise(table.column(name), pa.scalar(tag), "")
                table = table.set_column(i, table.field(name), col)
        return table

    return BatchTables(
        tables={name: suffixed(t) for name, t in batch.tables.items()},
        page_ids=[p + tag for p in batch.page_ids],
        urls=[u + tag for u in batch.urls],
        unchanged_urls=[u + tag for u in batch.unchanged_urls],
    )


# The statements `load_batch` runs from sql/load/, labelled by file name.
_SQL_FILES = {
    dbmod.sql_text(f"load/{name}"): name
    for name in ("batch_has_stored_pages", "replace_pages", "replace_errors")
}


class _TimedConnection:
    """A connection whose `execute` adds each statement's wall seconds to `seconds[label]`, the label being
    the table an INSERT writes or the first words of other statements."""

    def __init__(self, con: Any, seconds: dict[str, float]) -> None:
        self._con = con
        self._seconds = seconds

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)

    def execute(self, sql: str, *args: Any) -> Any:
        words = sql.split()
        label = _SQL_FILES.get(sql) or (words[2] if words[:2] == ["INSERT", "INTO"] else words[0].lower())
        t0 = time.perf_counter()
        out = self._con.execute(sql, *args)
        self._seconds[label] += time.perf_counter() - t0
        return out


@contextmanager
def timed_statements(seconds: dict[str, float]) -> Iterator[None]:
    """Within this block `load_batch`'s connections time their statements into `seconds`."""
    real = store.open_db

    @contextmanager
    def open_db(*args: Any, **kwargs: Any) -> Iterator[Any]:
        t0 = time.perf_counter()
        with real(*args, **kwargs) as con:
            seconds["open"] += time.perf_counter() - t0
            yield _TimedConnection(con, seconds)
            t0 = time.perf_counter()
        seconds["close"] += time.perf_counter() - t0

    store.open_db = open_db
    try:
        yield
    finally:
        store.open_db = real


@contextmanager
def timed_releases(releases: list[float]) -> Iterator[None]:
    """Within this block the seconds of each release of a held connection (its close, with the checkpoint)
    go to `releases`, whichever thread releases it (the loads, or the hold's timer between batches)."""
    real = dbmod._Hold.release

    def release(hold: dbmod._Hold, only_if_due: bool = False) -> None:
        held, t0 = hold.con is not None, time.perf_counter()
        real(hold, only_if_due)
        if held and hold.con is None:
            releases.append(time.perf_counter() - t0)

    dbmod._Hold.release = release  # type: ignore[method-assign]
    try:
        yield
    finally:
        dbmod._Hold.release = real  # type: ignore[method-assign]


def load_all(
    db_path: Path, all_batches: list[BatchTables], rounds: int, held: bool, gap: float
) -> dict[str, Any]:
    """Load every batch (every round) into a fresh `db_path`, `gap` seconds apart; per batch: wall, CPU and
    per-label seconds; and the process's CPU seconds over the whole sequence (all threads)."""
    for p in (db_path, Path(f"{db_path}.wal")):
        p.unlink(missing_ok=True)
    loads, releases = [], []
    c_all = time.process_time()
    with timed_releases(releases), dbmod.holding(db_path) if held else nullcontext():
        store.start_run(db_path, "bench", ["bench"], Settings())
        for r in range(rounds):
            for batch in all_batches:
                b = with_round(batch, r)
                time.sleep(gap)
                seconds: dict[str, float] = defaultdict(float)
                w0, c0 = time.perf_counter(), time.process_time()
                with timed_statements(seconds):
                    store.load_batch(db_path, b)
                wall, cpu = time.perf_counter() - w0, time.process_time() - c0
                rows = {name: b.rows(name) for name in TABLE_ORDER}
                loads.append({"wall": wall, "cpu": cpu, "rows": rows, "seconds": dict(seconds)})
        store.finish_run(db_path, "bench", RunStats(), "done", 0.0)
    return {"loads": loads, "releases": releases, "cpu_all": time.process_time() - c_all}


def digests(db_path: Path) -> dict[str, dict[str, Any]]:
    """Per table: rows and an order-free hash of every column but the volatile ones."""
    result = {}
    with dbmod.open_db(db_path, read_only=True) as con:
        for name in TABLE_ORDER:
            cols = [
                c
                for (c,) in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                    "ORDER BY ordinal_position",
                    [name],
                ).fetchall()
                if c not in VOLATILE_COLUMNS
            ]
            select = ", ".join(f'"{c}"' for c in cols)
            rows, h = con.execute(
                f"SELECT count(*), sum(hash(s)::HUGEINT)::VARCHAR FROM (SELECT {select} FROM {name}) AS s"
            ).fetchone()
            result[name] = {"rows": rows, "hash": h}
    return result


def report(mode: str, run: dict[str, Any]) -> dict[str, Any]:
    per_batch, releases = run["loads"], run["releases"]
    n = len(per_batch)
    quarter = max(1, n // 4)
    print(f"\n== {mode}: {n} batches, load_batch wall s (CPU s) per batch")
    print("   " + "  ".join(f"{b['wall']:.2f}({b['cpu']:.2f})" for b in per_batch))
    rows = sum(sum(b["rows"].values()) for b in per_batch)
    wall = sum(b["wall"] for b in per_batch)
    cpu = sum(b["cpu"] for b in per_batch)
    first = statistics.median(b["wall"] for b in per_batch[:quarter])
    last = statistics.median(b["wall"] for b in per_batch[-quarter:])
    print(
        f"   total {wall:.2f} s wall, {cpu:.2f} s CPU, {rows:,} rows: {rows / wall:,.0f} rows/s wall, "
        f"{rows / cpu:,.0f} rows/CPU s; median first/last quarter {first:.3f} / {last:.3f} s"
    )
    print(
        f"   {len(releases)} releases (close + checkpoint) {sum(releases):.2f} s: "
        + " ".join(f"{s:.2f}" for s in releases)
        + f"\n   process CPU over the whole sequence {run['cpu_all']:.2f} s: "
        + f"{rows / run['cpu_all']:,.0f} rows/CPU s"
    )
    labels: dict[str, float] = defaultdict(float)
    for b in per_batch:
        for label, s in b["seconds"].items():
            labels[label] += s
    table_rows = {name: sum(b["rows"][name] for b in per_batch) for name in TABLE_ORDER}
    print(f"   {'statement':<14}{'s':>8}{'share':>8}{'rows':>12}{'rows/s':>12}")
    for label, s in sorted(labels.items(), key=lambda kv: -kv[1]):
        r = table_rows.get(label)
        rate = f"{r / s:>12,.0f}" if r and s else f"{'':>12}"
        print(f"   {label:<14}{s:>8.2f}{s / wall:>8.1%}{(f'{r:,}' if r else ''):>12}{rate}")
    return {
        "batches": n,
        "rows": rows,
        "wall": wall,
        "cpu": cpu,
        "median_first_quarter": first,
        "median_last_quarter": last,
        "releases": releases,
        "cpu_all": run["cpu_all"],
        "per_batch_wall": [b["wall"] for b in per_batch],
        "statements": dict(labels),
        "table_rows": table_rows,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=4000, help="corpus size (pages)")
    ap.add_argument("--corpus", type=Path, help="corpus folder (default: $WENJI_BENCH_DIR/profile-corpus-N)")
    ap.add_argument("--batch-size", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=1, help="load the batches this many times, fresh ids each")
    ap.add_argument("--cache", type=Path, help="pickled batches (default: $TMPDIR/wenji-load-batches-N.pkl)")
    # 2.5 s: a batch every 2.5 s, as in the 10,000-page pipeline run (127.8 s, 50 batches); the held
    # connection is released (and checkpointed) every HOLD_SECONDS, between or after loads.
    ap.add_argument("--gap", type=float, default=2.5, help="seconds between held batches (the workers' pace)")
    ap.add_argument("--modes", default="held,per-batch", help="comma-separated: held, per-batch")
    ap.add_argument("--db", type=Path, help="database file (default: a temporary folder's)")
    ap.add_argument("--digest", type=Path, help="write per-table digests of the held load to this JSON file")
    ap.add_argument("--out", type=Path, help="write the timings to this JSON file")
    args = ap.parse_args()

    cache = (
        args.cache or Path(tempfile.gettempdir()) / f"wenji-load-batches-{args.pages}-{args.batch_size}.pkl"
    )
    if cache.exists():
        all_batches = pickle.loads(cache.read_bytes())
    else:
        t0 = time.perf_counter()
        all_batches = make_batches(args.pages, args.batch_size, args.corpus)
        cache.write_bytes(pickle.dumps(all_batches, protocol=pickle.HIGHEST_PROTOCOL))
        print(f"batches made in {time.perf_counter() - t0:.0f} s, cached in {cache}")
    print(
        f"{len(all_batches)} batches of {args.batch_size} pages x {args.rounds} rounds from {cache}; "
        f"load average {os.getloadavg()[0]:.2f}"
    )

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        db_path = args.db or Path(tmp) / "load.duckdb"
        for mode in args.modes.split(","):
            run = load_all(
                db_path, all_batches, args.rounds, mode == "held", args.gap if mode == "held" else 0
            )
            results[mode] = report(mode, run)
            if args.digest and mode == "held":
                args.digest.write_text(json.dumps(digests(db_path), indent=1), encoding="utf-8")
                print(f"   digests written to {args.digest}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    if args.out:
        args.out.write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
