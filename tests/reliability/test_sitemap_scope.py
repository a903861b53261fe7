"""Sitemap scope (issue 20): a sitemap on one host cannot steer the crawl to another.

Two hosts of one port, 127.0.0.1 and 127.0.0.2, each with its own server and request log: the logs show
what was requested of each. Resolution and the crawl run as in a run (`resolve_sources`, then the crawl's
`fetch_batch` over what resolution kept).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler

import pytest

from wenji.tasks.crawler import fetch_batch
from wenji.tasks.settings import FetchConfig
from wenji.tasks.site_server import Handler, Route, serve
from wenji.tasks.sources import MAX_ROBOTS_CHECKS_PER_SITEMAP, resolve_sources, scope_host

CFG = FetchConfig(retries=0, connect_timeout=2, read_timeout=2, total_timeout=5, allow_private=True)
HTML = {"Content-Type": "text/html"}
XML = {"Content-Type": "application/xml"}
PAGE = Route(headers=HTML, body="<html><body><p>关于开展文明城市创建工作的通知。</p></body></html>".encode())


def urlset(*locs: str) -> Route:
    entries = "".join(f"<url><loc>{loc}</loc></url>" for loc in locs)
    return Route(headers=XML, body=f"<urlset>{entries}</urlset>".encode())


def sitemapindex(*locs: str) -> Route:
    entries = "".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in locs)
    return Route(headers=XML, body=f"<sitemapindex>{entries}</sitemapindex>".encode())


@dataclass
class TwoHosts:
    a: str  # http://127.0.0.1:PORT: the sitemap's host
    b: str  # http://127.0.0.2:PORT: the other host
    log_a: list[str] = field(default_factory=list)
    log_b: list[str] = field(default_factory=list)


def _late(answers: dict[str, Route], path: str) -> Handler:
    """A route whose answer is filled in once both servers listen (the sitemaps name their ports)."""

    def handler(h: BaseHTTPRequestHandler) -> None:
        route = answers[path]
        h.send_response(route.status)
        for name, value in {**route.headers, "Content-Length": str(len(route.body))}.items():
            h.send_header(name, value)
        h.end_headers()
        h.wfile.write(route.body)

    return handler


@contextmanager
def two_hosts(b_robots: str | None = None) -> Iterator[TwoHosts]:
    """A's sitemap lists one page of A and two of B; A's index lists A's sitemap and a sitemap of B.
    `b_robots` is B's robots.txt, with {a} standing for A's base URL (none: B answers 404)."""
    log_a: list[str] = []
    log_b: list[str] = []
    answers: dict[str, Route] = {}
    routes_a: dict[str, Route | Handler] = {"/1.html": PAGE}
    routes_a |= {p: _late(answers, f"a{p}") for p in ("/sitemap.xml", "/sitemap_index.xml")}
    routes_b: dict[str, Route | Handler] = {"/2.html": PAGE, "/3.html": PAGE, "/4.html": PAGE}
    routes_b |= {p: _late(answers, f"b{p}") for p in ("/sitemap.xml", "/robots.txt")}
    with serve(routes=routes_a, log=log_a) as a:
        port = int(a.rsplit(":", 1)[1])
        with serve(routes=routes_b, host="127.0.0.2", port=port, log=log_b) as b:
            answers["a/sitemap.xml"] = urlset(f"{a}/1.html", f"{b}/2.html", f"{b}/3.html")
            answers["a/sitemap_index.xml"] = sitemapindex(f"{a}/sitemap.xml", f"{b}/sitemap.xml")
            answers["b/sitemap.xml"] = urlset(f"{b}/4.html")
            answers["b/robots.txt"] = (
                Route(404)
                if b_robots is None
                else Route(headers={"Content-Type": "text/plain"}, body=b_robots.format(a=a).encode())
            )
            yield TwoHosts(a, b, log_a, log_b)


def crawl(source: str, cfg: FetchConfig = CFG) -> tuple[list[str], list[tuple[str, str, str]]]:
    resolved = resolve_sources([source], cfg)
    fetched = fetch_batch(resolved.items, cfg)
    errors = [(e.kind, e.url, e.message) for e in [*resolved.errors, *fetched.errors]]
    return [p.url for p in fetched.items], errors


def test_the_other_hosts_pages_are_never_requested_by_default() -> None:
    with two_hosts() as hosts:
        pages, errors = crawl(f"{hosts.a}/sitemap.xml")
    assert pages == [f"{hosts.a}/1.html"]
    [(kind, url, message)] = errors
    assert (kind, url) == ("resolve_out_of_scope", f"{hosts.b}/2.html")
    assert "lists 2 URLs on 127.0.0.2" in message
    assert "fetch.sitemap_same_host = false" in message and "--sitemap-any-host" in message
    # 127.0.0.2 was asked for its robots.txt (does it name A's sitemap?), and for nothing else.
    assert hosts.log_b == ["/robots.txt"]
    assert "/1.html" in hosts.log_a


def test_with_the_setting_off_the_other_hosts_pages_are_fetched() -> None:
    with two_hosts() as hosts:
        pages, errors = crawl(f"{hosts.a}/sitemap.xml", replace(CFG, sitemap_same_host=False))
    assert errors == []
    assert sorted(pages) == [f"{hosts.a}/1.html", f"{hosts.b}/2.html", f"{hosts.b}/3.html"]
    assert {"/2.html", "/3.html"} <= set(hosts.log_b)


def test_a_host_whose_robots_txt_names_the_sitemap_keeps_its_urls() -> None:
    robots = "User-agent: *\nDisallow: /private/\n\nSitemap: {a}/sitemap.xml # cross-submitted\n"
    with two_hosts(b_robots=robots) as hosts:
        pages, errors = crawl(f"{hosts.a}/sitemap.xml")
    assert errors == []
    assert sorted(pages) == [f"{hosts.a}/1.html", f"{hosts.b}/2.html", f"{hosts.b}/3.html"]


def test_a_robots_txt_naming_another_sitemap_does_not_count() -> None:
    with two_hosts(b_robots="Sitemap: {a}/other-sitemap.xml\n") as hosts:
        pages, errors = crawl(f"{hosts.a}/sitemap.xml")
    assert pages == [f"{hosts.a}/1.html"]
    assert [kind for kind, _, _ in errors] == ["resolve_out_of_scope"]
    assert "/2.html" not in hosts.log_b


def test_sitemap_index_children_on_another_host_are_not_requested() -> None:
    with two_hosts() as hosts:
        pages, errors = crawl(f"{hosts.a}/sitemap_index.xml")
    assert pages == [f"{hosts.a}/1.html"]
    kinds = sorted((kind, url) for kind, url, _ in errors)
    # B's sitemap is out of the index's scope; B's pages are out of A's sitemap's scope.
    assert kinds == [
        ("resolve_out_of_scope", f"{hosts.b}/2.html"),
        ("resolve_out_of_scope", f"{hosts.b}/sitemap.xml"),
    ]
    assert "/sitemap.xml" not in hosts.log_b and "/4.html" not in hosts.log_b


@pytest.mark.parametrize(
    ("sitemap", "loc"),
    [
        ("https://www.fanwen.cn/sitemap.xml", "https://fanwen.cn/1.html"),
        ("https://fanwen.cn/sitemap.xml", "http://WWW.FANWEN.CN:8080/1.html"),
    ],
)
def test_www_case_and_port_do_not_make_another_host(sitemap: str, loc: str) -> None:
    assert scope_host(sitemap) == scope_host(loc)


def test_a_subdomain_is_another_host() -> None:
    assert scope_host("https://www.fanwen.cn/sitemap.xml") != scope_host("https://news.fanwen.cn/1.html")
    assert MAX_ROBOTS_CHECKS_PER_SITEMAP > 0
