"""Fetch one page over HTTP (async httpx) or read a saved one from disk, then decode it.

`tasks.crawler` runs many of these at once, host by host; this module is what happens to one URL.

One bad page is one `ErrorRecord`, never an exception. Error kinds (closed set):

    stage "fetch":  fetch_http_<status>, fetch_timeout, fetch_connection_error, fetch_invalid_url,
                    fetch_forbidden_address, fetch_redirect_loop, fetch_too_many_redirects,
                    fetch_too_large, fetch_compression_bomb, fetch_bad_compression, fetch_not_html,
                    fetch_empty, fetch_io_error, fetch_robots_disallowed, fetch_robots_unreachable,
                    fetch_host_unresponsive (the crawler's: a host given up, see tasks.crawler)
    stage "decode": decode_failed

Retried (with exponential backoff and jitter, honouring Retry-After): timeouts, connection errors,
HTTP 429 and 5xx, within the page's deadline (fetch.total_timeout, all attempts included). Everything
else fails at once: another attempt would get the same answer.

Politeness: robots.txt is read once per site and run (see `robots_verdict` for what its absence or
failure means) and its `Crawl-delay` honoured; requests to one host are limited in number
(per_host_concurrency) and spaced (see `_Gate`). Incremental refresh: given the stored ETag /
Last-Modified of a URL, the request is conditional, and a 304 comes back as a bodiless Page with
status 304 that the flow counts as unchanged.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import random
import ssl
import zlib
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import formatdate, parsedate_to_datetime
from functools import cache
from http import HTTPStatus

import httpcore
import httpx

from wenji.tasks.addresses import (
    AddressBook,
    AddressPolicy,
    ForbiddenAddress,
    Resolver,
    checked_transport,
    environment_proxies,
    system_resolver,
)
from wenji.tasks.connect_to import connect_targets, connect_to_mounts
from wenji.tasks.decode import decode_html
from wenji.tasks.fetch_messages import robots_unreachable
from wenji.tasks.incremental import Validators
from wenji.tasks.records import ErrorRecord, Page, SourceItem, Stage, content_hash
from wenji.tasks.robots import ALLOW_ALL, MAX_ROBOTS_BYTES, ROBOTS_TOKEN, Robots, parse_robots
from wenji.tasks.settings import FetchConfig

# Content types that are HTML whatever the body looks like.
HTML_CONTENT_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# Labels that say nothing about the body: old Chinese CMSs serve .shtml/.htm pages as text/plain or
# octet-stream, and some send no Content-Type at all. Such bodies are kept if they look like HTML.
GENERIC_CONTENT_TYPES = frozenset({"", "text/plain", "application/octet-stream"})
# How far into the body to look for markup and for NUL bytes.
SNIFF_BYTES = 1024
_HTML_MARKERS = (
    b"<!doctype html",
    b"<html",
    b"<head",
    b"<body",
    b"<meta",
    b"<title",
    b"<div",
    b"<p>",
    b"<p ",
    b"<br",
)
# Files that servers mislabel as text/html: attachments on gov sites are mostly PDF, Office and archives.
_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "PDF"),
    (b"PK\x03\x04", "ZIP (or docx/xlsx)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "MS Office (doc/xls)"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"\x1f\x8b", "gzip"),
    (b"Rar!\x1a\x07", "RAR"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip"),
)
_UTF16_32_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")

# A page is rejected when more than this share of its bytes can't be decoded: by then it is not text
# in any encoding we know (binary, or a broken transfer). Below it the page is kept and `bad_bytes`
# recorded: real pages carry a few stray bytes (a truncated character in a title, one odd symbol).
DECODE_MAX_BAD_SHARE = 0.05

# A redirect chain may pass one URL twice: anti-bot checks set a cookie and redirect back to the page
# (the client keeps cookies). A third visit is a loop.
MAX_VISITS_PER_URL = 2

# Longest Retry-After we honour, in seconds; a server asking for more gets this long, then one more try.
MAX_RETRY_AFTER = 30.0

# Content-Encodings we ask for and inflate ourselves, in bounded steps (see `_Inflater`).
_ZLIB_WBITS = {"gzip": zlib.MAX_WBITS | 16, "x-gzip": zlib.MAX_WBITS | 16, "deflate": zlib.MAX_WBITS}
# An oversized compressed body is called a bomb when it inflates more than this many times. HTML gzips
# 1.8-5x on our corpus and rarely beyond 10x with heavy inline scripts; deflate's ceiling is ~1000x,
# reached only by long runs of one byte. Below the ratio the page is merely big (fetch_too_large).
BOMB_RATIO = 100


class FetchFailure(Exception):
    """Why one URL could not be fetched (`kind` from the closed set above); travels as a value."""

    def __init__(self, kind: str, message: str, retryable: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.retryable = retryable
        self.retry_after = retry_after


@dataclass(slots=True, frozen=True)
class _Raw:
    """A body as received, before any check of what it is."""

    final_url: str
    status: int
    content_type: str
    body: bytes
    etag: str | None
    last_modified: str | None


# --- policy shared with tasks.sources -----------------------------------------------------------


def http_timeout(cfg: FetchConfig) -> httpx.Timeout:
    return httpx.Timeout(
        connect=cfg.connect_timeout, read=cfg.read_timeout, write=cfg.read_timeout, pool=cfg.total_timeout
    )


def request_headers(cfg: FetchConfig) -> dict[str, str]:
    return {
        "User-Agent": cfg.user_agent,
        "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
        "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5",
        "Accept-Encoding": "gzip, deflate",
    }


@cache
def tls_context() -> ssl.SSLContext:
    """One verifying TLS context per process, shared by every batch's client.

    Building one loads the CA bundle: measured ~25 ms of CPU, which httpx spends again for each new client
    (one per batch and one per sitemap) unless handed a ready context.
    """
    return httpx.create_ssl_context()


# --- one URL --------------------------------------------------------------------------------------


def is_exempt_from_throttle(host: str, cfg: FetchConfig) -> bool:
    """Loopback hosts (the demo, tests, a local mirror) and the hosts the user lists keep min_delay."""
    if host in cfg.throttle_exempt_hosts or host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class _Gate:
    """Global and per-host concurrency limits, and a delay between request starts per host.

    A request waits for its host (a host slot, then its turn) before taking a global slot, so that URLs
    queued behind one busy or slow host don't hold slots other hosts could use. A host's delay starts at
    fetch.throttle_start_delay (loopback and exempt hosts: fetch.min_delay), is moved by the crawler's
    throttle (`set_delay`) and never goes below its floor: min_delay, or the robots.txt Crawl-delay.
    """

    def __init__(self, cfg: FetchConfig):
        self._cfg = cfg
        self._all = asyncio.Semaphore(max(1, cfg.concurrency))
        self._hosts: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(max(1, cfg.per_host_concurrency))
        )
        self._floor: defaultdict[str, float] = defaultdict(lambda: cfg.min_delay)
        self._delay: dict[str, float] = {}
        self._turns: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._next_start: dict[str, float] = {}

    def delay(self, host: str) -> float:
        if host not in self._delay:
            start = 0.0 if is_exempt_from_throttle(host, self._cfg) else self._cfg.throttle_start_delay
            self._delay[host] = max(self._floor[host], start)
        return self._delay[host]

    def set_delay(self, host: str, delay: float) -> None:
        self._delay[host] = max(self._floor[host], delay)

    def slow_down(self, host: str, delay: float) -> None:
        """Space this host's requests at least `delay` seconds apart (a robots.txt Crawl-delay)."""
        self._floor[host] = max(self._floor[host], delay)
        self.set_delay(host, self.delay(host))

    async def _wait_turn(self, host: str) -> None:
        delay = self.delay(host)
        if delay <= 0:
            return
        async with self._turns[host]:
            loop = asyncio.get_running_loop()
            wait = self._next_start.get(host, 0.0) - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            self._next_start[host] = loop.time() + delay

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        async with self._hosts[host]:
            await self._wait_turn(host)
            async with self._all:
                yield


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds to wait: either a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _http_failure(response: httpx.Response, url: str) -> FetchFailure:
    status = response.status_code
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "unknown status"
    if status == 429:
        advice = "the site is rate-limiting us; lower fetch.concurrency / fetch.per_host_concurrency"
    elif status >= 500:
        advice = "the server failed; try again later"
    elif status in (401, 403):
        advice = "the site refuses us (login required or crawlers blocked)"
    elif 300 <= status < 400:
        advice = "a redirect without a usable Location header"
    else:
        advice = "check the URL"
    return FetchFailure(
        f"fetch_http_{status}",
        f"{url} answered HTTP {status} {phrase}: {advice}",
        retryable=status == 429 or status >= 500,
        retry_after=retry_after_seconds(response.headers.get("Retry-After")),
    )


