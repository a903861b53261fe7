"""fetch_batch against a real HTTP server on 127.0.0.1 (tasks.site_server), with routes that misbehave."""

from __future__ import annotations

import gzip
import io
import multiprocessing
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from wenji.tasks.crawler import fetch_batch
from wenji.tasks.records import SourceItem, content_hash
from wenji.tasks.settings import FetchConfig
from wenji.tasks.site_server import Route, serve

SPEECH = (
    "同志们：在第X届全国文明城市评选表彰之年，在我市创文工作即将迎来终极大考之时，我们在这里召开决胜全国"
    "文明城市誓师大会，责任重大、意义重大。会议的主要任务是：对决胜全国文明城市进行全面发动、全面部署，"
    "进一步激励全市上下咬定目标、全力以赴、奋力冲刺，确保成功创建全国文明城市。"
)


def page(head: str = "") -> str:
    return f"<html><head>{head}<title>誓师大会上的讲话</title></head><body><p>{SPEECH}</p></body></html>"


GBK_PAGE = page().encode("gbk")
GBK_META_PAGE = page('<meta http-equiv="Content-Type" content="text/html; charset=gb2312">').encode("gbk")
UNDECODABLE = b"<html><head><meta charset='utf-8'></head><body><p>" + bytes(range(0x80, 0xC0)) * 100 + b"</p>"

# Tiny timeouts and backoff keep the whole file fast; loopback needs allow_private.
CFG = FetchConfig(
    connect_timeout=1.0,
    read_timeout=0.5,
    total_timeout=3.0,
    max_bytes=100_000,
    max_redirects=5,
    retries=2,
    backoff=0.01,
    allow_private=True,
)

Handler = Callable[[BaseHTTPRequestHandler], None]


def reply(
    h: BaseHTTPRequestHandler, status: int, body: bytes = b"", headers: dict[str, str] | None = None
) -> None:
    h.send_response(status)
    for name, value in {"Content-Length": str(len(body)), **(headers or {})}.items():
        h.send_header(name, value)
    h.end_headers()
    h.wfile.write(body)


