"""The crawl (tasks/crawler.py) against real HTTP servers on several loopback hosts: hanging URLs hold only
their own host's slots, dead hosts are given up, and a busy consumer pauses the crawl."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from http.server import BaseHTTPRequestHandler

from wenji.tasks.crawler import FetchedBatch, crawl
from wenji.tasks.incremental import FetchJob
from wenji.tasks.records import SourceItem
from wenji.tasks.settings import FetchConfig
from wenji.tasks.site_server import serve

PAGE = (
    "<html><head><meta charset='utf-8'><title>关于开展创建全国文明城市工作的通知</title></head><body>"
    "<p>各区人民政府，市政府各委、办、局：为深入推进全国文明城市创建工作，现将有关事项通知如下。</p>"
    "</body></html>"
).encode()

CFG = FetchConfig(
    connect_timeout=1.0,
    read_timeout=5.0,
    total_timeout=4.0,
    retries=0,
    backoff=0.01,
    allow_private=True,
    respect_robots=False,
    per_host_concurrency=2,
)


def ok(h: BaseHTTPRequestHandler) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", str(len(PAGE)))
    h.end_headers()
    h.wfile.write(PAGE)


def hang(h: BaseHTTPRequestHandler) -> None:
    time.sleep(30)  # never answers within the crawl's deadline


def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on: connections are refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_crawl(
    jobs: list[FetchJob], cfg: FetchConfig, on_batch: Callable[[FetchedBatch], None], size: int = 5
) -> float:
    async def send(batch: FetchedBatch) -> None:
        on_batch(batch)

    started = time.monotonic()
    asyncio.run(crawl(jobs, cfg, send, batch_size=size, batch_wait=0.2))
    return time.monotonic() - started


def jobs_for(base: str, paths: list[str]) -> list[FetchJob]:
    return [FetchJob(SourceItem(url=base + path)) for path in paths]


def test_a_hanging_host_delays_nobody_else() -> None:
    fast = {f"/p{i}.html": ok for i in range(12)}
    with (
        serve(routes={"/hang/a.html": hang, "/hang/b.html": hang, **fast}, host="127.0.0.1") as slow_host,
        serve(routes=fast, host="127.0.0.2") as host2,
        serve(routes=fast, host="127.0.0.3") as host3,
    ):
        jobs = jobs_for(slow_host, ["/hang/a.html", "/hang/b.html", *fast])
        jobs += jobs_for(host2, list(fast)) + jobs_for(host3, list(fast))
        arrived: dict[str, float] = {}
        started = time.monotonic()

        def note(batch: FetchedBatch) -> None:
            for page in batch.pages:
                arrived[page.url] = time.monotonic() - started
            for err in batch.errors:
                arrived[err.url] = time.monotonic() - started

        seconds = run_crawl(jobs, CFG, note)
    good = [job.url for job in jobs if "/hang/" not in job.url]
    assert set(good) <= set(arrived)
    # Both hanging URLs fill the slow host's 2 slots until their 4 s deadline; every other page, its
    # own host's included once a slot frees, arrives long before for the other hosts.
    others = [t for url, t in arrived.items() if not url.startswith(slow_host)]
    assert max(others) < 2.0, max(others)
    assert CFG.total_timeout <= seconds < CFG.total_timeout + 3


def test_a_dead_host_is_given_up_and_its_remaining_urls_recorded_at_once() -> None:
    dead = f"http://127.0.0.1:{closed_port()}"
    cfg = replace(CFG, host_failure_limit=3, retries=1)
    batches: list[FetchedBatch] = []
    with serve(routes={f"/p{i}.html": ok for i in range(5)}, host="127.0.0.2") as alive:
        jobs = jobs_for(dead, [f"/d{i}.html" for i in range(40)]) + jobs_for(
            alive, [f"/p{i}.html" for i in range(5)]
        )
        seconds = run_crawl(jobs, cfg, batches.append, size=50)
    errors = [e for b in batches for e in b.errors]
    kinds = {e.url: e.kind for e in errors}
    assert len(kinds) == 40 and all(url.startswith(dead) for url in kinds)
    assert sum(kind == "fetch_connection_error" for kind in kinds.values()) <= 3 + cfg.per_host_concurrency
    assert (
        sum(kind == "fetch_host_unresponsive" for kind in kinds.values()) >= 40 - 3 - cfg.per_host_concurrency
    )
    given_up = {h: why for b in batches for h, why in b.given_up.items()}
    assert list(given_up) == ["127.0.0.1"] and "fetch_connection_error" in given_up["127.0.0.1"]
    assert sum(len(b.pages) for b in batches) == 5
    assert seconds < 10


def test_one_bad_url_among_good_ones_keeps_its_host() -> None:
    routes = {**{f"/p{i}.html": ok for i in range(9)}, "/bad1.html": hang, "/bad2.html": hang}
    cfg = replace(CFG, host_failure_limit=2, per_host_concurrency=1, total_timeout=0.5, read_timeout=0.4)
    batches: list[FetchedBatch] = []
    with serve(routes=routes, host="127.0.0.2") as base:
        order = [
            "/p0.html",
            "/bad1.html",
            "/p1.html",
            "/p2.html",
            "/bad2.html",
            *[f"/p{i}.html" for i in range(3, 9)],
        ]
        run_crawl(jobs_for(base, order), cfg, batches.append)
    kinds = [e.kind for b in batches for e in b.errors]
    assert kinds == ["fetch_timeout", "fetch_timeout"]  # never two in a row: the host is fine
    assert sum(len(b.pages) for b in batches) == 9 and not any(b.given_up for b in batches)


def test_a_busy_consumer_pauses_the_crawl() -> None:
    served = 0
    lock = threading.Lock()

    def counted(h: BaseHTTPRequestHandler) -> None:
        nonlocal served
        with lock:
            served += 1
        ok(h)

    cfg = replace(CFG, per_host_concurrency=4, concurrency=8)
    seen_while_blocked: list[int] = []
    with serve(routes={f"/p{i}.html": counted for i in range(200)}) as base:

        async def send(batch: FetchedBatch) -> None:
            if not seen_while_blocked:
                await asyncio.sleep(1.0)  # the consumer is busy with the first batch
                seen_while_blocked.append(served)

        asyncio.run(crawl(jobs_for(base, [f"/p{i}.html" for i in range(200)]), cfg, send, 10, 0.2))
    # While the first batch was being consumed: that batch, the next one filling, requests in flight.
    assert seen_while_blocked[0] <= 10 + 10 + cfg.concurrency, seen_while_blocked
    assert served == 200