class _Inflater:
    """Inflates a gzip or deflate body at most `room + 1` bytes per call.

    httpx's own decoder inflates each network chunk whole, so 64 KiB of gzipped zeros become 64 MB in
    memory before any size check runs; here a compression bomb is stopped at the size cap.
    """

    def __init__(self, encoding: str):
        self._wbits = _ZLIB_WBITS[encoding]
        self._zlib = zlib.decompressobj(self._wbits)
        self._fed = False
        self.consumed = 0  # compressed bytes inflated so far

    def feed(self, data: bytes, room: int) -> bytes:
        """Up to `room + 1` bytes of output: more than `room` means the body is over the cap."""
        try:
            out = self._zlib.decompress(data, room + 1)
        except zlib.error:
            if self._fed or self._wbits != zlib.MAX_WBITS:
                raise
            # "deflate" should be zlib-wrapped; old IIS and some CMSs send raw deflate instead.
            self._wbits = -zlib.MAX_WBITS
            self._zlib = zlib.decompressobj(self._wbits)
            out = self._zlib.decompress(data, room + 1)
        self._fed = True
        self.consumed += len(data) - len(self._zlib.unconsumed_tail)
        return out


async def _read_body(response: httpx.Response, url: str, max_bytes: int, truncate: bool = False) -> bytes:
    """The body, decompressed, while it stays within `max_bytes`: the download stops at the cap.

    Past the cap it is a failure, or with `truncate` the first `max_bytes` (for robots.txt).
    """
    too_large = FetchFailure(
        "fetch_too_large",
        f"{url} is larger than {max_bytes} bytes (fetch.max_bytes); the download was stopped. "
        "Raise fetch.max_bytes if such pages are wanted",
    )
    declared = response.headers.get("Content-Length", "")
    if not truncate and declared.isdigit() and int(declared) > max_bytes:
        raise too_large
    encoding = response.headers.get("Content-Encoding", "").strip().lower()
    inflater = _Inflater(encoding) if encoding in _ZLIB_WBITS else None
    # We only ask for gzip and deflate; a server sending something else anyway (br) is left to httpx.
    chunks = response.aiter_raw() if inflater or encoding in ("", "identity") else response.aiter_bytes()
    body = bytearray()
    async for chunk in chunks:
        room = max_bytes - len(body)
        if inflater is not None:
            try:
                chunk = inflater.feed(chunk, room)
            except zlib.error as exc:
                raise FetchFailure(
                    "fetch_bad_compression",
                    f"{url} body is not valid {encoding} ({exc}); the site is broken",
                ) from None
        if len(chunk) > room:
            if truncate:
                return bytes(body + chunk[:room])
            if inflater is not None and len(body) + len(chunk) > BOMB_RATIO * inflater.consumed:
                raise FetchFailure(
                    "fetch_compression_bomb",
                    f"{url} sent {inflater.consumed} {encoding} bytes that inflate to over {max_bytes} bytes "
                    f"(over {BOMB_RATIO} times): a compression bomb, refused",
                )
            raise too_large
        body += chunk
    return bytes(body)


