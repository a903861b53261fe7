"""Which addresses wenji may connect to, and connecting only to the address that was checked.

Two concerns that must not drift apart:

- **The policy** (`address_class`, `AddressPolicy.problem`): every address falls in one class. Public
  addresses are always fetched. Loopback and private ranges (RFC 1918, ULA, shared 100.64/10) only with
  fetch.allow_private. Link-local ranges and the cloud metadata endpoints only with fetch.allow_link_local,
  which allow_private does not imply: an intranet crawl that lets a redirect reach 169.254.169.254 stores
  the machine's cloud credentials in `pages.raw_zlib`. Multicast, broadcast, "this network" (0.0.0.0/8,
  which Linux connects to the local host), documentation, benchmarking and reserved ranges never.
- **The connection** (`AddressBook`, `CheckedBackend`): a host name is resolved once per run, every address
  it resolves to is checked, and the connection goes to one of those checked addresses. httpx on its own
  would resolve the name again when it connects, and a DNS server answering a public address to the check
  and 127.0.0.1 to the connection (DNS rebinding) would walk past the check. The backend wraps httpcore's
  network backend, so only the TCP connect changes: TLS still gets the URL's host name as SNI (and verifies
  the certificate against it), and the Host header is the URL's.

Knowingly not covered: through an HTTP proxy (HTTP_PROXY from the environment) the proxy resolves and
connects; wenji still checks the addresses the name has here, but cannot pin the proxy's connection.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import typing
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

import httpcore
import httpx

from wenji.tasks.fetch_messages import forbidden_address

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressClass(StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"  # loopback, RFC 1918, ULA, shared (CGNAT): fetch.allow_private
    LINK_LOCAL = "link_local"  # 169.254/16, fe80::/10 and the metadata endpoints: fetch.allow_link_local
    NEVER = "never"  # multicast, broadcast, 0.0.0.0/8, reserved, documentation: no setting allows them


# RFC 1918, ULA (fc00::/7) and the shared address space of RFC 6598: networks of an organisation or an
# operator, unreachable from the internet. 100.64/10 is here rather than under NEVER because overlay
# networks (Tailscale) and carrier NATs put intranet hosts there; its metadata address is listed below.
_PRIVATE_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
)
# Cloud metadata endpoints outside 169.254/16 (those inside it are link-local already): Alibaba Cloud ECS
# (100.100.100.200, inside the shared space), AWS IMDS over IPv6 (fd00:ec2::254, inside ULA), Oracle Cloud
# (192.0.0.192). They answer with instance credentials, so they count as link-local, not as private.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("100.100.100.200", "fd00:ec2::254", "192.0.0.192")
)
# NAT64 (RFC 6052) carries an IPv4 address in its last 32 bits; a NAT64 gateway connects to that address.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_BROADCAST = ipaddress.IPv4Address("255.255.255.255")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address a 6to4 (2002::/16) or NAT64 (64:ff9b::/96) address leads to, if it is one."""
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _own_class(ip: IPAddress) -> AddressClass:
    # Order matters: multicast counts as global in Python 3.11, and the metadata addresses sit inside
    # ranges that are otherwise private.
    if ip in METADATA_ADDRESSES:
        return AddressClass.LINK_LOCAL
    if ip.is_loopback:  # before `is_reserved`, which holds for ::1 (it lies in ::/8)
        return AddressClass.PRIVATE
    if ip.is_multicast or ip.is_unspecified or ip.is_reserved:
        return AddressClass.NEVER
    if isinstance(ip, ipaddress.IPv4Address) and (ip.packed[0] == 0 or ip == _BROADCAST):
        return AddressClass.NEVER  # 0.0.0.0/8 "this network"; the limited broadcast address
    if any(ip in net for net in _PRIVATE_NETWORKS):
        return AddressClass.PRIVATE
    if ip.is_link_local:
        return AddressClass.LINK_LOCAL
    if ip.is_global:
        return AddressClass.PUBLIC
    # What is left is special-purpose space (TEST-NETs, 198.18/15 benchmarking, 192.0.0/24, 2001:db8::/32,
    # deprecated site-local fec0::/10): nothing a crawl should reach.
    return AddressClass.NEVER


