"""The 政府信息公开 fields of a gov.cn-layout page in `documents` (schema 006), asserted in SQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from wenji.tasks import db as dbmod
from wenji.tasks.extract import extract_batch
from wenji.tasks.records import Page, ProcessedDoc, content_hash
from wenji.tasks.settings import Settings
from wenji.tasks.store import load_batch, start_run
from wenji.tasks.tables import to_tables

URL = "https://www.gov.cn/zhengce/content/2018-12/29/content_5353307.htm"
HTML = (
    "<html><head><title>国务院关于在海南博鳌乐城国际医疗旅游先行区暂时调整实施有关规定的决定_中国政府网</title></head>"
    '<body><table class="bd1">'
    "<tr><td><b>索 引 号：</b></td><td>000014349/2018-00222</td>"
    "<td><b>主题分类：</b></td><td>卫生、体育\\医药管理</td></tr>"
    "<tr><td><b>发文机关：</b></td><td>国务院</td><td><b>成文日期：</b></td><td>2018年12月21日</td></tr>"
    "<tr><td><b>发文字号：</b></td><td>国发〔2018〕43号</td><td><b>发布日期：</b></td><td>2018年12月29日</td></tr>"
    '</table><div id="UCAP-CONTENT"><p>各省、自治区、直辖市人民政府，国务院各部委、各直属机构：</p>'
    "<p>为进一步支持海南省试点发展国际医疗旅游相关产业，国务院决定在海南博鳌乐城国际医疗旅游先行区暂时调整实施"
    "《中华人民共和国药品管理法实施条例》第三十六条的规定，由海南省人民政府实施审批。</p></div></body></html>"
)


def _page(url: str, html: str) -> Page:
    body = html.encode("utf-8")
    return Page(
        url=url,
        final_url=url,
        status=200,
        content_type="text/html; charset=utf-8",
        body=body,
        text=html,
        encoding="utf-8",
        encoding_source="header",
        bad_bytes=0,
        content_hash=content_hash(body),
        fetched_at=datetime.now(UTC),
    )


def test_gov_info_columns_are_loaded_and_null_elsewhere(db_path: Path) -> None:
    other = "https://www.example.com/news/1.html"
    prose = "<p>春分过后，万亩油菜花进入盛花期。连日来，前来赏花踏青的游客络绎不绝，带火了当地的民宿。</p>"
    pages = [
        _page(URL, HTML),
        _page(other, f"<html><head><title>油菜花</title></head><body>{prose}</body></html>"),
    ]
    extracted = extract_batch(pages)
    assert not extracted.errors
    docs = [ProcessedDoc(doc=d, sentences=[], keywords=[]) for d in extracted.items]
    start_run(db_path, "run1", [URL, other], Settings())
    load_batch(db_path, to_tables("run1", pages, docs, []))
    with dbmod.open_db(db_path, read_only=True) as con:
        rows = con.execute(
            "SELECT url, gov_index_no, gov_issuer, gov_doc_no, gov_written_at, gov_published_at, gov_topic,"
            " gov_validity FROM documents ORDER BY url"
        ).fetchall()
        by_issuer = con.execute("SELECT count(*) FROM documents WHERE gov_issuer = ?", ["国务院"]).fetchone()
    assert rows == [
        (other, None, None, None, None, None, None, None),
        (
            URL,
            "000014349/2018-00222",
            "国务院",
            "国发〔2018〕43号",
            date(2018, 12, 21),
            date(2018, 12, 29),
            "卫生、体育\\医药管理",
            None,
        ),
    ]
    assert by_issuer == (1,)
