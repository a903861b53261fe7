"""Address classes and pinned connections (issue 20).

No test here sends a packet beyond loopback: test names are resolved by stub resolvers to 127.0.0.x only,
and the link-local and metadata cases are decided at the decision function or seen by a recording backend
that refuses (without connecting) anything that is not loopback.
"""

from __future__ import annotations

import asyncio
import ipaddress
import shutil
import ssl
import subprocess
import threading
import typing
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import httpcore
import httpx
import pytest

from wenji.tasks.addresses import (
    AddressBook,
    AddressClass,
    AddressPolicy,
    ForbiddenAddress,
    address_class,
    address_problem,
    checked_transport,
)
from wenji.tasks.fetch import fetch_item, open_fetcher
from wenji.tasks.records import ErrorRecord, Page, SourceItem
from wenji.tasks.settings import FetchConfig
from wenji.tasks.site_server import serve

CFG = FetchConfig(retries=0, connect_timeout=2, read_timeout=2, total_timeout=5, respect_robots=False)
PAGE = "<html><body><p>文明城市创建工作推进会上的讲话，同志们：今天我们召开会议。</p></body></html>".encode()


@pytest.mark.parametrize(
    ("ip", "expected"),
    [
        ("8.8.8.8", AddressClass.PUBLIC),
        ("2400:3200::1", AddressClass.PUBLIC),  # a public IPv6 resolver
        ("127.0.0.1", AddressClass.PRIVATE),
        ("127.0.0.2", AddressClass.PRIVATE),
        ("::1", AddressClass.PRIVATE),
        ("::ffff:127.0.0.1", AddressClass.PRIVATE),
        ("10.1.2.3", AddressClass.PRIVATE),
        ("172.16.0.1", AddressClass.PRIVATE),
        ("192.168.1.1", AddressClass.PRIVATE),
        ("fd12:3456::1", AddressClass.PRIVATE),  # ULA
        ("100.64.0.1", AddressClass.PRIVATE),  # shared address space (CGNAT, Tailscale)
        ("169.254.169.254", AddressClass.LINK_LOCAL),  # AWS/GCP/Azure/Huawei metadata
        ("169.254.0.23", AddressClass.LINK_LOCAL),  # Tencent Cloud metadata
        ("fe80::1", AddressClass.LINK_LOCAL),
        ("::ffff:169.254.169.254", AddressClass.LINK_LOCAL),
        ("100.100.100.200", AddressClass.LINK_LOCAL),  # Alibaba Cloud metadata, inside 100.64/10
        ("fd00:ec2::254", AddressClass.LINK_LOCAL),  # AWS IMDS over IPv6, inside ULA
        ("2002:a9fe:a9fe::", AddressClass.LINK_LOCAL),  # 6to4 of 169.254.169.254
        ("64:ff9b::a9fe:a9fe", AddressClass.LINK_LOCAL),  # NAT64 of 169.254.169.254
        ("64:ff9b::808:808", AddressClass.PUBLIC),  # NAT64 of 8.8.8.8: DNS64 networks still reach the web
        ("0.0.0.0", AddressClass.NEVER),
        ("0.1.2.3", AddressClass.NEVER),
        ("::", AddressClass.NEVER),
        ("224.0.0.1", AddressClass.NEVER),
        ("ff02::1", AddressClass.NEVER),
        ("255.255.255.255", AddressClass.NEVER),
        ("240.0.0.1", AddressClass.NEVER),
        ("192.0.2.1", AddressClass.NEVER),  # documentation
        ("198.18.0.1", AddressClass.NEVER),  # benchmarking
        ("2001:db8::1", AddressClass.NEVER),
    ],
)
def test_every_address_has_its_class(ip: str, expected: AddressClass) -> None:
    assert address_class(ipaddress.ip_address(ip)) is expected


