"""Extraction: the seed page rebuilt as a real page, metadata heuristics, and the batch step."""

from __future__ import annotations

import html
from datetime import datetime
from pathlib import Path

import pytest

from wenji.tasks.clean import clean_paragraphs
from wenji.tasks.extract import (
    choose_title,
    extract_batch,
    extract_html,
    extract_or_reason,
    is_meta_line,
    is_widget_line,
    parse_breadcrumb,
    parse_datetime,
    split_title,
)
from wenji.tasks.records import Page, content_hash
from wenji.tasks.split import split_documents

# Text of one real 范文 page (a copy of the project's seed page), rebuilt into HTML below.
SEED = Path(__file__).resolve().parents[1] / "corpus" / "seed_speeches.txt"
BOILERPLATE = ("相关热词搜索", "Copyright", "ICP", "当前位置", "发布时间", "相关文章", "最新文章", "版权所有")


def seed_lines() -> list[str]:
    return SEED.read_text(encoding="utf-8").split("\n")


def seed_html() -> str:
    """The seed text as a 范文 portal page: body lines as <p>, the page's own boilerplate around them."""
    lines = seed_lines()
    start = next(i for i, ln in enumerate(lines) if ln.strip() == "在决胜全国文明城市誓师大会上的讲话")
    end = next(i for i, ln in enumerate(lines) if ln.startswith("相关热词搜索"))
    body = "\n".join(f"<p>&nbsp;{html.escape(ln.strip())}</p>" for ln in lines[start:end] if ln.strip())
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>决胜全国文明城市誓师大会上讲话_博文学习网</title><meta name="keywords" content="誓师,决胜">
<script>var x = "<p>不要我</p>";</script><style>p {{ margin: 0 }}</style></head><body>
<div class="top"><a href="/">首页</a> | <a href="/fw/">范文大全</a> | <a href="/jh/">讲话稿</a></div>
<div class="main"><div class="left">
<div class="weizhi">当前位置:<a href="/">首页</a> &gt; <a href="/fw/">范文大全</a> &gt;
<a href="/qhs/">企划书</a> &gt; 正文</div>
<div class="art"><h1>决胜全国文明城市誓师大会上讲话</h1>
<div class="info">发布时间:2024-03-29 01:55:14 影响了:<span>2356</span></div>
<div class="con">{body}</div>
<div class="ci">相关热词搜索:<a href="/t/1">誓师</a> <a href="/t/2">决胜</a> <a href="/t/3">大会上</a></div>
<div class="xg"><div>相关文章</div><ul>
<li><a href="/1.html">在全市创建全国文明城市工作推进会上的讲话稿</a></li>
<li><a href="/2.html">在县委巡察工作动员部署会议上的讲话范文</a></li></ul>
<div>最新文章</div><ul><li><a href="/3.html">2024年度党支部书记抓党建工作述职报告范文</a></li></ul></div>
</div></div></div>
<div class="foot">Copyright &copy; 2008 - 2017 版权所有 博文学习网<br>
工业和信息化部 湘ICP备09005888号-226357</div></body></html>"""


@pytest.fixture(scope="module")
def seed_docs() -> tuple[object, list[tuple[str, list[str]]]]:
    extracted = extract_html(seed_html(), "http://www.bwxx.example.cn/qihuashu/2024032901.html")
    assert extracted is not None
    return extracted.meta, split_documents(extracted.meta.title, clean_paragraphs(extracted.paragraphs))


def test_seed_page_metadata(seed_docs) -> None:
    meta, _ = seed_docs
    assert meta.title == "决胜全国文明城市誓师大会上讲话"
    assert meta.published_at == datetime(2024, 3, 29, 1, 55, 14)
    assert meta.category_path == ["范文大全", "企划书"]
    assert meta.tags == ["誓师", "决胜", "大会上"]
    assert meta.site_name == "博文学习网"
    assert meta.language == "zh"


def test_seed_page_is_two_speeches(seed_docs) -> None:
    _, docs = seed_docs
    assert [t for t, _ in docs] == [
        "在决胜全国文明城市誓师大会上的讲话",
        "在听取巡察组巡察情况汇报会上的讲话",
    ]
    # The heading is the title, not the first line; each text starts at its salutation.
    assert [paras[0] for _, paras in docs] == ["同志们：", "同志们："]
    assert all("决胜全国文明城市誓师大会上讲话" not in p for _, paras in docs for p in paras)


def test_seed_page_text_is_repaired_and_clean(seed_docs) -> None:
    _, docs = seed_docs
    first, second = ("\n".join(paras) for _, paras in docs)
    for phrase in (
        "迫在眉睫",
        "城市品质",
        "创文工作难以挽回",
        "“三洗六见一红旗”",
        "在第X届全国文明城市评选表彰之年，",
    ):
        assert phrase in first
    assert "查办问题线索" in second and "新时代X高质量发展" in second
    assert "20XX年以来" in first and "XX个全国文明村镇" in first
    assert "一、紧绷决战之弦，坚定创则必成的信心和决心" in docs[0][1]
    for text in (first, second):
        assert not any(b in text for b in BOILERPLATE)
        assert "不要我" not in text
        assert all(line.strip("。 ") for line in text.split("\n"))


def test_comments_related_lists_and_footer_are_not_main_text() -> None:
    page = """<html><head><title>读后感_学习网</title></head><body>
    <div id="nav"><a href="/">首页</a><a href="/a">作文</a><a href="/b">读后感</a></div>
    <div class="post"><h1>读后感</h1><div class="text">
    <p>寒假里，我用了整整两周时间读完了路遥的《平凡的世界》，合上书久久不能平静。</p>
    <p>我们每个人都是平凡的，但平凡并不意味着平庸，只要不放弃努力，平凡的人生同样可以闪闪发光。</p>
    </div></div>
    <div class="comment-list"><p>写得真好，我也读了好几遍，每次读都有新的感受，太让人感动了。</p></div>
    <div class="box"><h3>猜你喜欢</h3><a href="/1">读《活着》有感八百字范文</a><br>
    <a href="/2">读《红岩》有感精选五篇</a></div>
    <div class="bottom">版权所有 学习网 京ICP备0000号</div></body></html>"""
    extracted = extract_html(page, "http://x.example/1.html")
    assert extracted is not None
    assert extracted.paragraphs == [
        "寒假里，我用了整整两周时间读完了路遥的《平凡的世界》，合上书久久不能平静。",
        "我们每个人都是平凡的，但平凡并不意味着平庸，只要不放弃努力，平凡的人生同样可以闪闪发光。",
    ]


def test_br_lines_and_indentation_make_paragraphs() -> None:
    page = """<html><body><div>&nbsp;&nbsp;&nbsp;&nbsp;同志们：<br>\u3000\u3000今天召开全县乡村振兴工作会议，
    主要任务是总结去年工作，安排部署今年任务。<br><br>\u3000\u3000下面，我讲三点意见。</div></body></html>"""
    extracted = extract_html(page, "http://x.example/2.html")
    assert extracted is not None
    assert clean_paragraphs(extracted.paragraphs) == [
        "同志们：",
        "今天召开全县乡村振兴工作会议，主要任务是总结去年工作，安排部署今年任务。",
        "下面，我讲三点意见。",
    ]


def test_list_page_with_teasers_gives_none() -> None:
    items = "".join(
        f'<li><h3><a href="/{i}.html">在全县第{i}次安全生产工作会议上的讲话</a></h3>'
        f"<p>同志们：今天，县委、县政府召开全县安全生产工作会议，主要任务是总结全县安全生产工作，分析形势{i}...</p>"
        f"<span>2024-02-2{i}</span></li>"
        for i in range(2)
    )
    page = f"<html><body><div class='list'><h1>讲话稿</h1><ul>{items}</ul></div></body></html>"
    assert extract_html(page, "http://x.example/jianghua/") is None
    assert extract_or_reason(page, "http://x.example/jianghua/").kind == "extract_list_page"
    untruncated = page.replace("...", "。")
    assert extract_html(untruncated, "http://x.example/jianghua/") is not None  # known miss, see docstring


def test_page_without_main_text_gives_none() -> None:
    links = "".join(f'<li><a href="/{i}">在全市第{i}次工作推进会上的讲话稿范文</a></li>' for i in range(20))
    assert extract_html(f"<html><body><ul>{links}</ul></body></html>", "http://x.example/") is None
    assert extract_html("", "http://x.example/") is None
    assert extract_or_reason("", "http://x.example/").kind == "extract_empty"


@pytest.mark.parametrize(
    ("raw", "title", "site"),
    [
        ("决胜全国文明城市誓师大会上讲话_博文学习网", "决胜全国文明城市誓师大会上讲话", "博文学习网"),
        ("我省新建改造农村公路5000公里 - 要闻 - 江南日报网", "我省新建改造农村公路5000公里", "江南日报网"),
        ("2023-2024学年度第一学期工作总结|范文网", "2023-2024学年度第一学期工作总结", "范文网"),
        ("工作总结", "工作总结", None),
    ],
)
def test_split_title(raw: str, title: str, site: str | None) -> None:
    assert split_title(raw) == (title, site)


def test_choose_title_prefers_matching_heading_over_logo_h1() -> None:
    title = choose_title(
        "关于做好春季森林防火工作的通知_某某市人民政府",
        None,
        ["某某市人民政府", "关于做好2024年春季森林防火工作的通知"],
        "某某市人民政府",
    )
    assert title == "关于做好2024年春季森林防火工作的通知"
    assert choose_title("讲话稿_博文学习网", None, ["博文学习网"], "博文学习网") == "讲话稿"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-29T01:55:14+08:00", datetime(2024, 3, 29, 1, 55, 14)),
        ("2024-03-28T17:55:14Z", datetime(2024, 3, 29, 1, 55, 14)),
        ("2024-03-29 10:30", datetime(2024, 3, 29, 10, 30)),
        ("2024年3月29日", datetime(2024, 3, 29)),
        ("2024/3/29 1:55", datetime(2024, 3, 29, 1, 55)),
        ("2024年13月45日", None),
        ("影响了", None),
    ],
)
def test_parse_datetime(value: str, expected: datetime | None) -> None:
    assert parse_datetime(value) == expected


def test_breadcrumb() -> None:
    assert parse_breadcrumb("当前位置:首页 > 范文大全 > 讲话稿 > 正文") == ["范文大全", "讲话稿"]
    assert parse_breadcrumb("首页 » 新闻中心 » 图片新闻") == ["新闻中心", "图片新闻"]
    assert parse_breadcrumb("当前位置: 首页 -> 领导讲话 -> 正文") == ["领导讲话"]
    assert parse_breadcrumb("首页要闻：全省春耕生产有序推进") is None


def test_meta_and_widget_lines() -> None:
    assert is_meta_line("发布时间:2024-03-29 01:55:14 影响了:")
    assert is_meta_line("来源：市政府办公室　发布时间：2024-03-29 10:30　浏览次数：")
    assert is_meta_line("发表于 2023年11月5日 20:31 · 分类：读后感")
    assert not is_meta_line("时间：2024年4月1日上午9:00")
    assert not is_meta_line("2024年3月25日")
    assert is_widget_line("Copyright © 2008 - 2017 版权所有 博文学习网")
    assert is_widget_line("分享到：微信 QQ空间")
    assert not is_widget_line("坚持以习近平新时代中国特色社会主义思想为指导，深入学习贯彻党的二十大精神。")


def _page(url: str, text: str) -> Page:
    body = text.encode("utf-8")
    return Page(
        url=url,
        final_url=url,
        status=200,
        content_type="text/html",
        body=body,
        text=text,
        encoding="utf-8",
        encoding_source="header",
        bad_bytes=0,
        content_hash=content_hash(body),
        fetched_at=datetime(2024, 4, 1),
    )


def test_extract_batch_documents_errors_and_counters() -> None:
    empty = "<html><body><a href='/'>首页</a></body></html>"
    result = extract_batch(
        [
            _page("http://x.example/seed.html", seed_html()),
            _page("http://x.example/empty.html", empty),
        ]
    )
    assert [(d.url, d.part_no, d.title) for d in result.items] == [
        ("http://x.example/seed.html", 0, "在决胜全国文明城市誓师大会上的讲话"),
        ("http://x.example/seed.html", 1, "在听取巡察组巡察情况汇报会上的讲话"),
    ]
    assert result.items[0].meta.title == "决胜全国文明城市誓师大会上讲话"
    assert [(e.url, e.stage, e.kind) for e in result.errors] == [
        ("http://x.example/empty.html", "extract", "extract_empty")
    ]
    assert result.counters["pages"] == 2
    assert result.counters["documents"] == 2
    assert result.counters["split_pages"] == 1
    assert result.counters["dropped_extract_empty"] == 1