def address_class(ip: IPAddress) -> AddressClass:
    """The class of `ip`. An IPv6 address that leads to an IPv4 one (IPv4-mapped ::ffff:a.b.c.d, 6to4,
    NAT64) has the class of that IPv4 address: it is where the connection ends up. (64:ff9b::/96 itself
    lies in reserved space; judged on its own, every public site on a DNS64 network would be refused.)"""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped or _embedded_ipv4(ip)
        if inner is not None:
            return _own_class(inner)
    return _own_class(ip)


def parse_ip(text: str) -> IPAddress | None:
    """`text` as an IP address (brackets and an IPv6 zone index allowed), or None for a host name."""
    try:
        return ipaddress.ip_address(text.strip("[]").split("%")[0])
    except ValueError:
        return None


@dataclass(slots=True, frozen=True)
class AddressPolicy:
    allow_private: bool = False
    allow_link_local: bool = False

    def allows(self, cls: AddressClass) -> bool:
        return (
            cls is AddressClass.PUBLIC
            or (cls is AddressClass.PRIVATE and self.allow_private)
            or (cls is AddressClass.LINK_LOCAL and self.allow_link_local)
        )

    def problem(self, host: str, addresses: Iterable[str]) -> str | None:
        """None if every address of `host` may be contacted, else why not (naming the setting)."""
        for text in addresses:
            ip = parse_ip(text)
            if ip is None:
                return f"{host} resolves to {text!r}, which is no IP address"
            cls = address_class(ip)
            if not self.allows(cls):
                return forbidden_address(host, str(ip), cls.value)
        return None


# host, port → the host's addresses as strings. Blocking; called in a worker thread.
Resolver = Callable[[str, int], list[str]]


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to, in the resolver's order; socket.gaierror if none."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(sockaddr[0]).split("%")[0] for *_, sockaddr in infos))


def address_problem(
    host: str,
    port: int,
    allow_private: bool,
    allow_link_local: bool = False,
    resolver: Resolver = system_resolver,
) -> str | None:
    """None if `host` may be contacted, else a sentence saying why not (the decision, without connecting).

    Every address the name resolves to must be allowed (see the module docstring for the classes and why
    link-local is apart from private). A name that does not resolve passes here; connecting reports it.
    The fetcher itself decides through an `AddressBook`, which also pins the connection to the checked
    addresses.
    """
    literal = parse_ip(host)
    try:
        addresses = [str(literal)] if literal else resolver(host, port)
    except (OSError, UnicodeError):
        return None
    return AddressPolicy(allow_private, allow_link_local).problem(host, addresses)


@dataclass(slots=True, frozen=True)
class Checked:
    """A host's resolution as checked: its addresses, or why it may not be contacted."""

    addresses: tuple[str, ...] = ()
    problem: str | None = None


class ForbiddenAddress(Exception):
    """Raised by `CheckedBackend` instead of connecting; the fetcher turns it into fetch_forbidden_address."""


