"""A small static HTTP server for the sample site, the end-to-end tests and the fetch tests.

`serve()` runs a real HTTP server on 127.0.0.1 in a background thread, so fetch code is tested against real
sockets instead of mocks. It serves a folder byte for byte and lets a test add routes that misbehave on
purpose: a status, odd headers, a slow answer, or a handler with full control of the socket.

Files are sent exactly as stored, because the point is to exercise charset detection on real GBK/GB18030
bytes. Two deliberate exceptions:
- `_headers.json` at the root maps URL paths to extra headers; it is how a page declares its charset only
  in the HTTP header, as many Chinese sites do (`{"Content-Type": "text/html; charset=gbk"}`).
- In `sitemap.xml` and `robots.txt` the canonical origin is replaced by the live base URL, so the sitemap
  on disk stays a valid sitemap of the public site while the served one lists fetchable URLs. With
  `rewrite_origin=False` (what `wenji demo` does) they are served as stored, and the fetcher is pointed at
  this server with `fetch.connect_to`: the pages keep their public URLs whatever port serves them.

Files carry validators, as real static servers send them: an ETag (a hash of the bytes served) and a
Last-Modified (the file's mtime). A conditional GET that still matches gets a bodiless 304, so re-runs
over an unchanged site cost what they cost against a real one.
"""

from __future__ import annotations

import hashlib
import json
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

CANONICAL_ORIGIN = "https://www.fanwen-demo.cn"
HEADERS_FILE = "_headers.json"
# Only these files mention the origin in a way a crawler follows; HTML pages keep their bytes untouched.
ORIGIN_REWRITTEN_FILES = frozenset({"sitemap.xml", "robots.txt"})


def _rewrites_origin(file: Path) -> bool:
    """sitemap.xml, robots.txt, and the parts of a split sitemap (sitemap-1.xml …) behind a sitemap index."""
    return file.name in ORIGIN_REWRITTEN_FILES or (file.name.startswith("sitemap") and file.suffix == ".xml")


# No charset on text/html on purpose: most real Chinese sites send none, and the decoder must cope.
CONTENT_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".xml": "application/xml",
    ".txt": "text/plain",
}
DEFAULT_CONTENT_TYPE = "application/octet-stream"
# serve_forever() notices shutdown() only between polls; the stdlib's 0.5 s made every test pay half a second.
SHUTDOWN_POLL_SECONDS = 0.02


