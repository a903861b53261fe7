"""The 政府信息公开 metadata table parsed into `GovInfo` (issue 16), on the layouts government CMSs print."""

from __future__ import annotations

from datetime import date

import pytest

from wenji.tasks.extract import extract_or_reason
from wenji.tasks.gov_info import label_fields, parse_gov_info
from wenji.tasks.records import GovInfo

NOTICE = [
    "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：",
    "为进一步支持海南省试点发展国际医疗旅游相关产业，国务院决定在海南博鳌乐城国际医疗旅游先行区暂时调整实施"
    "《中华人民共和国药品管理法实施条例》第三十六条的规定，对先行区内医疗机构因临床急需进口少量药品的申请，"
    "由海南省人民政府实施审批。",
]
TITLE = "国务院关于在海南博鳌乐城国际医疗旅游先行区暂时调整实施有关规定的决定"

# gov.cn 政策 pages: labels padded to one width and bold, two fields per row, 发文机关 / 发文字号.
GOV_CN = (
    '<table class="bd1"><tbody>'
    "<tr><td><b>索 引 号：</b></td><td>000014349/2018-00222</td>"
    "<td><b>主题分类：</b></td><td>卫生、体育\\医药管理</td></tr>"
    "<tr><td><b>发文机关：</b></td><td>国务院</td><td><b>成文日期：</b></td><td>2018年12月21日</td></tr>"
    f'<tr><td><b>标　　题：</b></td><td colspan="3">{TITLE}</td></tr>'
    "<tr><td><b>发文字号：</b></td><td>国发〔2018〕43号</td><td><b>发布日期：</b></td><td>2018年12月29日</td></tr>"
    "</tbody></table>"
    "<table><tbody><tr><td><b>主 题 词：</b></td><td></td><td></td><td></td></tr></tbody></table>"
)
# Hanweb 信息公开 pages: 发布机构 / 生成日期 / 信息分类, ISO dates.
HANWEB = (
    '<table class="xxgk_table">'
    "<tr><td>索引号：</td><td>11341122003210456A/2024-00456</td><td>信息分类：</td><td>县政府办文件</td></tr>"
    "<tr><td>发布机构：</td><td>县政府办</td><td>生成日期：</td><td>2024-04-25</td></tr>"
    "<tr><td>文号：</td><td>来政办〔2024〕12号</td><td>发布日期：</td><td>2024-04-26</td></tr>"
    "<tr><td>有效性：</td><td>有效</td><td>公开方式：</td><td>主动公开</td></tr></table>"
)
# One field per list item, label and value in one line.
LIST_ITEMS = (
    '<div class="xxgk-info"><ul>'
    "<li><span>索引号：</span>113201000002501234/2023-01234</li>"
    "<li><span>发布机构：</span>南京市人民政府办公厅</li>"
    "<li><span>文号：</span>宁政办发〔2023〕31号</li>"
    "<li><span>成文日期：</span>2023年6月8日</li>"
    "<li><span>有效性：</span>有效</li></ul></div>"
)
# Definition list without colons: the value is the next line.
DEFINITIONS = (
    '<dl class="meta"><dt>索引号</dt><dd>11440300007542110P/2022-00876</dd>'
    "<dt>发布机构</dt><dd>深圳市人民政府</dd><dt>发文字号</dt><dd>深府〔2022〕18号</dd>"
    "<dt>发布日期</dt><dd>2022-03-15</dd></dl>"
)


def _page(table: str) -> str:
    body = "".join(f"<p>{p}</p>" for p in NOTICE)
    return (
        f"<html><head><title>{TITLE}_中国政府网</title></head><body>"
        '<div class="nav"><a href="/">首页</a> <a href="/zhengce/">政策</a></div>'
        f'{table}<div id="UCAP-CONTENT"><h1>{TITLE}</h1>{body}</div>'
        '<div class="footer">版权所有：中国政府网</div></body></html>'
    )


def _gov_info(table: str) -> GovInfo | None:
    found = extract_or_reason(
        _page(table), "https://www.gov.cn/zhengce/content/2018-12/29/content_5353307.htm"
    )
    assert not hasattr(found, "kind"), found
    return found.meta.gov_info  # type: ignore[union-attr]


def test_gov_cn_table_with_padded_bold_labels() -> None:
    assert _gov_info(GOV_CN) == GovInfo(
        index_no="000014349/2018-00222",
        issuer="国务院",
        doc_no="国发〔2018〕43号",
        written_at=date(2018, 12, 21),
        published_at=date(2018, 12, 29),
        topic="卫生、体育\\医药管理",
        validity=None,
    )


def test_hanweb_table_with_generation_date_and_validity() -> None:
    assert _gov_info(HANWEB) == GovInfo(
        index_no="11341122003210456A/2024-00456",
        issuer="县政府办",
        doc_no="来政办〔2024〕12号",
        written_at=date(2024, 4, 25),
        published_at=date(2024, 4, 26),
        topic="县政府办文件",
        validity="有效",
    )


def test_one_field_per_list_item() -> None:
    info = _gov_info(LIST_ITEMS)
    assert info is not None
    assert (info.index_no, info.issuer, info.doc_no) == (
        "113201000002501234/2023-01234",
        "南京市人民政府办公厅",
        "宁政办发〔2023〕31号",
    )
    assert (info.written_at, info.validity, info.published_at) == (date(2023, 6, 8), "有效", None)


def test_definition_list_without_colons() -> None:
    info = _gov_info(DEFINITIONS)
    assert info is not None
    assert (info.index_no, info.issuer, info.doc_no, info.published_at) == (
        "11440300007542110P/2022-00876",
        "深圳市人民政府",
        "深府〔2022〕18号",
        date(2022, 3, 15),
    )


def test_the_table_stays_out_of_the_text() -> None:
    found = extract_or_reason(
        _page(GOV_CN), "https://www.gov.cn/zhengce/content/2018-12/29/content_5353307.htm"
    )
    text = "\n".join(found.paragraphs)  # type: ignore[union-attr]
    assert "000014349" not in text and NOTICE[0] in text


def test_a_byline_is_no_table() -> None:
    assert _gov_info('<div class="info">发布日期：2024-03-29 来源：市政府办 浏览次数：1024</div>') is None


@pytest.mark.parametrize(
    "lines",
    [
        [
            "依据《政府信息公开条例》，申请人应当写明所需信息的名称、文号：例如国发〔2018〕43号，以及获取方式。"
        ],
        ["发布日期：2024-03-29", "发布机构：市政府办"],  # two fields, no 索引号 or 文号
    ],
)
def test_prose_and_bylines_yield_nothing(lines: list[str]) -> None:
    assert parse_gov_info(lines) is None


def test_label_fields_splits_a_row_of_cells() -> None:
    assert label_fields("索 引 号：\t000014349/2018-00222\t主题分类：\t卫生、体育\\医药管理") == [
        ("index_no", "000014349/2018-00222"),
        ("topic", "卫生、体育\\医药管理"),
    ]