class AddressBook:
    """Resolution and check, once per host and port per run, shared by the check and the connection.

    A crawl holds thousands of pages of a handful of hosts: one resolver round trip per request cost
    ~1 ms of a thread each. Keeping the checked addresses for the run is also what closes DNS rebinding:
    the connection uses the stored addresses, never a fresh answer. The price is that a host changing
    address in the middle of a run is reached at its old address until the next run. A name that does not
    resolve is not stored (the next attempt asks again), and fails the connection as a connection error.
    """

    def __init__(self, policy: AddressPolicy, resolver: Resolver = system_resolver):
        self.policy = policy
        self._resolver = resolver
        self._checked: dict[tuple[str, int], Checked] = {}
        self._locks: defaultdict[tuple[str, int], asyncio.Lock] = defaultdict(asyncio.Lock)

    async def check(self, host: str, port: int) -> Checked:
        """The checked addresses of `host`; httpcore.ConnectError when it does not resolve."""
        host = host.strip("[]").lower()
        key = (host, port)
        if key in self._checked:
            return self._checked[key]
        # One resolution per key even when many requests for a new host start together.
        async with self._locks[key]:
            if key not in self._checked:
                literal = parse_ip(host)
                if literal is not None:
                    addresses = [str(literal)]
                else:
                    try:
                        addresses = await asyncio.to_thread(self._resolver, host, port)
                    except (OSError, UnicodeError) as exc:
                        raise httpcore.ConnectError(f"{host} does not resolve ({exc})") from None
                    if not addresses:
                        raise httpcore.ConnectError(f"{host} does not resolve (no addresses)")
                problem = self.policy.problem(host, addresses)
                self._checked[key] = Checked(() if problem else tuple(addresses), problem)
        return self._checked[key]

    async def problem(self, host: str, port: int) -> str | None:
        """Why `host` may not be contacted, or None; also None for a name that does not resolve (the
        connection attempt reports that, and is retried like other connection errors)."""
        try:
            return (await self.check(host, port)).problem
        except httpcore.ConnectError:
            return None


class CheckedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting only to addresses the `AddressBook` checked.

    httpcore calls `connect_tcp` with the URL's host name; we look its addresses up in the book (resolving
    and checking them there on first use) and connect to the first that answers. TLS is started later by
    httpcore on the stream we return, with the URL's host name as SNI, so certificates are verified
    against the name, not the address.
    """

    def __init__(self, book: AddressBook, inner: httpcore.AsyncNetworkBackend | None = None):
        self.book = book
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        checked = await self.book.check(host, port)
        if checked.problem:
            raise ForbiddenAddress(checked.problem)
        failure: Exception | None = None
        for address in checked.addresses:
            try:
                return await self.inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc  # the next checked address may answer (a dual-stack host without IPv6 routes)
        assert failure is not None  # `check` never stores an allowed host without addresses
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise ForbiddenAddress(f"unix socket {path}: wenji connects over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def checked_transport(
    book: AddressBook,
    verify: typing.Any,
    limits: httpx.Limits,
    backend: httpcore.AsyncNetworkBackend | None = None,
) -> httpx.AsyncHTTPTransport:
    """httpx's own transport, whose connection pool connects through a `CheckedBackend`.

    httpx takes no network backend, so the pool's is replaced after construction; the assertion stops
    wenji at start, not silently unprotected, if a later httpx renames what it holds.
    """
    transport = httpx.AsyncHTTPTransport(verify=verify, limits=limits, trust_env=False)
    pool = transport._pool
    assert isinstance(pool, httpcore.AsyncConnectionPool) and hasattr(pool, "_network_backend"), (
        "httpx's transport changed: wenji cannot pin connections to checked addresses"
    )
    pool._network_backend = CheckedBackend(book, backend)
    return transport


def environment_proxies(
    verify: typing.Any, limits: httpx.Limits
) -> dict[str, httpx.AsyncBaseTransport | None]:
    """The proxies of HTTP_PROXY / HTTPS_PROXY / ALL_PROXY / NO_PROXY, as httpx would mount them itself.

    httpx ignores the environment once it is given a transport (ours, which pins connections to checked
    addresses), so the proxy mounts are rebuilt here. A NO_PROXY entry maps to None: the client's own
    (checked) transport. Through a proxy, the proxy connects; the fetcher still checks the name first.
    """
    from httpx._utils import get_environment_proxies  # the helper httpx itself uses for this

    return {
        pattern: None if url is None else httpx.AsyncHTTPTransport(proxy=url, verify=verify, limits=limits)
        for pattern, url in get_environment_proxies().items()
    }
