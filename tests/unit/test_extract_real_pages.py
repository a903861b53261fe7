"""Failure classes found on real saved pages (issue 16): rules that keep whole documents from being lost.

Each rule is checked on a small page built the way the real page is (the dev-set page it comes from is named),
with real Chinese text, and on the negative case it must not change.
"""

from __future__ import annotations

import pytest

from wenji.tasks.extract import (
    Extracted,
    NoMainText,
    extract_html,
    extract_or_reason,
    is_byline_line,
    is_disclaimer,
    is_foot_note,
    is_full_sentence,
    is_head_note,
    is_related_heading,
    trailing_notice_start,
)

BODY = [
    "2020年，因为疫情影响，各地政府的首要任务就是助力企业复工复产，而直播带货成为各地推动消费的新方式。",
    "在这一背景下，吉林省长春市做了不一样的尝试。8月以来，长春市商务局联合电商平台举办直播月活动。",
    "这片富饶的黑土地上有丰富的农产品，有成熟的汽车产业，还有独具特色的冰雪旅游资源，值得被更多人看见。",
]
URL = "http://nb.ifeng.com/a/20200911/14526474_0.shtml"


def _page(inner: str) -> str:
    return (
        "<html><head><title>疫情防控常态化下，长春市的新经济之路_宁波频道_凤凰网</title></head><body>"
        '<div class="nav"><a href="/">首页</a> <a href="/news/">资讯</a> <a href="/city/">城市</a></div>'
        f'{inner}<div class="footer">凤凰网版权所有 京ICP证030609号</div></body></html>'
    )


def _extract(html: str) -> Extracted:
    found = extract_or_reason(html, URL)
    assert isinstance(found, Extracted), found
    return found


def test_a_share_class_on_the_article_wrapper_no_longer_condemns_the_page() -> None:
    # gne-ifeng-3: <div class="js_img_share_area" id="artical_real"><div id="main_content">…: extract_empty.
    paragraphs = "".join(f"<p>{p}</p>" for p in BODY)
    html = _page(
        f'<div class="js_img_share_area" id="artical_real"><div id="main_content">{paragraphs}</div>'
        '<div class="share">分享到： 微信 微博 QQ空间</div></div>'
    )
    assert _extract(html).paragraphs == BODY  # the share bar inside keeps its own verdict


def test_a_comment_widget_beside_the_article_stays_boilerplate() -> None:
    paragraphs = "".join(f"<p>{p}</p>" for p in BODY)
    comment = "这篇报道写得很好，长春的直播活动我也看了，农产品质量确实不错，支持家乡发展！"
    html = _page(f'<div class="article">{paragraphs}</div><div class="comments"><p>{comment}</p></div>')
    assert _extract(html).paragraphs == BODY


def test_a_page_that_is_only_a_hinted_widget_with_little_prose_stays_empty() -> None:
    html = _page('<div class="share-box"><p>分享到：微信、微博。</p></div>')
    found = extract_or_reason(html, URL)
    assert isinstance(found, NoMainText) and found.kind == "extract_empty"


def test_an_anchor_without_href_is_not_link_text() -> None:
    # Broken markup writes <a> for </a>; the parser re-opens an attribute-less <a> around the whole post.
    paragraphs = "".join(f"<p>{p}</p>" for p in BODY)
    html = _page(f'<div class="post"><a name="top">{paragraphs}</a></div>')
    assert _extract(html).paragraphs == BODY


def test_anchors_with_href_are_still_link_lists() -> None:
    links = "".join(f'<p><a href="/a/{i}.shtml">{p}</a></p>' for i, p in enumerate(BODY))
    assert extract_html(_page(f'<div class="list">{links}</div>'), URL) is None


def test_table_cells_are_joined_by_a_tab_not_by_invented_bars() -> None:
    rows = (
        "<tr><td>类别</td><td>场次</td><td>成交额（万元）</td></tr>"
        "<tr><td>农产品</td><td>12</td><td>356.8</td></tr>"
    )
    html = _page(f'<div class="article"><p>{BODY[0]}</p><table>{rows}</table><p>{BODY[1]}</p></div>')
    paragraphs = _extract(html).paragraphs
    assert paragraphs[1:3] == ["类别\t场次\t成交额（万元）", "农产品\t12\t356.8"]
    assert "|" not in "".join(paragraphs)