@dataclass(frozen=True)
class Route:
    """A canned answer for one path (incl. query). No Content-Type is sent unless given in `headers`."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    delay: float = 0.0  # seconds to sleep before answering (to test timeouts)


# Full control over the answer: e.g. reset the connection, send a broken chunked body, stream forever.
Handler = Callable[[BaseHTTPRequestHandler], None]


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: dict[str, str]
    body: bytes


_NOT_FOUND = _Answer(404, {"Content-Type": "text/plain"}, b"not found\n")


def _merge_headers(base: dict[str, str], override: Mapping[str, str]) -> dict[str, str]:
    """Header names are case-insensitive: an override of `content-type` replaces `Content-Type`."""
    merged = {k: v for k, v in base.items() if k.lower() not in {o.lower() for o in override}}
    merged.update(override)
    return merged


def _load_header_overrides(root: Path) -> dict[str, dict[str, str]]:
    path = root / HEADERS_FILE
    if not path.is_file():
        return {}
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {str(url_path): {str(k): str(v) for k, v in headers.items()} for url_path, headers in raw.items()}


def _resolve_file(root: Path, url_path: str) -> Path | None:
    """The file for a URL path, or None for missing, hidden (`_*`) or outside-root paths."""
    parts = [p for p in unquote(url_path).split("/") if p]
    if any(p.startswith("_") or p in {".", ".."} or "\\" in p for p in parts):
        return None
    try:
        candidate = root.joinpath(*parts).resolve()
        if not candidate.is_relative_to(root):
            return None  # a symlink pointing outside root
        if candidate.is_dir():
            candidate = candidate / "index.html"
        return candidate if candidate.is_file() else None
    except (ValueError, OSError):  # NUL bytes or names too long for the OS: no such file either way
        return None


def not_modified(request: Mapping[str, str], etag: str, mtime: float) -> bool:
    """Whether a conditional GET's copy is still current (RFC 9110 §13.2.2).

    If-None-Match wins when present (a list of tags, or `*`); otherwise If-Modified-Since is compared with
    the file's mtime to the second. A date that does not parse is ignored, as the RFC asks. Weak tags
    (`W/"…"`) match their strong form, as GET's weak comparison allows.
    """
    if_none_match = request.get("If-None-Match")
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or etag in tags
    since = request.get("If-Modified-Since")
    if since is None:
        return False
    try:
        return int(mtime) <= parsedate_to_datetime(since).timestamp()
    except (TypeError, ValueError):
        return False


def _file_answer(
    root: Path,
    overrides: Mapping[str, Mapping[str, str]],
    raw_path: str,
    base_url: str,
    request: Mapping[str, str],
) -> _Answer:
    url_path = urlsplit(raw_path).path or "/"
    file = _resolve_file(root, url_path)
    if file is None:
        return _NOT_FOUND
    if file.name == "index.html" and not url_path.endswith("/") and not url_path.endswith("index.html"):
        # Like every static server: relative links in an index page only work under the slash URL.
        return _Answer(301, {"Location": url_path + "/"}, b"")
    body = file.read_bytes()
    if base_url and _rewrites_origin(file):
        body = body.replace(CANONICAL_ORIGIN.encode("ascii"), base_url.encode("ascii"))
    mtime = file.stat().st_mtime
    validators = {
        # The served bytes, not the file's: a rewritten sitemap differs from one base URL to the next.
        "ETag": f'"{hashlib.blake2b(body, digest_size=8).hexdigest()}"',
        "Last-Modified": formatdate(mtime, usegmt=True),
    }
    if not_modified(request, validators["ETag"], mtime):
        return _Answer(304, validators, b"")
    headers = {"Content-Type": CONTENT_TYPES.get(file.suffix.lower(), DEFAULT_CONTENT_TYPE), **validators}
    return _Answer(200, _merge_headers(headers, overrides.get(url_path, {})), body)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    base_url = ""  # set right after binding, once the ephemeral port is known
    rewrite_origin = True

    def handle_error(self, request: object, client_address: object) -> None:
        # Tests hang up on slow routes on purpose (timeouts); that is not worth a traceback on stderr.
        # Anything else is a bug in a test handler and stays loud.
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class _QuietServer6(_QuietServer):
    address_family = socket.AF_INET6


def _make_handler(
    root: Path | None, routes: Mapping[str, Route | Handler], log: list[str] | None
) -> type[BaseHTTPRequestHandler]:
    overrides = _load_header_overrides(root) if root is not None else {}

    class _SiteHandler(BaseHTTPRequestHandler):
        server_version = "wenji-site/1.0"
        # Keep-alive, like the web servers wenji meets (HTTP/1.0 closed every connection: measured a third
        # of the fetch benchmark's CPU in connecting). Files and Routes always send Content-Length.
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle's algorithm the body waited for the client's
        # delayed ACK of the headers, ~40 ms per response on a kept-alive connection (the fetch benchmark
        # got ~84 pages/s over 4 connections whatever the CPU). Real servers send without that stall.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _base_url(self) -> str:
            assert isinstance(self.server, _QuietServer)
            return self.server.base_url if self.server.rewrite_origin else ""

        def do_GET(self) -> None:
            self._answer(send_body=True)

        def do_HEAD(self) -> None:
            self._answer(send_body=False)

        def _answer(self, send_body: bool) -> None:
            if log is not None:
                log.append(self.path)  # list.append is atomic: the handler threads need no lock
            route = routes.get(self.path)
            if route is not None and not isinstance(route, Route):
                # A hand-written handler may frame its body by closing the connection (no Content-Length):
                # answer as HTTP/1.0 so the client knows the connection ends with this response.
                self.protocol_version = "HTTP/1.0"
                self.close_connection = True
                route(self)
                return
            if isinstance(route, Route):
                if route.delay:
                    time.sleep(route.delay)
                answer = _Answer(route.status, dict(route.headers), route.body)
            elif root is not None:
                answer = _file_answer(root, overrides, self.path, self._base_url(), self.headers)
            else:
                answer = _NOT_FOUND
            self.send_response(answer.status)
            for name, value in _merge_headers(
                {"Content-Length": str(len(answer.body))}, answer.headers
            ).items():
                self.send_header(name, value)
            self.end_headers()
            if send_body:
                self.wfile.write(answer.body)

    return _SiteHandler


@contextmanager
def serve(
    root: Path | None = None,
    routes: Mapping[str, Route | Handler] | None = None,
    host: str = "127.0.0.1",
    rewrite_origin: bool = True,
    port: int = 0,
    log: list[str] | None = None,
) -> Iterator[str]:
    """Serve `root` (and extra routes, matched on the path incl. query) on an ephemeral port.

    With `rewrite_origin` (the default), sitemaps and robots.txt name this server instead of
    CANONICAL_ORIGIN; without, every file is served exactly as stored.

    Yields the base URL like 'http://127.0.0.1:54321'. Threaded, daemon threads, quiet (no request
    logging to stderr), shut down on exit.

    Routes win over files. A directory URL without the trailing slash is redirected (301) to it.
    `port` 0 is an ephemeral one; a given port serves a second loopback address (127.0.0.2) on the first
    one's port, as two hosts of one site. With `log`, every request's path is appended to it as it
    arrives: what a test shows was (never) requested.
    """
    resolved_root = root.resolve() if root is not None else None
    if resolved_root is not None and not resolved_root.is_dir():
        raise FileNotFoundError(f"site root {root} is not a directory")
    ipv6 = ":" in host
    handler = _make_handler(resolved_root, dict(routes or {}), log)
    server = (_QuietServer6 if ipv6 else _QuietServer)((host, port), handler)
    url_host = f"[{host}]" if ipv6 else host
    server.base_url = f"http://{url_host}:{server.server_address[1]}"
    server.rewrite_origin = rewrite_origin
    thread = threading.Thread(
        target=server.serve_forever,
        args=(SHUTDOWN_POLL_SECONDS,),
        name=f"site-server {server.base_url}",
        daemon=True,
    )
    thread.start()
    try:
        yield server.base_url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
