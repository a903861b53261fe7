"""Mojibake repair (tasks/clean.py): text mis-decoded upstream is repaired, correct text is never touched."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wenji.tasks.clean import (
    clean_paragraphs,
    is_better_chinese,
    repair_latin1_mojibake,
    repair_mojibake,
    repair_utf8_read_as_gbk,
)

ARTICLES = Path(__file__).resolve().parents[2] / "examples" / "articles"


def _article_sentences() -> list[str]:
    sentences = []
    for path in sorted(ARTICLES.glob("*.txt")):
        body = path.read_text(encoding="utf-8").split("---", 1)[1]
        sentences += [s for s in re.split(r"(?<=[。！？])|\n", body) if s.strip()]
    return sentences


SENTENCES = _article_sentences()


def test_the_article_corpus_is_big_enough_to_mean_something() -> None:
    assert len(SENTENCES) > 500


# --- the three families, made the way real upstream decoders make them


@pytest.mark.parametrize(
    "text",
    ["在全县安全生产工作会议上的讲话", "来源：新华社", "发布时间：2024年3月29日", "中华人民共和国"],
)
def test_utf8_read_as_latin1_and_cp1252_is_repaired(text: str) -> None:
    raw = text.encode("utf-8")
    assert repair_mojibake(raw.decode("latin-1")) == text
    # A browser's windows-1252 keeps the five undefined bytes as C1 controls.
    browser = "".join(
        chr(b) if b in (0x81, 0x8D, 0x8F, 0x90, 0x9D) else bytes([b]).decode("cp1252") for b in raw
    )
    assert repair_mojibake(browser) == text


def test_utf8_read_as_cp1252_literal() -> None:
    assert repair_latin1_mojibake("æ–‡ä»¶") == "文件"


@pytest.mark.parametrize(
    ("mojibake", "text"),
    [
        ("ÎÄ¼þ", "文件"),
        ("ÔÚÈ«ÏØ°²È«Éú²ú¹¤×÷»áÒéÉÏµÄ½²»°", "在全县安全生产工作会议上的讲话"),
        # Digits split the mojibake into one-character runs; together they are enough evidence.
        ("2024Äê3ÔÂ29ÈÕ", "2024年3月29日"),
    ],
)
def test_gbk_read_as_latin1_is_repaired(mojibake: str, text: str) -> None:
    assert repair_latin1_mojibake(mojibake) == text


@pytest.mark.parametrize(
    ("mojibake", "text"),
    [
        ("鏂囦欢", "文件"),
        ("鏉ユ簮锛氭柊鍗庣ぞ", "来源：新华社"),
        ("浣犲ソ锛屼笘鐣岋紒", "你好，世界！"),
    ],
)
def test_utf8_read_as_gbk_is_repaired(mojibake: str, text: str) -> None:
    assert text.encode("utf-8").decode("gbk") == mojibake
    assert repair_utf8_read_as_gbk(mojibake) == text


def test_utf8_read_as_gbk_with_bytes_lost_upstream_keeps_the_rest() -> None:
    """An odd number of ideographs leaves a lone byte that the GBK decoder replaced with U+FFFD."""
    mojibake = "在全县安全生产工作会议上的讲话".encode().decode("gbk", errors="replace")
    assert "\ufffd" in mojibake
    assert repair_mojibake(mojibake) == "在全县安全生产工作会\ufffd上的讲话"


def test_mojibake_beside_correct_chinese_is_repaired_in_place() -> None:
    assert repair_mojibake("浣熊是一种动物。鍏ㄩ儴") == "浣熊是一种动物。全部"
    assert repair_mojibake("来源：鏂伴椈鍔炲叕") == "来源：新闻办公"


def test_whole_paragraph_with_ascii_inside_is_repaired() -> None:
    mojibake = "公司成立于2008年，注册资本为100万元。".encode().decode("gbk", errors="replace")
    # Python's GBK decoder replaced the pair that held 公's last byte; everything else comes back.
    assert repair_mojibake(mojibake) == "\ufffd司成立于2008年，注册资本\ufffd100万元\ufffd"


def test_mojibake_of_mojibake_is_undone() -> None:
    twice = "来源：新华社".encode().decode("gbk").encode("gbk").decode("latin-1")
    assert repair_mojibake(twice) == "来源：新华社"


# --- correct text is never touched


@pytest.mark.parametrize(
    "text",
    [
        "××××年××月××日",  # placeholders: as GBK, "××" would read 鬃
        "第××届全国人民代表大会",
        "20××年×月",
        "浣熊是一种动物，鍏姓少见。",  # rare characters that mojibake is made of, in real use
        "锛是一种农具，銆字罕见。",
        "涓涓细流汇成江河，姊妹情深。",
        "Müller 与 Schröder 会谈，温度 25°C，误差 ±0.5。",
        "\xa0\xa0同志们：",
        "Copyright © 2008 版权所有",
        "马克思·恩格斯",
        "ÖÐ",  # one ideograph's worth of GBK-as-Latin-1 is too little evidence
    ],
)
def test_correct_text_is_left_alone(text: str) -> None:
    assert repair_mojibake(text) == text


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=4).map("".join))
def test_real_chinese_sentences_are_never_changed(text: str) -> None:
    assert repair_mojibake(text) == text


def test_no_article_sentence_is_changed() -> None:
    assert [s for s in SENTENCES if repair_mojibake(s) != s] == []


def test_plausibility_needs_a_clear_gain() -> None:
    assert is_better_chinese("鏂囦欢", "文件")
    assert not is_better_chinese("文件", "文件")
    assert not is_better_chinese("ÎÄ", "文")  # one ideograph only


# --- in the cleaning pipeline


def test_clean_paragraphs_repairs_and_counts() -> None:
    counters: Counter[str] = Counter()
    raw = [
        "同志们:",
        "浣犲ソ锛屼笘鐣岋紒",  # UTF-8 shown by a GBK reader
        "ÏÖÔÚ£¬ÎÒ½²Èýµã¡£",  # GBK shown by a Latin-1 reader
    ]
    cleaned = clean_paragraphs(raw, counters)
    assert cleaned[:2] == ["同志们：", "你好，世界！"]
    assert cleaned[2] == "现在，我讲三点。"
    assert counters["mojibake_repaired"] == 2
    assert clean_paragraphs(cleaned) == cleaned


def _mojibake(text: str, kind: int) -> str:
    if kind == 0:
        return text.encode("utf-8").decode("latin-1")
    if kind == 1:
        # GB18030 as a GBK page would have it: characters outside GBK (𠮷) take four bytes
        return text.encode("gb18030").decode("latin-1")
    return text.encode("utf-8").decode("gbk", errors="replace")


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(SENTENCES), st.integers(0, 3), st.integers(0, 80)),
        min_size=1,
        max_size=5,
    )
)
def test_clean_stays_idempotent_with_mojibake_cut_by_page_breaks(parts: list[tuple[str, int, int]]) -> None:
    """Mojibake paragraphs, some cut mid-sentence by a page break in the source, mixed with correct ones.

    The page was mis-decoded as a whole, with markup between the pieces, so each piece is mis-decoded
    on its own (a cut that splits a UTF-8 sequence leaves a U+FFFD on the GBK side).
    """
    paragraphs = []
    for sentence, kind, cut in parts:
        pieces = [sentence[:cut], sentence[cut:]]
        paragraphs += pieces if kind == 3 else [_mojibake(piece, kind) for piece in pieces]
    once = clean_paragraphs(paragraphs)
    assert clean_paragraphs(once) == once