RELATED = "".join(
    f'<p><a href="/15/0704/{i}.html">{t}</a></p>'
    for i, t in enumerate(
        [
            "沪指3周重挫近30% 券商大佬齐聚证监会",
            "证监会又出五大招救市 千亿资金输血市场",
            "航空股：即将迎来航空旺季 业绩向好提升股价",
            "光伏产业获政策强力扶持 基金掘金相关概念股",
            "泸州老窖换届新目标遭质疑 少壮派上位面临压力",
            "海尔不再硬碰硬 与暴风科技抱团战互联网电视",
        ]
    )
)
SHORT = [
    "第一财经记者从保监会相关人士处确认，今天下午保监会也就股市相关问题召开会议，具体内容尚未透露。",
    "不过，近日关于险资护盘传言不断，会议或与险资权益类配置有关。",
]


def test_paragraphs_without_a_wrapper_beside_a_link_box_are_the_text() -> None:
    # cx-163-70: <div id="endText"><p>…</p><p>…</p><table>客户端</table><div>重点推荐 …links…</div></div>;
    # every ancestor scored negative and the comment form's "网友评论仅供其表达个人看法，…" won.
    html = _page(
        f'<div id="endText"><p>{SHORT[0]}</p><p>{SHORT[1]}</p>'
        '<table><tr><td><a href="/app">网易财经 会赚钱的客户端：</a></td>'
        '<td><a href="/xg">网易携手华泰证券 推出“打新神器”：</a></td></tr></table>'
        f"<div><h1>重点推荐</h1>{RELATED}</div></div>"
        '<div class="tie-box"><div>跟贴热词：</div><div>文明上网，登录发贴</div>'
        "<div>网友评论仅供其表达个人看法，并不表明网易立场。</div></div>"
    )
    assert _extract(html).paragraphs == SHORT


MESSAGES = [
    "留言人：王先生 留言时间：2015-06-12 "
    "问：我家小区门口的路灯已经坏了一个多月，晚上出行很不方便，请问该找哪个部门？",
    "答：您好，您反映的问题已转交城市管理局路灯管理所，预计本周内完成维修，感谢您的监督。",
]
FORM = [
    "为了更好地倾听群众呼声，请您如实填写以下内容，我们将在五个工作日内予以答复。",
    "请勿发表与留言主题无关的内容，涉及个人隐私的信息请勿填写，谢谢您的配合与支持。",
]


def test_sibling_blocks_under_body_are_joined() -> None:
    nav = '<div class="top">' + " ".join(f'<a href="/c/{i}/">栏目{i}</a>' for i in range(12)) + "</div>"
    table = "<table>" + "".join(f"<tr><td>{m}</td></tr>" for m in MESSAGES) + "</table>"
    form = "<form>" + "".join(f"<p>{f}</p>" for f in FORM) + "</form>"
    html = _page(f"{nav}{table}{nav}{form}{nav}{nav}")
    paragraphs = _extract(html).paragraphs
    assert [p for p in MESSAGES + FORM if p not in paragraphs] == []


# Class 6: a full sentence with a date and a byline word is a banner, not the next post's byline.
BANNER = "【2024-03-29】本站将于今晚22:00进行系统升级，届时暂停更新，敬请谅解。"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (BANNER, True),
        ("（2015年7月3日更新）本文数据已根据国家统计局最新公布的结果作了修订，特此说明。", True),
        ("发表于 2024-5-12 20:45:10 | 只看该作者", False),
        ("2024-03-20 16:42:31 来源：新华社", False),
        ("本站已更新。", False),  # too short to be a sentence of its own
    ],
)
def test_full_sentence(text: str, expected: bool) -> None:
    assert is_full_sentence(text) is expected
    assert is_byline_line(text) is (not expected and is_byline_line(text))


