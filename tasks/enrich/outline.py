"""The heading tree of a document, and each paragraph's place in it.

Chinese official documents number their sections with a small set of marker families: 一、 / （一） /
1. / （1） / ① / 第一部分 / 第一个方面 / 一是 / 一要. Which family is the top level differs from document
to document, so levels are not fixed per family: a family met for the first time opens a level under the
current heading, and meeting a family that is already open closes everything below it (like a reader
does). A marker counts as a heading only where a paragraph starts with it and its number continues its
family (一 to open, then 二, 三 …); "三是" in the middle of a paragraph is an enumeration, not a heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wenji.tasks.records import Heading

_CN = "一二三四五六七八九十"
_CN_VALUES = {ch: i for i, ch in enumerate(_CN, 1)}

# Each family: (style, pattern). The pattern matches at the start of a paragraph; group 1 is the number.
MARKER_FAMILIES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("cn_dun", re.compile(rf"([{_CN}]{{1,3}})[、．.]")),  # 一、
    ("cn_paren", re.compile(rf"[（(]([{_CN}]{{1,3}})[）)][、，,：:\s]?")),  # （一）
    ("part", re.compile(rf"第([{_CN}]{{1,3}})(?:部分|章|节)[、，,：:\s]?")),  # 第一部分
    ("fangmian", re.compile(rf"第([{_CN}]{{1,3}})个?方面[、，,：:\s]?")),  # 第一个方面：
    ("digit_dot", re.compile(r"(\d{1,2})[.．、](?!\d)\s?")),  # 1.  (not 3.5 or a date)
    ("digit_paren", re.compile(r"[（(](\d{1,2})[）)][、，,：:\s]?")),  # （1）
    ("circled", re.compile(r"([①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳])\s?")),  # ①
    ("shi", re.compile(rf"([{_CN}]{{1,3}})是[，,：:]?")),  # 一是
    ("yao", re.compile(rf"([{_CN}]{{1,3}})要[，,：:]?")),  # 一要
)

# Heading text ends at the first of these (the run-in heading's full stop, or a colon before its body).
_HEADING_END_RE = re.compile(r"[。！？；;!?：:]")
# Headings are short: a longer first sentence means the heading was run into its body without a full
# stop, separated by a space only (“一、紧绷决战之弦，坚定创则必成的信心和决心 全国文明城市是……”).
MAX_HEADING_CHARS = 30
# Cut for a first sentence that is long and has no space either: keep a recognisable head of it.
MAX_HEADING_TEXT_CHARS = 60


def marker_number(numeral: str) -> int:
    """The value of a marker's number: 3, 十二, 二十, ①."""
    if len(numeral) == 1 and "①" <= numeral <= "⑳":  # before isdigit(), which is true for ① too
        return ord(numeral) - ord("①") + 1
    if numeral.isdigit():
        return int(numeral)
    if "十" not in numeral:
        return _CN_VALUES.get(numeral, 0) if len(numeral) == 1 else 0
    tens, _, ones = numeral.partition("十")
    return (_CN_VALUES.get(tens, 0) if tens else 1) * 10 + (_CN_VALUES.get(ones, 0) if ones else 0)


def match_marker(paragraph: str) -> tuple[str, int, str] | None:
    """(style, number, marker as written) if the paragraph starts with a section marker."""
    text = paragraph.lstrip()
    for style, pattern in MARKER_FAMILIES:
        m = pattern.match(text)
        if m and (number := marker_number(m.group(1))) > 0:
            return style, number, m.group().rstrip()
    return None


def heading_text(body: str) -> tuple[str, bool]:
    """The heading's text from what follows its marker, and whether body text follows it (run-in).

    The heading is the first sentence (up to 。；：…); when that is longer than `MAX_HEADING_CHARS` and
    holds a space, the heading ends at the space. Misses run-in headings separated from their body by
    neither punctuation nor a space (they are cut at `MAX_HEADING_TEXT_CHARS`); a space inside a short
    heading (a page-break artefact) is kept.
    """
    body = body.strip()
    m = _HEADING_END_RE.search(body)
    end = m.start() if m else len(body)
    if end > MAX_HEADING_CHARS and (space := re.search(r"\s", body[:end])):
        end = space.start()
    end = min(end, MAX_HEADING_TEXT_CHARS)
    text = body[:end].strip()
    rest = body[end:].lstrip("。！？；;!?：: \t")
    return text, bool(rest)


@dataclass(slots=True)
class _Open:
    style: str
    number: int
    heading_no: int


def build_outline(paragraphs: list[str]) -> tuple[list[Heading], list[list[int]]]:
    """The document's headings and, per paragraph, the heading_nos of the sections it is in (outermost
    first; a heading's own paragraph is inside its section).

    Catches the seed speeches' 一、/二、/三、 with 第一个方面…第五个方面 and 一是…五是 under them, and
    whole-paragraph or run-in headings alike. Knowingly misses: unnumbered headings (bold lines on
    the page are plain text by now), a family that restarts at 一 under the same parent (read as a
    continuation error, so not a heading), and lists whose numbers skip.
    """
    headings: list[Heading] = []
    paths: list[list[int]] = []
    stack: list[_Open] = []
    for paragraph_no, paragraph in enumerate(paragraphs):
        found = match_marker(paragraph)
        if found is not None:
            style, number, marker = found
            depth = next((k for k, o in enumerate(stack) if o.style == style), None)
            accepted = number == 1 if depth is None else number == stack[depth].number + 1
            if accepted:
                if depth is not None:
                    del stack[depth:]
                text, run_in = heading_text(paragraph.lstrip()[len(marker) :])
                heading_no = len(headings)
                headings.append(
                    Heading(
                        heading_no=heading_no,
                        level=len(stack) + 1,
                        style=style,
                        marker=marker,
                        text=text,
                        paragraph_no=paragraph_no,
                        parent_no=stack[-1].heading_no if stack else None,
                        run_in=run_in,
                    )
                )
                stack.append(_Open(style, number, heading_no))
        paths.append([o.heading_no for o in stack])
    return headings, paths