def test_allow_private_does_not_open_link_local_or_metadata_and_the_refusal_names_the_setting() -> None:
    for ip in ("169.254.169.254", "fe80::1", "fd00:ec2::254", "100.100.100.200"):
        problem = address_problem(ip, 80, allow_private=True)
        assert problem is not None and "fetch.allow_link_local = true" in problem, ip
        assert "--allow-link-local" in problem
        assert address_problem(ip, 80, allow_private=True, allow_link_local=True) is None
    # A name is judged by what it resolves to (a stub: nothing is asked of real DNS).
    problem = address_problem("metadata.google.internal", 80, True, resolver=lambda h, p: ["169.254.169.254"])
    assert problem is not None and "metadata.google.internal resolves to 169.254.169.254" in problem
    assert address_problem("10.0.0.1", 80, allow_private=True) is None
    private = address_problem("10.0.0.1", 80, allow_private=False, allow_link_local=True)
    assert private is not None and "--allow-private" in private and "fetch.allow_private = true" in private


@pytest.mark.parametrize("ip", ["0.0.0.0", "224.0.0.251", "255.255.255.255", "240.0.0.1", "ff02::1"])
def test_never_ranges_are_refused_whatever_the_settings(ip: str) -> None:
    problem = address_problem(ip, 80, allow_private=True, allow_link_local=True)
    assert problem is not None and "no setting allows it" in problem


def test_every_address_of_a_name_must_pass() -> None:
    """A name with one public and one link-local address is refused: the connection could go to either."""
    answers = lambda host, port: ["127.0.0.1", "169.254.169.254"]  # noqa: E731
    assert address_problem("two-faced.test", 80, True, resolver=answers) is not None


class RecordingBackend(httpcore.AsyncNetworkBackend):
    """Records every TCP connection attempt; connects to loopback only, refuses anything else unsent."""

    def __init__(self) -> None:
        self.attempts: list[tuple[str, int]] = []
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.attempts.append((host, port))
        if not ipaddress.ip_address(host).is_loopback:
            raise httpcore.ConnectError(f"test backend: refusing to send anything to {host}")
        return await self.inner.connect_tcp(host, port, timeout, local_address, socket_options)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("test backend: no unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class StubResolver:
    """Answers from a table, one answer per call for a name (the last repeats); counts the calls."""

    def __init__(self, answers: dict[str, list[list[str]]]):
        self.answers = answers
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, host: str, port: int) -> list[str]:
        with self._lock:
            n = self.calls[host]
            self.calls[host] += 1
        answers = self.answers[host]
        return answers[min(n, len(answers) - 1)]


def _fetch_all(
    urls: list[str], cfg: FetchConfig, resolver: StubResolver, backend: RecordingBackend
) -> list[Page | ErrorRecord]:
    async def run() -> list[Page | ErrorRecord]:
        async with open_fetcher(cfg, Counter(), resolver, backend) as fetcher:
            return [await fetch_item(fetcher, SourceItem(url=url)) for url in urls]

    return asyncio.run(run())


def test_link_local_and_metadata_are_refused_before_any_connection_attempt() -> None:
    resolver = StubResolver({"metadata.test": [["169.254.169.254"]], "imds6.test": [["fd00:ec2::254"]]})
    backend = RecordingBackend()
    urls = [
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://metadata.test/computeMetadata/v1/",
        "http://imds6.test/latest/api/token",
        "http://[fe80::1]/",
        "http://100.100.100.200/latest/meta-data/",
    ]
    outcomes = _fetch_all(urls, replace(CFG, allow_private=True), resolver, backend)
    assert [o.kind for o in outcomes if isinstance(o, ErrorRecord)] == ["fetch_forbidden_address"] * len(urls)
    assert all("fetch.allow_link_local" in o.message for o in outcomes if isinstance(o, ErrorRecord))
    assert backend.attempts == []


def test_a_redirect_to_the_metadata_address_is_refused_without_connecting_to_it() -> None:
    def to_metadata(h: BaseHTTPRequestHandler) -> None:
        h.send_response(302)
        h.send_header("Location", "http://169.254.169.254/latest/meta-data/")
        h.send_header("Content-Length", "0")
        h.end_headers()

    backend = RecordingBackend()
    with serve(routes={"/go": to_metadata}) as base:
        port = int(base.rsplit(":", 1)[1])
        cfg = replace(CFG, allow_private=True)
        [outcome] = _fetch_all([f"{base}/go"], cfg, StubResolver({}), backend)
    assert isinstance(outcome, ErrorRecord) and outcome.kind == "fetch_forbidden_address"
    assert "169.254.169.254" in outcome.message and "fetch.allow_link_local" in outcome.message
    assert backend.attempts == [("127.0.0.1", port)]