def test_a_dated_banner_after_the_lead_does_not_end_a_long_article() -> None:
    html = _page(
        f"<div class='article'><p>{BODY[0]}</p><p>{BANNER}</p><p>{BODY[1]}</p><p>{BODY[2]}</p></div>"
    )
    paragraphs = _extract(html).paragraphs
    assert [p for p in BODY if p not in paragraphs] == []
    # the next post's dated byline still ends a forum post's text
    reply = "<p>沙发 发表于 2024-5-12 20:45</p><p>楼主说得好，我们这里也在做直播带货，效果很不错。</p>"
    html = _page("<div>" + "".join(f"<p>{p}</p>" for p in BODY) + f"{reply}</div>")
    assert _extract(html).paragraphs == BODY


# Class 7: a multi-line legal notice after the article (gne-thepaper-2: 特别声明 + disclaimer + contact line).
THEPAPER_NOTICE = [
    "发送邮件至zhengwu@thepaper.cn申请加入澎湃政务号或媒体团",
    "特别声明",
    "本文为政务等机构在澎湃新闻上传并发布，仅代表该机构观点，不代表澎湃新闻的观点或立场，澎湃新闻仅提供信息发布平台。",
]
PORTAL_NOTICE = [
    "免责声明：",
    "1、本网站所载文章仅代表作者本人观点，不代表本站立场，仅供参考。",
    "2、凡注明“来源：某某日报”的作品，均转载自其他媒体，转载目的在于传递更多信息，并不代表本网赞同其观点。",
    "3、如因作品内容、版权和其它问题需要同本网联系的，请在30日内进行。",
    "联系电话：0571-85100000  邮箱：news@example.com.cn",
]


@pytest.mark.parametrize("notice", [THEPAPER_NOTICE, PORTAL_NOTICE])
def test_a_closing_notice_block_is_not_text(notice: list[str]) -> None:
    assert trailing_notice_start(BODY + notice) == len(BODY)
    html = _page("<div class='article'>" + "".join(f"<p>{p}</p>" for p in BODY + notice) + "</div>")
    assert _extract(html).paragraphs == BODY


def test_numbered_steps_and_a_contact_line_without_a_notice_stay() -> None:
    # A notice's own closing lines: numbered steps and its contact line are the document.
    steps = [
        "一、请各单位于4月10日前报送本单位联系人名单，逾期视为放弃。",
        "二、报送材料须加盖单位公章，并对材料的真实性负责。",
        "联系人：王某某，联系电话：0571-87054321。",
    ]
    assert trailing_notice_start(BODY + steps) is None
    html = _page("<div class='article'>" + "".join(f"<p>{p}</p>" for p in BODY + steps) + "</div>")
    assert _extract(html).paragraphs == BODY + steps


# Class 8: a related box headed by a synonym of 相关新闻
# (cx-163-12: 重点推荐 / 证券要闻 / 行业动态 / 公司新闻).
@pytest.mark.parametrize("heading", ["重点推荐", "【相关报道】", "往期回顾：", "大家都在看 更多>>"])
def test_related_heading_synonyms_end_the_text(heading: str) -> None:
    assert is_related_heading(heading)
    html = _page(
        "<div id='endText'>"
        + "".join(f"<p>{p}</p>" for p in BODY)
        + f"<h1>{heading}</h1><p><b>证券要闻</b></p><p>{RELATED[:60]}</p><p><b>公司新闻</b></p></div>"
    )
    assert _extract(html).paragraphs == BODY


def test_a_sentence_starting_with_a_synonym_is_not_a_heading() -> None:
    assert not is_related_heading("相关报道称，长春市商务局联合电商平台举办直播月活动。")
    assert not is_related_heading("重点推荐以下三类农产品：")


def test_a_headline_link_with_its_date_is_a_link_item() -> None:
    items = "".join(
        f'<li><a href="/15/07/0{i}.html">{t}</a> <span class="time">2015/07/0{i}</span></li>'
        for i, t in enumerate(
            ["刘姝威的尴尬", "乐视回应刘姝威：你落后时代了", "刘姝威第三次发文质疑乐视网"], 1
        )
    )
    dated = "2024年3月29日，<a href='/gov/'>长春市人民政府</a>召开常务会议，研究部署直播月活动。"
    html = _page(
        "<div class='article'>"
        + "".join(f"<p>{p}</p>" for p in BODY)
        + f"<p>{dated}</p><ul>{items}</ul></div>"
    )
    paragraphs = _extract(html).paragraphs
    assert paragraphs == [*BODY, "2024年3月29日，长春市人民政府召开常务会议，研究部署直播月活动。"]


