"""Bad input through the real flow: every hostile page ends as a loaded document or an `errors` row with
a reason code and a message, and the run finishes. The pages are generated here, never committed."""

from __future__ import annotations

from pathlib import Path

import pytest
from db_checks import assert_run_stats_agree

from wenji.tasks.db import open_db
from wenji.tasks.settings import load_settings, with_fetch
from wenji.tasks.site_server import serve

pytestmark = pytest.mark.slow

SAMPLE_SITE = Path(__file__).resolve().parents[2] / "examples" / "site"
GBK_PAGE = SAMPLE_SITE / "fanwen" / "qihuashu" / "2024032901.html"  # the seed page, GB18030 bytes
SPEECH = "各位领导、同志们：今天我们召开全市文明城市创建工作推进会，主要任务是总结工作、部署任务。"
MAX_BYTES = 20_000_000  # FetchConfig.max_bytes, the default


def _page(body: str) -> str:
    head = "<head><meta charset='utf-8'><title>创建工作推进会讲话</title></head>"
    return f"<html>{head}<body>{body}</body></html>"


def hostile_pages() -> dict[str, bytes]:
    """name -> bytes; the expected outcome is in the name's comment in the test below."""
    seed = GBK_PAGE.read_bytes()
    paragraphs = "".join(f"<p>{SPEECH}</p>" for _ in range(5))
    return {
        "truncated.html": seed[: len(seed) // 2 + 1],  # cut mid-tag and, likely, mid-character
        "binary.html": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40,
        "pdf.html": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        "deep.html": _page("<div>" * 10_000 + paragraphs + "</div>" * 10_000).encode(),
        "huge_single_line.html": _page(
            "<p>" + "我们要坚持以人民为中心。" * (MAX_BYTES // 36 + 10) + "</p>"
        ).encode(),
        "big_single_line.html": _page(paragraphs * 400).encode(),  # 1 MB on one line, under the limit
        "mixed_encodings.html": _page(paragraphs).encode("utf-8") + f"<p>{SPEECH}</p>".encode("gbk") * 40,
        "mixed_encodings_mostly_utf8.html": _page(paragraphs * 20 + "<p>" + "GBK片段" + "</p>").encode()
        + "<p>附件说明</p>".encode("gbk"),
        "nul_start.html": b"\x00\x00<html><body>" + paragraphs.encode() + b"</body></html>",
        # A NUL in the first kilobyte means binary (fetch.binary_kind); past it, a stray byte in a page.
        "nul_inside.html": _page(
            paragraphs * 2 + "<p>" + SPEECH.replace("任务", "任\x00务") + "</p>"
        ).encode(),
        "surrogates.html": _page(paragraphs + "<p>坏字：&#xDC80; &#xD800;</p>").encode()
        + "<p>\udc80</p>".encode("utf-8", "surrogateescape")
        + b"<p>\xed\xb2\x80</p>",
        "empty.html": b"",
        "whitespace.html": b"   \n\t  ",
        "english.html": _page(
            "".join(
                f"<p>The city held a meeting on public services, number {i}, to plan the work.</p>"
                for i in range(8)
            )
        ).encode(),
        "tags_only.html": b"<html><head><title>x</title></head><body><div><span></span></div></body></html>",
    }


def test_every_hostile_page_is_loaded_or_explained(prefect_api: str, tmp_path: Path) -> None:
    from wenji.flows.etl import run_etl

    site = tmp_path / "site"
    site.mkdir()
    pages = hostile_pages()
    for name, body in pages.items():
        (site / name).write_bytes(body)
    db_path = tmp_path / "wenji.duckdb"
    settings = load_settings(None, db_path=str(db_path), batch_size=4)
    settings = with_fetch(settings, allow_private=True, retries=0)
    with serve(site) as base:
        urls = {f"{base}/{name}": name for name in pages}
        summary = run_etl(list(urls), settings)
    assert summary.status == "done"

    with open_db(db_path, read_only=True) as con:
        docs = {r[0] for r in con.execute("SELECT DISTINCT url FROM documents").fetchall()}
        errors = {r[0]: (r[1], r[2]) for r in con.execute("SELECT url, kind, message FROM errors").fetchall()}
        texts = dict(con.execute("SELECT url, string_agg(text, '\n') FROM documents GROUP BY url").fetchall())
    outcome = {
        name: "document" if url in docs else errors.get(url, ("LOST", ""))[0] for url, name in urls.items()
    }
    assert "LOST" not in outcome.values(), outcome
    for url, (kind, message) in errors.items():
        assert kind and len(message) > 20, (url, kind, message)

    assert outcome["binary.html"] == outcome["pdf.html"] == "fetch_not_html"
    assert outcome["nul_start.html"] == "fetch_not_html"
    assert outcome["empty.html"] == "fetch_empty"
    assert outcome["huge_single_line.html"] == "fetch_too_large"
    assert outcome["tags_only.html"] == "extract_empty"
    for name in ("truncated.html", "deep.html", "big_single_line.html", "nul_inside.html", "surrogates.html"):
        assert outcome[name] == "document", (name, outcome[name])
    assert SPEECH in texts[f"{base}/deep.html"]
    assert "\x00" not in "".join(texts.values()) and "\udc80" not in "".join(texts.values())
    # The run's counters hold each error kind with its count, and the documents it loaded.
    assert len(assert_run_stats_agree(db_path, summary.run_id)) >= 4