def _transport_failure(exc: httpx.RequestError, url: str, cfg: FetchConfig) -> FetchFailure:
    if isinstance(exc, httpx.TimeoutException):
        limit = cfg.connect_timeout if isinstance(exc, httpx.ConnectTimeout) else cfg.read_timeout
        return FetchFailure(
            "fetch_timeout",
            f"{url}: {type(exc).__name__} after {limit}s; the server is slow or unreachable "
            "(fetch.connect_timeout / fetch.read_timeout)",
            retryable=True,
        )
    if isinstance(exc, httpx.UnsupportedProtocol):
        return FetchFailure("fetch_invalid_url", f"{url}: {exc}; only http and https URLs can be fetched")
    return FetchFailure(
        "fetch_connection_error",
        f"{url}: {type(exc).__name__}: {exc or 'connection failed'}; check the host name and your network",
        retryable=True,
    )


def backoff_delay(attempt: int, backoff: float, retry_after: float | None) -> float:
    """Seconds before retry number `attempt + 1`: exponential with ±50% jitter (so that many pages
    failing together don't come back together), at least the server's Retry-After (capped)."""
    delay = backoff * 2**attempt * random.uniform(0.5, 1.5)
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    return delay


def conditional_headers(validators: Validators | None) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from a stored (ETag, Last-Modified) pair."""
    etag, last_modified = validators or (None, None)
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def robots_verdict(answer: _Raw | FetchFailure) -> Robots | FetchFailure:
    """What the answer to a robots.txt request means for its site (RFC 9309 §2.3.1).

    - 2xx: the file's rules.
    - Other 4xx (404 above all, also 401/403), redirect loops, bodies that are not text: "unavailable",
      so no rules: everything may be fetched.
    - 429, 5xx, timeouts and connection errors, after the usual retries: "unreachable". The RFC says
      to assume everything is disallowed, and we do: a server in trouble is the one that most needs
      us to stay away. The site's pages become `fetch_robots_unreachable` error rows; a later run tries
      again. The failure is returned so that those rows can say what happened.
    """
    if isinstance(answer, _Raw):
        return parse_robots(answer.body.decode("utf-8", errors="replace"))
    return answer if answer.retryable else ALLOW_ALL


class Fetcher:
    """A crawl's network state: the client, the host limits, robots.txt per site (read once per run)."""

    def __init__(
        self, client: httpx.AsyncClient, cfg: FetchConfig, counters: Counter[str], book: AddressBook
    ):
        self.client = client
        self.book = book
        self.cfg = cfg
        self.counters = counters
        self.gate = _Gate(cfg)
        # Seconds the last answer of each host took (request sent → body read): the throttle's input.
        self.latency: dict[str, float] = {}
        self._robots: dict[str, Robots | FetchFailure] = {}
        self._robots_locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._connect_targets = connect_targets(cfg.connect_to)

    async def _address_problem(self, url: httpx.URL) -> str | None:
        """Why `url`'s host may not be contacted, or None, from the run's address book (resolved and
        checked once per host and port; the connection then goes to those very addresses). For an origin
        of fetch.connect_to, the target is what gets connected to, so the target is checked.

        The transport enforces the same check when it connects; asking here first refuses before taking
        a connection slot, and also covers requests through an HTTP proxy, which connect elsewhere."""
        origin = (url.scheme, url.host, _port(url))
        host, port = self._connect_targets.get(origin) or (url.host, _port(url))
        return await self.book.problem(host, port)

    async def fetch(self, url: str, validators: Validators | None = None) -> _Raw | FetchFailure:
        """A page, or why not. Robots are checked here, outside the page's deadline: waiting for a slow
        robots.txt is not the page's fault."""
        try:
            blocked = await self._robots_problem(httpx.URL(url))
        except httpx.InvalidURL as exc:
            return FetchFailure("fetch_invalid_url", f"{url}: {exc}; fix the URL")
        return blocked or await self._with_retries(url, conditional_headers(validators))

    async def _with_retries(
        self, url: str, headers: dict[str, str], for_robots: bool = False
    ) -> _Raw | FetchFailure:
        """Attempts until one succeeds, one fails for good, or fetch.total_timeout has passed since the
        first began: the deadline covers the retries and the pauses between them, so a URL that never
        answers holds its host slot total_timeout seconds, not (retries + 1) times that."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.cfg.total_timeout
        attempts = self.cfg.retries + 1
        for attempt in range(attempts):
            try:
                return await asyncio.wait_for(
                    self._attempt(url, headers, for_robots), timeout=max(0.0, deadline - loop.time())
                )
            except FetchFailure as exc:
                failure = exc
            except TimeoutError:
                failure = FetchFailure(
                    "fetch_timeout",
                    f"{url} did not answer completely within {self.cfg.total_timeout}s (fetch.total_timeout)",
                    retryable=True,
                )
            except httpx.InvalidURL as exc:
                failure = FetchFailure("fetch_invalid_url", f"{url}: {exc}; fix the URL")
            except httpx.RequestError as exc:
                failure = _transport_failure(exc, url, self.cfg)
            pause = backoff_delay(attempt, self.cfg.backoff, failure.retry_after)
            if not failure.retryable or attempt == attempts - 1 or loop.time() + pause >= deadline:
                break
            self.counters["retries"] += 1
            await asyncio.sleep(pause)
        if attempt:
            failure.message += f" (gave up after {attempt + 1} attempts)"
        return failure

    async def _attempt(self, url: str, headers: dict[str, str], for_robots: bool) -> _Raw:
        """One attempt: follow redirects by hand so every hop's address (and robots.txt) is checked and
        loops are named. With `headers` (a conditional request), a 304 answer is a bodiless `_Raw`."""
        cfg = self.cfg
        request = self.client.build_request("GET", url, headers=headers)
        visits = Counter({str(request.url): 1})
        for hop in range(cfg.max_redirects + 1):
            if hop and not for_robots:
                blocked = await self._robots_problem(request.url)
                if blocked:
                    raise blocked
            host = request.url.host
            async with self.gate.slot(host):
                problem = await self._address_problem(request.url)
                if problem:
                    raise FetchFailure("fetch_forbidden_address", f"refused {request.url}: {problem}")
                sent = asyncio.get_running_loop().time()
                try:
                    response = await self.client.send(request, stream=True)
                except ForbiddenAddress as exc:  # the transport's own check, at connect time
                    raise FetchFailure("fetch_forbidden_address", f"refused {request.url}: {exc}") from None
                try:
                    if response.next_request is None:
                        return await self._answer(response, headers, for_robots)
                finally:
                    await response.aclose()
                    self.latency[host] = asyncio.get_running_loop().time() - sent
            request = response.next_request
            target = str(request.url)
            visits[target] += 1
            if visits[target] > MAX_VISITS_PER_URL:
                raise FetchFailure(
                    "fetch_redirect_loop",
                    f"{url} redirects in a loop (back to {target}); the site is misconfigured "
                    "or expects cookies or a browser",
                )
        raise FetchFailure(
            "fetch_too_many_redirects",
            f"{url} redirected more than {cfg.max_redirects} times (fetch.max_redirects)",
        )

    async def _answer(self, response: httpx.Response, headers: dict[str, str], for_robots: bool) -> _Raw:
        url = str(response.url)
        if response.status_code == 304 and headers:
            body = b""
        elif 200 <= response.status_code < 300:
            max_bytes = MAX_ROBOTS_BYTES if for_robots else self.cfg.max_bytes
            body = await _read_body(response, url, max_bytes, truncate=for_robots)
        else:
            raise _http_failure(response, url)
        # A 304 need not repeat the validators; then the ones we sent still hold.
        kept = headers if response.status_code == 304 else {}
        return _Raw(
            final_url=url,
            status=response.status_code,
            content_type=response.headers.get("Content-Type", ""),
            body=body,
            etag=response.headers.get("ETag", kept.get("If-None-Match")),
            last_modified=response.headers.get("Last-Modified", kept.get("If-Modified-Since")),
        )

    async def _robots_of(self, url: httpx.URL) -> tuple[str, Robots | FetchFailure]:
        """The robots.txt of `url`'s site (its URL and what it says), fetched once per run."""
        robots_url = f"{url.scheme}://{url.netloc.decode('ascii')}/robots.txt"
        async with self._robots_locks[robots_url]:
            if robots_url not in self._robots:
                self.counters["robots_fetched"] += 1
                verdict = robots_verdict(await self._with_retries(robots_url, {}, for_robots=True))
                if isinstance(verdict, Robots) and verdict.crawl_delay:
                    self.gate.slow_down(url.host, verdict.crawl_delay)
                self._robots[robots_url] = verdict
        return robots_url, self._robots[robots_url]

    async def robots_sitemaps(self, url: str) -> tuple[str, ...]:
        """The `Sitemap:` lines of the robots.txt of `url`'s site; () when it has none or can't be read.

        Read also with fetch.respect_robots off: it is how a site lets a sitemap on another host list
        its URLs (tasks.sources), not a rule about what we may fetch."""
        parsed = httpx.URL(url)
        if parsed.scheme not in ("http", "https"):
            return ()
        _, verdict = await self._robots_of(parsed)
        return verdict.sitemaps if isinstance(verdict, Robots) else ()

    async def _robots_problem(self, url: httpx.URL) -> FetchFailure | None:
        """Why robots.txt forbids `url`, or None (also when fetch.respect_robots is off)."""
        if not self.cfg.respect_robots or url.scheme not in ("http", "https"):
            return None
        robots_url, verdict = await self._robots_of(url)
        if isinstance(verdict, FetchFailure):
            return FetchFailure(
                "fetch_robots_unreachable", robots_unreachable(str(url), robots_url, verdict.kind, url.host)
            )
        rule = verdict.blocking_rule(str(url))
        if rule is None:
            return None
        return FetchFailure(
            "fetch_robots_disallowed",
            f"{url} not fetched: {robots_url} says '{rule}' for {ROBOTS_TOKEN} "
            "(set fetch.respect_robots = false only with the site's permission)",
        )