def _page_server_routes(log: list[str]) -> dict[str, typing.Any]:
    def page(h: BaseHTTPRequestHandler) -> None:
        log.append(h.headers.get("Host", ""))
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", str(len(PAGE)))
        h.end_headers()
        h.wfile.write(PAGE)

    # Hand-written handlers close the connection after each answer: every page is a new connection.
    return {f"/{n}.html": page for n in range(4)}


def test_dns_rebinding_the_connection_goes_to_the_checked_address() -> None:
    """The resolver answers loopback at check time and the metadata address afterwards: every connection,
    one per page, goes to the checked loopback address, and the name is resolved once."""
    log: list[str] = []
    backend = RecordingBackend()
    resolver = StubResolver({"rebind.test": [["127.0.0.1"], ["169.254.169.254"]]})
    with serve(routes=_page_server_routes(log)) as base:
        port = int(base.rsplit(":", 1)[1])
        cfg = replace(CFG, allow_private=True, respect_robots=True)
        urls = [f"http://rebind.test:{port}/{n}.html" for n in range(4)]
        outcomes = _fetch_all(urls, cfg, resolver, backend)
    assert all(isinstance(o, Page) for o in outcomes), outcomes
    assert resolver.calls == Counter({"rebind.test": 1})
    # robots.txt (kept alive after its 404) and four pages on connections of their own.
    assert set(backend.attempts) == {("127.0.0.1", port)} and len(backend.attempts) >= 4
    assert log == [f"rebind.test:{port}"] * 4  # the Host header names the URL's host, not the address


def test_the_transport_itself_refuses_an_unchecked_host_at_connect_time() -> None:
    """Without the fetcher's early check (any other client of the transport), connecting checks too."""
    backend = RecordingBackend()
    book = AddressBook(AddressPolicy(allow_private=False), StubResolver({"intranet.test": [["127.0.0.1"]]}))

    async def get() -> None:
        transport = checked_transport(book, True, httpx.Limits(), backend)
        async with httpx.AsyncClient(transport=transport) as client:
            await client.get("http://intranet.test:9/")

    with pytest.raises(ForbiddenAddress, match=r"intranet.test resolves to 127.0.0.1.*--allow-private"):
        asyncio.run(get())
    assert backend.attempts == []


@pytest.fixture
def tls_site(tmp_path: Path) -> Iterator[tuple[int, ssl.SSLContext, list[str | None]]]:
    """An HTTPS server on 127.0.0.1 whose certificate names only tls.test; records the SNI it receives."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a test certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert)),
            *("-subj", "/CN=tls.test", "-addext", "subjectAltName=DNS:tls.test"),
        ],
        check=True,
        capture_output=True,
    )
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    names: list[str | None] = []
    server_ctx.sni_callback = lambda sock, name, ctx: names.append(name)  # type: ignore[assignment,misc]
    from http.server import ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = server_ctx.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    client_ctx = ssl.create_default_context(cafile=str(cert))
    try:
        yield server.server_address[1], client_ctx, names
    finally:
        server.shutdown()
        server.server_close()


def test_tls_sends_the_host_name_as_sni_and_verifies_the_certificate_against_it(
    tls_site: tuple[int, ssl.SSLContext, list[str | None]],
) -> None:
    port, client_ctx, names = tls_site
    backend = RecordingBackend()
    book = AddressBook(AddressPolicy(allow_private=True), StubResolver({"tls.test": [["127.0.0.1"]]}))

    async def get() -> httpx.Response:
        transport = checked_transport(book, client_ctx, httpx.Limits(), backend)
        async with httpx.AsyncClient(transport=transport) as client:
            return await client.get(f"https://tls.test:{port}/")

    response = asyncio.run(get())
    assert response.status_code == 200 and response.content == b"ok"
    assert names == ["tls.test"]  # the certificate names only tls.test, so verification used the name too
    assert backend.attempts == [("127.0.0.1", port)]
