"""The static test server, exercised with real httpx requests over 127.0.0.1."""

from __future__ import annotations

import json
import re
import socket
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from wenji.tasks.site_server import CANONICAL_ORIGIN, Route, serve

SAMPLE_SITE = Path(__file__).resolve().parents[2] / "examples" / "site"
GBK_META_PAGE = "/fanwen/qihuashu/2024032901.html"  # GBK, charset only in <meta>
GBK_HEADER_PAGE = "/fanwen/jianghua/1003.html"  # GBK, charset only in _headers.json


@pytest.fixture(scope="module")
def site_url() -> str:
    with serve(SAMPLE_SITE) as url:
        yield url


@pytest.fixture
def tiny_root(tmp_path: Path) -> Path:
    """A root with a secret next to it, to prove that traversal cannot reach outside."""
    (tmp_path / "secret.txt").write_text("机密文件", encoding="utf-8")
    root = tmp_path / "site"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "index.html").write_bytes("<p>目录页</p>".encode())
    (root / "_private.html").write_bytes("<p>内部</p>".encode())
    (root / "data.bin").write_bytes(b"\x00\x01")
    return root


def raw_get(base_url: str, target: str) -> bytes:
    """Send a request line verbatim; httpx would normalise `..` away before it reached the server."""
    parts = urlsplit(base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
        sock.sendall(f"GET {target} HTTP/1.0\r\nHost: {parts.netloc}\r\n\r\n".encode("ascii"))
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_gbk_page_is_served_byte_identical_without_charset(site_url: str) -> None:
    response = httpx.get(site_url + GBK_META_PAGE)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html"
    assert response.content == (SAMPLE_SITE / GBK_META_PAGE.lstrip("/")).read_bytes()
    assert "已经到了迫" in response.content.decode("gbk")


def test_headers_file_declares_charset_only_in_http_header(site_url: str) -> None:
    response = httpx.get(site_url + GBK_HEADER_PAGE)
    assert response.headers["content-type"] == "text/html; charset=gbk"
    assert b"charset" not in response.content[:600]
    assert "改变影响农村人居环" in response.text  # httpx decodes with the header's charset


def test_head_sends_headers_but_no_body(site_url: str) -> None:
    response = httpx.head(site_url + GBK_META_PAGE)
    size = (SAMPLE_SITE / GBK_META_PAGE.lstrip("/")).stat().st_size
    assert response.status_code == 200
    assert response.headers["content-length"] == str(size)
    assert response.content == b""


def test_directory_url_serves_index_and_slashless_url_redirects(site_url: str) -> None:
    listing = httpx.get(site_url + "/fanwen/jianghua/")
    assert listing.status_code == 200
    assert "list_2.html" in listing.text and "讲话稿" in listing.text
    redirect = httpx.get(site_url + "/fanwen/jianghua")
    assert redirect.status_code == 301
    assert redirect.headers["location"] == "/fanwen/jianghua/"


def test_missing_and_underscore_files_are_404(site_url: str) -> None:
    assert httpx.get(site_url + "/fanwen/jianghua/9999.html").status_code == 404
    assert httpx.get(site_url + "/_headers.json").status_code == 404


def test_content_type_comes_from_extension(site_url: str, tiny_root: Path) -> None:
    assert httpx.get(site_url + "/sitemap.xml").headers["content-type"] == "application/xml"
    assert httpx.get(site_url + "/robots.txt").headers["content-type"] == "text/plain"
    with serve(tiny_root) as url:
        assert httpx.get(url + "/data.bin").headers["content-type"] == "application/octet-stream"
        assert httpx.get(url + "/_private.html").status_code == 404


@pytest.mark.parametrize(
    "target", ["/../secret.txt", "/docs/../../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/%00"]
)
def test_path_traversal_is_refused(tiny_root: Path, target: str) -> None:
    with serve(tiny_root) as url:
        answer = raw_get(url, target)
    assert answer.split(b" ", 2)[1] == b"404"
    assert "机密文件".encode() not in answer


def test_sitemap_lists_live_fetchable_urls(site_url: str) -> None:
    sitemap = httpx.get(site_url + "/sitemap.xml").text
    locs = re.findall(r"<loc>(.*?)</loc>", sitemap)
    assert len(locs) >= 20
    assert all(loc.startswith(site_url + "/") for loc in locs)
    assert CANONICAL_ORIGIN not in sitemap
    assert CANONICAL_ORIGIN in (SAMPLE_SITE / "sitemap.xml").read_text(encoding="utf-8")  # disk unchanged
    with httpx.Client() as client:
        assert {client.get(loc).status_code for loc in locs} == {200}
    assert f"Sitemap: {site_url}/sitemap.xml" in httpx.get(site_url + "/robots.txt").text


def test_routes_win_over_files_and_match_the_query() -> None:
    routes = {
        "/fanwen/jianghua/1001.html": Route(status=500, body="服务器内部错误".encode()),
        "/search?q=1": Route(headers={"Content-Type": "text/plain; charset=utf-8"}, body="结果".encode()),
        "/moved": Route(status=302, headers={"Location": "/search?q=1"}),
    }
    with serve(SAMPLE_SITE, routes) as url:
        failed = httpx.get(url + "/fanwen/jianghua/1001.html")
        assert failed.status_code == 500
        assert failed.content.decode() == "服务器内部错误"
        assert httpx.get(url + "/search?q=1").text == "结果"
        assert httpx.get(url + "/search?q=2").status_code == 404
        followed = httpx.get(url + "/moved", follow_redirects=True)
        assert str(followed.url) == url + "/search?q=1"


def test_route_delay_triggers_client_timeout() -> None:
    with serve(routes={"/slow": Route(body=b"late", delay=0.5)}) as url:
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(url + "/slow", timeout=0.1)
        assert httpx.get(url + "/slow", timeout=2).content == b"late"


def test_handler_route_has_full_control_of_the_socket() -> None:
    def hang_up(request: BaseHTTPRequestHandler) -> None:
        request.wfile.write(b"HTTP/1.0 200 OK\r\nContent-Length: 100\r\n\r\n" + "半截".encode())
        request.close_connection = True

    with serve(routes={"/broken": hang_up}) as url, pytest.raises(httpx.RemoteProtocolError):
        httpx.get(url + "/broken")


def test_server_is_shut_down_on_exit() -> None:
    with serve() as url:
        assert httpx.get(url + "/anything").status_code == 404
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/anything", timeout=1)


def test_sample_site_declares_charsets_as_documented(site_url: str) -> None:
    """The header-only pages have no charset in their bytes; the served header carries it."""
    overrides = json.loads((SAMPLE_SITE / "_headers.json").read_text(encoding="utf-8"))
    assert set(overrides) == {"/fanwen/jianghua/1003.html", "/fanwen/zongjie/2003.html"}
    for path, headers in overrides.items():
        response = httpx.get(site_url + path)
        assert response.headers["content-type"] == headers["Content-Type"]
        assert b"charset" not in response.content.lower()
        with pytest.raises(UnicodeDecodeError):
            response.content.decode("utf-8")


# (page, bytes' encoding, phrase from examples/site/README.md, a narrower codec that must fail on the page)
LEGACY_PAGES = [
    ("/fanwen/qihuashu/2024032901.html", "gbk", "临门一脚的关键时刻", None),
    ("/fanwen/jianghua/1001.html", "gbk", "全面落实重大危险源包保责任制", None),
    ("/fanwen/xinde/3002.html", "gbk", "在模拟信访接待的情景教学中", None),
    ("/fanwen/jianghua/1003.html", "gbk", "把环境卫生写进村规民约", None),
    ("/fanwen/zongjie/2003.html", "gbk", "数学组王喆老师执教", "gb2312"),  # 喆 is GBK-only
    ("/fanwen/zongjie/2001.html", "gb18030", "𠮷秀兰同志扎根社区六年", "gbk"),  # 𠮷 is 4-byte GB18030
]


@pytest.mark.parametrize(("path", "encoding", "phrase", "narrower"), LEGACY_PAGES)
def test_legacy_pages_hold_their_phrase_only_in_their_encoding(
    site_url: str, path: str, encoding: str, phrase: str, narrower: str | None
) -> None:
    body = httpx.get(site_url + path).content
    assert body.count(phrase.encode(encoding)) == 1
    assert phrase.encode("utf-8") not in body
    assert phrase in body.decode("gb18030")  # the GBK family read as GB18030 always works
    if narrower:
        with pytest.raises(UnicodeDecodeError):
            body.decode(narrower)


def test_files_are_served_over_one_kept_alive_connection(site_url: str) -> None:
    """Like real web servers: the fetch benchmark would otherwise measure TCP connects, not wenji."""
    connections: list[object] = []
    with httpx.Client(
        event_hooks={"response": [lambda r: connections.append(r.extensions["network_stream"])]}
    ) as c:
        for _ in range(3):
            assert c.get(site_url + GBK_META_PAGE).status_code == 200
    assert len(connections) == 3 and len({id(s) for s in connections}) == 1