# --- local files ----------------------------------------------------------------------------------


def _read_local(path: str, url: str, max_bytes: int) -> _Raw | FetchFailure:
    try:
        stat = os.stat(path)
        if stat.st_size > max_bytes:
            return FetchFailure(
                "fetch_too_large",
                f"{path} is {stat.st_size} bytes, more than fetch.max_bytes ({max_bytes}); raise the limit "
                "or leave the file out",
            )
        with open(path, "rb") as f:
            body = f.read(max_bytes + 1)
    except OSError as exc:
        return FetchFailure(
            "fetch_io_error", f"cannot read {path}: {exc.strerror}; check that it exists and is readable"
        )
    if len(body) > max_bytes:
        return FetchFailure(
            "fetch_too_large", f"{path} grew past fetch.max_bytes ({max_bytes}) while being read"
        )
    return _Raw(
        final_url=url,
        status=200,
        content_type="text/html",  # `tasks.sources` only lists .html/.htm files
        body=body,
        etag=None,
        last_modified=formatdate(stat.st_mtime, usegmt=True),
    )


# --- what the body is -----------------------------------------------------------------------------


def binary_kind(body: bytes) -> str | None:
    """The file type of a body that is certainly not a web page, else None.

    Catches PDFs, Office files, archives and images served as text/html (common for attachments on
    government sites), and other binaries by their NUL bytes. Knowingly misses binary formats without
    a listed signature and without NULs in their first kilobyte.
    """
    for magic, name in _BINARY_MAGIC:
        if body.startswith(magic):
            return name
    head = body[:SNIFF_BYTES]
    if b"\x00" in head and not head.startswith(_UTF16_32_BOMS):
        return "binary (NUL bytes)"
    return None


