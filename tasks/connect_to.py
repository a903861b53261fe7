"""Fetch an origin from another address, as curl's `--connect-to` does: the URL stays the public one, only
the connection goes elsewhere.

A page's identity (`page_id`) is the hash of its URL, so a site served on a new port every time would be a
new site every time. `wenji demo` serves the sample site on 127.0.0.1 with an ephemeral port; its sitemap
lists https://www.fanwen-demo.cn/… URLs as stored on disk, and `fetch.connect_to` =
["https://www.fanwen-demo.cn=http://127.0.0.1:54321"] sends those requests to the local server. The pages
keep their URLs, ids, ETags and stored validators from one run to the next, whatever port serves them;
every other URL is fetched as usual.

The address policy still holds: a target is refused, as any host is, when it is private or loopback and
fetch.allow_private is off (else a config file could reach 127.0.0.1 behind a public name).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import httpx


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


def _refusal(target: httpx.URL, allow_private: bool) -> str | None:
    from wenji.tasks.fetch import address_problem  # fetch imports this module

    port = target.port or (443 if target.scheme == "https" else 80)
    return address_problem(target.host, port, allow_private)


class _AsyncTransport(httpx.AsyncBaseTransport):
    def __init__(self, target: httpx.URL, refusal: str | None, verify: object) -> None:
        self.target, self.refusal = target, refusal
        self.inner = httpx.AsyncHTTPTransport(verify=verify)  # type: ignore[arg-type]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.refusal:
            from wenji.tasks.fetch import FetchFailure

            raise FetchFailure("fetch_forbidden_address", f"refused {request.url}: {self.refusal}")
        return await self.inner.handle_async_request(_forwarded(request, self.target))

    async def aclose(self) -> None:
        await self.inner.aclose()


def connect_to_mounts(
    entries: Sequence[str], allow_private: bool, verify: object = True
) -> dict[str, httpx.AsyncBaseTransport] | None:
    """httpx `mounts` for `fetch.connect_to` (None when it is empty: the client's own transport for all)."""
    if not entries:
        return None
    mounts: dict[str, httpx.AsyncBaseTransport] = {}
    for rule in parse_connect_to(entries):
        target = httpx.URL(rule.target)
        refusal = _refusal(target, allow_private)
        mounts[rule.origin] = _AsyncTransport(target, refusal, verify)
    return mounts


def connected_hosts(entries: Sequence[str]) -> frozenset[str]:
    """The hosts whose requests `connect_to` sends elsewhere: their address is the target's, which the
    transport checks, so the fetcher does not resolve their public names."""
    return frozenset(httpx.URL(rule.origin).host for rule in parse_connect_to(entries))
