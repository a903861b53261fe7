"""resolve_sources: URLs, sitemaps (served by a real local server), URL files and folders of saved pages."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from wenji.tasks.settings import FetchConfig
from wenji.tasks.site_server import Route, serve
from wenji.tasks.sources import (
    CANONICAL_SCAN_BYTES,
    MAX_SITEMAP_BYTES,
    lastmod_bound,
    parse_sitemap,
    recovered_url,
    resolve_sources,
)

# The sitemaps here are served from 127.0.0.1 and list www.fanwen.cn pages, as stored copies of real ones
# would; the scope rule (tests/reliability/test_sitemap_scope.py) is off so that nothing asks fanwen.cn.
CFG = FetchConfig(
    connect_timeout=1.0, read_timeout=1.0, total_timeout=3.0, allow_private=True, sitemap_same_host=False
)
XML = {"Content-Type": "application/xml"}


def urlset(*locs: str) -> bytes:
    entries = "".join(f"<url><loc>{loc}</loc><lastmod>2024-03-29</lastmod></url>" for loc in locs)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
    ).encode()


def sitemapindex(*locs: str) -> bytes:
    entries = "".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in locs)
    return (
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>'.encode()
    )


def index_on_this_server(h: BaseHTTPRequestHandler) -> None:
    """A sitemap index must hold absolute URLs, and the port is only known once the server listens."""
    base = f"http://{h.headers['Host']}"
    body = sitemapindex(f"{base}/sitemap.xml", f"{base}/news.xml.gz", f"{base}/gone.xml")
    h.send_response(200)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    routes = {
        "/sitemap.xml": Route(
            headers=XML,
            body=urlset(
                "https://www.fanwen.cn/jianghua/1.html",
                "https://WWW.fanwen.cn/jianghua/1.html?utm_source=baidu#top",  # same page
                "https://www.fanwen.cn/讲话稿/2.html",
                "https://www.fanwen.cn/jianghua/3.html",
            ),
        ),
        "/sitemap_index.xml": index_on_this_server,
        "/news.xml.gz": Route(
            headers={"Content-Type": "application/gzip"},
            body=gzip.compress(
                urlset("https://www.fanwen.cn/news/1.html", "https://www.fanwen.cn/jianghua/3.html")
            ),
        ),
        "/ampersand.xml": Route(
            headers=XML,
            body=b"<urlset><url><loc>https://www.fanwen.cn/list.php?id=1&page=2</loc></url></urlset>",
        ),
        "/rss.xml": Route(
            headers=XML, body=b"<rss><channel><item><link>https://x.cn/1</link></item></channel></rss>"
        ),
        "/broken.xml": Route(
            headers=XML, body=b"<html><body>\xe6\x9c\x8d\xe5\x8a\xa1\xe5\x99\xa8\xe9\x94\x99\xe8\xaf\xaf"
        ),
        "/sitemap": Route(
            headers={"Content-Type": "text/html"}, body="<html><p>网站地图</p></html>".encode()
        ),
        "/bomb.xml.gz": Route(
            body=gzip.compress(b"<urlset>" + b" " * (MAX_SITEMAP_BYTES + 10), compresslevel=1)
        ),
    }
    with serve(routes=routes) as base:
        yield base


def urls(result) -> list[str]:
    return [item.url for item in result.items]


def test_plain_page_urls_are_normalised_and_deduped() -> None:
    result = resolve_sources(
        [
            "HTTP://WWW.GOV.CN/zhengce/1.htm#x",
            "http://www.gov.cn/zhengce/1.htm?spm=a.b",
            "https://www.gov.cn/2.htm",
        ],
        CFG,
    )
    assert urls(result) == ["http://www.gov.cn/zhengce/1.htm", "https://www.gov.cn/2.htm"]
    assert result.counters["duplicates"] == 1
    assert all(item.path is None for item in result.items)


def test_urlset(site: str) -> None:
    result = resolve_sources([f"{site}/sitemap.xml"], CFG)
    assert urls(result) == [
        "https://www.fanwen.cn/jianghua/1.html",
        "https://www.fanwen.cn/%E8%AE%B2%E8%AF%9D%E7%A8%BF/2.html",
        "https://www.fanwen.cn/jianghua/3.html",
    ]
    assert result.errors == []


def test_sitemapindex_with_gz_child_and_missing_child(site: str) -> None:
    result = resolve_sources([f"{site}/sitemap_index.xml"], CFG)
    assert urls(result) == [
        "https://www.fanwen.cn/jianghua/1.html",
        "https://www.fanwen.cn/%E8%AE%B2%E8%AF%9D%E7%A8%BF/2.html",
        "https://www.fanwen.cn/jianghua/3.html",
        "https://www.fanwen.cn/news/1.html",
    ]
    [err] = result.errors
    assert (err.stage, err.kind, err.url) == ("resolve", "resolve_http_404", f"{site}/gone.xml")
    assert result.counters["sitemaps_read"] == 3


def test_sitemap_with_unescaped_ampersand_is_still_read(site: str) -> None:
    assert urls(resolve_sources([f"{site}/ampersand.xml"], CFG)) == [
        "https://www.fanwen.cn/list.php?id=1&page=2"
    ]


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/missing-sitemap.xml", "resolve_http_404"),
        ("/rss.xml", "resolve_bad_sitemap"),
        ("/broken.xml", "resolve_bad_sitemap"),
        ("/bomb.xml.gz", "resolve_too_large"),
    ],
)
def test_unusable_sitemap_is_an_error_row(site: str, path: str, kind: str) -> None:
    result = resolve_sources([f"{site}{path}", "https://www.gov.cn/1.htm"], CFG)
    assert urls(result) == ["https://www.gov.cn/1.htm"]  # the other spec still resolves
    [err] = result.errors
    assert (err.stage, err.kind) == ("resolve", kind)
    assert path in err.message


def test_url_named_sitemap_that_is_a_page_stays_a_page(site: str) -> None:
    assert urls(resolve_sources([f"{site}/sitemap"], CFG)) == [f"{site}/sitemap"]


def test_sitemap_on_loopback_refused_unless_allowed(site: str) -> None:
    result = resolve_sources([f"{site}/sitemap.xml"], FetchConfig(allow_private=False))
    [err] = result.errors
    assert err.kind == "resolve_forbidden_address"
    assert "allow_private" in err.message
    assert result.items == []


def test_file_of_urls(tmp_path: Path, site: str) -> None:
    listing = tmp_path / "urls.txt"
    listing.write_bytes(
        "\n".join(
            [
                "# 讲话稿，2024 年",
                "https://www.fanwen.cn/讲话稿/2.html",
                "",
                f"{site}/sitemap.xml",
                "www.fanwen.cn/no-scheme.html",
                "   https://www.gov.cn/1.htm   ",
            ]
        ).encode("gbk")  # saved by Notepad on a Chinese Windows
    )
    result = resolve_sources([str(listing)], CFG)
    assert urls(result) == [
        "https://www.fanwen.cn/%E8%AE%B2%E8%AF%9D%E7%A8%BF/2.html",
        "https://www.fanwen.cn/jianghua/1.html",
        "https://www.fanwen.cn/jianghua/3.html",
        "https://www.gov.cn/1.htm",
    ]
    [err] = result.errors
    assert err.kind == "resolve_bad_url"
    assert "line 5" in err.message and "http://" in err.message


def saved_page(head: str, body: str = "<p>同志们：今天召开全市文明城市创建工作会议。</p>") -> bytes:
    return f"<html><head><meta charset='gbk'>{head}</head><body>{body}</body></html>".encode("gbk")


def test_folder_of_saved_pages(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "canonical.html").write_bytes(
        saved_page('<link rel="canonical" href="https://www.fanwen.cn/jianghua/1.html?utm_source=wx">')
    )
    (tmp_path / "a" / "copy.htm").write_bytes(
        saved_page('<link rel="canonical" href="https://www.fanwen.cn/jianghua/1.html">')
    )
    (tmp_path / "b.html").write_bytes(
        saved_page('<meta property="og:url" content="https://www.gov.cn/讲话.html">')
    )
    (tmp_path / "z.shtml").write_bytes(saved_page('<link rel="canonical" href="/relative/only.html">'))
    (tmp_path / "notes.txt").write_text("不是网页")
    result = resolve_sources([str(tmp_path)], CFG)
    assert [(item.url, Path(item.path).name) for item in result.items] == [
        ("https://www.fanwen.cn/jianghua/1.html", "canonical.html"),
        ("https://www.gov.cn/%E8%AE%B2%E8%AF%9D.html", "b.html"),
        ((tmp_path / "z.shtml").resolve().as_uri(), "z.shtml"),
    ]
    assert result.counters["duplicates"] == 1  # copy.htm names the same page


def test_saved_pages_without_a_canonical_url_are_named_by_their_real_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each page's file:// URL is its `Path.resolve()` (which `_real_path` shortcuts per directory),
    through a symlinked folder and a symlinked page and from a relative spec."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "2.html").write_bytes(saved_page(""))
    folder = tmp_path / "saved"
    (folder / "2024" / "讲话").mkdir(parents=True)
    (folder / "2024" / "通知.html").write_bytes(saved_page(""))
    (folder / "2024" / "讲话" / "1.html").write_bytes(saved_page(""))
    (folder / "2024" / "linked.html").symlink_to(elsewhere / "2.html")  # a symlinked page
    (tmp_path / "saved-link").symlink_to(folder)  # the folder given through a symlink
    monkeypatch.chdir(tmp_path)
    result = resolve_sources(["saved-link"], CFG)
    assert [item.url for item in result.items] == [
        Path(item.path).resolve().as_uri() for item in result.items
    ]
    assert sorted(urls(result)) == sorted(
        p.as_uri()
        for p in (elsewhere / "2.html", folder / "2024" / "通知.html", folder / "2024" / "讲话" / "1.html")
    )


@pytest.mark.parametrize(
    ("head", "url"),
    [
        # Only the tags themselves count: not a commented-out or script-built one.
        ('<!-- <link rel="canonical" href="https://old.fanwen.cn/1.html"> -->', None),
        ('<script>document.write(\'<link rel="canonical" href="https://x.cn/1.html">\')</script>', None),
        (
            '<!-- 旧版 --><LINK REL="Canonical" HREF="https://www.fanwen.cn/jianghua/7.html">',
            "https://www.fanwen.cn/jianghua/7.html",
        ),
        ('<meta property="og:url" content="https://www.gov.cn/讲话.html">', "https://www.gov.cn/讲话.html"),
        ('<meta name="description" content="同志们：今天召开全市文明城市创建工作会议">', None),
    ],
)
def test_recovered_url_reads_the_tags_that_name_the_page(head: str, url: str | None) -> None:
    assert recovered_url(saved_page(head)[:CANONICAL_SCAN_BYTES]) == url


def test_recovered_url_of_a_utf16_page() -> None:
    page = '<html><head><link rel="canonical" href="https://www.gov.cn/1.htm"></head><body>讲话</body></html>'
    assert recovered_url(page.encode("utf-16")) == "https://www.gov.cn/1.htm"


def test_single_saved_page_and_local_sitemap(tmp_path: Path) -> None:
    page = tmp_path / "讲话.html"
    page.write_bytes(saved_page(""))
    sitemap = tmp_path / "sitemap.xml.gz"
    sitemap.write_bytes(gzip.compress(urlset("https://www.fanwen.cn/news/1.html")))
    result = resolve_sources([str(page), str(sitemap)], CFG)
    assert urls(result) == [page.resolve().as_uri(), "https://www.fanwen.cn/news/1.html"]
    assert result.items[0].path == str(page)


@pytest.mark.parametrize(
    ("spec", "kind"),
    [("no/such/folder", "resolve_not_found"), ("ftp://ftp.gov.cn/a.html", "resolve_bad_spec")],
)
def test_unresolvable_specs(spec: str, kind: str) -> None:
    [err] = resolve_sources([spec], CFG).errors
    assert (err.stage, err.kind, err.url) == ("resolve", kind, spec)


def test_empty_folder_and_empty_url_file(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    listing = tmp_path / "urls.txt"
    listing.write_text("# nothing yet\n\n")
    result = resolve_sources([str(tmp_path / "empty"), str(listing)], CFG)
    assert [e.kind for e in result.errors] == ["resolve_empty", "resolve_empty"]


@pytest.mark.parametrize(
    ("value", "bound"),
    [
        # a bare date may be in any zone: the page may change until that day ends in UTC-12
        ("2024-03-29", datetime(2024, 3, 30, 12, tzinfo=UTC)),
        ("2024-03-29T10:00:00+08:00", datetime(2024, 3, 29, 2, tzinfo=UTC)),
        ("2024-03-29T02:00:00Z", datetime(2024, 3, 29, 2, tzinfo=UTC)),
        ("2024-03-29T02:00:00", datetime(2024, 3, 29, 14, tzinfo=UTC)),
        ("2024-03", None),
        ("昨天", None),
        ("", None),
    ],
)
def test_lastmod_bound(value: str, bound: datetime | None) -> None:
    assert lastmod_bound(value) == bound


def test_sitemap_lastmod_reaches_the_items_also_in_broken_xml() -> None:
    well_formed = (
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>https://www.gov.cn/zhengce/1.htm</loc><lastmod>2024-03-29</lastmod></url>"
        b"<url><loc>https://www.gov.cn/zhengce/2.htm</loc></url></urlset>"
    )
    broken = well_formed.replace(b"1.htm", b"1.htm?a=1&b=2")  # a bare & is not XML
    for data, first in (
        (well_formed, "https://www.gov.cn/zhengce/1.htm"),
        (broken, "https://www.gov.cn/zhengce/1.htm?a=1&b=2"),
    ):
        sitemap = parse_sitemap(data, "test")
        assert sitemap is not None
        assert sitemap.lastmods == {first: datetime(2024, 3, 30, 12, tzinfo=UTC)}