def looks_like_html(body: bytes) -> bool:
    """True if the first kilobyte holds an HTML tag; decides for bodies under a generic content type."""
    head = body[:SNIFF_BYTES].lower()
    return any(marker in head for marker in _HTML_MARKERS)


def _content_problem(raw: _Raw, url: str) -> FetchFailure | None:
    if not raw.body:
        return FetchFailure("fetch_empty", f"{url} has an empty body; nothing to extract from it")
    kind = binary_kind(raw.body)
    if kind:
        return FetchFailure(
            "fetch_not_html", f"{url} is a {kind} file, not a web page; leave it out of sources"
        )
    mime = raw.content_type.split(";")[0].strip().lower()
    if mime in HTML_CONTENT_TYPES or (mime in GENERIC_CONTENT_TYPES and looks_like_html(raw.body)):
        return None
    return FetchFailure(
        "fetch_not_html",
        f"{url} is {mime or 'unlabelled'} content, not HTML; only web pages are processed",
    )


def _error(url: str, failure: FetchFailure, counters: Counter[str], stage: Stage = "fetch") -> ErrorRecord:
    counters[f"dropped_{failure.kind}"] += 1
    return ErrorRecord(url=url, stage=stage, kind=failure.kind, message=failure.message)


def _to_page(url: str, raw: _Raw, declared_type: str | None, counters: Counter[str]) -> Page | ErrorRecord:
    problem = _content_problem(raw, url)
    if problem:
        return _error(url, problem, counters)
    decoded = decode_html(raw.body, declared_type)
    if decoded.bad_bytes > DECODE_MAX_BAD_SHARE * len(raw.body):
        failure = FetchFailure(
            "decode_failed",
            f"{url}: {decoded.bad_bytes} of {len(raw.body)} bytes could not be decoded as "
            f"{decoded.encoding}; the page is probably not text or uses an unsupported encoding",
        )
        return _error(url, failure, counters, stage="decode")
    if decoded.bad_bytes:
        counters["pages_with_bad_bytes"] += 1
    counters[f"encoding_from_{decoded.source}"] += 1
    return Page(
        url=url,
        final_url=raw.final_url,
        status=raw.status,
        content_type=raw.content_type,
        body=raw.body,
        text=decoded.text,
        encoding=decoded.encoding,
        encoding_source=decoded.source,
        bad_bytes=decoded.bad_bytes,
        content_hash=content_hash(raw.body),
        fetched_at=datetime.now(UTC),
        etag=raw.etag,
        last_modified=raw.last_modified,
    )


