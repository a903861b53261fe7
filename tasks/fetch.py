"""Fetch pages over HTTP (async httpx, one process) or read saved ones from disk, then decode them.

One bad page is one `ErrorRecord`, never an exception. Error kinds (closed set):

    stage "fetch":  fetch_http_<status>, fetch_timeout, fetch_connection_error, fetch_invalid_url,
                    fetch_forbidden_address, fetch_redirect_loop, fetch_too_many_redirects,
                    fetch_too_large, fetch_not_html, fetch_empty, fetch_io_error
    stage "decode": decode_failed

Retried (with exponential backoff and jitter, honouring Retry-After): timeouts, connection errors,
HTTP 429 and 5xx. Everything else fails at once: another attempt would get the same answer.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import random
import socket
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import formatdate, parsedate_to_datetime
from http import HTTPStatus
from typing import Any, TypeVar

import httpx

from wenji.tasks.decode import decode_html
from wenji.tasks.records import Page, SourceItem, StepResult, content_hash
from wenji.tasks.settings import FetchConfig

T = TypeVar("T")

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


class _Failure(Exception):
    """Why one URL could not be fetched; travels as a value to the caller of `fetch_batch`."""

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
    }


def _forbidden(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    # `is_global` is False for private, loopback, link-local, shared (CGNAT), reserved and unspecified.
    return not ip.is_global or ip.is_multicast


def address_problem(host: str, port: int, allow_private: bool) -> str | None:
    """None if `host` may be contacted, else a sentence saying why not.

    Catches URLs and redirects that lead to loopback, private or link-local addresses (the cloud
    metadata service at 169.254.169.254, a router's admin page). Every address the name resolves to
    must be public. Knowingly misses DNS rebinding: httpx resolves the name again when it connects.
    A name that does not resolve passes here; the connection attempt then reports it.
    """
    if allow_private:
        return None
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return None
    for *_, sockaddr in infos:
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if _forbidden(ip):
            return (
                f"{host} resolves to {ip}, a private, loopback or link-local address; "
                "set fetch.allow_private = true to fetch from such hosts"
            )
    return None


class ForbiddenAddressError(httpx.RequestError):
    """Raised by an httpx request hook (see `tasks.sources`) for a host `address_problem` refuses."""


# --- one URL --------------------------------------------------------------------------------------


class _Gate:
    """Global and per-host concurrency limits; a request waits for its host before taking a global slot,
    so that URLs queued behind one busy host don't hold slots other hosts could use."""

    def __init__(self, total: int, per_host: int):
        self._all = asyncio.Semaphore(max(1, total))
        self._hosts: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(max(1, per_host))
        )

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        async with self._hosts[host], self._all:
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


def _http_failure(response: httpx.Response, url: str) -> _Failure:
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
    return _Failure(
        f"fetch_http_{status}",
        f"{url} answered HTTP {status} {phrase}: {advice}",
        retryable=status == 429 or status >= 500,
        retry_after=retry_after_seconds(response.headers.get("Retry-After")),
    )


async def _read_capped(response: httpx.Response, url: str, max_bytes: int) -> bytes:
    too_large = _Failure(
        "fetch_too_large",
        f"{url} is larger than {max_bytes} bytes (fetch.max_bytes); the download was stopped. "
        "Raise fetch.max_bytes if such pages are wanted",
    )
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_large
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > max_bytes:
            raise too_large
    return bytes(body)


async def _get(client: httpx.AsyncClient, url: str, cfg: FetchConfig, gate: _Gate) -> _Raw:
    """One attempt: follow redirects by hand so every hop's address is checked and loops are named."""
    request = client.build_request("GET", url)
    visits = Counter({str(request.url): 1})
    for _ in range(cfg.max_redirects + 1):
        host, port = request.url.host, request.url.port or (443 if request.url.scheme == "https" else 80)
        async with gate.slot(host):
            problem = (
                None if cfg.allow_private else await asyncio.to_thread(address_problem, host, port, False)
            )
            if problem:
                raise _Failure("fetch_forbidden_address", f"refused {request.url}: {problem}")
            response = await client.send(request, stream=True)
            try:
                if response.next_request is None:
                    if not 200 <= response.status_code < 300:
                        raise _http_failure(response, str(response.url))
                    body = await _read_capped(response, str(response.url), cfg.max_bytes)
                    return _Raw(
                        final_url=str(response.url),
                        status=response.status_code,
                        content_type=response.headers.get("Content-Type", ""),
                        body=body,
                        etag=response.headers.get("ETag"),
                        last_modified=response.headers.get("Last-Modified"),
                    )
            finally:
                await response.aclose()
        request = response.next_request
        target = str(request.url)
        visits[target] += 1
        if visits[target] > MAX_VISITS_PER_URL:
            raise _Failure(
                "fetch_redirect_loop",
                f"{url} redirects in a loop (back to {target}); the site is misconfigured "
                "or expects cookies or a browser",
            )
    raise _Failure(
        "fetch_too_many_redirects",
        f"{url} redirected more than {cfg.max_redirects} times (fetch.max_redirects)",
    )


