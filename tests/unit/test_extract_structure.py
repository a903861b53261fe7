"""Extraction rules for structure and metadata around the text: tables, breadcrumbs, publication dates,
provenance notes and code blocks (gaps found on the bench/extraction pages).

Each rule is checked on its own with real snippets, and on a small page where it changes what is extracted.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from selectolax.lexbor import LexborHTMLParser, LexborNode

from wenji.tasks.extract import (
    Extracted,
    extract_html,
    is_data_cell,
    is_line_number_gutter,
    is_provenance_line,
)

BODY = [
    "近日，省人力资源和社会保障厅、省财政厅联合印发《关于提高城乡居民基本养老保险基础养老金标准的通知》，现就有关问题解读如下。",
    "城乡居民基本养老保险是保障农村和城镇非就业居民老年基本生活的重要制度安排，适当提高基础养老金标准有利于共享发展成果。",
]


def _page(inner: str, title: str = "基础养老金标准政策解读", head: str = "") -> str:
    return (
        f"<html><head><title>{title}_某某省人力资源和社会保障厅</title>{head}</head><body>"
        '<div class="nav"><a href="/">首页</a> <a href="/zwgk/">政务公开</a> <a href="/fw/">服务</a></div>'
        f'{inner}<div class="footer">版权所有 某某省人社厅 京ICP备12345678号</div></body></html>'
    )


def _extract(html: str) -> Extracted:
    found = extract_html(html, "https://example.gov.cn/art/2024/4/8/art_1.html")
    assert found is not None
    return found


def _cell(html: str) -> bool:
    node = LexborHTMLParser(f"<table><tr>{html}</tr></table>").css_first("td, th")
    assert node is not None
    return is_data_cell(node)


# ------------------------------------------------------------------------------------------------- tables


def test_short_cells_with_paragraphs_are_data_cells() -> None:
    assert _cell('<td style="width:22%"><p align="center"><b>执行年份</b></p></td>')
    assert _cell("<td><p>城北水厂</p><p>（红旗路12号）</p></td>")
    assert _cell("<th>比上年增加（元）</th>")


def test_cells_holding_an_article_a_list_or_a_table_are_layout_cells() -> None:
    assert not _cell("<td>" + "".join(f"<p>{p}</p>" for p in BODY) + "</td>")
    assert not _cell("<td><ul><li>首页</li><li>新闻</li></ul></td>")
    assert not _cell("<td><table><tr><td>标题</td></tr></table></td>")
    assert not _cell("<td><h1>关于开展春季义诊活动的通知</h1></td>")


def test_a_table_in_the_article_comes_out_one_row_per_line() -> None:
    rows = [("执行年份", "全省最低标准（元/月）"), ("2023年", "158"), ("2024年", "178")]
    table = "".join(
        "<tr>" + "".join(f'<td><p align="center">{c}</p></td>' for c in row) + "</tr>" for row in rows
    )
    html = _page(
        f'<div class="article"><p>{BODY[0]}</p><p>近三年调整情况如下表：</p>'
        f'<table border="1"><tbody>{table}</tbody></table><p>{BODY[1]}</p><ul><li>一是提标。</li>'
        "<li>二是补发。</li></ul></div>"
    )
    assert _extract(html).paragraphs == [
        BODY[0],
        "近三年调整情况如下表：",
        "执行年份\t全省最低标准（元/月）",
        "2023年\t158",
        "2024年\t178",
        BODY[1],
        "一是提标。",
        "二是补发。",
    ]


def test_a_layout_table_still_gives_one_line_per_paragraph() -> None:
    cell = "".join(f"<p>{p}</p>" for p in BODY)
    html = _page(
        f'<table width="980"><tr><td width="200"><a href="/">返回首页</a></td><td>{cell}</td></tr></table>'
    )
    assert _extract(html).paragraphs == BODY


# -------------------------------------------------------------------------------------------- breadcrumbs


def _crumbs(crumb_html: str, title: str = "基础养老金标准政策解读", menu: str = "") -> list[str]:
    html = _page(
        f"{menu}{crumb_html}<h1>{title}</h1><div>{''.join(f'<p>{p}</p>' for p in BODY)}</div>", title
    )
    return _extract(html).meta.category_path


def test_breadcrumb_in_a_path_div_without_a_label() -> None:
    crumb = (
        '<div class="path"><a href="/news/">新闻中心</a> &gt; <a href="/china/">国内新闻</a> &gt; 正文</div>'
    )
    assert _crumbs(crumb) == ["新闻中心", "国内新闻"]


def test_breadcrumb_with_slashes_marked_by_aria_label() -> None:
    crumb = (
        '<nav class="crumb" aria-label="breadcrumb"><a href="/">首页</a><span>/</span>'
        '<a href="/kepu/">健康科普</a><span>/</span><a href="/kepu/yongyao/">合理用药</a></nav>'
    )
    assert _crumbs(crumb) == ["健康科普", "合理用药"]


def test_breadcrumb_rooted_at_traditional_home_in_a_plain_div() -> None:
    crumb = (
        '<div><a href="/">首頁</a> &gt; <a href="/pns/">每日明報</a> &gt; <a href="/pns/hk/">港聞</a></div>'
    )
    assert _crumbs(crumb) == ["每日明報", "港聞"]


def test_breadcrumb_ending_at_the_page_title_drops_the_site_name() -> None:
    title = "新人求助：乡镇上半年工作总结怎么写？"
    crumb = f'<div id="pt"><a href="/">某某论坛</a> › <a href="/forum-12-1.html">公文写作</a> › {title}</div>'
    html = _page(f"{crumb}<h1>{title}</h1><div>{''.join(f'<p>{p}</p>' for p in BODY)}</div>", title)
    html = html.replace(
        f"<title>{title}_某某省人力资源和社会保障厅",
        f"<title>{title} - 公文写作 - 某某论坛 - Powered by Discuz!",
    )
    found = _extract(html)
    assert found.meta.site_name == "某某论坛"
    assert found.meta.category_path == ["公文写作"]


def test_labelled_breadcrumb_with_a_longer_label() -> None:
    crumb = (
        '<div>您当前的位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; '
        '<a href="/wj/">政府文件</a></div>'
    )
    assert _crumbs(crumb) == ["政务公开", "政府文件"]


def test_menus_are_not_breadcrumbs() -> None:
    menus = [
        '<div id="topbar"><a href="/">首頁</a> | <a href="/i/">即時新聞</a> | <a href="/p/">明報</a></div>',
        '<div class="menu"><a href="/">首页</a> / <a href="/news/">新闻</a> / <a href="/gov/">政务</a></div>',
        '<div><a href="/news/">新闻</a> &gt; <a href="/gov/">政务</a> &gt; <a href="/fw/">服务</a></div>',
    ]
    for menu in menus:
        assert _crumbs("", menu=menu) == [], menu


def test_an_arrow_inside_the_text_is_not_a_breadcrumb() -> None:
    para = (
        '<div><p>流程：<a href="/sq/">网上申请</a> &gt; 窗口审核 &gt; 办结，一般5个工作日内完成。</p></div>'
    )
    html = _page(f"<h1>基础养老金标准政策解读</h1><div>{''.join(f'<p>{p}</p>' for p in BODY)}</div>{para}")
    assert _extract(html).meta.category_path == []


# ------------------------------------------------------------------------------------------ published_at

ARTICLE = f"<div>{''.join(f'<p>{p}</p>' for p in BODY)}</div>"


def _published(header: str, head: str = "") -> datetime | None:
    html = _page(f"<h1>基础养老金标准政策解读</h1>{header}{ARTICLE}", head=head)
    return _extract(html).meta.published_at


def test_json_ld_pubdate_and_date_published() -> None:
    cambrian = (
        '<script type="application/ld+json">{"@context":"https://ziyuan.baidu.com/contexts/cambrian.jsonld",'
        '"title":"基础养老金标准政策解读","pubDate":"2024-03-30T21:14:05","upDate":"2024-04-01T08:00:00"}</script>'
    )
    assert _published("", head=cambrian) == datetime(2024, 3, 30, 21, 14, 5)
    ranked = (
        '<script type="application/ld+json">{"@type":"NewsArticle","dateCreated":"2024-03-29T10:00:00+08:00",'
        '"datePublished":"2024-03-30T02:00:00Z",}</script>'
    )
    assert _published("", head=ranked) == datetime(2024, 3, 30, 10, 0)


def test_date_before_fabu_on_a_byline() -> None:
    byline = '<div><a href="/u/1">数据搬砖小李</a> <span>于&nbsp;2024-03-30 21:14:05&nbsp;发布</span></div>'
    assert _published(byline) == datetime(2024, 3, 30, 21, 14, 5)


def test_unlabelled_date_under_the_title_a_few_lines_above_the_text() -> None:
    header = (
        '<div class="time"><span><em> 2024</em></span>-03-26 <span> 10:15:32</span></div>'
        "<div>来源：新华网</div>"
        "<div>字体：<a>大</a><a>小</a></div><div>视频加载中，请稍候...</div><div>播放量：2.3万</div>"
        "<div>编辑：王某</div>"
    )
    assert _published(header) == datetime(2024, 3, 26, 10, 15, 32)


def test_labelled_date_in_a_metadata_table_row() -> None:
    table = (
        "<table><tr><td>公布日期：</td><td>2023-12-12</td><td>施行日期：</td><td>2024-03-01</td></tr></table>"
    )
    assert _published(table) == datetime(2023, 12, 12)


def test_yearless_date_is_completed_only_from_matching_page_state() -> None:
    header = '<div class="info"><span>某某晚报</span><span class="time">04-10 18:32</span></div>'
    state = (
        '<script>window.__INITIAL_STATE__={"related":[{"ptime":"2024-04-09 07:00:00"}],'
        '"article":{"title":"社区食堂","ptime":"2024-04-10 18:32:07"}}</script>'
    )
    assert _published(header, head=state) == datetime(2024, 4, 10, 18, 32, 7)
    assert _published(header) is None
    other_day = state.replace("2024-04-10 18:32:07", "2024-04-11 18:32:07")
    assert _published(header, head=other_day) is None


# ------------------------------------------------------------------------------------- provenance notes


@pytest.mark.parametrize(
    "text",
    [
        "原标题：郑州地铁10号线一期正式开通",
        "（本文为凤凰网评论独家稿件，未经授权不得转载）",
        "（选自《番禺文史资料》第十八辑，有删节）",
        "（供稿：机关党委 审核：张某）",
        "(来源：人民日报)",
    ],
)
def test_provenance_lines(text: str) -> None:
    assert is_provenance_line(text)


@pytest.mark.parametrize(
    "text",
    [
        "（2024年3月14日）",
        "(本文根据会议录音整理,有删节)",
        "本报告数据来源于国家统计局和省统计局公开发布的统计公报。",
        "（一）强化稿件审核，落实“三审三校”制度，确保来源可靠、内容准确、导向正确，杜绝差错。" * 2,
    ],
)
def test_not_provenance_lines(text: str) -> None:
    assert not is_provenance_line(text)


def test_provenance_notes_are_dropped_only_at_the_edges_of_the_article() -> None:
    middle = "（以上数据摘自《2023年某某省国民经济和社会发展统计公报》）"
    html = _page(
        "<h1>基础养老金标准政策解读</h1><div>"
        "<p>　　原标题：关于提高基础养老金标准的解读</p>"
        f"<p>{BODY[0]}</p><p>{middle}</p><p>{BODY[1]}</p>"
        '<div align="right">（供稿：机关党委&nbsp;&nbsp;审核：张某）</div></div>'
    )
    assert _extract(html).paragraphs == [BODY[0], middle, BODY[1]]


# ---------------------------------------------------------------------------------- code and contents

CODE = 'import pandas as pd\ndf = pd.read_excel("sales_2023.xlsx", sheet_name="明细")\n'


def _node(html: str, selector: str) -> LexborNode:
    node = LexborHTMLParser(html).css_first(selector)
    assert node is not None
    return node


def test_line_number_gutters() -> None:
    numbers = "".join(f"<li>{i}</li>" for i in (1, 2, 3))
    inside = _node(f'<pre><code>{CODE}</code><ul class="pre-numbering">{numbers}</ul></pre>', "ul")
    assert is_line_number_gutter(inside, in_pre=True)
    beside = _node(f"<div><pre>{CODE}</pre>\n<ol><li>1</li></ol></div>", "ol")
    assert is_line_number_gutter(beside, in_pre=False)
    assert is_line_number_gutter(_node("<td><pre>1\n2\n3\n</pre></td>", "pre"), in_pre=False)


def test_numbered_lists_and_numbers_away_from_code_are_not_gutters() -> None:
    steps = _node(
        f"<div><pre>{CODE}</pre><ol><li>1. 需求</li><li>2. 用 groupby 按月汇总</li></ol></div>", "ol"
    )
    assert not is_line_number_gutter(steps, in_pre=False)
    scores = _node("<div><p>各组得分：</p><ul><li>1</li><li>2</li></ul></div>", "ul")
    assert not is_line_number_gutter(scores, in_pre=False)
    skipped = _node(f"<div><pre>{CODE}</pre><ul><li>1</li><li>3</li></ul></div>", "ul")
    assert not is_line_number_gutter(skipped, in_pre=False)
    assert not is_line_number_gutter(_node("<pre>1\n</pre>", "pre"), in_pre=False)


def test_code_blog_loses_its_linked_contents_and_line_numbers() -> None:
    toc = (
        '<div class="toc"><h3>文章目录</h3><ul><li><a href="#1">1. 需求</a></li>'
        '<li><a href="#2">2. 小结</a></li></ul></div>'
    )
    gutter = '<ul class="pre-numbering"><li>1</li><li>2</li></ul>'
    html = _page(
        f"<h1>基础养老金标准政策解读</h1><div><p></p>{toc}<h2>1. 需求</h2><p>{BODY[0]}</p>"
        f"<pre><code>{CODE}</code>{gutter}</pre><h2>2. 小结</h2><p>{BODY[1]}</p></div>"
    )
    assert _extract(html).paragraphs == [
        "1. 需求",
        BODY[0],
        "import pandas as pd",
        'df = pd.read_excel("sales_2023.xlsx", sheet_name="明细")',
        "2. 小结",
        BODY[1],
    ]


def test_a_plain_text_table_of_contents_stays() -> None:
    chapters = "".join(f"<p>{c}</p>" for c in ("目　　录", "第一章　总　　则", "第二章　通行管理"))
    html = _page(f"<h1>基础养老金标准政策解读</h1><div>{chapters}<p>{BODY[0]}</p><p>{BODY[1]}</p></div>")
    assert _extract(html).paragraphs[:3] == ["目　　录", "第一章　总　　则", "第二章　通行管理"]