def _not_modified_page(url: str, raw: _Raw) -> Page:
    """A 304: the stored copy still holds. No body, text or hash; the flow counts it as unchanged."""
    return Page(
        url=url,
        final_url=raw.final_url,
        status=304,
        content_type=raw.content_type,
        body=b"",
        text="",
        encoding="",
        encoding_source="",
        bad_bytes=0,
        content_hash="",
        fetched_at=datetime.now(UTC),
        etag=raw.etag,
        last_modified=raw.last_modified,
    )


def is_host_failure(kind: str) -> bool:
    """Whether a failure says something about the host rather than the URL: it did not answer, or it
    answered that it is overloaded or broken (429, 5xx). A 404 or a PDF is the URL's own problem."""
    if kind in ("fetch_timeout", "fetch_connection_error", "fetch_http_429"):
        return True
    return kind.startswith("fetch_http_5")


async def fetch_item(
    fetcher: Fetcher,
    item: SourceItem,
    validators: Validators | None = None,
) -> Page | ErrorRecord:
    """One item fetched (or read from disk, with `path`) and decoded, or why not.

    With `validators` (the stored ETag, Last-Modified) the request is conditional, and a 304 answer
    becomes a Page with status 304 and no body.
    """
    counters = fetcher.counters
    if item.path is None:
        raw = await fetcher.fetch(item.url, validators)
        declared_type: str | None = raw.content_type if isinstance(raw, _Raw) else None
        counters["pages_requested"] += 1
    else:
        raw = _read_local(item.path, item.url, fetcher.cfg.max_bytes)
        declared_type = None  # a saved file has no HTTP header: its meta tag or the bytes decide
        counters["files_read"] += 1
    if isinstance(raw, FetchFailure):
        return _error(item.url, raw, counters)
    if raw.status == 304:
        counters["pages_not_modified"] += 1
        return _not_modified_page(item.url, raw)
    counters["body_bytes"] += len(raw.body)
    return _to_page(item.url, raw, declared_type, counters)