def _transport_failure(exc: httpx.RequestError, url: str, cfg: FetchConfig) -> _Failure:
    if isinstance(exc, httpx.TimeoutException):
        limit = cfg.connect_timeout if isinstance(exc, httpx.ConnectTimeout) else cfg.read_timeout
        return _Failure(
            "fetch_timeout",
            f"{url}: {type(exc).__name__} after {limit}s; the server is slow or unreachable "
            "(fetch.connect_timeout / fetch.read_timeout)",
            retryable=True,
        )
    if isinstance(exc, httpx.UnsupportedProtocol):
        return _Failure("fetch_invalid_url", f"{url}: {exc}; only http and https URLs can be fetched")
    return _Failure(
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


async def _fetch_with_retries(
    client: httpx.AsyncClient, url: str, cfg: FetchConfig, gate: _Gate, counters: Counter[str]
) -> _Raw | _Failure:
    attempts = cfg.retries + 1
    for attempt in range(attempts):
        try:
            return await asyncio.wait_for(_get(client, url, cfg, gate), timeout=cfg.total_timeout)
        except _Failure as exc:
            failure = exc
        except TimeoutError:
            failure = _Failure(
                "fetch_timeout",
                f"{url} did not answer completely within {cfg.total_timeout}s (fetch.total_timeout)",
                retryable=True,
            )
        except httpx.InvalidURL as exc:
            failure = _Failure("fetch_invalid_url", f"{url}: {exc}; fix the URL")
        except httpx.RequestError as exc:
            failure = _transport_failure(exc, url, cfg)
        if not failure.retryable or attempt == attempts - 1:
            break
        counters["retries"] += 1
        await asyncio.sleep(backoff_delay(attempt, cfg.backoff, failure.retry_after))
    if attempt:
        failure.message += f" (gave up after {attempt + 1} attempts)"
    return failure


async def _fetch_all(urls: Sequence[str], cfg: FetchConfig, counters: Counter[str]) -> list[_Raw | _Failure]:
    gate = _Gate(cfg.concurrency, cfg.per_host_concurrency)
    pool = max(1, cfg.concurrency)
    async with httpx.AsyncClient(
        headers=request_headers(cfg),
        timeout=http_timeout(cfg),
        limits=httpx.Limits(max_connections=pool, max_keepalive_connections=pool),
        follow_redirects=False,
    ) as client:
        return await asyncio.gather(*(_fetch_with_retries(client, url, cfg, gate, counters) for url in urls))


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` to completion from sync code, also when the caller already runs an event loop
    (a notebook, an async Prefect flow): then in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


# --- local files ----------------------------------------------------------------------------------


def _read_local(path: str, url: str, max_bytes: int) -> _Raw | _Failure:
    try:
        stat = os.stat(path)
        if stat.st_size > max_bytes:
            return _Failure(
                "fetch_too_large",
                f"{path} is {stat.st_size} bytes, more than fetch.max_bytes ({max_bytes}); raise the limit "
                "or leave the file out",
            )
        with open(path, "rb") as f:
            body = f.read(max_bytes + 1)
    except OSError as exc:
        return _Failure(
            "fetch_io_error", f"cannot read {path}: {exc.strerror}; check that it exists and is readable"
        )
    if len(body) > max_bytes:
        return _Failure("fetch_too_large", f"{path} grew past fetch.max_bytes ({max_bytes}) while being read")
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


def _content_problem(raw: _Raw, url: str) -> _Failure | None:
    if not raw.body:
        return _Failure("fetch_empty", f"{url} has an empty body; nothing to extract from it")
    kind = binary_kind(raw.body)
    if kind:
        return _Failure("fetch_not_html", f"{url} is a {kind} file, not a web page; leave it out of sources")
    mime = raw.content_type.split(";")[0].strip().lower()
    if mime in HTML_CONTENT_TYPES or (mime in GENERIC_CONTENT_TYPES and looks_like_html(raw.body)):
        return None
    return _Failure(
        "fetch_not_html",
        f"{url} is {mime or 'unlabelled'} content, not HTML; only web pages are processed",
    )


def _to_page(url: str, raw: _Raw, declared_type: str | None, result: StepResult[Page]) -> None:
    problem = _content_problem(raw, url)
    if problem:
        result.reject(url, "fetch", problem.kind, problem.message)
        return
    decoded = decode_html(raw.body, declared_type)
    if decoded.bad_bytes > DECODE_MAX_BAD_SHARE * len(raw.body):
        result.reject(
            url,
            "decode",
            "decode_failed",
            f"{url}: {decoded.bad_bytes} of {len(raw.body)} bytes could not be decoded as "
            f"{decoded.encoding}; the page is probably not text or uses an unsupported encoding",
        )
        return
    if decoded.bad_bytes:
        result.counters["pages_with_bad_bytes"] += 1
    result.counters[f"encoding_from_{decoded.source}"] += 1
    result.items.append(
        Page(
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
    )


def fetch_batch(items: Sequence[SourceItem], cfg: FetchConfig) -> StepResult[Page]:
    """Fetch (or read from disk) and decode every item; pages come back in input order.

    Network items are fetched concurrently on one event loop (cfg.concurrency overall,
    cfg.per_host_concurrency per host); items with `path` are read from disk.
    """
    result: StepResult[Page] = StepResult()
    remote_urls = [item.url for item in items if item.path is None]
    fetched = iter(_run(_fetch_all(remote_urls, cfg, result.counters)) if remote_urls else [])
    for item in items:
        if item.path is None:
            raw = next(fetched)
            declared_type: str | None = raw.content_type if isinstance(raw, _Raw) else None
            result.counters["pages_requested"] += 1
        else:
            raw = _read_local(item.path, item.url, cfg.max_bytes)
            declared_type = None  # a saved file has no HTTP header: its meta tag or the bytes decide
            result.counters["files_read"] += 1
        if isinstance(raw, _Failure):
            result.reject(item.url, "fetch", raw.kind, raw.message)
            continue
        result.counters["body_bytes"] += len(raw.body)
        _to_page(item.url, raw, declared_type, result)
    return result
