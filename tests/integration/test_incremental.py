"""Incremental refresh end to end: stored ETags make the next run's requests conditional, 304 answers are
counted as unchanged and skip the pipeline, and a page that did change is replaced in place."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from wenji.tasks.db import open_db
from wenji.tasks.settings import load_settings, with_fetch
from wenji.tasks.site_server import serve

SAMPLE_SITE = Path(__file__).resolve().parents[2] / "examples" / "site"
PAGES = ("/fanwen/jianghua/1001.html", "/fanwen/tongzhi/5001.html", "/fanwen/xinde/3001.html")
EDITED = "/fanwen/tongzhi/5001.html"  # UTF-8; its second version bans sky lanterns instead of fireworks

pytestmark = pytest.mark.slow


class VersionedSite:
    """Serves each page with ETag "v<n>" and answers 304 when the client already holds that version.

    A client that ignored the ETag would get version 1's bytes again and see them unchanged by hash
    alone; so the handler counts its 304 answers, which only conditional requests can earn.
    """

    def __init__(self) -> None:
        self.version = {path: 1 for path in PAGES}
        self.answers: Counter[int] = Counter()
        self._lock = threading.Lock()

    def body(self, path: str) -> bytes:
        data = (SAMPLE_SITE / path.lstrip("/")).read_bytes()
        if self.version[path] == 1:
            return data
        return data.decode("utf-8").replace("烟花爆竹", "孔明灯笼").encode("utf-8")

    def __call__(self, h: BaseHTTPRequestHandler) -> None:
        etag = f'"v{self.version[h.path]}"'
        status, body = (304, b"") if h.headers.get("If-None-Match") == etag else (200, self.body(h.path))
        with self._lock:
            self.answers[status] += 1
        h.send_response(status)
        for name, value in {
            "Content-Type": "text/html",
            "ETag": etag,
            "Content-Length": str(len(body)),
        }.items():
            h.send_header(name, value)
        h.end_headers()
        h.wfile.write(body)


def _docs(db_path: Path) -> list[tuple[str, int]]:
    with open_db(db_path, read_only=True) as con:
        return con.execute(
            "SELECT url, count(*) FILTER (WHERE contains(text, '孔明灯笼')) "
            "FROM documents GROUP BY url ORDER BY url"
        ).fetchall()


def test_second_run_sends_conditional_requests_and_changed_page_is_replaced(
    prefect_api: str, tmp_path: Path
) -> None:
    from wenji.flows.etl import run_etl

    db_path = tmp_path / "wenji.duckdb"
    settings = load_settings(None, db_path=str(db_path), batch_size=2)
    settings = with_fetch(settings, allow_private=True, retries=0)
    site = VersionedSite()
    with serve(routes=dict.fromkeys(PAGES, site)) as base:
        sources = [base + path for path in PAGES]
        first = run_etl(sources, settings)
        docs_first = _docs(db_path)
        second = run_etl(sources, settings)
        site.version[EDITED] = 2
        third = run_etl(sources, settings)

    assert (first.counts.pages_fetched, first.counts.pages_unchanged) == (3, 0)
    assert (second.counts.pages_fetched, second.counts.pages_unchanged, second.counts.documents) == (0, 3, 0)
    assert (third.counts.pages_fetched, third.counts.pages_unchanged) == (1, 2)
    # robots.txt is a 404 here; every page answer of runs two and three was conditional
    assert site.answers == Counter({200: 3 + 1, 304: 3 + 2})
    docs_third = _docs(db_path)
    assert [url for url, _ in docs_third] == [url for url, _ in docs_first]  # no duplicate documents
    assert dict(docs_third)[base + EDITED] >= 1 and dict(docs_first)[base + EDITED] == 0
    with open_db(db_path, read_only=True) as con:
        etags = dict(con.execute("SELECT url, etag FROM pages").fetchall())
    assert etags == {**{url: '"v1"' for url in sources}, base + EDITED: '"v2"'}


def test_sitemap_lastmod_older_than_stored_copy_skips_the_request(prefect_api: str, tmp_path: Path) -> None:
    """A re-run over a sitemap requests only pages whose <lastmod> is newer than the stored copy."""
    from wenji.flows.etl import run_etl

    settings = load_settings(None, db_path=str(tmp_path / "wenji.duckdb"), batch_size=2)
    settings = with_fetch(settings, allow_private=True, retries=0)
    site = VersionedSite()
    lastmod = dict.fromkeys(PAGES, "2024-03-29")

    def sitemap(h: BaseHTTPRequestHandler) -> None:
        entries = "".join(
            f"<url><loc>{base}{p}</loc><lastmod>{d}</lastmod></url>" for p, d in lastmod.items()
        )
        body = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'.encode()
        h.send_response(200)
        h.send_header("Content-Type", "application/xml")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    with serve(routes={**dict.fromkeys(PAGES, site), "/sitemap.xml": sitemap}) as base:
        first = run_etl([base + "/sitemap.xml"], settings)
        second = run_etl([base + "/sitemap.xml"], settings)
        answers_after_second = Counter(site.answers)
        site.version[EDITED] = 2
        lastmod[EDITED] = (datetime.now(UTC) + timedelta(minutes=5)).isoformat(timespec="seconds")
        third = run_etl([base + "/sitemap.xml"], settings)
        untrusting = run_etl([base + "/sitemap.xml"], with_fetch(settings, trust_sitemap_lastmod=False))

    assert first.counts.pages_fetched == 3
    assert answers_after_second == Counter({200: 3})  # the second run sent no page request at all
    assert (second.counts.pages_fetched, second.counts.pages_unchanged) == (0, 3)
    assert (third.counts.pages_fetched, third.counts.pages_unchanged) == (1, 2)
    # Not trusting lastmod: every page is asked again, conditionally (its lastmod is in the future, so the
    # edited page would be asked either way).
    assert (untrusting.counts.pages_fetched, untrusting.counts.pages_unchanged) == (0, 3)
    assert site.answers == Counter({200: 3 + 1, 304: 3})
    assert dict(_docs(settings.db_path))[base + EDITED] >= 1