# Class 9: the site's lines at the edges of the text (cx-163-30, cx-163-4, gne-qq, gne-thepaper-2).
def test_summary_original_title_bio_and_reporter_lines_at_the_edges_are_not_text() -> None:
    head = [
        "[摘要：刷单泛滥背后，是Uber产品的本土化危机，也是Google、亚马逊、特斯拉们在中国遇到的共同难题。]",
        "原标题：[亦观察] No.553 刷单是Uber中国的第一个危机？",
    ]
    foot = [
        "本文为金错刀授权网易财经《亦观察》专栏发布，转载请注明出处。本文仅代表作者观点，不代表网易立场。",
        "作者为科技商业观察家，“微创新”提出者，《微革命》作者。",
    ]
    html = _page("<div class='article'>" + "".join(f"<p>{p}</p>" for p in head + BODY + foot) + "</div>")
    assert _extract(html).paragraphs == BODY
    assert is_foot_note("扬子晚报记者 张楠") and is_foot_note("（记者 王某某 通讯员 李某）")
    assert is_disclaimer("免责声明：本文来自腾讯新闻客户端自媒体，不代表腾讯网的观点和立场。")
    assert is_head_note("09/07") and not is_head_note("2012年6月24日")  # a speech's date stays
    assert not is_foot_note("作者在文中指出，直播带货要与本地产业结合。")


# site_name from the footer when neither a meta tag nor the title names the site.
@pytest.mark.parametrize(
    ("footer", "name"),
    [
        ("主办单位：××省人民政府办公厅　　承办单位：××省大数据发展管理局", "××省人民政府办公厅"),
        ("江城日报社主办 版权所有 未经授权禁止转载 鄂ICP备05001234号", "江城日报社"),
        ("Copyright © 2003-2024 某某网 版权所有 京ICP证040123号 京公网安备11010502012345号", "某某网"),
        ("版权所有：某某县人民政府　技术支持：某某网络公司", "某某县人民政府"),
        ("Copyright © 2000-2024 XINHUANET.com All Rights Reserved.", None),
        ("版权所有 复制必究", None),
    ],
)
def test_site_name_from_the_footer(footer: str, name: str | None) -> None:
    html = (
        "<html><head><title>关于做好2024年春节期间安全生产工作的通知</title></head><body>"
        "<div class='article'>"
        + "".join(f"<p>{p}</p>" for p in BODY)
        + f"</div><div>{footer}</div></body></html>"
    )
    assert _extract(html).meta.site_name == name


def test_a_meta_site_name_wins_over_the_footer() -> None:
    html = (
        '<html><head><meta property="og:site_name" content="凤凰网"><title>长春市的新经济之路</title></head>'
        "<body><div class='article'>" + "".join(f"<p>{p}</p>" for p in BODY) + "</div>"
        "<div>主办单位：长春市商务局</div></body></html>"
    )
    assert _extract(html).meta.site_name == "凤凰网"


def test_a_site_name_after_a_space_leaves_the_title_and_its_repeat_in_the_text() -> None:
    # gne-zyyfy-1: <title>【不忘初心 牢记使命】我院……技能大赛 湖南省中医药研究院附属医院</title>, the name
    # known from the footer; the title line in the text was kept as a paragraph.
    title = "【不忘初心 牢记使命】我院医技药剂党支部举办2019年中药、药学理论知识与专业技能大赛"
    html = (
        f"<html><head><title>{title} 湖南省中医药研究院附属医院</title></head><body>"
        f"<div class='article'><p>{title}</p>" + "".join(f"<p>{p}</p>" for p in BODY) + "</div>"
        "<div>版权所有：湖南省中医药研究院附属医院 湘ICP备05001234号</div></body></html>"
    )
    found = _extract(html)
    assert (found.meta.title, found.meta.site_name) == (title, "湖南省中医药研究院附属医院")
    assert found.paragraphs == BODY
