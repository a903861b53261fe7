"""Noise inside the article's own container: related boxes between paragraphs, paywall boxes, reprint notices
and readers' comments rendered right under the text (bench/extraction pages fanwen-mid-related-gbk,
news-mid-reading, paywall-*, selfmedia-reprint-replies, jingyan-reprint-comments-gbk)."""

from __future__ import annotations

import pytest

from wenji.tasks.extract import (
    extract_html,
    is_comment_header_line,
    is_paywall_line,
    is_photo_credit_line,
    is_reprint_notice,
    is_widget_line,
)

P1 = "今年以来，社区围绕“邻里守望、共建共享”主题，组织开展各类志愿服务活动86场次，服务居民5000余人次。"
P2 = "社区推出了“银龄陪伴”项目，每周安排志愿者上门为独居老人打扫卫生、读报聊天，累计服务3200余小时。"
P3 = "下一步，社区将加强与辖区学校、企业的共建，吸引更多青年加入志愿者队伍，推动志愿服务常态化。"
LINKS = "".join(
    f'<li><a href="/a/{i}.html">{t}</a></li>'
    for i, t in enumerate(
        ["社区志愿服务活动总结范文精选", "学雷锋志愿服务活动方案", "新时代文明实践站工作总结"]
    )
)


def _text(inner: str) -> str:
    html = (
        "<html><head><title>社区志愿服务工作总结_某某范文网</title></head><body>"
        '<div class="top"><a href="/">首页</a> <a href="/zj/">工作总结</a> <a href="/fa/">活动方案</a></div>'
        f'<div class="box1">{inner}</div>'
        '<div class="ft">Copyright 某某范文网 京ICP备10020030号</div></body></html>'
    )
    found = extract_html(html, "https://example.cn/zj/1.html")
    assert found is not None
    return "\n".join(found.paragraphs)


def test_related_box_between_paragraphs_does_not_end_the_text() -> None:
    text = _text(f"<p>{P1}</p><p>【相关推荐】</p><ul>{LINKS}</ul><p>{P2}</p><p>二、下一步打算</p><p>{P3}</p>")
    assert P2 in text and P3 in text and "二、下一步打算" in text
    assert "相关推荐" not in text and "学雷锋" not in text


def test_related_list_after_the_text_still_ends_it() -> None:
    text = _text(
        f"<p>{P1}</p><p>{P2}</p><h3>相关推荐</h3><ul>{LINKS}</ul><p>上一篇：<a href='/1'>某某总结</a></p>"
    )
    assert text.endswith(P2)


def test_teaser_list_after_a_marker_is_tail_not_text() -> None:
    teasers = "".join(
        f'<div><a href="/b/{i}.html">江城首条空中步道明日开放{i}</a>'
        f"<p>全长1.2公里的空中步道串联起滨江公园与老城区，市民可沿步道俯瞰江景，第{i}期</p></div>"
        for i in range(3)
    )
    text = _text(f"<p>{P1}</p><p>{P2}</p><h3>猜你喜欢</h3>{teasers}")
    assert text.endswith(P2) and "空中步道" not in text


def test_paywall_box_ends_the_text_but_the_lead_and_caption_stay() -> None:
    lead = "导语：一季度多地储能项目集中并网，但“建而不用”的问题依然突出，行业亟待从“拼规模”转向“拼运营”。"
    text = _text(
        f"<p>{lead}</p><p>图为西北某地一座新能源配套储能电站。</p><p>图片来源：视觉中国</p><p>{P1}</p>"
        "<div class='pay-box'><p>本文为会员专享内容，订阅后阅读全文</p><p>年度会员</p><p>¥68/年</p>"
        "<p>开通会员，畅读全站深度报道、数据库与周刊电子版</p>"
        "<p>已是会员？<a href='/login'>登录</a></p></div>"
    )
    assert text.splitlines() == [lead, "图为西北某地一座新能源配套储能电站。", P1]


def test_reprint_notice_and_comments_under_the_text_are_dropped() -> None:
    text = _text(
        f"<p>{P1}</p><p>{P2}</p><p>本文经作者授权发布，未经许可不得转载。</p>"
        "<div><a href='/u/1'>绿萝不萝</a> <span>04-02 12:31</span></div>"
        "<div>泡沫箱这个办法太实用了，我家阳台朝北，不知道能不能种生菜？</div>"
        "<div><a href='#'>回复</a> <a href='#'>赞 18</a></div>"
    )
    assert text.splitlines() == [P1, P2]


def test_collapsed_text_and_ad_label() -> None:
    text = _text(
        f"<div class='hide-txt'><p>{P1}</p><div class='a1'><a href='https://ad.example.com'><img src='x'></a>"
        f"<span>广告</span></div><p>{P2}</p></div><div class='zk'><span>展开阅读全文 ∨</span></div>"
    )
    assert text.splitlines() == [P1, P2]


@pytest.mark.parametrize(
    "line",
    [
        "订阅后阅读全文",
        "—— 以下为付费内容，剩余约 78% ——",
        "已是会员？登录",
        "订阅专栏 ¥199/年（86篇，持续更新）",
    ],
)
def test_paywall_lines(line: str) -> None:
    assert is_paywall_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "开通会员后，可在“我的”页面查看权益，会员有效期自开通之日起计算，到期后可续费，续费价格与首次相同。",
        "年度工作会议",
    ],
)
def test_not_paywall_lines(line: str) -> None:
    assert not is_paywall_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "绿萝不萝 04-02 12:31",
        "网友 江南烟雨 2024-02-22 09:03:51",
        "老周种花 3天前",
        "小李 · 昨天 18:20 · IP属地：浙江",
    ],
)
def test_comment_headers(line: str) -> None:
    assert is_comment_header_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "某某县人民政府办公室 2024年3月29日",
        "2024-02-22 09:03",
        "会议定于3月29日 14:30在三楼会议室召开，请准时参加。",
    ],
)
def test_not_comment_headers(line: str) -> None:
    assert not is_comment_header_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "本文经作者授权发布，未经许可不得转载。",
        "转载请注明出处：百事通经验网 www.bstjy.com",
        "版权归原作者所有，如有侵权请联系删除。",
        "本文转载自“某某发布”微信公众号",
    ],
)
def test_reprint_notices(line: str) -> None:
    assert is_reprint_notice(line)


@pytest.mark.parametrize(
    "line", ["数据来源于国家统计局。", "本文根据会议录音整理。", "编辑部的同志们辛苦了。"]
)
def test_not_reprint_notices(line: str) -> None:
    assert not is_reprint_notice(line)


def test_picture_source_and_widget_lines() -> None:
    assert is_photo_credit_line("图片来源：视觉中国") and is_photo_credit_line("（图片由受访者提供）")
    assert not is_photo_credit_line("图为西北某地一座新能源配套储能电站。")
    assert is_widget_line("展开阅读全文 ∨") and is_widget_line("点击展开全文") and is_widget_line("广告")
    assert not is_widget_line("广告法规定，不得使用“国家级”“最高级”等用语。")
