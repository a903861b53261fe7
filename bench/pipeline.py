"""End-to-end pipeline benchmark: throughput, time per stage, peak memory, re-run cost, vs bare jieba.

For each size N: generate a synthetic corpus (bench/corpus.py), serve it from a separate process on
127.0.0.1, run the real ETL flow into a fresh DuckDB file, sample the RSS of every process of the run,
then run again over the unchanged corpus (twice: trusting the sitemap's <lastmod>, and with conditional
requests for every page as for sources without lastmod), then time bare `jieba.lcut` over the same clean
text in one process, then the peer pipeline (bench/peer.py: trafilatura, jieba.posseg, extract_tags, one
bulk DuckDB load, 2 processes) over the same pages. `--source folder` reads the corpus folder as saved
pages instead of serving it. Prints markdown tables (the ratios wenji / bare jieba and wenji / peer, and
the fixed start-up cost on its own line) and writes bench/results/pipeline.json.

Prefect's bookkeeping is estimated, not guessed: an empty flow run and a no-op task run are timed on the
same backend, and the run's task runs (one transform per batch, plus resolve, a start-worker per worker,
tables-loaded and the corpus steps) are charged at that price. They are timed with Prefect's flow
heartbeat off, and the heartbeat's wait at the end of the run is charged on its own (`_heartbeat_wait`).
The CPU time of Prefect's temporary server during the run is reported too: on two cores it competes
with the workers.

    python bench/pipeline.py                 # N = 1,000 and 10,000
    python bench/pipeline.py --sizes 100000  # the large size
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import psutil

if TYPE_CHECKING:
    from wenji.tasks.settings import Settings

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

import corpus  # noqa: E402

WORK = Path(os.environ.get("WENJI_BENCH_DIR", "/tmp/wenji-bench"))
RESULTS = REPO / "bench" / "results"
# Issue 18 targets, printed beside the ratios.
TARGET_VS_JIEBA = 1.5
TARGET_VS_PEER = 8.0
# A no-op each warm-up worker holds for this long, so that every worker of the pool takes one (the pool
# starts a process per task while none is idle) rather than the first one to be ready taking them all.
WARMUP_HOLD_SECONDS = 0.3
RSS_POLL_SECONDS = 0.25
PREFECT_PROBE_TASKS = 40  # no-op task runs timed to price one task run
TASKS_PER_BATCH = 1  # transform (the crawl runs in the fetch process, and loads are no task runs)
# resolve, tables-loaded, find-duplicates, term-stats, new-terms (and a start-worker per worker)
RUN_TASKS = 5

SERVER = """
import sys, time
from pathlib import Path
from wenji.tasks.site_server import serve
with serve(Path(sys.argv[1])) as url:
    print(url, flush=True)
    while True:
        time.sleep(3600)
