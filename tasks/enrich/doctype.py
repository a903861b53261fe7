"""Document type from the title, then the text: 讲话/报告/方案/通知/心得体会/总结/意见/决定/其他.

Chinese official titles end with their genre: 在……上的讲话, ……工作总结, 关于印发……方案的通知. When a
title names several genres the last one wins (关于印发《实施方案》的通知 is a 通知), and names inside
《》 are ignored.
"""

from __future__ import annotations

import re

DOC_TYPES = ("讲话", "报告", "方案", "通知", "心得体会", "总结", "意见", "决定", "其他")
OTHER = "其他"

# Genre words in titles. 计划/规划 count as 方案 (plans of work); 述职 as 报告 (述职报告).
_TITLE_GENRES = (
    ("讲话", ("讲话", "致辞", "发言", "讲稿", "演讲", "动员令")),
    ("报告", ("报告", "述职", "调研")),
    ("方案", ("方案", "计划", "规划", "预案")),
    ("通知", ("通知", "通告", "公告", "通报")),
    ("心得体会", ("心得", "体会", "感悟", "有感", "读后感", "观后感", "感想")),
    ("总结", ("总结",)),
    ("意见", ("意见", "建议")),
    ("决定", ("决定", "决议")),
)
_TITLE_RE = re.compile("|".join(f"(?P<g{i}>{'|'.join(words)})" for i, (_, words) in enumerate(_TITLE_GENRES)))
_BOOK_TITLE_RE = re.compile(r"《[^》]*》")

# How far into the text the opening cues are looked for: salutations and purpose lines come first.
TEXT_HEAD_CHARS = 300

# Opening cues of a body without a telling title, in order of trust.
_TEXT_CUES = (
    ("讲话", re.compile(r"^(?:各位|尊敬的|同志们|女士们)")),
    ("通知", re.compile(r"(?:通知如下|特此通知|现将[^。]{0,40}通知)")),
    ("总结", re.compile(r"(?:总结如下|现将[^。]{0,40}总结)")),
    ("方案", re.compile(r"(?:特制定本方案|制定(?:如下|本)方案|结合[^。]{0,40}制定本方案)")),
    ("报告", re.compile(r"(?:报告如下|现将[^。]{0,40}报告)")),
    ("心得体会", re.compile(r"(?:心得体会|感触很深|深有感触|受益匪浅)")),
)


def doc_type_from_title(title: str) -> str | None:
    """The genre named last in the title (outside 《》), or None when it names none.

    Misses: titles that name no genre (我市召开文明城市推进会, news headlines), and genre words used
    in another sense (“关于加强决定执行力”).
    """
    last = None
    for m in _TITLE_RE.finditer(_BOOK_TITLE_RE.sub("", title)):
        last = m
    if last is None:
        return None
    return _TITLE_GENRES[int(last.lastgroup[1:])][0]


def doc_type_from_text(text: str) -> str | None:
    """A genre from the opening of the body (同志们 → 讲话, 现将……通知如下 → 通知 …), or None.

    Misses: bodies that start with a date or a summary line; a speech that opens with its theme.
    """
    head = text[:TEXT_HEAD_CHARS].lstrip()
    for doc_type, cue in _TEXT_CUES:
        if cue.search(head):
            return doc_type
    return None


def classify_doc_type(title: str, text: str) -> str:
    """One of `DOC_TYPES`: from the title when it names a genre, else from the text, else 其他."""
    return doc_type_from_title(title) or doc_type_from_text(text) or OTHER
