"""Extraction rules for the noise real Chinese CMSs put around and inside the text (bench/extraction pages).

Each rule is checked on its own with real snippets, and on a small page where it changes what is extracted.
"""

from __future__ import annotations

import pytest

from wenji.tasks.extract import (
    extract_html,
    is_attachment_line,
    is_byline_line,
    is_counter_line,
    is_hidden_element,
    is_meta_line,
    is_photo_credit_line,
    is_widget_line,
)

BODY = [
    "3月以来，街道社区卫生服务中心联合辖区12个社区，开展“健康进万家”春季义诊活动，为居民提供免费测血压、血糖和健康咨询服务。",
    "活动现场，来自中心全科、中医科、口腔科的医生耐心为居民解答问题，提醒老人按时服药、少吃咸菜，每天坚持散步半小时。",
]


def _page(inner: str, title: str = "义诊进社区") -> str:
    return (
        f"<html><head><title>{title}_某某网</title></head><body>"
        '<div class="nav"><a href="/">首页</a> <a href="/news/">新闻</a> <a href="/gov/">政务</a></div>'
        f'{inner}<div class="footer">版权所有 某某网 京ICP备12345678号</div></body></html>'
    )


def _paragraphs(html: str) -> list[str]:
    found = extract_html(html, "https://example.cn/a/1.html")
    assert found is not None
    return found.paragraphs


# ------------------------------------------------------------------------------------------ hidden content


def test_visibility_hidden_is_not_hiding_but_display_none_is() -> None:
    assert not is_hidden_element({"style": "visibility: hidden;"})
    assert is_hidden_element({"style": "DISPLAY:none"})
    assert is_hidden_element({"hidden": None})


def test_wechat_body_revealed_by_script_is_extracted() -> None:
    paras = "".join(f'<p><span style="font-size: 15px;">{p}</span></p>' for p in BODY)
    html = _page(
        '<h1 class="rich_media_title">义诊进社区</h1>'
        '<div class="rich_media_content" id="js_content" style="visibility: hidden;">'
        f"<section>{paras}</section></div>"
        '<div id="js_pc_qr_code" style="display:none">'
        "<p>微信扫一扫关注该公众号，获取更多健康资讯和义诊活动安排。</p></div>"
    )
    assert _paragraphs(html) == BODY


# ------------------------------------------------------------------------------------------- forum threads


@pytest.mark.parametrize(
    "text", ["发表于 2024-5-12 20:45:10", "楼主| 发表于 2024-5-12 21:10:33", "2024-03-20 16:42 来源：新华社"]
)
def test_bylines(text: str) -> None:
    assert is_byline_line(text)


@pytest.mark.parametrize("text", ["2024年4月16日", "沙发", "报名截止时间为2024年5月1日，逾期不再受理。" * 3])
def test_not_bylines(text: str) -> None:
    assert not is_byline_line(text)


def test_thread_keeps_the_first_post_and_stops_at_the_next_posts_byline() -> None:
    first = (
        "去年第一次考省考，申论只考了52分，今年调整了方法考到71分，进了面试。把自己的一点经验写出来，希望对大家有用。<br>"
        "以前我拿到题就急着写，结果答案总是跑题。后来强迫自己用40分钟把材料读两遍，第一遍看结构，第二遍标出问题、原因、对策。"
    )
    reply = (
        "感谢楼主分享，写得太实在了！我现在就是第一条的问题，拿到题目就想写，"
        "材料看得很粗，经常漏要点，请问第二遍怎么标注？"
    )
    posts = (
        '<div class="pi"><em>楼主</em> 发表于 2024-5-12 20:31:45</div>'
        f'<table><tr><td class="t_f">{first}</td></tr></table>'
        '<div class="pi"><em>沙发</em> 发表于 2024-5-12 20:45:10</div>'
        f'<table><tr><td class="t_f">{reply}</td></tr></table>'
        '<div class="pi"><em>板凳</em> 发表于 2024-5-12 21:02:11</div>'
        f'<table><tr><td class="t_f">{reply}</td></tr></table>'
    )
    html = _page(
        f'<div id="postlist"><h1>[经验分享] 申论从52到71，说说我的备考方法</h1>'
        f'<div class="hm">查看: 8526 | 回复: 37</div>{posts}</div>',
        title="申论从52到71，说说我的备考方法",
    )
    paras = _paragraphs(html)
    assert paras[0].startswith("去年第一次考省考")
    assert paras[-1].endswith("原因、对策。")
    assert not any("感谢楼主" in p or "查看" in p for p in paras)