"""


class RssSampler(threading.Thread):
    """Peak of the summed RSS of this process and all its descendants (workers, Prefect's server)."""

    def __init__(self, exclude: set[int]) -> None:
        super().__init__(daemon=True)
        self.exclude = exclude
        # CPU seconds per pid: (role, at the start of the run, last seen); a process that exits keeps its
        # last sample, at most RSS_POLL_SECONDS short.
        self._cpu: dict[int, tuple[str, float, float]] = {}
        me = psutil.Process()
        for p in [me, *me.children(recursive=True)]:
            cpu = _cpu_of(p)
            if cpu is not None:
                self._cpu[p.pid] = (_role(p, me.pid, exclude), cpu, cpu)
        self.peak = 0
        self.peak_wenji = 0  # without Prefect's temporary server
        self.peak_flow = 0  # the flow process alone (this one): fetch, load, corpus steps
        self.peak_worker = 0  # the largest single worker process
        self._halt = threading.Event()

    def run(self) -> None:
        me = psutil.Process()
        while not self._halt.is_set():
            total = wenji = 0
            self.peak_flow = max(self.peak_flow, me.memory_info().rss)
            for p in [me, *me.children(recursive=True)]:
                cpu = _cpu_of(p)
                if cpu is not None:
                    # the role is read again each time: a worker names itself only once it has started
                    _, start, _ = self._cpu.get(p.pid, ("", 0.0, 0.0))
                    self._cpu[p.pid] = (_role(p, me.pid, self.exclude), start, cpu)
                if p.pid in self.exclude:
                    continue
                try:
                    rss = p.memory_info().rss
                    cmd = " ".join(p.cmdline())
                except psutil.Error:
                    continue
                total += rss
                if "multiprocessing" in cmd and "resource_tracker" not in cmd:
                    self.peak_worker = max(self.peak_worker, rss)
                if "uvicorn" not in cmd and "prefect.server" not in cmd and "prefect server" not in cmd:
                    wenji += rss
            self.peak, self.peak_wenji = max(self.peak, total), max(self.peak_wenji, wenji)
            time.sleep(RSS_POLL_SECONDS)

    def stop(self) -> None:
        self._halt.set()
        self.join()

    def cpu_by_role(self) -> dict[str, float]:
        """CPU seconds (user + system) each kind of process spent during the run."""
        roles: dict[str, float] = {}
        for role, start, last in self._cpu.values():
            roles[role] = roles.get(role, 0.0) + last - start
        return {role: round(seconds, 1) for role, seconds in sorted(roles.items())}


def _cpu_of(p: psutil.Process) -> float | None:
    try:
        t = p.cpu_times()
    except psutil.Error:
        return None
    return t.user + t.system


def _role(p: psutil.Process, flow_pid: int, site_pids: set[int]) -> str:
    """flow (this process: loads, corpus steps, the bench's sampler), workers, fetch, Prefect server,
    site server (the bench's, which shares the cores), other."""
    if p.pid == flow_pid:
        return "flow"
    if p.pid in site_pids:
        return "site server"
    try:
        name = p.name()
    except psutil.Error:
        return "other"
    if name == "wenji-worker":
        return "workers"
    if name == "wenji-fetch":
        return "fetch"
    if any("uvicorn" in part or "prefect.server" in part for part in _cmdline(p)):
        return "Prefect server"
    return "other"


def _jieba_rate(db_path: Path) -> tuple[float, int]:
    """Characters per second of bare `jieba.lcut` in one process over all the clean text the run loaded,
    one pass (issue 18 compares with jieba over the same text). Until issue 18 this was the best of 3
    passes over a 1 M-character prefix (3-6 s, which the run's processes winding down could swing from
    148 k to 335 k chars/s); a pass over all of it lasted 22 s and 42 s at 2,000 and 6,000 pages."""
    import duckdb
    import jieba

    con = duckdb.connect(str(db_path), read_only=True)
    texts = [text for (text,) in con.execute("SELECT text FROM documents ORDER BY doc_id").fetchall()]
    con.close()
    jieba.initialize()
    started = time.perf_counter()
    for text in texts:
        jieba.lcut(text)
    size = sum(map(len, texts))
    return size / (time.perf_counter() - started), size


def _first_task_at(hold: float) -> tuple[int, float]:
    """Run in a warm-up worker: its pid and when (system-wide monotonic clock) it got its first task."""
    at = time.monotonic()
    time.sleep(hold)
    return os.getpid(), at


def _worker_warmup(settings: Settings) -> float:
    """Seconds from creating the run's kind of worker pool (Prefect's ProcessPoolTaskRunner: spawned
    processes, wenji's initializer loading the segmenter, dictionaries and enrichment tables) until every
    worker is ready for a batch. Measured on a pool of its own before the run; the run pays it inside its
    wall time, overlapped with the first fetches."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from wenji.flows.etl import _init_worker

    started = time.monotonic()
    with ProcessPoolExecutor(
        settings.workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
        initargs=(settings,),
    ) as pool:
        firsts: dict[int, float] = {}
        for pid, at in pool.map(_first_task_at, [WARMUP_HOLD_SECONDS] * settings.workers):
            firsts[pid] = min(at, firsts.get(pid, at))
    return max(firsts.values()) - started


def _peer(n: int, source_spec: str, source: str) -> dict:
    """bench/peer.py over the same pages, in a process of its own (no Prefect, nothing of wenji loaded)."""
    db = WORK / f"peer-{n}.duckdb"
    flag = "--sitemap" if source == "http" else "--folder"
    out = subprocess.run(
        [sys.executable, str(REPO / "bench" / "peer.py"), flag, source_spec, "--db", str(db)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    db.unlink(missing_ok=True)
    return json.loads(out)


def _heartbeat_wait() -> float:
    """What Prefect's flow heartbeat adds to a run's wall time on average: its thread sleeps in whole
    seconds and the flow run joins it on the way out, so every flow run ends on a whole second after its
    start, 0-1 s later than its work (0.5 s on average; 0 with `flows.heartbeat_frequency` unset)."""
    from prefect.settings import get_current_settings

    return 0.5 if get_current_settings().flows.heartbeat_frequency is not None else 0.0


def _prefect_prices() -> tuple[float, float]:
    """Seconds of an empty flow run, and of one extra no-op task run in it (best of a few), timed with the
    flow heartbeat off: with it, every probe ended on the same whole second (an empty flow run 1.07 s, and
    40 more task runs cost ~0), which hid both prices."""
    from prefect import flow, task
    from prefect.cache_policies import NO_CACHE
    from prefect.settings import temporary_settings

    @task(cache_policy=NO_CACHE)
    def noop(i: int) -> int:
        return i

    @flow
    def noop_flow(n: int) -> None:
        for i in range(n):
            noop(i)

    def best(n: int) -> float:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            noop_flow(n)
            times.append(time.perf_counter() - started)
        return min(times)

    with temporary_settings(updates={"flows.heartbeat_frequency": None}):
        empty = best(0)
        return empty, max(0.0, (best(PREFECT_PROBE_TASKS) - empty) / PREFECT_PROBE_TASKS)


def _cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            t = psutil.Process(pid).cpu_times()
        except psutil.Error:
            continue
        total += t.user + t.system
    return total


def _prefect_server_pids() -> list[int]:
    return [
        p.pid
        for p in psutil.Process().children(recursive=True)
        if any("uvicorn" in part or "prefect.server" in part for part in _cmdline(p))
    ]


def _cmdline(p: psutil.Process) -> list[str]:
    try:
        return p.cmdline()
    except psutil.Error:
        return []


def _loaded_rows(db_path: Path) -> int:
    import duckdb

    from wenji.tasks.tables import TABLE_ORDER

    con = duckdb.connect(str(db_path), read_only=True)
    rows = sum(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLE_ORDER)
    con.close()
    return rows


def run_size(n: int, workers: int, batch_size: int, source: str = "http", peer: bool = True) -> dict:
    from wenji.flows.etl import run_etl
    from wenji.flows.runtime import prefect_backend
    from wenji.tasks.settings import load_settings, with_fetch

    site = corpus.generate(n, WORK / f"corpus-{n}")
    db_path = WORK / f"bench-{n}.duckdb"
    db_path.unlink(missing_ok=True)
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(site)], stdout=subprocess.PIPE, text=True)
    try:
        base = server.stdout.readline().strip()
        # "folder": the same pages read from disk as saved pages (no HTTP; no lastmod: re-runs compare hashes)
        spec = f"{base}/sitemap.xml" if source == "http" else str(site)
        settings = load_settings(None, db_path=str(db_path), workers=workers, batch_size=batch_size)
        settings = with_fetch(settings, allow_private=True)
        warmup_seconds = _worker_warmup(settings)
        started = time.perf_counter()
        with prefect_backend():
            prefect_start_seconds = time.perf_counter() - started
            flow_price, task_price = _prefect_prices()
            server_pids = _prefect_server_pids()
            server_cpu = _cpu_seconds(server_pids)
            sampler = RssSampler(exclude={server.pid})
            sampler.start()
            load_wenji = os.getloadavg()
            started = time.perf_counter()
            first = run_etl([spec], settings)
            first_seconds = time.perf_counter() - started
            sampler.stop()
            server_cpu = _cpu_seconds(server_pids) - server_cpu
            started = time.perf_counter()
            second = run_etl([spec], settings)
            second_seconds = time.perf_counter() - started
            # The same re-run for sources without <lastmod> (URL lists, sitemaps without it): every page
            # gets a conditional request and a 304.
            started = time.perf_counter()
            third = run_etl([spec], with_fetch(settings, trust_sitemap_lastmod=False))
            third_seconds = time.perf_counter() - started
        # After Prefect's server has stopped, so that the peer has the machine wenji had.
        load_peer = os.getloadavg()
        peer_row = _peer(n, spec, source) if peer else None
    finally:
        server.kill()
    import duckdb

    con = duckdb.connect(str(db_path), read_only=True)
    chars = con.execute("SELECT sum(n_chars) FROM documents").fetchone()[0]
    con.close()
    load_jieba = os.getloadavg()
    jieba_rate, jieba_chars = _jieba_rate(db_path)
    pipeline_rate = chars / first_seconds
    stages = {k: round(v, 2) for k, v in first.stage_seconds.items()}
    batches = -(-n // batch_size)
    task_runs = TASKS_PER_BATCH * batches + RUN_TASKS + workers
    heartbeat_wait = _heartbeat_wait()
    prefect_seconds = flow_price + heartbeat_wait + task_runs * task_price
    rows = _loaded_rows(db_path)
    return {
        "source": source,
        "pages": n,
        "documents": first.counts.documents,
        "tokens": first.counts.tokens,
        "clean_chars": chars,
        "errors": first.counts.errors,
        "first_run_s": round(first_seconds, 2),
        "docs_per_s": round(first.counts.documents / first_seconds, 1),
        "chars_per_s": round(pipeline_rate),
        "stage_seconds": stages,
        "prefect_s": round(prefect_seconds, 2),
        "prefect_share": round(prefect_seconds / first_seconds, 3),
        "prefect_task_runs": task_runs,
        "prefect_server_cpu_s": round(server_cpu, 1),
        "cpu_seconds": sampler.cpu_by_role(),
        "loaded_rows": rows,
        "load_rows_per_s": round(rows / stages["load"]) if stages.get("load") else None,
        "peak_rss_mb": round(sampler.peak / 2**20),
        "peak_rss_wenji_mb": round(sampler.peak_wenji / 2**20),
        "peak_rss_flow_mb": round(sampler.peak_flow / 2**20),
        "peak_rss_worker_mb": round(sampler.peak_worker / 2**20),
        "rerun_s": round(second_seconds, 2),
        "rerun_unchanged": second.counts.pages_unchanged,
        "rerun_stage_seconds": {k: round(v, 2) for k, v in second.stage_seconds.items()},
        "rerun_speedup": round(first_seconds / second_seconds, 1),
        "rerun_conditional_s": round(third_seconds, 2),
        "rerun_conditional_unchanged": third.counts.pages_unchanged,
        "rerun_conditional_stage_seconds": {k: round(v, 2) for k, v in third.stage_seconds.items()},
        "rerun_conditional_speedup": round(first_seconds / third_seconds, 1),
        "jieba_lcut_chars_per_s": round(jieba_rate),
        "jieba_sample_chars": jieba_chars,
        "ratio_vs_jieba": round(pipeline_rate / jieba_rate, 2),
        "peer": peer_row,
        "ratio_vs_peer": round(pipeline_rate / peer_row["chars_per_s"], 2) if peer_row else None,
        # 1-minute load average just before each measurement: other sessions share the machine's cores
        "load_avg": {
            "wenji": round(load_wenji[0], 2),
            "peer": round(load_peer[0], 2),
            "jieba": round(load_jieba[0], 2),
        },
        "startup_s": {
            "prefect_server": round(prefect_start_seconds, 2),  # outside the run's wall time
            "empty_flow_run": round(flow_price, 2),  # inside it
            "heartbeat_wait": heartbeat_wait,  # inside it, on average
            "worker_warmup": round(warmup_seconds, 2),  # inside it, overlapped with the first fetches
        },
        "counts": asdict(first.counts),
    }


def table(rows: list[dict]) -> str:
    head = (
        "| pages | docs | clean chars | first run | docs/s | chars/s | bare jieba chars/s | × jieba "
        "| Prefect share | load rows/s | peak RSS (all / wenji) | re-run (lastmod) | speed-up "
        "| re-run (304s) | speed-up |\n" + "|---:" * 15 + "|"
    )
    lines = [
        f"| {r['pages']:,} | {r['documents']:,} | {r['clean_chars']:,} | {r['first_run_s']} s "
        f"| {r['docs_per_s']} | {r['chars_per_s']:,} | {r['jieba_lcut_chars_per_s']:,} "
        f"| {r['ratio_vs_jieba']} "
        f"| {100 * r['prefect_share']:.1f}% | {r['load_rows_per_s'] or 0:,} "
        f"| {r['peak_rss_mb']} / {r['peak_rss_wenji_mb']} MB | {r['rerun_s']} s | {r['rerun_speedup']}× "
        f"| {r['rerun_conditional_s']} s | {r['rerun_conditional_speedup']}× |"
        for r in rows
    ]
    return "\n".join([head, *lines])


def ratio_table(rows: list[dict]) -> str:
    """The issue 18 ratios: wenji's chars/s over bare jieba's and over the peer's, each measured once."""
    head = (
        "| pages | load avg wenji / peer / jieba | wenji chars/s | bare jieba.lcut chars/s | peer chars/s "
        f"| wenji / jieba (≥ {TARGET_VS_JIEBA}) | wenji / peer (≥ {TARGET_VS_PEER:g}) |\n" + "|---:" * 7 + "|"
    )
    lines = []
    for r in rows:
        load, peer = r["load_avg"], r["peer"]
        peer_rate = f"{peer['chars_per_s']:,}" if peer else "–"
        lines.append(
            f"| {r['pages']:,} | {load['wenji']} / {load['peer']} / {load['jieba']} | {r['chars_per_s']:,} "
            f"| {r['jieba_lcut_chars_per_s']:,} | {peer_rate} | {r['ratio_vs_jieba']} "
            f"| {r['ratio_vs_peer'] if peer else '–'} |"
        )
    return "\n".join([head, *lines])


def startup_line(r: dict) -> str:
    s = r["startup_s"]
    return (
        f"{r['pages']:,} pages, fixed start-up: Prefect server {s['prefect_server']} s (before the run, "
        f"not in its wall time); in the run's {r['first_run_s']} s: empty flow run {s['empty_flow_run']} s, "
        f"Prefect's heartbeat at the run's end {s['heartbeat_wait']} s on average, "
        f"worker warm-up {s['worker_warmup']} s (overlaps the first fetches)"
    )


def _seconds_table(rows: list[dict], key: str, tail_heads: list[str], tail: Callable[[dict], str]) -> str:
    """One column per name found under `rows[i][key]` (seconds), then the `tail_heads` columns."""
    names = list(dict.fromkeys(k for r in rows for k in r[key]))
    head = "| pages | " + " | ".join([*names, *tail_heads]) + " |\n"
    head += "|---:" * (len(names) + len(tail_heads) + 1) + "|"
    lines = [
        f"| {r['pages']:,} | " + " | ".join(f"{r[key].get(k, 0)} s" for k in names) + f" | {tail(r)} |"
        for r in rows
    ]
    return "\n".join([head, *lines])


def stage_table(rows: list[dict]) -> str:
    """Seconds per stage. Fetch, load and the corpus steps are flow-process wall time; transform adds up
    the workers' busy time (so it can exceed the run's wall time with two workers)."""
    return _seconds_table(
        rows,
        "stage_seconds",
        ["Prefect (est.)", "Prefect server CPU"],
        lambda r: f"{r['prefect_s']} s ({r['prefect_task_runs']} task runs) | {r['prefect_server_cpu_s']} s",
    )


def cpu_table(rows: list[dict]) -> str:
    """CPU seconds per kind of process during the first run, next to what two cores offer in its wall time."""
    cores = os.cpu_count() or 1
    return _seconds_table(
        rows,
        "cpu_seconds",
        ["all", "wall × cores"],
        lambda r: f"{sum(r['cpu_seconds'].values()):.1f} s | {r['first_run_s'] * cores:.1f} s",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--out", type=Path, default=RESULTS / "pipeline.json")
    parser.add_argument(
        "--source", choices=("http", "folder"), default="http", help="serve the corpus, or read its folder"
    )
    parser.add_argument(
        "--no-peer", action="store_true", help="skip the peer pipeline (bench/peer.py, needs the bench extra)"
    )
    args = parser.parse_args()
    from wenji.flows.runtime import quiet_prefect

    quiet_prefect()
    os.environ.setdefault("PREFECT_LOGGING_LOGGERS_PREFECT_FLOW_RUNS_LEVEL", "WARNING")
    load_before = os.getloadavg()
    rows = [run_size(n, args.workers, args.batch_size, args.source, not args.no_peer) for n in args.sizes]
    machine = (
        f"{platform.machine()}, {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GB RAM, "
        f"Python {platform.python_version()}; load average before/after: "
        f"{load_before[0]:.1f} / {os.getloadavg()[0]:.1f}"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {"machine": machine, "workers": args.workers, "batch_size": args.batch_size, "rows": rows}
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"\nmachine: {machine}, source: {args.source}\n")
    print(ratio_table(rows))
    print()
    for r in rows:
        print(startup_line(r))
    print()
    print(table(rows))
    print("\nTime per stage (first run):\n")
    print(stage_table(rows))
    print("\nCPU seconds per process (first run):\n")
    print(cpu_table(rows))


if __name__ == "__main__":
    main()
