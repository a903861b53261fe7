"""End to end: a real HTTP server on 127.0.0.1 serving the sample site, the real flow, a real DuckDB file."""

from __future__ import annotations

from pathlib import Path

import pytest

from wenji.tasks.db import open_db
from wenji.tasks.settings import load_settings, with_fetch
from wenji.tasks.site_server import Route, serve

SAMPLE_SITE = Path(__file__).resolve().parents[2] / "examples" / "site"

pytestmark = pytest.mark.slow

TABLES = ("pages", "documents", "paragraphs", "sentences", "keywords", "errors")
BOILERPLATE = ("相关热词搜索", "Copyright", "ICP", "当前位置")
# Bytes that are invalid in UTF-8 (lone continuation bytes) under a page that declares UTF-8.
UNDECODABLE = (
    b"<html><head><meta charset='utf-8'></head><body><p>"
    + bytes(range(0x80, 0xC0)) * 300
    + b"</p></body></html>"
)
BAD_ROUTES = {
    "/broken/500.html": Route(
        status=500, headers={"Content-Type": "text/html"}, body=b"<h1>Internal Server Error</h1>"
    ),
    "/files/report.pdf": Route(
        headers={"Content-Type": "application/pdf"}, body=b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"
    ),
    "/broken/garbled.html": Route(headers={"Content-Type": "text/html; charset=utf-8"}, body=UNDECODABLE),
}


def _run(db_path: Path, sources: list[str]):
    from wenji.flows.etl import run_etl

    settings = load_settings(None, db_path=str(db_path), batch_size=8)

    settings = with_fetch(settings, allow_private=True, retries=1, backoff=0.05)
    return run_etl(sources, settings)


def _counts(db_path: Path) -> dict[str, int]:
    with open_db(db_path, read_only=True) as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


@pytest.fixture(scope="module")
def loaded(prefect_api: str, tmp_path_factory: pytest.TempPathFactory):
    db_path = tmp_path_factory.mktemp("etl") / "wenji.duckdb"
    with serve(SAMPLE_SITE, routes=BAD_ROUTES) as base:
        sources = [f"{base}/sitemap.xml", *(base + path for path in BAD_ROUTES)]
        first = _run(db_path, sources)
        after_first = _counts(db_path)
        second = _run(db_path, sources)
        after_second = _counts(db_path)
    return db_path, first, second, after_first, after_second


def test_seed_page_becomes_two_speeches(loaded) -> None:
    db_path = loaded[0]
    with open_db(db_path, read_only=True) as con:
        titles = [
            r[0]
            for r in con.execute(
                "SELECT title FROM documents WHERE url LIKE '%/qihuashu/2024032901.html' ORDER BY part_no"
            ).fetchall()
        ]
        page = con.execute(
            "SELECT encoding FROM pages WHERE url LIKE '%/qihuashu/2024032901.html'"
        ).fetchone()
    assert titles == ["在决胜全国文明城市誓师大会上的讲话", "在听取巡察组巡察情况汇报会上的讲话"]
    assert page == ("gb18030",)


def test_no_boilerplate_and_page_breaks_joined(loaded) -> None:
    db_path = loaded[0]
    with open_db(db_path, read_only=True) as con:
        for phrase in BOILERPLATE:
            hits = con.execute("SELECT url FROM documents WHERE contains(text, ?)", [phrase]).fetchall()
            assert hits == [], f"{phrase!r} left in {hits}"
        for joined in ("迫在眉睫", "城市品质", "查办"):
            assert (
                con.execute("SELECT count(*) FROM documents WHERE contains(text, ?)", [joined]).fetchone()[0]
                >= 1
            )
        assert con.execute("SELECT count(*) FROM paragraphs WHERE trim(text) = '。'").fetchone()[0] == 0


def test_gbk_pages_are_decoded(loaded) -> None:
    db_path = loaded[0]
    with open_db(db_path, read_only=True) as con:
        gbk = con.execute(
            "SELECT url, encoding_source FROM pages WHERE encoding = 'gb18030' ORDER BY url"
        ).fetchall()
        mojibake = con.execute(
            "SELECT count(*) FROM documents d JOIN pages p USING (page_id) "
            "WHERE p.encoding = 'gb18030' "
            "AND (contains(d.text, '\ufffd') OR NOT regexp_matches(d.text, '[\u4e00-\u9fff]{20}'))"
        ).fetchone()[0]
    assert len(gbk) >= 5
    assert {src for _, src in gbk} >= {
        "header",
        "meta",
    }  # declared in the HTTP header on some, in <meta> on others
    assert mojibake == 0


def test_every_document_has_tokens_and_keywords(loaded) -> None:
    db_path = loaded[0]
    with open_db(db_path, read_only=True) as con:
        n_docs = con.execute("SELECT count(*) FROM documents").fetchone()[0]
        without_tokens = con.execute(
            "SELECT count(*) FROM documents WHERE doc_id NOT IN (SELECT doc_id FROM tokens)"
        ).fetchone()[0]
        without_keywords = con.execute(
            "SELECT count(*) FROM documents WHERE doc_id NOT IN (SELECT doc_id FROM keywords)"
        ).fetchone()[0]
        token_sum = con.execute(
            "SELECT sum(n_tokens) = (SELECT count(*) FROM tokens) FROM documents"
        ).fetchone()[0]
    assert n_docs >= 15
    assert without_tokens == 0 and without_keywords == 0
    assert token_sum


def test_bad_pages_become_error_rows_and_the_run_finishes(loaded) -> None:
    db_path, first = loaded[0], loaded[1]
    with open_db(db_path, read_only=True) as con:
        errors = {
            url.split("/", 3)[-1]: (stage, kind)
            for url, stage, kind in con.execute("SELECT url, stage, kind FROM errors").fetchall()
        }
        status = con.execute("SELECT status FROM runs ORDER BY started_at").fetchall()
    assert errors["broken/500.html"] == ("fetch", "fetch_http_500")
    assert errors["files/report.pdf"][1] == "fetch_not_html"
    assert "broken/garbled.html" in errors
    assert status == [("done",), ("done",)]
    assert first.counts.documents >= 15


def test_second_run_changes_no_row_counts(loaded) -> None:
    _, _, second, after_first, after_second = loaded
    assert after_second == after_first
    assert second.counts.pages_unchanged == after_first["pages"]
    assert second.counts.documents == 0
