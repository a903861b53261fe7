"""Fuzzing the text steps with hypothesis: decode, extract, clean and split never raise, whatever the input,
and cleaning is idempotent. Inputs mix real Chinese page fragments with hostile ones (NUL bytes, lone
surrogates, stray markup, deep nesting). Crashers found are kept below as explicit regression tests."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from wenji.tasks.clean import clean_paragraphs
from wenji.tasks.decode import decode_html
from wenji.tasks.extract import extract_html
from wenji.tasks.split import split_documents

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

CHINESE = [
    "同志们：",
    "各位领导、同志们：",
    "今天我们召开全市文明城市创建工作推进会，主要任务是总结工作、部署任务。",
    "一、紧绷决战之弦，坚定创则必成的信心和决心",
    "篇一：2024年工作总结",
    "【范文二】",
    "在决胜全国文明城市誓师大会上的讲话",
    "发布时间：2024-03-29 来源：市政府办",
    "相关文章",
    "第 X 届",
    "20XX 年",
    "党委(党组)",
    "城 市品质",
    "１２３４",
    "……",
    "。",
    "Copyright 2008 版权所有",
]
HOSTILE = [
    "\x00",
    "\udc80",
    "\ud800",
    "\ufffd",
    "\u200b",
    "\ufeff",
    "\u3000",
    "\xa0",
    "\r\n",
    "\t",
    "<",
    "&#0;",
]
TAGS = ["p", "div", "br", "td", "tr", "table", "h1", "a", "span", "font", "script", "pre", "li", "nav", "b"]

text_piece = st.one_of(st.sampled_from(CHINESE), st.sampled_from(HOSTILE), st.text(max_size=30))
paragraph = st.lists(text_piece, max_size=6).map("".join)


@st.composite
def html_page(draw: st.DrawFn) -> str:
    parts = ["<html><head><title>", draw(paragraph), "</title></head><body>"]
    for _ in range(draw(st.integers(0, 25))):
        tag = draw(st.sampled_from(TAGS))
        close = draw(st.booleans())  # unclosed tags nest, as on broken pages
        parts.append(f"<{tag}>{draw(paragraph)}" + (f"</{tag}>" if close else ""))
    if draw(st.booleans()):
        depth = draw(st.integers(0, 3000))
        parts.append("<div>" * depth + draw(paragraph) + "</div>" * draw(st.integers(0, depth)))
    return "".join(parts)


@FUZZ
@given(
    st.binary(max_size=3000),
    st.sampled_from([None, "text/html", "text/html; charset=gbk", "text/html; charset=utf-16"]),
)
def test_decode_never_raises_and_yields_encodable_text(body: bytes, content_type: str | None) -> None:
    decoded = decode_html(body, content_type)
    decoded.text.encode("utf-8")  # no lone surrogates: the text can go into Arrow and DuckDB
    assert 0 <= decoded.bad_bytes <= len(body)


@FUZZ
@given(html_page())
def test_extract_never_raises(html: str) -> None:
    extracted = extract_html(html, "https://www.gov-demo.cn/a.html")
    if extracted is not None:
        assert all(isinstance(p, str) and p for p in extracted.paragraphs)


@FUZZ
@given(st.lists(paragraph, max_size=8))
# Found by this test: the repair after joining turned "°¡" into 啊, and a second cleaning joined the paragraph
# that now began with an ideograph.
@example(
    [
        "今天我们召开全市文明城市创建工作推进会，主要任务是总结工作、部署任务。一、紧绷决战之弦，坚定创则必成的信心和决心",
        "°\x1f¡同志们：°¡",
    ]
)
def test_clean_is_idempotent(paragraphs: list[str]) -> None:
    once = clean_paragraphs(paragraphs)
    assert clean_paragraphs(once) == once


@FUZZ
@given(paragraph, st.lists(paragraph, max_size=10))
def test_split_never_raises_and_keeps_titles(title: str, paragraphs: list[str]) -> None:
    for piece_title, piece in split_documents(title, clean_paragraphs(paragraphs)):
        assert isinstance(piece_title, str) and isinstance(piece, list)


# ------------------------------------------------------------------------------ regression tests (crashers)

SPEECH = "<p>各位领导、同志们：今天我们召开全市文明城市创建工作推进会，主要任务是总结工作、部署任务。</p>"


def test_ten_thousand_deep_nesting_keeps_its_text() -> None:
    """Crashed with RecursionError before extract.MAX_DOM_DEPTH: the walk recursed once per level."""
    for tag in ("div", "font"):  # unclosed <font> tags nest too, on old CMS pages
        html = f"<html><body>{f'<{tag}>' * 10_000}{SPEECH * 3}<script>var x = 1;</script></body></html>"
        extracted = extract_html(html, "https://www.gov-demo.cn/deep.html")
        assert extracted is not None
        assert (
            extracted.paragraphs
            == ["各位领导、同志们：今天我们召开全市文明城市创建工作推进会，主要任务是总结工作、部署任务。"]
            * 3
        )
