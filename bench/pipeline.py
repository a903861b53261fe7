"""End-to-end pipeline benchmark: throughput, time per stage, peak memory, re-run cost, vs bare jieba.

For each size N: generate a synthetic corpus (bench/corpus.py), serve it from a separate process on
127.0.0.1, run the real ETL flow into a fresh DuckDB file, sample the RSS of every process of the run,
then run again over the unchanged corpus (twice: trusting the sitemap's <lastmod>, and with conditional
requests for every page as for sources without lastmod), then time bare `jieba.lcut` over the same clean
text in one process. `--source folder` reads the corpus folder as saved pages instead of serving it.
Prints a markdown table and writes bench/results/pipeline.json.

Prefect's bookkeeping is estimated, not guessed: an empty flow run and a no-op task run are timed on the
same backend, and the run's task runs (four per batch, plus the corpus steps) are charged at that price.
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

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

import corpus  # noqa: E402

WORK = Path(os.environ.get("WENJI_BENCH_DIR", "/tmp/wenji-bench"))
RESULTS = REPO / "bench" / "results"
# Bare jieba is timed on up to this much text (~3-6 s a pass); its rate is flat in size.
JIEBA_SAMPLE_CHARS = 1_000_000
JIEBA_ROUNDS = 3
RSS_POLL_SECONDS = 0.25
PREFECT_PROBE_TASKS = 40  # no-op task runs timed to price one task run
TASKS_PER_BATCH = 2  # transform, load (the crawl runs in the fetch process, not as tasks)
CORPUS_TASKS = 3  # resolve, find-duplicates, term-stats

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
    """Characters per second of bare `jieba.lcut` over (a prefix of) the loaded clean text, best of
    JIEBA_ROUNDS passes: a single pass right after a run read anywhere from 148 k to 335 k chars/s on this
    machine (the run's processes winding down), and the ratio swung with it."""
    import duckdb
    import jieba

    con = duckdb.connect(str(db_path), read_only=True)
    texts, size = [], 0
    for (text,) in con.execute("SELECT text FROM documents ORDER BY doc_id").fetchall():
        texts.append(text)
        size += len(text)
        if size >= JIEBA_SAMPLE_CHARS:
            break
    con.close()
    jieba.initialize()
    best = float("inf")
    for _ in range(JIEBA_ROUNDS):
        started = time.perf_counter()
        for text in texts:
            jieba.lcut(text)
        best = min(best, time.perf_counter() - started)
    return size / best, size


def _prefect_prices() -> tuple[float, float]:
    """Seconds of an empty flow run, and of one extra no-op task run in it (best of a few)."""
    from prefect import flow, task
    from prefect.cache_policies import NO_CACHE

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

    from wenji.tasks.load import TABLE_ORDER

    con = duckdb.connect(str(db_path), read_only=True)
    rows = sum(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLE_ORDER)
    con.close()
    return rows


def run_size(n: int, workers: int, batch_size: int, source: str = "http") -> dict:
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
        with prefect_backend():
            flow_price, task_price = _prefect_prices()
            server_pids = _prefect_server_pids()
            server_cpu = _cpu_seconds(server_pids)
            sampler = RssSampler(exclude={server.pid})
            sampler.start()
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
    finally:
        server.kill()
    import duckdb

    con = duckdb.connect(str(db_path), read_only=True)
    chars = con.execute("SELECT sum(n_chars) FROM documents").fetchone()[0]
    con.close()
    jieba_rate, jieba_chars = _jieba_rate(db_path)
    pipeline_rate = chars / first_seconds
    stages = {k: round(v, 2) for k, v in first.stage_seconds.items()}
    batches = -(-n // batch_size)
    task_runs = TASKS_PER_BATCH * batches + CORPUS_TASKS
    prefect_seconds = flow_price + task_runs * task_price
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
    args = parser.parse_args()
    from wenji.flows.runtime import quiet_prefect

    quiet_prefect()
    os.environ.setdefault("PREFECT_LOGGING_LOGGERS_PREFECT_FLOW_RUNS_LEVEL", "WARNING")
    load_before = os.getloadavg()
    rows = [run_size(n, args.workers, args.batch_size, args.source) for n in args.sizes]
    machine = (
        f"{platform.machine()}, {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GB RAM, "
        f"Python {platform.python_version()}; load average before/after: "
        f"{load_before[0]:.1f} / {os.getloadavg()[0]:.1f}"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {"machine": machine, "workers": args.workers, "batch_size": args.batch_size, "rows": rows}
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"\nmachine: {machine}\n")
    print(table(rows))
    print("\nTime per stage (first run):\n")
    print(stage_table(rows))
    print("\nCPU seconds per process (first run):\n")
    print(cpu_table(rows))


if __name__ == "__main__":
    main()