def _port(url: httpx.URL) -> int:
    return url.port or (443 if url.scheme == "https" else 80)


@asynccontextmanager
async def open_fetcher(
    cfg: FetchConfig,
    counters: Counter[str],
    resolver: Resolver = system_resolver,
    network_backend: httpcore.AsyncNetworkBackend | None = None,
) -> AsyncIterator[Fetcher]:
    """A Fetcher with its client, for one crawl; the client's connections are closed afterwards.

    Every connection (pages, robots.txt, sitemaps, fetch.connect_to targets) goes through one address
    book: resolved once, checked, connected to the checked address. `resolver` and `network_backend`
    are for tests (names resolved to loopback only; a backend that records connection attempts).
    """
    pool = max(1, cfg.concurrency)
    limits = httpx.Limits(max_connections=pool, max_keepalive_connections=pool)
    book = AddressBook(AddressPolicy(cfg.allow_private, cfg.allow_link_local), resolver)
    mounts = {
        **environment_proxies(tls_context(), limits),
        **(connect_to_mounts(cfg.connect_to, book, tls_context(), limits, network_backend) or {}),
    }
    async with httpx.AsyncClient(
        headers=request_headers(cfg),
        timeout=http_timeout(cfg),
        follow_redirects=False,
        transport=checked_transport(book, tls_context(), limits, network_backend),
        mounts=mounts,
    ) as client:
        yield Fetcher(client, cfg, counters, book)
