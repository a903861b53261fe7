"""Fetch an origin from another address, as curl's `--connect-to` does: the URL stays the public one, only
the connection goes elsewhere.

A page's identity (`page_id`) is the hash of its URL, so a site served on a new port every time would be a
new site every time. `wenji demo` serves the sample site on 127.0.0.1 with an ephemeral port; its sitemap
lists https://www.fanwen-demo.cn/… URLs as stored on disk, and `fetch.connect_to` =
["https://www.fanwen-demo.cn=http://127.0.0.1:54321"] sends those requests to the local server. The pages
keep their URLs, ids, ETags and stored validators from one run to the next, whatever port serves them;
every other URL is fetched as usual.

The address policy still holds: a target is resolved, checked and connected to as any host is, so it is
refused when it is private or loopback and fetch.allow_private is off (else a config file could reach
127.0.0.1 behind a public name), and it cannot be rebound between the check and the connection.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

from wenji.tasks.addresses import AddressBook, checked_transport


@dataclass(slots=True, frozen=True)
class ConnectTo:
    """Requests for `origin` (scheme://host[:port]) go to `target` (scheme://host:port) instead."""

    origin: str
    target: str


def parse_connect_to(entries: Sequence[str]) -> tuple[ConnectTo, ...]:
    """`ORIGIN=TARGET` entries, checked; ValueError names the entry that is wrong and why."""
    parsed = []
    for entry in entries:
        origin, eq, target = entry.partition("=")
        if not eq:
            raise ValueError(
                f"{entry!r}: expected ORIGIN=TARGET, e.g. https://www.example.cn=http://127.0.0.1:8080"
            )
        for part in (origin, target):
            try:
                url = httpx.URL(part.strip())
            except httpx.InvalidURL as e:
                raise ValueError(f"{entry!r}: {part!r} is no URL ({e})") from None
            if url.scheme not in ("http", "https") or not url.host or url.raw_path not in (b"", b"/"):
                raise ValueError(f"{entry!r}: {part!r} must be scheme://host[:port], without a path")
        parsed.append(ConnectTo(origin.strip().rstrip("/"), target.strip().rstrip("/")))
    return tuple(parsed)


def _forwarded(request: httpx.Request, target: httpx.URL) -> httpx.Request:
    """The same request, addressed to `target`; the Host header still names the public origin."""
    url = request.url.copy_with(scheme=target.scheme, host=target.host, port=target.port)
    return httpx.Request(
        request.method, url, headers=request.headers, stream=request.stream, extensions=request.extensions
    )


class _AsyncTransport(httpx.AsyncBaseTransport):
    """Sends an origin's requests to the target through `inner`, a checked transport (see
    tasks.addresses): the target's host is resolved once, checked like any host and connected to at the
    checked address."""

    def __init__(self, target: httpx.URL, inner: httpx.AsyncBaseTransport) -> None:
        self.target, self.inner = target, inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.inner.handle_async_request(_forwarded(request, self.target))

    async def aclose(self) -> None:
        await self.inner.aclose()


def connect_to_mounts(
    entries: Sequence[str],
    book: AddressBook,
    verify: Any,
    limits: httpx.Limits,
    backend: httpcore.AsyncNetworkBackend | None = None,
) -> dict[str, httpx.AsyncBaseTransport] | None:
    """httpx `mounts` for `fetch.connect_to` (None when it is empty: the client's own transport for all)."""
    if not entries:
        return None
    return {
        rule.origin: _AsyncTransport(httpx.URL(rule.target), checked_transport(book, verify, limits, backend))
        for rule in parse_connect_to(entries)
    }


def _default_port(url: httpx.URL) -> int:
    return url.port or (443 if url.scheme == "https" else 80)


# (scheme, host, port) of an origin → the (host, port) its requests connect to.
Targets = dict[tuple[str, str, int], tuple[str, int]]


def connect_targets(entries: Sequence[str]) -> Targets:
    """Where the requests of each fetch.connect_to origin connect; the fetcher checks that address, not
    the public name's, which is never resolved. Built once per crawl: looked up at every request."""
    targets: Targets = {}
    for rule in parse_connect_to(entries):
        origin, target = httpx.URL(rule.origin), httpx.URL(rule.target)
        targets[(origin.scheme, origin.host, _default_port(origin))] = (target.host, _default_port(target))
    return targets
