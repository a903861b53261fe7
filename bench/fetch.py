"""Fetch benchmark: pages per second of `fetch_batch` against a local server, at several concurrency levels.

The server runs in a separate process (so its GIL is not ours) and answers every path with the same
GBK page of the sample site after an optional artificial latency, which stands for a real site's
think time: with latency 0 the numbers show fetch's own overhead (HTTP, robots check, decoding); with
latency they show how well concurrency hides waiting. One host, so per_host_concurrency = concurrency.

    python bench/fetch.py                       # 1000 pages, latency 0 and 50 ms, concurrency 1..32
    python bench/fetch.py --pages 300 --latency 0.1
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from wenji.tasks.crawler import fetch_batch
from wenji.tasks.records import SourceItem
from wenji.tasks.settings import FetchConfig

REPO = Path(__file__).resolve().parents[1]
PAGE = REPO / "examples" / "site" / "fanwen" / "qihuashu" / "2024032901.html"

SERVER = """
import sys, time
from http.server import BaseHTTPRequestHandler
from wenji.tasks.site_server import serve
body, latency, pages = open(sys.argv[1], "rb").read(), float(sys.argv[2]), int(sys.argv[3])
def page(h: BaseHTTPRequestHandler) -> None:
    time.sleep(latency)
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)
with serve(routes={f"/p/{i}.html": page for i in range(pages)}) as base:
    print(base, flush=True)
    sys.stdin.read()
"""


def measure(pages: int, latency: float, concurrency: int) -> float:
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(PAGE), str(latency), str(pages)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base = server.stdout.readline().strip()  # type: ignore[union-attr]
        cfg = replace(
            FetchConfig(allow_private=True), concurrency=concurrency, per_host_concurrency=concurrency
        )
        items = [SourceItem(url=f"{base}/p/{i}.html") for i in range(pages)]
        start = time.perf_counter()
        result = fetch_batch(items, cfg)
        seconds = time.perf_counter() - start
        assert len(result.items) == pages, result.errors[:3]
        return pages / seconds
    finally:
        server.communicate("")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--latency", type=float, nargs="*", default=[0.0, 0.05])
    parser.add_argument("--concurrency", type=int, nargs="*", default=[1, 4, 16, 32])
    args = parser.parse_args()
    print("| latency | " + " | ".join(f"c={c}" for c in args.concurrency) + " |")
    print("|---:|" + "---:|" * len(args.concurrency))
    for latency in args.latency:
        rates = [measure(args.pages, latency, c) for c in args.concurrency]
        print(f"| {latency * 1000:.0f} ms | " + " | ".join(f"{r:,.0f}/s" for r in rates) + " |")


if __name__ == "__main__":
    main()