# ------------------------------------------------------------------------------------------ line verdicts


@pytest.mark.parametrize(
    "text", ["查看: 8526 | 回复: 37", "阅读 1207", "12 主题 240 帖子", "阅读 1.2万 在看 35", "积分 1568"]
)
def test_counter_lines(text: str) -> None:
    assert is_counter_line(text)


@pytest.mark.parametrize("text", ["1. 需求", "3月29日", "2023年", "共有3人参加", "5G", "第十条", "iPhone 15"])
def test_not_counter_lines(text: str) -> None:
    assert not is_counter_line(text)


@pytest.mark.parametrize(
    "text", ["新华社记者 张某 摄", "人民网记者 赵某某摄", "（记者 王某 摄）", "图/通讯员 李四 摄影"]
)
def test_photo_credits(text: str) -> None:
    assert is_photo_credit_line(text)


@pytest.mark.parametrize(
    "text",
    [
        "节目由县融媒体中心拍摄",
        "图为3月23日，游客在油菜花田中游览。",
        "记者从农业农村部获悉，春播进度快于上年同期摄",
    ],
)
def test_not_photo_credits(text: str) -> None:
    assert not is_photo_credit_line(text)


@pytest.mark.parametrize(
    "text",
    [
        "【纠错】 【责任编辑:李某某 】",
        "《 人民日报 》（ 2024年03月25日 13 版）",
        "以下是小编为大家收集的2024年社区上半年工作总结范文，仅供参考，欢迎大家阅读。",
        "长按识别二维码 关注我们",
    ],
)
def test_new_widget_lines(text: str) -> None:
    assert is_widget_line(text)


def test_widget_phrases_inside_prose_stay() -> None:
    assert not is_widget_line("《人民日报》刊发评论员文章，强调要把制度优势更好转化为治理效能。")


@pytest.mark.parametrize(
    "text",
    [
        "(责编：陈某某、刘某)",
        "制定机关：\t××市人民代表大会常务委员会\t法律性质：\t地方性法规",
        "公布日期：\t2023-12-12\t施行日期：\t2024-03-01",
    ],
)
def test_new_meta_lines(text: str) -> None:
    assert is_meta_line(text)


def test_attachment_line_with_a_download_link_is_kept() -> None:
    assert is_attachment_line("附件：××县2024年防汛抗旱重点部位责任人名单")
    assert not is_attachment_line("附件：")
    body = "".join(f"<p>{p}</p>" for p in BODY)
    html = _page(
        f'<div id="zoom">{body}<p>附件：<a href="/files/1.xlsx">××县2024年防汛抗旱重点部位责任人名单</a></p>'
        "<p>××县人民政府办公室</p></div>"
    )
    assert "附件：××县2024年防汛抗旱重点部位责任人名单" in _paragraphs(html)


def test_credit_and_edition_lines_are_dropped_from_a_news_body() -> None:
    body = (
        f"<p>{BODY[0]}</p><p><img src='a.jpg'></p><p>图为3月23日，居民在社区义诊现场咨询。</p>"
        f"<p>人民网记者 赵某某摄</p><p>{BODY[1]}</p><p>《 人民日报 》（ 2024年03月25日 13 版）</p>"
        "<div>(责编：陈某某、刘某)</div>"
    )
    assert _paragraphs(_page(f'<div class="rm_txt_con">{body}</div>')) == [
        BODY[0],
        "图为3月23日，居民在社区义诊现场咨询。",
        BODY[1],
    ]