class Hits:
    """Counts requests per path, so tests can assert what was (not) retried."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.user_agents: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, answers: list[Handler]) -> Handler:
        """A handler giving the n-th request the n-th answer (the last one repeats)."""

        def handler(h: BaseHTTPRequestHandler) -> None:
            with self._lock:
                n = self.counts[h.path]
                self.counts[h.path] += 1
                self.user_agents.append(h.headers.get("User-Agent", ""))
            answers[min(n, len(answers) - 1)](h)

        return handler


def status(code: int, body: bytes = b"", headers: dict[str, str] | None = None) -> Handler:
    return lambda h: reply(h, code, body, headers)


def stream_forever_ish(h: BaseHTTPRequestHandler) -> None:
    """No Content-Length: the client only learns the size by reading, and must stop by itself."""
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.end_headers()
    for _ in range(100):  # 1.6 MB, far past CFG.max_bytes; bounded so the thread ends on its own
        h.wfile.write(b"<p>" + "文明城市".encode() * 1333 + b"</p>")


def cookie_check(h: BaseHTTPRequestHandler) -> None:
    """An anti-bot check as on many Chinese sites: set a cookie and redirect back to the same page."""
    if "wenji_ok=1" in (h.headers.get("Cookie") or ""):
        reply(h, 200, GBK_PAGE, {"Content-Type": "text/html"})
    else:
        reply(h, 302, b"", {"Location": "/cookie-check.html", "Set-Cookie": "wenji_ok=1; Path=/"})


@pytest.fixture(scope="module")
def hits() -> Hits:
    return Hits()


@pytest.fixture(scope="module")
def site(hits: Hits) -> Iterator[str]:
    html = {"Content-Type": "text/html"}
    routes = {
        "/gbk-header.html": Route(
            headers={
                "Content-Type": "text/html; charset=gbk",
                "ETag": '"v1"',
                "Last-Modified": "Fri, 29 Mar 2024 01:55:14 GMT",
            },
            body=GBK_PAGE,
        ),
        "/gbk-meta.html": Route(headers=html, body=GBK_META_PAGE),
        "/gbk-none.html": Route(headers=html, body=GBK_PAGE),
        "/plain.html": Route(headers={"Content-Type": "text/plain"}, body=page().encode("utf-8")),
        "/flaky.html": hits([status(500), status(200, GBK_PAGE, html)]),
        "/always-500.html": hits([status(500, b"<h1>Internal Server Error</h1>", html)]),
        "/missing.html": hits([status(404, b"<h1>Not Found</h1>", html)]),
        "/busy.html": hits([status(429, b"", {"Retry-After": "1"}), status(200, GBK_PAGE, html)]),
        "/slow.html": Route(headers=html, body=GBK_PAGE, delay=2.0),
        "/huge.html": stream_forever_ish,
        "/huge-declared.html": Route(headers=html, body=b"<p>x</p>" * 20_000),
        "/report.html": Route(
            headers=html, body=b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>"
        ),
        "/data.json": Route(headers={"Content-Type": "application/json"}, body='{"标题": "讲话"}'.encode()),
        "/empty.html": Route(headers=html),
        "/loop-a": Route(status=302, headers={"Location": "/loop-b"}),
        "/loop-b": Route(status=302, headers={"Location": "/loop-a"}),
        "/cookie-check.html": cookie_check,
        "/moved": Route(status=301, headers={"Location": "/gbk-header.html"}),
        "/garbled.html": Route(headers={"Content-Type": "text/html; charset=utf-8"}, body=UNDECODABLE),
        "/private.html": hits([status(200, GBK_PAGE, html)]),
    }
    with serve(routes=routes) as base_url:
        yield base_url


def fetch_one(site: str, path: str, cfg: FetchConfig = CFG):
    result = fetch_batch([SourceItem(url=site + path)], cfg)
    assert len(result.items) + len(result.errors) == 1
    return result


@pytest.mark.parametrize(
    ("path", "source"),
    [("/gbk-header.html", "header"), ("/gbk-meta.html", "meta"), ("/gbk-none.html", "detected")],
)
def test_gbk_page_decoded(site: str, path: str, source: str) -> None:
    result = fetch_one(site, path)
    [p] = result.items
    assert SPEECH in p.text
    assert (p.encoding, p.encoding_source, p.bad_bytes, p.status) == ("gb18030", source, 0, 200)
    assert p.body == (GBK_META_PAGE if source == "meta" else GBK_PAGE)
    assert p.content_hash == content_hash(p.body)
    assert p.fetched_at.tzinfo is UTC


def test_page_records_http_metadata_and_sends_user_agent(site: str, hits: Hits) -> None:
    [p] = fetch_one(site, "/gbk-header.html").items
    assert p.url == p.final_url == site + "/gbk-header.html"
    assert p.content_type == "text/html; charset=gbk"
    assert (p.etag, p.last_modified) == ('"v1"', "Fri, 29 Mar 2024 01:55:14 GMT")
    fetch_one(site, "/private.html")
    assert hits.user_agents[-1] == CFG.user_agent


def test_redirect_followed(site: str) -> None:
    [p] = fetch_one(site, "/moved").items
    assert p.url == site + "/moved"
    assert p.final_url == site + "/gbk-header.html"


def test_redirect_back_to_same_page_after_cookie_is_not_a_loop(site: str) -> None:
    [p] = fetch_one(site, "/cookie-check.html").items
    assert SPEECH in p.text


def test_text_plain_that_is_html_is_kept(site: str) -> None:
    [p] = fetch_one(site, "/plain.html").items
    assert SPEECH in p.text


def test_500_then_200_is_retried_into_one_page(site: str, hits: Hits) -> None:
    result = fetch_one(site, "/flaky.html")
    assert [SPEECH in p.text for p in result.items] == [True]
    assert hits.counts["/flaky.html"] == 2
    assert result.counters["retries"] == 1


def test_500_always_gives_up_after_retries(site: str, hits: Hits) -> None:
    [err] = fetch_one(site, "/always-500.html").errors
    assert (err.stage, err.kind) == ("fetch", "fetch_http_500")
    assert "/always-500.html" in err.message and "3 attempts" in err.message
    assert hits.counts["/always-500.html"] == CFG.retries + 1


def test_404_is_not_retried(site: str, hits: Hits) -> None:
    [err] = fetch_one(site, "/missing.html").errors
    assert err.kind == "fetch_http_404"
    assert hits.counts["/missing.html"] == 1


def test_429_waits_for_retry_after(site: str, hits: Hits) -> None:
    start = time.monotonic()
    result = fetch_one(site, "/busy.html")
    assert time.monotonic() - start >= 1.0  # backoff alone is 0.01 s: the wait came from Retry-After
    assert len(result.items) == 1
    assert hits.counts["/busy.html"] == 2


def test_slow_endpoint_times_out(site: str) -> None:
    cfg = replace(CFG, retries=0)
    start = time.monotonic()
    [err] = fetch_one(site, "/slow.html", cfg).errors
    assert err.kind == "fetch_timeout"
    assert time.monotonic() - start < 1.5


def test_total_timeout_bounds_one_request(site: str) -> None:
    cfg = replace(CFG, retries=0, read_timeout=10.0, total_timeout=0.3)
    [err] = fetch_one(site, "/slow.html", cfg).errors
    assert err.kind == "fetch_timeout" and "total_timeout" in err.message


@pytest.mark.parametrize("path", ["/huge.html", "/huge-declared.html"])
def test_body_over_max_bytes_is_aborted(site: str, path: str) -> None:
    [err] = fetch_one(site, path).errors
    assert err.kind == "fetch_too_large"


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/report.html", "fetch_not_html"),
        ("/data.json", "fetch_not_html"),
        ("/empty.html", "fetch_empty"),
        ("/loop-a", "fetch_redirect_loop"),
    ],
)
def test_not_a_page(site: str, path: str, kind: str) -> None:
    [err] = fetch_one(site, path).errors
    assert (err.stage, err.kind) == ("fetch", kind)


def test_undecodable_bytes_are_a_decode_error(site: str) -> None:
    [err] = fetch_one(site, "/garbled.html").errors
    assert (err.stage, err.kind) == ("decode", "decode_failed")
    assert "utf-8" in err.message


def test_loopback_refused_unless_allowed(site: str, hits: Hits) -> None:
    before = hits.counts["/private.html"]
    cfg = replace(CFG, allow_private=False)
    [err] = fetch_one(site, "/private.html", cfg).errors
    assert err.kind == "fetch_forbidden_address"
    assert "127.0.0.1" in err.message and "allow_private" in err.message
    assert hits.counts["/private.html"] == before  # refused before connecting


def test_batch_keeps_order_and_mixes_errors(site: str) -> None:
    paths = ["/gbk-none.html", "/missing.html", "/gbk-meta.html", "/report.html", "/gbk-header.html"]
    result = fetch_batch([SourceItem(url=site + p) for p in paths], CFG)
    assert [p.url for p in result.items] == [site + p for p in paths if p.startswith("/gbk")]
    assert sorted(e.kind for e in result.errors) == ["fetch_http_404", "fetch_not_html"]
    assert result.counters["dropped_fetch_http_404"] == 1


def test_per_host_concurrency_is_respected() -> None:
    lock = threading.Lock()
    state = {"now": 0, "peak": 0}

    def slowish(h: BaseHTTPRequestHandler) -> None:
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(0.1)
        with lock:
            state["now"] -= 1
        reply(h, 200, GBK_PAGE, {"Content-Type": "text/html"})

    cfg = replace(CFG, per_host_concurrency=2, concurrency=8)
    with serve(routes={f"/p{i}.html": slowish for i in range(6)}) as base:
        result = fetch_batch([SourceItem(url=f"{base}/p{i}.html") for i in range(6)], cfg)
    assert len(result.items) == 6
    assert state["peak"] == 2


def test_local_files(tmp_path: Path) -> None:
    saved = tmp_path / "speech.html"
    saved.write_bytes(GBK_META_PAGE)
    big = tmp_path / "big.html"
    big.write_bytes(b"<p>x</p>" * 20_000)
    items = [
        SourceItem(url="https://www.fanwen.cn/a/1.html", path=str(saved)),
        SourceItem(url=big.as_uri(), path=str(big)),
        SourceItem(url=(tmp_path / "gone.html").as_uri(), path=str(tmp_path / "gone.html")),
    ]
    result = fetch_batch(items, CFG)
    [p] = result.items
    assert (p.url, p.encoding, p.encoding_source) == ("https://www.fanwen.cn/a/1.html", "gb18030", "meta")
    assert SPEECH in p.text and p.last_modified
    assert [e.kind for e in result.errors] == ["fetch_too_large", "fetch_io_error"]


# --- robots.txt -------------------------------------------------------------------------------------

ROBOTS = b"User-agent: *\nDisallow: /neibu/\nDisallow: /*?print=1\n\nUser-agent: wenji\nDisallow: /neibu/\n"


def test_robots_disallowed_url_is_not_fetched() -> None:
    hits = Hits()
    html = {"Content-Type": "text/html"}
    routes: dict[str, Handler] = {
        "/robots.txt": hits([status(200, ROBOTS, {"Content-Type": "text/plain"})]),
        "/neibu/tongzhi.html": hits([status(200, GBK_PAGE, html)]),
        "/go": hits([status(302, b"", {"Location": "/neibu/tongzhi.html"})]),
        **{f"/gongkai/{i}.html": hits([status(200, GBK_PAGE, html)]) for i in range(3)},
    }
    with serve(routes=routes) as base:
        urls = [f"{base}/neibu/tongzhi.html", f"{base}/go", *(f"{base}/gongkai/{i}.html" for i in range(3))]
        result = fetch_batch([SourceItem(url=u) for u in urls], CFG)
        ignored = fetch_batch([SourceItem(url=urls[0])], replace(CFG, respect_robots=False))
    assert [p.url for p in result.items] == urls[2:]
    assert [(e.url, e.stage, e.kind) for e in result.errors] == [
        (urls[0], "fetch", "fetch_robots_disallowed"),
        (urls[1], "fetch", "fetch_robots_disallowed"),  # the redirect target is checked too
    ]
    assert "Disallow: /neibu/" in result.errors[0].message and "wenji" in result.errors[0].message
    assert hits.counts["/robots.txt"] == 1  # once per site, however many URLs
    assert [SPEECH in p.text for p in ignored.items] == [True]
    assert hits.counts["/neibu/tongzhi.html"] == 1  # only by the run that ignores robots.txt


def test_missing_robots_allows_and_failing_robots_disallows() -> None:
    hits = Hits()
    html = {"Content-Type": "text/html"}
    with serve(routes={"/a.html": hits([status(200, GBK_PAGE, html)])}) as missing:
        allowed = fetch_batch([SourceItem(url=f"{missing}/a.html")], CFG)
    routes = {
        "/robots.txt": hits([status(503, b"", {"Retry-After": "0"})]),
        "/b.html": hits([status(200, GBK_PAGE, html)]),
    }
    with serve(routes=routes) as failing:
        refused = fetch_batch([SourceItem(url=f"{failing}/b.html")], CFG)
    assert len(allowed.items) == 1
    [err] = refused.errors
    assert err.kind == "fetch_robots_unreachable" and "fetch_http_503" in err.message
    assert hits.counts["/robots.txt"] == CFG.retries + 1 and hits.counts["/b.html"] == 0


# --- politeness: spacing per host ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("min_delay", "robots"),
    [(0.15, b"User-agent: *\nDisallow: /neibu/\n"), (0.0, b"User-agent: *\nCrawl-delay: 0.15\n")],
)
def test_requests_to_one_host_are_spaced(min_delay: float, robots: bytes) -> None:
    starts: list[float] = []

    def page_handler(h: BaseHTTPRequestHandler) -> None:
        starts.append(time.monotonic())
        reply(h, 200, GBK_PAGE, {"Content-Type": "text/html"})

    routes: dict[str, Handler] = {
        "/robots.txt": status(200, robots),
        **{f"/p{i}.html": page_handler for i in range(4)},
    }
    cfg = replace(CFG, min_delay=min_delay, per_host_concurrency=4)
    with serve(routes=routes) as base:
        result = fetch_batch([SourceItem(url=f"{base}/p{i}.html") for i in range(4)], cfg)
    assert len(result.items) == 4
    gaps = [b - a for a, b in zip(sorted(starts), sorted(starts)[1:], strict=False)]
    assert min(gaps) >= 0.14, gaps


# --- incremental refresh ----------------------------------------------------------------------------


def revalidating(h: BaseHTTPRequestHandler) -> None:
    """Answers 304 when the client already has version "v2" (by ETag or by date), else the page."""
    etag, modified = '"v2"', "Sat, 30 Mar 2024 08:00:00 GMT"
    if h.headers.get("If-None-Match") == etag or h.headers.get("If-Modified-Since") == modified:
        reply(h, 304, b"", {"ETag": etag})
    else:
        reply(h, 200, GBK_PAGE, {"Content-Type": "text/html", "ETag": etag, "Last-Modified": modified})


def test_conditional_request_gives_304_page() -> None:
    with serve(routes={"/v.html": revalidating}) as base:
        url = f"{base}/v.html"
        first = fetch_batch([SourceItem(url=url)], CFG)
        [p1] = first.items
        by_etag = fetch_batch([SourceItem(url=url)], CFG, {url: (p1.etag, None)})
        by_date = fetch_batch([SourceItem(url=url)], CFG, {url: (None, p1.last_modified)})
        stale = fetch_batch([SourceItem(url=url)], CFG, {url: ('"v1"', None)})
    assert (p1.status, p1.etag, SPEECH in p1.text) == (200, '"v2"', True)
    for result in (by_etag, by_date):
        [p] = result.items
        assert (p.status, p.body, p.text, p.content_hash) == (304, b"", "", "")
        assert result.counters["pages_not_modified"] == 1
    assert by_date.items[0].last_modified == p1.last_modified  # kept from the request when not repeated
    assert stale.items[0].status == 200 and stale.items[0].content_hash == p1.content_hash


# --- hostile servers --------------------------------------------------------------------------------


def test_compressed_pages_are_inflated() -> None:
    raw_deflate = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    bodies = {
        "/gzip.html": ("gzip", gzip.compress(GBK_PAGE)),
        "/deflate.html": ("deflate", zlib.compress(GBK_PAGE)),
        "/raw-deflate.html": ("deflate", raw_deflate.compress(GBK_PAGE) + raw_deflate.flush()),
    }
    routes = {
        path: Route(headers={"Content-Type": "text/html", "Content-Encoding": enc}, body=body)
        for path, (enc, body) in bodies.items()
    }
    with serve(routes=routes) as base:
        result = fetch_batch([SourceItem(url=base + path) for path in bodies], CFG)
    assert [(p.body, p.encoding) for p in result.items] == [(GBK_PAGE, "gb18030")] * 3


def test_gzip_bomb_refused_big_page_too_large_corrupt_gzip_rejected() -> None:
    bomb = gzip.compress(b"\0" * 20_000_000, compresslevel=9)  # ~20 KB on the wire
    # ~300 KB of Chinese in no particular order: it compresses like real text (~2.5x), not like a bomb.
    shuffled = "".join(random.Random(3).choices(SPEECH, k=100_000))
    big = gzip.compress(f"<html><body><p>{shuffled}</p></body></html>".encode())
    routes = {
        "/bomb.html": Route(headers={"Content-Type": "text/html", "Content-Encoding": "gzip"}, body=bomb),
        "/big.html": Route(headers={"Content-Type": "text/html", "Content-Encoding": "gzip"}, body=big),
        "/corrupt.html": Route(
            headers={"Content-Type": "text/html", "Content-Encoding": "gzip"}, body=b"\x1f\x8b\x08" + GBK_PAGE
        ),
    }
    with serve(routes=routes) as base:
        result = fetch_batch([SourceItem(url=base + path) for path in routes], CFG)
    assert [e.kind for e in result.errors] == [
        "fetch_compression_bomb",
        "fetch_too_large",
        "fetch_bad_compression",
    ]
    assert "compression bomb" in result.errors[0].message


def reset_mid_body(h: BaseHTTPRequestHandler) -> None:
    """Promises 100 KB, sends 200 bytes, then resets the connection (RST, not a clean close)."""
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", "100000")
    h.end_headers()
    h.wfile.write(GBK_PAGE[:200])
    h.wfile.flush()
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.connection.close()
    h.wfile = io.BytesIO()  # so the server's own clean-up doesn't write to the closed socket


def close_mid_body(h: BaseHTTPRequestHandler) -> None:
    """Promises more than it sends and hangs up cleanly."""
    reply(h, 200, GBK_PAGE[:100], {"Content-Type": "text/html", "Content-Length": str(len(GBK_PAGE))})
    h.close_connection = True


@pytest.mark.parametrize("handler", [reset_mid_body, close_mid_body])
def test_connection_lost_mid_body_is_an_error_row(handler: Handler) -> None:
    hits = Hits()
    with serve(routes={"/cut.html": hits([handler])}) as base:
        [err] = fetch_batch([SourceItem(url=f"{base}/cut.html")], CFG).errors
    assert (err.stage, err.kind) == ("fetch", "fetch_connection_error")
    assert hits.counts["/cut.html"] == CFG.retries + 1  # a broken transfer is worth another try


def test_the_fetch_process_streams_decoded_pages_and_a_dead_one_is_reported(site: str) -> None:
    from wenji.flows.streaming import FetchProcessDied, FetchStream
    from wenji.tasks.incremental import FetchJob

    jobs = [FetchJob(SourceItem(url=site + "/gbk-header.html"))]
    with FetchStream(jobs, CFG, batch_size=10, batch_wait=0.1) as stream:
        [batch] = [b for b in stream.batches() if b is not None]
    assert batch.pages[0].encoding == "gb18030" and "全国文明城市" in batch.pages[0].text
    assert batch.counters["pages_requested"] == 1
    assert multiprocessing.active_children() == []

    slow = [FetchJob(SourceItem(url=f"{site}/slow.html"))]
    with pytest.raises(FetchProcessDied), FetchStream(slow, CFG, batch_size=10, batch_wait=5) as stream:
        [child] = multiprocessing.active_children()
        assert child.pid != os.getpid()
        os.kill(child.pid, signal.SIGKILL)
        for _ in stream.batches():
            pass
    assert multiprocessing.active_children() == []


def test_the_fetch_process_entry_point_imports_no_prefect() -> None:
    # The fetch process imports wenji.flows.streaming for its entry point: Prefect's import would delay
    # its first request by over a second.
    probe = "import sys, wenji.flows.streaming; print('prefect' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
