"""End-to-end pipeline benchmark: throughput, time per stage, peak memory, re-run cost, vs bare jieba.

For each size N: generate a synthetic corpus (bench/corpus.py), serve it from a separate process on
127.0.0.1, run the real ETL flow into a fresh DuckDB file, sample the RSS of every process of the run,
then run again over the unchanged corpus, then time bare `jieba.lcut` over the same clean text in one
process. Prints a markdown table and writes bench/results/pipeline.json.

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
from dataclasses import asdict, replace
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

import corpus  # noqa: E402

WORK = Path(os.environ.get("WENJI_BENCH_DIR", "/tmp/wenji-bench"))
RESULTS = REPO / "bench" / "results"
JIEBA_SAMPLE_CHARS = 3_000_000  # bare jieba is timed on up to this much text: ~5 s; its rate is flat in size
RSS_POLL_SECONDS = 0.25

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
        self.peak = 0
        self.peak_wenji = 0  # without Prefect's temporary server
        self._halt = threading.Event()

    def run(self) -> None:
        me = psutil.Process()
        while not self._halt.is_set():
            total = wenji = 0
            for p in [me, *me.children(recursive=True)]:
                if p.pid in self.exclude:
                    continue
                try:
                    rss = p.memory_info().rss
                    cmd = " ".join(p.cmdline())
                except psutil.Error:
                    continue
                total += rss
                if "uvicorn" not in cmd and "prefect.server" not in cmd and "prefect server" not in cmd:
                    wenji += rss
            self.peak, self.peak_wenji = max(self.peak, total), max(self.peak_wenji, wenji)
            time.sleep(RSS_POLL_SECONDS)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def _jieba_rate(db_path: Path) -> tuple[float, int]:
    """Characters per second of bare `jieba.lcut` over (a prefix of) the loaded clean text."""
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
    started = time.perf_counter()
    for text in texts:
        jieba.lcut(text)
    return size / (time.perf_counter() - started), size


def run_size(n: int, workers: int, batch_size: int) -> dict:
    from wenji.flows.etl import run_etl
    from wenji.flows.runtime import prefect_backend
    from wenji.tasks.settings import load_settings

    site = corpus.generate(n, WORK / f"corpus-{n}")
    db_path = WORK / f"bench-{n}.duckdb"
    db_path.unlink(missing_ok=True)
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(site)], stdout=subprocess.PIPE, text=True)
    try:
        base = server.stdout.readline().strip()
        settings = load_settings(None, db_path=str(db_path), workers=workers, batch_size=batch_size)
        settings = replace(settings, fetch=replace(settings.fetch, allow_private=True))
        with prefect_backend():
            sampler = RssSampler(exclude={server.pid})
            sampler.start()
            started = time.perf_counter()
            first = run_etl([f"{base}/sitemap.xml"], settings)
            first_seconds = time.perf_counter() - started
            sampler.stop()
            started = time.perf_counter()
            second = run_etl([f"{base}/sitemap.xml"], settings)
            second_seconds = time.perf_counter() - started
    finally:
        server.kill()
    import duckdb

    con = duckdb.connect(str(db_path), read_only=True)
    chars = con.execute("SELECT sum(n_chars) FROM documents").fetchone()[0]
    con.close()
    jieba_rate, jieba_chars = _jieba_rate(db_path)
    pipeline_rate = chars / first_seconds
    return {
        "pages": n,
        "documents": first.counts.documents,
        "tokens": first.counts.tokens,
        "clean_chars": chars,
        "errors": first.counts.errors,
        "first_run_s": round(first_seconds, 2),
        "docs_per_s": round(first.counts.documents / first_seconds, 1),
        "chars_per_s": round(pipeline_rate),
        "stage_seconds": {k: round(v, 2) for k, v in getattr(first, "stage_seconds", {}).items()},
        "peak_rss_mb": round(sampler.peak / 2**20),
        "peak_rss_wenji_mb": round(sampler.peak_wenji / 2**20),
        "rerun_s": round(second_seconds, 2),
        "rerun_unchanged": second.counts.pages_unchanged,
        "rerun_speedup": round(first_seconds / second_seconds, 1),
        "jieba_lcut_chars_per_s": round(jieba_rate),
        "jieba_sample_chars": jieba_chars,
        "ratio_vs_jieba": round(pipeline_rate / jieba_rate, 2),
        "counts": asdict(first.counts),
    }


def table(rows: list[dict]) -> str:
    head = (
        "| pages | docs | clean chars | first run | docs/s | chars/s | bare jieba chars/s | × jieba "
        "| peak RSS (all / wenji) | re-run | re-run speed-up |\n" + "|---:" * 11 + "|"
    )
    lines = [
        f"| {r['pages']:,} | {r['documents']:,} | {r['clean_chars']:,} | {r['first_run_s']} s "
        f"| {r['docs_per_s']} "
        f"| {r['chars_per_s']:,} | {r['jieba_lcut_chars_per_s']:,} | {r['ratio_vs_jieba']} "
        f"| {r['peak_rss_mb']} / {r['peak_rss_wenji_mb']} MB | {r['rerun_s']} s | {r['rerun_speedup']}× |"
        for r in rows
    ]
    return "\n".join([head, *lines])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--batch-size", type=int, default=200)
    args = parser.parse_args()
    from wenji.flows.runtime import quiet_prefect

    quiet_prefect()
    os.environ.setdefault("PREFECT_LOGGING_LOGGERS_PREFECT_FLOW_RUNS_LEVEL", "WARNING")
    rows = [run_size(n, args.workers, args.batch_size) for n in args.sizes]
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "pipeline.json"
    report = {"machine": machine, "rows": rows}
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"\nmachine: {machine}\n")
    print(table(rows))
    for r in rows:
        if r["stage_seconds"]:
            print(f"\nN={r['pages']:,} time per stage (s): {r['stage_seconds']}")


if __name__ == "__main__":
    main()
