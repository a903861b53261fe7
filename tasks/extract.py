"""HTML -> page metadata + raw main-text paragraphs, and the extract step of the pipeline.

How the main text is found (site-agnostic, one pass over the DOM, no per-site selectors):
1. The DOM is walked once into *lines*: one per block element or `<br>`-separated run, each knowing its
   link characters, its innermost block holder and whether it sits in a boilerplate widget (nav, footer,
   aside, or a comment/share/related/... class). Every block element remembers the range of lines it holds.
2. Each line gets a value: + its non-link characters when it reads like prose (Chinese punctuation, low link
   density), 0 when it is a short punctuation-free line (heading, label), and - its length when it is
   navigation, a link list, a widget or a metadata line.
3. The main container is the element whose line range has the largest total value (ties: the smaller one).
   Link lists and footers inside a wrapper cost more than they bring, so the tightest text container wins,
   while text split over sibling blocks still lands in their common parent.
4. Inside that range, boilerplate lines are dropped, the page title repeated at the top is dropped, and
   the first "tail marker" (相关文章, 网友评论, 上一篇, 相关热词搜索 …) after the prose ends the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from itertools import islice, pairwise

from selectolax.lexbor import LexborHTMLParser, LexborNode

from wenji.tasks import extract_rules as R
from wenji.tasks.clean import CJK_CHAR_RE, clean_paragraphs, visible_len
from wenji.tasks.gov_info import parse_gov_info
from wenji.tasks.records import Doc, Page, PageMeta, StepResult
from wenji.tasks.site_rules import SiteRule, apply_site_rule, match_site_rule
from wenji.tasks.split import split_documents

_WS_RE = re.compile(r"[ \t\n\r\f\v]+")
_ALNUM_RE = re.compile(r"[^\W_]")
_LATIN_RE = re.compile(r"[A-Za-z]")
_CELL_EDGE = " " + R.CELL_MARK
_CELL_MARK_RE = re.compile(f" ?(?:{R.CELL_MARK} ?)+")
# The tag sets the walk tests on every element, bound once (a module attribute lookup per test adds up).
_DROP_TAGS, _BLOCK_TAGS, _CELL_TAGS = R.DROP_TAGS, R.BLOCK_TAGS, R.CELL_TAGS
_HEADING_TAGS, _GUTTER_TAGS, _BOILERPLATE_TAGS = R.HEADING_TAGS, R.GUTTER_TAGS, R.BOILERPLATE_TAGS
_NEVER_BOILERPLATE_TAGS = R.NEVER_BOILERPLATE_TAGS
# The whitespace `_WS_RE` folds.
_ASCII_WS = " \t\n\r\f\v"
# The walk recurses once per DOM level: at this depth it needs about 210 of Python's default 1000 frames
# (measured), leaving the rest to the caller's stack (Prefect's task engine, the worker pool). Real article
# markup nests 20-40 levels deep; deeper subtrees are flattened (see `_Walker._flattened`).
MAX_DOM_DEPTH = 200


@dataclass(slots=True, frozen=True)
class Extracted:
    meta: PageMeta
    paragraphs: list[str]  # main-text blocks in order, raw (not yet cleaned)
    site_rule: str = ""  # "applied" / "missed" (content selector matched nothing) when a site rule matched


@dataclass(slots=True)
class _Line:
    text: str
    chars: int  # non-space characters
    link_chars: int
    holder: int  # index of the innermost block element
    boiler: bool  # inside nav/footer/aside or a comment/share/related widget
    heading: bool  # held by h1-h3
    prose: bool  # holds prose punctuation (PROSE_PUNCT_RE); asked of most lines three or four times
    crumb_hint: bool = False  # inside an element marked as a breadcrumb (class/id/aria-label)
    boilerplate: bool | None = None  # `_is_boilerplate_line` of `text`, once asked (see `_is_boilerplate`)


@dataclass(slots=True)
class _Element:
    tag: str
    start: int  # first line index held
    end: int = -1  # one past the last line index held
    boiler: bool = False
    crumb_hint: bool = False
    hinted: int = 0  # the node's mem_id when its own class/id (not an ancestor) made it boilerplate
    parent: int = -1  # index of the enclosing element (block or cell), -1 for the walk's root


@dataclass(slots=True)
class _Walker:
    """One recursive pass over the DOM that cuts the text into lines (see module docstring, step 1)."""

    lines: list[_Line] = field(default_factory=list)
    elements: list[_Element] = field(default_factory=list)
    _pieces: list[str] = field(default_factory=list)
    _link_chars: int = 0
    _boiler_chars: int = 0
    _stack: list[int] = field(default_factory=list)
    _heading_depth: int = 0
    _data_cell_depth: int = 0  # > 0 inside a data cell, whose blocks join into the row's line
    _crumb_depth: int = 0  # > 0 inside an element marked as a breadcrumb
    acquitted: frozenset[int] = frozenset()  # mem_ids of hinted elements that hold the page's prose

    def walk(self, root: LexborNode) -> None:
        self._open(root.tag or "", boiler=False, hinted=0)
        self._children(root, in_link=False, boiler=False, in_pre=False, depth=0)
        self._leave_block()

    def _children(self, node: LexborNode, in_link: bool, boiler: bool, in_pre: bool, depth: int) -> None:
        """The lines of `node`'s children; each element child is handled in this loop and recursed into
        with one call, so the walk costs one Python frame per element (a hot path: ~125 elements a page)."""
        plain = not (in_link or boiler or in_pre)  # text needing no count or split: the common case, inlined
        pieces = self._pieces
        for child in node.iter(include_text=True):
            tag = child.tag
            if tag == "-text":
                text = child.text_content or ""
                # Half the text nodes are the indentation between two blocks: before any text of a line it
                # adds nothing (`_flush` strips it), and skipping it spares that line's flush.
                if not pieces and not text.strip(_ASCII_WS):
                    continue
                if plain:
                    pieces.append(text)
                elif in_pre:
                    self._text(text, in_link, boiler, in_pre)
                else:  # in a link or a widget: `_text` without the call, the next most common case
                    pieces.append(text)
                    n = visible_len(text)
                    self._link_chars += n if in_link else 0
                    self._boiler_chars += n if boiler else 0
                continue
            if not tag or tag[0] == "-" or tag in _DROP_TAGS:
                continue
            if depth >= MAX_DOM_DEPTH:
                self._flattened(child, in_link, boiler)
                continue
            # Half the elements carry no attribute at all; they skip the attribute checks.
            attrs = child.attributes
            if (attrs and is_hidden_element(attrs)) or (
                tag in _GUTTER_TAGS and is_line_number_gutter(child, in_pre)
            ):
                continue
            if tag == "br":
                if self._data_cell_depth:
                    pieces.append(" ")
                elif pieces:
                    self._flush()
                continue
            hinted = 0  # the mem_id of an element condemned by its own class/id; see `acquitted_hint_holders`
            if attrs:
                widget, crumb = _attribute_hints(attrs)
                child_link = in_link or (tag == "a" and "href" in attrs)
            else:
                widget = crumb = False
                child_link = in_link  # `is_real_link`: an `<a>` without href is no link
            if boiler or tag in _BOILERPLATE_TAGS:
                child_boiler = True
            elif widget and tag not in _NEVER_BOILERPLATE_TAGS:
                node_id = child.mem_id
                child_boiler = node_id not in self.acquitted
                hinted = node_id if child_boiler else 0
            else:
                child_boiler = False
            child_pre = in_pre or tag == "pre"
            self._crumb_depth += crumb
            if tag in _BLOCK_TAGS and not self._data_cell_depth:
                heading = tag in _HEADING_TAGS
                if pieces:
                    self._flush()
                self._open(tag, child_boiler, hinted)
                self._heading_depth += heading
                self._children(child, child_link, child_boiler, child_pre, depth + 1)
                self._heading_depth -= heading
                self._leave_block()
            elif tag in _CELL_TAGS:
                self._cell(child, tag, child_link, child_boiler, child_pre, depth + 1, hinted)
            else:  # an inline element (or a block in a data cell) makes no element to acquit
                if tag in _BLOCK_TAGS and pieces:  # a block inside a data cell: a word break, not a line
                    pieces.append(" ")
                self._children(child, child_link, child_boiler, child_pre, depth + 1)
            self._crumb_depth -= crumb

    def _cell(
        self, node: LexborNode, tag: str, in_link: bool, boiler: bool, in_pre: bool, depth: int, hinted: int
    ) -> None:
        """A table cell: it joins its row's line unless it holds blocks of its own (layout tables)."""
        if self._pieces:
            self._pieces.append(R.CELL_MARK)
        before = len(self.lines)
        index = self._open(tag, boiler, hinted)
        data_cell = is_data_cell(node)
        self._data_cell_depth += data_cell
        self._children(node, in_link, boiler, in_pre, depth)
        self._data_cell_depth -= data_cell
        if len(self.lines) > before:
            self._flush()
        self._stack.pop()
        self.elements[index].end = len(self.lines)

    def _flattened(self, node: LexborNode, in_link: bool, boiler: bool) -> None:
        """A subtree nested past MAX_DOM_DEPTH, read as one line per text node.

        Catches pages whose unclosed tags nest thousands deep (a recursive walk would exceed Python's
        recursion limit): their text is kept. Knowingly loses the structure below that depth (inline
        runs split into several lines, widget classes are not seen).
        """
        node.strip_tags(list(R.DROP_TAGS))
        self._flush()
        self._text(node.text(deep=True, separator="\n"), in_link, boiler, in_pre=True)
        self._flush()

    def _open(self, tag: str, boiler: bool, hinted: int) -> int:
        """A new element holding the lines from here on (a block or a cell), made the innermost; its index."""
        stack = self._stack
        index = len(self.elements)
        self.elements.append(
            _Element(
                tag, len(self.lines), -1, boiler, self._crumb_depth > 0, hinted, stack[-1] if stack else -1
            )
        )
        stack.append(index)
        return index

    def _leave_block(self) -> None:
        if self._pieces:
            self._flush()
        self.elements[self._stack.pop()].end = len(self.lines)

    def _text(self, text: str, in_link: bool, boiler: bool, in_pre: bool) -> None:
        if in_pre and "\n" in text:
            first, *rest = text.split("\n")
            self._text(first, in_link, boiler, in_pre=False)
            for part in rest:
                self._flush()
                self._text(part, in_link, boiler, in_pre=False)
            return
        self._pieces.append(text)
        if in_link or boiler:
            n = visible_len(text)
            self._link_chars += n if in_link else 0
            self._boiler_chars += n if boiler else 0

    def _flush(self) -> None:
        pieces = self._pieces
        if not pieces:
            return
        raw = "".join(pieces)
        link_chars, boiler_chars = self._link_chars, self._boiler_chars
        pieces.clear()
        self._link_chars = self._boiler_chars = 0
        if raw.isspace():
            return
        text = _WS_RE.sub(" ", raw).strip(_CELL_EDGE)
        if R.CELL_MARK in text:
            text = _CELL_MARK_RE.sub(R.CELL_SEPARATOR, text)
        chars = visible_len(text)
        if chars == 0:
            return
        holder = self._stack[-1]
        box = self.elements[holder]
        self.lines.append(
            _Line(
                text,
                chars,
                min(link_chars, chars),
                holder,
                box.boiler or 2 * boiler_chars > chars,
                self._heading_depth > 0,
                R.PROSE_PUNCT_RE.search(text) is not None,
                box.crumb_hint or self._crumb_depth > 0,
            )
        )


def walk_page(root: LexborNode) -> _Walker:
    """The page's lines, with boilerplate hints that would condemn the page's prose undone
    (`acquitted_hint_holders`): the first walk finds them, a second walk (only on such pages) reads their
    subtrees as content; nested hints inside an acquitted element are judged again, up to HINT_MAX_WALKS."""
    walker = _Walker()
    walker.walk(root)
    for _ in range(R.HINT_MAX_WALKS - 1):
        found = acquitted_hint_holders(walker)
        if not found:
            break
        walker = _Walker(acquitted=walker.acquitted | found)
        walker.walk(root)
    return walker


def acquitted_hint_holders(walker: _Walker) -> frozenset[int]:
    """Elements condemned by their own class/id that hold most of the page's prose: a hint is evidence about
    a widget, and a widget does not hold the page's text.

    Catches site-wide framework classes on an outer wrapper (`<div class="js_img_share_area">` around an
    ifeng article, a `xxx-int-nav` layout class), which made every line inside boilerplate and the page
    `extract_empty`. An element is acquitted when at least HINT_ACQUIT_PROSE_SHARE of the page's prose
    characters (lines with Chinese punctuation and link density under LINK_DENSITY_MAX) lie inside it and
    they are at least MIN_MAIN_TEXT_CHARS. Misses wrappers hinted on an inline element (`<span class="share">`
    around the text; no such page seen) and knowingly acquits a comment list that holds nearly all of a
    page's prose (the page then is its comments, which is what a reader sees).
    """
    hinted = [el for el in walker.elements if el.hinted and el.end > el.start]
    if not hinted:
        return frozenset()
    prefix = [0]
    for line in walker.lines:
        prose = line.link_chars <= R.LINK_DENSITY_MAX * line.chars and line.prose
        prefix.append(prefix[-1] + (line.chars if prose else 0))
    total = prefix[-1]
    if total < R.MIN_MAIN_TEXT_CHARS:
        return frozenset()
    return frozenset(
        el.hinted for el in hinted if prefix[el.end] - prefix[el.start] >= R.HINT_ACQUIT_PROSE_SHARE * total
    )


def is_data_cell(cell: LexborNode) -> bool:
    """A table cell of a data table: short text in at most a few blocks, no heading, list, `<pre>` or table.

    Catches the cells of tables inside an article (`<td><p align="center">2024年</p></td>`), whose
    paragraphs would otherwise put every cell on a line of its own; the row then reads as one line.
    Misses data cells longer than DATA_CELL_MAX_CHARS (they keep one line per paragraph, the cell's
    neighbours still share a line) and knowingly treats a short layout cell (a date, a one-line label)
    as data, which only joins what sits side by side on screen anyway.
    """
    chars = blocks = 0
    for seen, node in enumerate(cell.traverse(include_text=True)):
        tag = node.tag
        if seen > R.DATA_CELL_MAX_NODES or (seen and tag in R.LAYOUT_CELL_TAGS):
            return False
        if tag == "-text":
            chars += visible_len(node.text_content or "")
        elif tag in R.BLOCK_TAGS or tag == "br":
            blocks += 1
        if chars > R.DATA_CELL_MAX_CHARS or blocks > R.DATA_CELL_MAX_BLOCKS:
            return False
    return True


def is_line_number_gutter(node: LexborNode, in_pre: bool) -> bool:
    """Line numbers printed beside a code block: a list of bare consecutive integers 1, 2, 3 … inside or next
    to a `<pre>` (`<ul class="pre-numbering"><li>1</li>…`), or a `<pre>` holding nothing but them.

    Catches the gutters that code highlighters (CSDN, highlight.js line-number plugins, GitHub-style
    tables) add, which would put a column of numbers into the text. Misses numbers drawn with CSS
    counters (nothing to drop) and gutters in a `<div>` of `<span>`s; a numbered list of real items
    ("1. 需求") is never bare integers, so it stays.
    """
    if node.tag != "pre" and not (in_pre or _next_to_pre(node)):
        return False
    numbers = node.text(deep=True, separator=" ").split()
    if len(numbers) < (R.GUTTER_MIN_LINES_ALONE if node.tag == "pre" else 1):
        return False
    return numbers == [str(i) for i in range(1, len(numbers) + 1)]


def _next_to_pre(node: LexborNode) -> bool:
    """Whether the element's nearest element sibling on either side is a `<pre>`."""
    for step in ("prev", "next"):
        sibling = getattr(node, step)
        while sibling is not None and sibling.tag in ("-text", "-comment"):
            sibling = getattr(sibling, step)
        if sibling is not None and sibling.tag == "pre":
            return True
    return False


def is_hidden_element(attrs: dict[str, str | None]) -> bool:
    """An element hidden for good: the `hidden` attribute or an inline `display: none`.

    `visibility: hidden` does not count: script-revealed article bodies use it (WeChat's `#js_content`),
    and text hidden that way is judged by density like any other. Misses elements hidden by a stylesheet
    class (`.hide`), which would need CSS evaluation.
    """
    style = attrs.get("style")  # on few elements: the others skip the search
    return "hidden" in attrs or (style is not None and R.HIDDEN_STYLE_RE.search(style) is not None)


# Distinct (class, id, aria-label) values seen by one worker: a template repeats its few hundred on every
# page, so this bounds the cache's memory without evicting a template's hints between its pages.
HINT_CACHE_SIZE = 4096


def _attribute_hints(attrs: dict[str, str | None]) -> tuple[bool, bool]:
    """(the class or id names a boilerplate widget, the element is marked as a breadcrumb).

    Widgets: comment, share, related or menu classes (BOILERPLATE_ATTR_RE). Catches the widgets that carry
    prose-like text (comments, related-article summaries) which the link density alone would keep. Misses
    widgets with meaningless class names (`.r2`, `.box3`); those are left to link density and the tail
    markers. The walk also condemns nav/footer/aside by their tag and never html/body/main/article.

    Breadcrumbs: aria-label="breadcrumb", or a class/id such as crumb, path, weizhi. Only supporting
    evidence for `parse_unlabelled_breadcrumb` (a `.path` div may hold anything); misses breadcrumbs
    marked by meaningless classes (`.wz`, `.r1`).
    """
    return _hints(attrs.get("class"), attrs.get("id"), attrs.get("aria-label"))


@lru_cache(maxsize=HINT_CACHE_SIZE)
def _hints(class_: str | None, id_: str | None, aria: str | None) -> tuple[bool, bool]:
    """`_attribute_hints` of these attribute values. Cached: templates print the same classes on every
    page, and each element with a class would otherwise run both searches again."""
    hint = f"{class_ or ''} {id_ or ''}".strip()
    widget = R.BOILERPLATE_ATTR_RE.search(hint) is not None
    crumb = R.BREADCRUMB_ATTR_RE.search(hint) is not None
    if not crumb and aria:
        crumb = "breadcrumb" in aria.lower() or "面包屑" in aria
    return widget, crumb


# ------------------------------------------------------------------------------------------- line verdicts


def is_widget_line(text: str) -> bool:
    """Breadcrumbs, share bars, print/close links, copyright/ICP footers, tag lines, prev/next links.

    Only short lines are judged, so a paragraph that quotes "版权所有" in a sentence stays.
    """
    return len(text) <= R.WIDGET_LINE_MAX_CHARS and (
        R.WIDGET_LINE_START_RE.match(text) is not None or R.WIDGET_LINE_ANYWHERE_RE.search(text) is not None
    )


def is_meta_line(text: str) -> bool:
    """Bylines such as "发布时间：2024-03-29 来源：市政府办 浏览次数：" and metadata table rows.

    A short line counts when it starts with a metadata label or holds two labels; "时间：上午9点" alone
    (a notice's content) does not; nor does a bare date (a notice's signature date). Misses bylines
    without labels or byline words ("新华社 2024年3月29日").
    """
    if len(text) > R.META_LINE_MAX_CHARS:
        return False
    if R.META_LINE_START_RE.match(text) is not None or len(R.META_LABEL_RE.findall(text)) >= 2:
        return True
    if R.CREDIT_LINE_START_RE.match(text) is not None or len(R.CREDIT_PAIR_RE.findall(text)) >= 2:
        return True
    return is_byline_line(text)


def is_byline_line(text: str) -> bool:
    """A short dated line with a byline word: "发表于 2024-5-12 20:31:45", "2024-03-20 来源：新华社".

    A date alone is not one (a notice's signature date). Misses bylines with a relative date ("3小时前").
    """
    return (
        len(text) <= R.DATE_LINE_MAX_CHARS
        and R.DATE_RE.search(text) is not None
        and R.BYLINE_WORD_RE.search(text) is not None
        and not is_full_sentence(text)
    )


def is_full_sentence(text: str) -> bool:
    """A line that is a sentence of its own: it ends with 。！？ and, without its dates, still holds
    FULL_SENTENCE_MIN_CJK Chinese characters.

    Keeps a notice or maintenance banner with a bracketed date ("【2024-03-29】本站将于今晚22:00进行系统升级，
    届时暂停更新，敬请谅解。") from reading as a dated byline, which ended a long article after a few lines
    (`is_next_post_line`). Real bylines are label-value runs without a closing 。. Misses bylines that do end
    in a full stop ("本文发布于2024年3月29日，作者张三。" is taken for a sentence and kept).
    """
    if R.FULL_SENTENCE_END_RE.search(text) is None:
        return False
    rest = R.DATE_RE.sub("", text)
    return sum(1 for ch in rest if "\u4e00" <= ch <= "\u9fff") >= R.FULL_SENTENCE_MIN_CJK


def is_counter_line(text: str) -> bool:
    """View/reply/like counters: "查看: 8526 | 回复: 37", "阅读 1207", "12 主题 240 帖子".

    The whole line must be label-number pairs, so "共有3人参加" or a date stays. Misses counters with
    words between the pairs ("已有 1.2万 人阅读").
    """
    if len(text) > R.COUNTER_LINE_MAX_CHARS or not any(map(str.isdigit, text)):
        return False
    rest = R.COUNTER_PAIR_RE.sub(" ", text)
    return not R.COUNTER_SEP_RE.sub("", rest) and R.DATE_RE.search(text) is None


def is_photo_credit_line(text: str) -> bool:
    """A photo credit on its own line under a picture: "新华社记者 张某 摄", "（人民网记者 赵某某摄）", or a
    picture source: "图片来源：视觉中国", "（图片由受访者提供）".

    Needs a reporter word (记者, 通讯员, 摄影) before the name, or a picture-source label, so a short sentence
    ending in 拍摄 stays. Misses credits on the caption's own line ("……赏花。新华社记者 张某 摄"): the
    caption is text, so the whole line is kept.
    """
    return len(text) <= R.PHOTO_CREDIT_MAX_CHARS and (
        R.PHOTO_CREDIT_RE.match(text) is not None or R.IMAGE_SOURCE_RE.match(text) is not None
    )


def is_paywall_line(text: str) -> bool:
    """A paywall prompt: "订阅后阅读全文", "以下为付费内容，剩余约78%", "已是会员？登录", "年度会员 ¥68/年".

    Catches the subscription box that teaser pages put where the paid rest of the article would be; the
    caller ends the text there (the rest is not on the page). Only short lines count, so an article about
    memberships that says "开通会员后可享受……" in a paragraph stays. Misses paywalls worded otherwise
    ("成为Plus用户继续看") and knowingly drops any text a page ships hidden behind such a box.
    """
    return len(text) <= R.PAYWALL_LINE_MAX_CHARS and R.PAYWALL_RE.search(text) is not None


def is_comment_header_line(text: str) -> bool:
    """The header of a reader's comment: a user name and a time of day or a relative time.

    Catches "绿萝不萝 04-02 12:31", "网友 江南烟雨 2024-02-22 09:03:51", "老周种花 3天前",
    "小李 · 昨天 18:20 · IP属地：浙江": comments rendered right under the article in its own
    container, with no heading before them. What is left after removing the time and the header
    words (网友, 发表于, IP属地, 3楼) must be a short name without prose punctuation. A bare date
    after a name is a notice's signature ("某某县人民政府 2024年3月29日"), so it does not count.
    Misses headers without a time and headers whose name and time sit on separate lines; the caller
    only asks after a paragraph's worth of prose.
    """
    if len(text) > R.COMMENT_HEADER_MAX_CHARS:
        return False
    found = R.DATE_RE.search(text)
    if found is None or found["H"] is None:
        found = R.YEARLESS_DATE_RE.search(text) or R.RELATIVE_TIME_RE.search(text)
    if found is None:
        return False
    name = R.COMMENT_HEADER_NOISE_RE.sub(" ", text[: found.start()] + " " + text[found.end() :]).strip()
    return 0 < len(name) <= R.COMMENT_NAME_MAX_CHARS and R.PROSE_PUNCT_RE.search(name) is None


def is_attachment_line(text: str) -> bool:
    """ "附件：2024年度重点任务清单" naming a government document's attachment, often as a download link.

    Catches the line that link density alone would drop as a link list. Misses attachment names listed
    on lines of their own under a bare "附件：" (those read as a download list and are dropped).
    """
    return len(text) <= R.ATTACHMENT_LINE_MAX_CHARS and R.ATTACHMENT_LINE_RE.match(text) is not None


def is_link_list_line(line: _Line) -> bool:
    """Lines that are mostly link text: menus, related-article items, tag clouds, pagination; and
    related-news items of a linked headline and an unlinked date (`is_dated_link_item`)."""
    if line.link_chars > R.LINK_DENSITY_MAX * line.chars:
        return not is_attachment_line(line.text)
    return line.link_chars >= R.LINK_TITLE_MIN_CHARS and is_dated_link_item(line)


def is_dated_link_item(line: _Line) -> bool:
    """A related-news item "<a>刘姝威的尴尬</a> 2015/07/01": a linked headline and its date, no sentence.

    The date makes up half the line, so link density alone (0.3-0.5) kept such lists; without the date
    the line is all link. Only short lines without a sentence end count (DATED_ITEM_MAX_CHARS), so
    "2024年3月29日，<a>市政府</a>召开常务会议。" stays. Misses items whose unlinked part is a source or a
    summary rather than a date.
    """
    if line.chars > R.DATED_ITEM_MAX_CHARS or R.FULL_SENTENCE_END_RE.search(line.text) or "。" in line.text:
        return False
    found = R.DATE_RE.search(line.text) or R.YEARLESS_DATE_RE.search(line.text)
    return found is not None and line.link_chars > R.LINK_DENSITY_MAX * (line.chars - visible_len(found[0]))


def _is_boilerplate_line(line: _Line, text: str) -> bool:
    """A line that is never main text wherever it sits: widget, link list, metadata, photo credit."""
    return (
        line.boiler
        or is_link_list_line(line)
        or (len(text) <= _BOILERPLATE_TEXT_MAX_CHARS and _is_boilerplate_text(text))
    )


# No text rule of `_is_boilerplate_text` judges a longer line: paragraphs skip the cache.
_BOILERPLATE_TEXT_MAX_CHARS = max(
    R.WIDGET_LINE_MAX_CHARS, R.META_LINE_MAX_CHARS, R.PHOTO_CREDIT_MAX_CHARS, R.COUNTER_LINE_MAX_CHARS
)
# Distinct short lines remembered by one worker: a site's template repeats its menus, footers and bylines
# on every page (the 400 bench pages hold 2,299 distinct lines among 20,896), and a few thousand entries of
# at most 120 characters stay within a megabyte or two.
BOILERPLATE_TEXT_CACHE_SIZE = 8192


@lru_cache(maxsize=BOILERPLATE_TEXT_CACHE_SIZE)
def _is_boilerplate_text(text: str) -> bool:
    """The text rules of `_is_boilerplate_line` (widget, metadata, photo credit, counter), which depend on
    the text alone. Cached: they are extraction's costliest regexes, and templates print the same lines on
    every page."""
    return is_widget_line(text) or is_meta_line(text) or is_photo_credit_line(text) or is_counter_line(text)


def _is_boilerplate(line: _Line) -> bool:
    """`_is_boilerplate_line` of the line's own text, worked out once: container choice, the header search
    and the mid-article box check all ask it of the same lines, and its regexes are extraction's costliest."""
    if line.boilerplate is None:
        line.boilerplate = _is_boilerplate_line(line, line.text)
    return line.boilerplate


def is_teaser_list(lines: list[_Line]) -> bool:
    """A list page: article-title links each followed by a prose summary ("同志们:今天召开……").

    The summaries are prose, so the container scores like an article; the repeated link-then-teaser
    rhythm (or one summary cut off with "...") gives it away. Misses list pages whose summaries come
    before their links, and one- or two-item lists with untruncated summaries.
    """
    prose = [not is_link_list_line(ln) and ln.prose for ln in lines]
    pairs = [
        i + 1
        for i, ln in enumerate(lines[:-1])
        if prose[i + 1] and is_link_list_line(ln) and ln.chars >= R.LINK_TITLE_MIN_CHARS
    ]
    truncated = any(R.TRUNCATED_TEASER_RE.search(lines[i].text.rstrip()) for i in pairs)
    enough = len(pairs) >= R.LIST_MIN_TEASERS or (truncated and len(pairs) >= 1)
    return enough and len(pairs) >= R.LIST_MIN_TEASER_SHARE * sum(prose)


def _line_value(line: _Line) -> float:
    """Contribution of one line to its containers' score (module docstring, step 2)."""
    if _is_boilerplate(line):
        return -float(line.chars)
    prose = line.prose
    if not prose and line.chars < R.NEUTRAL_LINE_MAX_CHARS:
        return 0.0
    return float(line.chars - 2 * line.link_chars)


def _best_container(walker: _Walker) -> _Element | None:
    """The element whose lines add up to the largest value; ties go to the smaller element. When that
    element holds too little of the page's prose, the best run of sibling blocks may replace it
    (`best_sibling_run`)."""
    prefix = [0.0]
    positive = 0.0
    for line in walker.lines:
        value = _line_value(line)
        positive += value if value > 0 else 0.0
        prefix.append(prefix[-1] + value)
    best: _Element | None = None
    best_key = (0.0, 0)
    for el in walker.elements:
        if el.boiler or el.end <= el.start or el.tag not in R.CONTAINER_TAGS:
            continue
        key = (prefix[el.end] - prefix[el.start], -(el.end - el.start))
        if key > best_key:
            best, best_key = el, key
    if best_key[0] < R.RUN_TRIGGER_SHARE * positive:
        run = best_sibling_run(walker, prefix)
        if run is not None and prefix[run.end] - prefix[run.start] >= R.RUN_MIN_GAIN * best_key[0]:
            return run
    if best is not None and best_key[0] < R.TOP_SIBLING_TRIGGER_SHARE * positive:
        return joined_top_level_blocks(walker, best, prefix)
    return best


def joined_top_level_blocks(walker: _Walker, box: _Element, prefix: list[float]) -> _Element:
    """`box` widened over the top-level blocks beside it that hold text too, when only navigation lies
    between them.

    Catches pages whose content sits in sibling blocks directly under `<body>` (a message table and the
    reply form, each with prose, between menu bars): the best element was one of them and the other was
    lost. A sibling joins when it is worth at least TOP_SIBLING_MIN_SHARE of `box`, holds no boilerplate
    hint and is no teaser list, and nothing between holds a line of positive value (prose). Only asked
    when `box` holds less than TOP_SIBLING_TRIGGER_SHARE of the page's positive value. Misses such
    blocks below the top level (inside one wrapper `<div>` they are `best_sibling_run`'s or the
    wrapper's), and blocks separated by a prose line of their own.
    """
    elements = walker.elements
    parent = box.parent
    if parent < 0 or elements[parent].tag not in R.TOP_LEVEL_TAGS:
        return box
    value = prefix[box.end] - prefix[box.start]
    siblings = [el for el in elements if el.parent == parent and el.end > el.start]
    start, end = box.start, box.end

    def joins(el: _Element) -> bool:
        worth = prefix[el.end] - prefix[el.start]
        lines = walker.lines[el.start : el.end]
        return not el.boiler and worth >= R.TOP_SIBLING_MIN_SHARE * value and not is_teaser_list(lines)

    def quiet(lo: int, hi: int) -> bool:  # no prose between the lines lo and hi
        return all(_line_value(walker.lines[i]) <= 0 for i in range(lo, hi))

    for el in siblings:  # to the right, in order
        if el.start >= end:
            if joins(el) and quiet(end, el.start):
                end = el.end
            elif not quiet(el.start, el.end):
                break
    for el in reversed(siblings):  # to the left
        if el.end <= start:
            if joins(el) and quiet(el.end, start):
                start = el.start
            elif not quiet(el.start, el.end):
                break
    if (start, end) == (box.start, box.end):
        return box
    return _Element(tag=elements[parent].tag, start=start, end=end, parent=parent)


def best_sibling_run(walker: _Walker, prefix: list[float]) -> _Element | None:
    """The run of consecutive children of one element (child blocks, and lines the element holds itself)
    with the largest total value, as a container of its own; None when no run is positive.

    Catches articles without a wrapper of their own: paragraphs loose in a wide layout cell, or `<p>`s
    beside a related-links table and an ad inside the same `<div id="endText">` (cx-163-70: every
    ancestor scores negative and a comment form won), and sibling top-level blocks (a message table and a
    form under `<body>` between navigation bars), which the run joins. Only asked when the best whole
    element holds less than RUN_TRIGGER_SHARE of the page's positive value, and used when it beats that
    element by RUN_MIN_GAIN, so pages whose article has a wrapper keep it. Misses articles interrupted
    by a block more negative than the text after it is worth (the run stops before it; mid-article boxes
    inside a wrapper are `is_mid_article_box`'s job), and knowingly joins a prose-like sibling that no
    boilerplate hint marks (an unmarked comment list right after the text), which the tail markers cut.
    """
    elements = walker.elements
    children: dict[int, list[int]] = {}
    for index, el in enumerate(elements):
        if el.parent >= 0 and el.end > el.start:
            children.setdefault(el.parent, []).append(index)
    best: tuple[float, int, int, int] | None = None  # (value, start, end, parent)
    for parent, kids in children.items():
        box = elements[parent]
        if box.boiler or box.tag not in R.CONTAINER_TAGS:
            continue
        # Segments in order: each child's line range, and each line the element holds itself between them.
        cuts: list[int] = []
        at = box.start
        for kid in kids:
            el = elements[kid]
            if el.start < at:  # a child nested in an earlier child's range (cells of a row): skip
                continue
            cuts.extend(range(at, el.start))
            cuts.append(el.start)
            at = el.end
        cuts.extend(range(at, box.end))
        cuts.append(box.end)
        # Kadane over the segments [cuts[i], cuts[i + 1]).
        run_value, run_start = 0.0, cuts[0]
        for left, right in pairwise(cuts):
            value = prefix[right] - prefix[left]
            if run_value <= 0:
                run_value, run_start = value, left
            else:
                run_value += value
            if run_value > 0 and (best is None or run_value > best[0]):
                best = (run_value, run_start, right, parent)
    if best is None:
        return None
    value, start, end, parent = best
    return _Element(tag=elements[parent].tag, start=start, end=end, parent=parent)


def _compact(text: str) -> str:
    return _WS_RE.sub("", text.replace("\xa0", "").replace("\u3000", ""))


def _is_title_line(text: str, title_key: str) -> bool:
    """The page title repeated above the text, alone or after a bracketed tag ("[经验分享] 标题")."""
    compact = _compact(text)
    return compact == title_key or R.TITLE_TAG_PREFIX_RE.sub("", compact) == title_key


def is_tail_marker(text: str) -> bool:
    """A short heading that opens what follows an article: 相关文章, 网友评论, 3条评论, 上一篇, 热词搜索 …,
    or one of their synonyms standing alone on its line (`is_related_heading`)."""
    return len(text) <= R.TAIL_MARKER_MAX_CHARS and (
        R.TAIL_MARKER_RE.match(text) is not None or is_related_heading(text)
    )


def is_related_heading(text: str) -> bool:
    """A heading over a related-news box worded as a synonym of 相关新闻: 重点推荐, 相关报道, 往期回顾,
    大家都在看.

    Catches the 163.com box "重点推荐 / 证券要闻 / 行业动态 / 公司新闻" whose links were dropped but whose
    unlinked section names stayed as the text's last lines. The words also start ordinary sentences
    ("相关报道称，……"), so only a whole heading line counts (RELATED_HEADING_RE). Misses headings
    worded otherwise ("你还想看") and a box without a heading (its link lines are dropped one by one).
    """
    return R.RELATED_HEADING_RE.match(text) is not None


def is_next_post_line(text: str) -> bool:
    """The header of the next post or comment: a dated byline ("沙发 发表于 2024-5-12 20:45") or a comment
    header ("绿萝不萝 04-02 12:31", see `is_comment_header_line`). Ends the text after some prose."""
    return is_byline_line(text) or is_comment_header_line(text)


def _is_prose_line(line: _Line) -> bool:
    return not _is_boilerplate(line) and line.prose and not is_reprint_notice(line.text)


def is_mid_article_box(lines: list[_Line], index: int, end: int) -> bool:
    """A related-links box (【相关推荐】, 相关阅读, 推荐阅读 …) at `index` that sits inside the text.

    范文 and news sites insert such a box (and ads) between two paragraphs; the article goes on after it.
    The box is the marker line and the link, widget and ad lines right after it (at most MID_BOX_MAX_LINES).
    It is inside the text when prose resumes within MID_BOX_RESUME_WITHIN_LINES lines after it and runs
    to MID_BOX_MIN_PROSE_AFTER characters before the next tail marker, paywall or comment header, with at
    most one link title per MID_BOX_PROSE_PER_LINK prose lines. A real tail list is followed by more lists,
    teasers (a link title per summary), a footer or comments, so it still ends the text. Misses boxes
    whose items are plain text (they read as a list of short lines and stay) and knowingly cuts an article
    whose continuation after the box is a single line shorter than MID_BOX_MIN_PROSE_AFTER.
    """
    marker = lines[index].text.strip("\xa0\u3000 ")
    if R.RELATED_BOX_MARKER_RE.match(marker) is None and not is_related_heading(marker):
        return False
    after = index + 1
    while after < end and after - index <= R.MID_BOX_MAX_LINES and _is_boilerplate(lines[after]):
        after += 1
    if after - index > R.MID_BOX_MAX_LINES:
        return False
    prose_chars = prose_lines = link_titles = 0
    first_prose = None
    for i in range(after, end):
        line = lines[i]
        text = line.text.strip("\xa0\u3000 ")
        if is_tail_marker(text) or is_paywall_line(text) or is_next_post_line(text):
            break
        if _is_prose_line(line):
            first_prose = i if first_prose is None else first_prose
            prose_chars += line.chars
            prose_lines += 1
        elif is_link_list_line(line) and line.chars >= R.LINK_TITLE_MIN_CHARS:
            link_titles += 1
    return (
        first_prose is not None
        and first_prose - after < R.MID_BOX_RESUME_WITHIN_LINES
        and prose_chars >= R.MID_BOX_MIN_PROSE_AFTER
        and link_titles * R.MID_BOX_PROSE_PER_LINK <= prose_lines
    )


def _main_lines(walker: _Walker, box: _Element, title: str) -> tuple[list[_Line], int]:
    """Lines of the chosen container minus boilerplate, the repeated title, and everything after the tail;
    and the index of the line where the tail starts (the container's end when there is none).

    The tail starts at a tail marker (相关文章, 上一篇 …) after some prose unless it heads a box inside the
    text (`is_mid_article_box`), at a paywall prompt, or at a dated byline or comment header after a
    paragraph's worth of prose: the next post in a forum thread, or comments under the article.
    """
    kept: list[_Line] = []
    prose_chars = 0
    title_key = _compact(title)
    end = box.end
    for index in range(box.start, box.end):
        line = walker.lines[index]
        text = line.text.strip("\xa0\u3000 ")
        marker = is_tail_marker(text)
        if prose_chars and marker and not is_mid_article_box(walker.lines, index, box.end):
            end = index
            break
        if (prose_chars and is_paywall_line(text)) or (
            prose_chars >= R.NEXT_POST_MIN_PROSE_CHARS and is_next_post_line(text)
        ):
            end = index
            break
        # The verdict differs from the cached one only when stripping the indentation changed the text.
        if (
            (_is_boilerplate(line) if text == line.text else _is_boilerplate_line(line, text))
            or marker
            or is_link_toc_heading(walker.lines, index)
        ):
            continue
        if not prose_chars and title_key and _is_title_line(text, title_key):
            continue
        kept.append(line)
        if line.prose:  # as of `text`: the stripped spaces are no punctuation
            prose_chars += line.chars
    return _trimmed_edges(kept), end


def _trimmed_edges(kept: list[_Line]) -> list[_Line]:
    """`kept` without the notes at its edges: leading ones (`is_head_note`, `is_edge_note`) one by one, then
    a closing notice block (`trailing_notice_start`) and trailing notes (`is_foot_note`, `is_edge_note`),
    until neither end changes."""
    start, end = 0, len(kept)
    while start < end and (is_edge_note(kept[start].text) or is_head_note(kept[start].text)):
        start += 1
    while start < end:
        cut = trailing_notice_start([ln.text for ln in kept[start:end]])
        if cut is not None:
            end = start + cut
        elif is_edge_note(kept[end - 1].text) or is_foot_note(kept[end - 1].text):
            end -= 1
        else:
            break
    return kept[start:end]


def is_edge_note(text: str) -> bool:
    """A note at the very start or end of an article that is not text: provenance, a reprint notice or a
    disclaimer (`is_disclaimer`)."""
    return is_provenance_line(text) or is_reprint_notice(text) or is_disclaimer(text)


def is_disclaimer(text: str) -> bool:
    """A short disclaimer: "本文仅为作者观点，不代表网易立场。", "免责声明：本文来自腾讯新闻客户端
    自媒体，不代表腾讯网的观点和立场。". Asked of the text's edges only, like `is_reprint_notice`, so a quoted
    "不代表公司立场" inside the article stays. Misses disclaimers longer than REPRINT_NOTICE_MAX_CHARS
    (those are `trailing_notice_start`'s when a heading or clause marks them)."""
    text = text.strip("\xa0\u3000 ")
    return len(text) <= R.REPRINT_NOTICE_MAX_CHARS and R.DISCLAIMER_RE.search(text) is not None


def is_head_note(text: str) -> bool:
    """A line at the top of the text that is the site's, not the author's: a summary or editor's note
    ("[摘要：……]", "编者按：……") or a date widget's fragments ("2019", "09/07", "19:02"; a whole date stays).

    163.com column pages open with a bracketed 摘要 that repeats the article's points, before the 原标题 line.
    Only leading lines are asked, so a "摘要：" section inside a report stays. Knowingly drops an
    editor's note that a reader might count as part of the piece.
    """
    text = text.strip("\xa0\u3000 ")
    if R.SUMMARY_LINE_RE.match(text) is not None:
        return True
    # A whole date ("2012年6月24日") above a speech is its date, not a widget's fragment.
    return R.DATE_FRAGMENT_RE.match(text) is not None and R.DATE_RE.search(text) is None


def is_foot_note(text: str) -> bool:
    """A line at the end of the text about its author: a bio ("作者为科技商业观察家，……") or an unlabelled
    reporter line ("扬子晚报记者 张楠", "（记者 王某 通讯员 李某）").

    Only trailing lines are asked; a bio sentence inside the text stays. Misses bios that do not start with
    作者 ("张三，某某大学教授。") and reporter lines with more than a name after the word.
    """
    text = text.strip("\xa0\u3000 ")
    return (len(text) <= R.AUTHOR_BIO_MAX_CHARS and R.AUTHOR_BIO_RE.match(text) is not None) or (
        len(text) <= R.REPORTER_LINE_MAX_CHARS and R.REPORTER_LINE_RE.match(text) is not None
    )


def trailing_notice_start(texts: list[str]) -> int | None:
    """Where a site's closing legal or copyright notice of several lines begins in `texts` (the text's
    lines), or None.

    Catches a block after the article such as "特别声明 / 本文为政务等机构在澎湃新闻上传并发布，仅代表该机构
    观点，……" or "免责声明： / 1、本网站所载文章仅代表作者观点…… / 2、如涉及版权问题…… / 联系电话：……": the
    last NOTICE_BLOCK_MAX_LINES lines are walked back while each is a notice heading, a reprint notice or
    disclaimer, a numbered clause with a notice word, or a contact line; the block counts only when it holds
    a heading or a reprint notice/disclaimer and reaches the end of the text. Misses notices run into the
    last paragraph, and keeps a block whose clauses use none of NOTICE_CLAUSE_WORD_RE's words.
    """
    start: int | None = None
    anchored = False
    for index in range(len(texts) - 1, max(-1, len(texts) - 1 - R.NOTICE_BLOCK_MAX_LINES), -1):
        text = texts[index].strip("\xa0\u3000 ")
        if len(text) > R.NOTICE_LINE_MAX_CHARS:
            break
        if R.NOTICE_HEADING_RE.match(text) or is_reprint_notice(text) or is_disclaimer(text):
            anchored, start = True, index
        elif (
            R.NOTICE_CLAUSE_RE.match(text) and R.NOTICE_CLAUSE_WORD_RE.search(text)
        ) or R.NOTICE_CONTACT_RE.search(text):
            start = index
        else:
            break
    if not anchored or start is None:
        return None
    # A contact line or clause below the anchor belongs to it; above the topmost anchor it may be text.
    while start < len(texts) and not (
        R.NOTICE_HEADING_RE.match(texts[start].strip("\xa0\u3000 "))
        or is_reprint_notice(texts[start])
        or is_disclaimer(texts[start])
        or _is_contact_line(texts[start])
    ):
        start += 1
    return start if start > 0 else None


def _is_contact_line(text: str) -> bool:
    """A short line giving an e-mail address or phone number ("发送邮件至zhengwu@thepaper.cn申请加入……")."""
    return len(text) <= R.REPRINT_NOTICE_MAX_CHARS and R.NOTICE_CONTACT_RE.search(text) is not None


def is_reprint_notice(text: str) -> bool:
    """A reprint or copyright notice: "本文经作者授权发布，未经许可不得转载。", "转载请注明出处：某某网",
    "版权归原作者所有，如有侵权请联系删除。", "本文转载自某某公众号".

    Bracketed or not (`is_provenance_line` needs brackets); only wording that such notices alone use
    (REPRINT_NOTICE_RE) on a short line counts, and the caller only asks the article's first and last
    lines, so a paragraph about copyright law keeps its "未经许可不得转载". Misses notices worded otherwise
    ("文章仅代表作者观点") and notices run into the last paragraph.
    """
    text = text.strip("\xa0\u3000 ")
    return len(text) <= R.REPRINT_NOTICE_MAX_CHARS and R.REPRINT_NOTICE_RE.search(text) is not None


def is_link_toc_heading(lines: list[_Line], index: int) -> bool:
    """A table-of-contents heading ("文章目录", "目录", "Contents") whose next line is a link list.

    The entries of a linked table of contents are dropped as a link list, which would leave its heading
    alone in the text. Keeps the 目录 of a law or report whose chapter list is plain text (it is part
    of the document), and misses headings worded otherwise ("本页导航").
    """
    # The next line's link density first: it rules out almost every line without compacting its text.
    return (
        index + 1 < len(lines)
        and is_link_list_line(lines[index + 1])
        and R.TOC_HEADING_RE.match(_compact(lines[index].text)) is not None
    )


def is_provenance_line(text: str) -> bool:
    """A source note at the very start or end of an article (the caller only asks those lines).

    Catches "原标题：郑州地铁10号线一期正式开通" and short fully bracketed notes naming where the text
    comes from or who handled it: "（本文为凤凰网评论独家稿件，未经授权不得转载）", "（选自《番禺文史资料》
    第十八辑，有删节）", "（供稿：机关党委 审核：张某）". They are provenance, not text, and the schema has
    no source column, so they are dropped. Keeps an unbracketed closing sentence that mentions a source
    ("数据来源于国家统计局。"), notes on the text itself ("（本文根据会议录音整理，有删节）") and a speech's
    date "（2024年3月14日）"; misses provenance notes without brackets ("本文转载自某某网").
    """
    text = text.strip("\xa0\u3000 ")
    if len(text) > R.PROVENANCE_MAX_CHARS:
        return False
    if R.ORIGINAL_TITLE_RE.match(text):
        return True
    return R.BRACKETED_LINE_RE.match(text) is not None and R.PROVENANCE_WORD_RE.search(text) is not None


# ---------------------------------------------------------------------------------------------- metadata


def _meta_map(tree: LexborHTMLParser) -> dict[str, str]:
    found: dict[str, str] = {}
    for node in tree.css("meta"):
        attrs = node.attributes
        key = attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or attrs.get("http-equiv")
        value = attrs.get("content")
        if key and value and value.strip():
            found.setdefault(key.strip().lower(), value.strip())
    return found


def split_title(raw: str) -> tuple[str, str | None]:
    """`<title>` -> (article title, site name): "讲话稿_博文学习网" -> ("讲话稿", "博文学习网").

    Chinese sites put the article first and the site last ("标题_栏目_站点"); a CMS trailer after the site
    ("- Powered by Discuz!") is not the site. Misses titles whose own text contains " - " or "_" (the part
    after it is cut) and sites that put their name first.
    """
    parts = [p.strip() for p in R.TITLE_SEPARATOR_RE.split(raw.strip()) if p.strip()]
    while len(parts) > 1 and R.CMS_TRAILER_RE.match(parts[-1]):
        parts.pop()
    if not parts:
        return "", None
    return parts[0], parts[-1] if len(parts) > 1 else None


def _overlap(a: str, b: str) -> float:
    """Share of the shorter string's characters found in the longer one (order-free, cheap)."""
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if not short:
        return 0.0
    pool = set(long_)
    return sum(ch in pool for ch in short) / len(short)


def choose_title(html_title: str, og_title: str | None, headings: list[str], site_name: str | None) -> str:
    """Visible heading when it matches the `<title>` (it is complete there), else `<title>` minus site suffix.

    Headings that are the site name (a logo in an h1) are skipped. Misses pages whose h1 and `<title>`
    disagree completely (then the `<title>` wins).
    """
    base, _ = split_title(og_title or html_title)
    # A site name after a plain space ("……技能大赛 湖南省中医药研究院附属医院") is no separator that
    # split_title knows; the site name found elsewhere (meta, footer) removes it.
    if site_name and len(base) > len(site_name) and base.endswith(site_name):
        base = base[: -len(site_name)].rstrip(" -_|｜·\u3000")
    compact_base = _compact(base)
    for heading in headings:
        text = _WS_RE.sub(" ", heading).strip()
        compact = _compact(text)
        if not (R.TITLE_MIN_CHARS <= len(compact) <= R.TITLE_MAX_CHARS) or compact == _compact(
            site_name or ""
        ):
            continue
        if not compact_base or compact in compact_base or compact_base in compact:
            return text
        if _overlap(compact, compact_base) >= R.TITLE_OVERLAP_MIN and len(compact) >= len(compact_base) / 2:
            return text
    if base:
        return base
    return next((h.strip() for h in headings if h.strip()), "")


def parse_datetime(value: str) -> datetime | None:
    """ISO 8601 or Chinese dates ("2024年3月29日", "2024/3/29 01:55") -> naive Beijing wall time."""
    value = value.strip()
    iso = value.replace("Z", "+00:00") if value.endswith("Z") else value
    try:
        dt = datetime.fromisoformat(iso)
    except ValueError:
        dt = None
    if dt is not None:
        if dt.tzinfo is not None:
            beijing = timezone(timedelta(hours=R.LOCAL_UTC_OFFSET_HOURS))
            dt = dt.astimezone(beijing).replace(tzinfo=None)
        return dt
    m = R.DATE_RE.search(value)
    return _date_from_match(m) if m else None


def _date_from_match(m: re.Match[str]) -> datetime | None:
    try:
        return datetime(
            int(m["y"]), int(m["m"]), int(m["d"]), int(m["H"] or 0), int(m["M"] or 0), int(m["S"] or 0)
        )
    except ValueError:  # 2024-13-45 and the like
        return None


_LABELLED_DATE_RE = re.compile(
    "(?P<label>"
    + "|".join(sorted(R.DATE_LABELS, key=len, reverse=True))
    + r")\s*[:：]?\s*\|?\s*"  # "公布日期： | 2023-12-12": label and date in cells of one row
    + R.DATE_RE.pattern
)
_PUBLISHED_SUFFIX_RE = re.compile(R.DATE_RE.pattern + R.PUBLISHED_SUFFIX)
_JSONLD_DATE_RE = re.compile(rf'"(?P<key>{"|".join(R.JSONLD_DATE_KEYS)})"\s*:\s*"(?P<value>[^"]+)"')
_STATE_DATE_RE = re.compile(rf'"(?:{"|".join(R.STATE_DATE_KEYS)})"\s*:\s*"(?P<value>[^"]+)"')


def find_published_at(
    tree: LexborHTMLParser, metas: dict[str, str], lines: list[_Line], header: tuple[int, int]
) -> datetime | None:
    """Publication time, most reliable source first.

    Order: meta tags, `<time datetime>`, JSON-LD, a labelled date on a short line (发布时间 beats 成文日期),
    then an unlabelled date on a short line of the article header (`header`: the line range from the
    title to just into the text), then a yearless header date completed from the page's embedded state.
    Dates inside prose are never used (a speech mentions many dates).
    """
    for name in R.PUBLISHED_META_NAMES:
        if name in metas and (dt := parse_datetime(metas[name])):
            return dt
    for node in tree.css("time[datetime], [itemprop=datePublished]"):
        value = node.attributes.get("datetime") or node.attributes.get("content") or node.text()
        if value and (dt := parse_datetime(value)):
            return dt
    if dt := published_from_json_ld(tree):
        return dt
    if dt := published_from_labelled_line(lines):
        return dt
    window = lines[header[0] : header[1]]
    for line in window:
        if len(line.text) <= R.DATE_LINE_MAX_CHARS and (m := R.DATE_RE.search(line.text)):
            dt = _date_from_match(m)
            if dt:
                return dt
    return published_from_yearless_line(tree, window)


def published_from_json_ld(tree: LexborHTMLParser) -> datetime | None:
    """The date in JSON-LD (`<script type="application/ld+json">`): datePublished, pubDate, dateCreated …

    Read with a pattern, not a JSON parser, so the broken JSON many CMSs emit (trailing commas, raw
    newlines) still gives its date; keys are ranked (JSONLD_DATE_KEYS). Misses dates under other keys
    and `@graph` documents whose first dated node is not the article (the first dated key is taken).
    """
    best: tuple[int, datetime] | None = None
    for script in tree.css('script[type="application/ld+json"]'):
        for m in _JSONLD_DATE_RE.finditer(script.text() or ""):
            rank = R.JSONLD_DATE_KEYS.index(m["key"])
            if (best is None or rank < best[0]) and (dt := parse_datetime(m["value"])):
                best = (rank, dt)
    return best[1] if best else None


def published_from_labelled_line(lines: list[_Line]) -> datetime | None:
    """A date on a short line after a label ("发布时间：2024-03-29 01:55") or before 发布/发表
    ("于 2024-03-30 21:14:05 发布"); among several, the best label wins (发布时间 beats 成文日期).

    Misses labels outside DATE_LABELS and dates without a year.
    """
    best: tuple[int, datetime] | None = None
    for line in lines:
        if len(line.text) > R.META_LINE_MAX_CHARS:
            continue
        for rank, dt, suffixed in _line_dates(line.text):
            # A date before 发布 counts as the best label, but only when no label came first.
            if best is None or (not suffixed and rank < best[0]):
                best = (rank, dt)
    return best[1] if best else None


@lru_cache(maxsize=BOILERPLATE_TEXT_CACHE_SIZE)
def _line_dates(text: str) -> tuple[tuple[int, datetime, bool], ...]:
    """The valid dates of a short line for `published_from_labelled_line`, in the order it weighs them:
    (label rank, date, False) per labelled date, then (0, date, True) per date before 发布/发表.

    Cached like `_is_boilerplate_text`: templates print the same short lines on every page (the 1,000 bench
    pages hold 4,172 distinct ones among 44,000), and these are two regex scans each.
    """
    labelled = [
        (R.DATE_LABELS.index(m["label"]), dt, False)
        for m in _LABELLED_DATE_RE.finditer(text)
        if (dt := _date_from_match(m))
    ]
    suffixed = [(0, dt, True) for m in _PUBLISHED_SUFFIX_RE.finditer(text) if (dt := _date_from_match(m))]
    return (*labelled, *suffixed)


def published_from_yearless_line(tree: LexborHTMLParser, window: list[_Line]) -> datetime | None:
    """A header date without a year ("某某晚报 04-10 18:32"), completed from the page's embedded state.

    Mobile news pages print month, day and time only and carry the full time in an inline script
    (`window.__INITIAL_STATE__ = {"ptime": "2024-04-10 18:32:07"}`); the first state date whose month,
    day, hour and minute agree is taken, so a related article's time in the same state is not. The year
    is never guessed from today's date (wrong around New Year and for old articles): without a matching
    state date the result is None.
    """
    shown = next(
        (
            m
            for line in window
            if len(line.text) <= R.DATE_LINE_MAX_CHARS
            for m in [R.YEARLESS_DATE_RE.search(line.text)]
            if m
        ),
        None,
    )
    if shown is None:
        return None
    want = (int(shown["m"]), int(shown["d"]), int(shown["H"]), int(shown["M"]))
    for script in tree.css("script"):
        for m in _STATE_DATE_RE.finditer(script.text() or ""):
            dt = parse_datetime(m["value"])
            if dt and (dt.month, dt.day, dt.hour, dt.minute) == want:
                return dt
    return None


def parse_breadcrumb(text: str) -> list[str] | None:
    """ "当前位置:首页 > 范文大全 > 讲话稿 > 正文" -> ["范文大全", "讲话稿"]; None when not a breadcrumb.

    The root (首页) is on every page and the trailing 正文/内容 names the page itself, so both are dropped.
    """
    label = R.BREADCRUMB_LABEL_RE.match(text)
    if label:
        body = text[label.end() :]
    elif R.BREADCRUMB_START_RE.match(text):
        body = text
    else:
        return None
    return _trim_path(R.BREADCRUMB_SEP_RE.split(body), None)


def parse_unlabelled_breadcrumb(line: _Line, site_name: str | None, title: str) -> list[str] | None:
    """A breadcrumb without a 当前位置 label, by shape: "新闻中心 > 国内新闻 > 正文", "首页/健康科普/用药".

    A short line with at least one link, cut by arrows (> › » →) into 2-7 short steps without prose
    punctuation, and with one piece of evidence: it starts at the site root (首页, 首頁, Home, the site
    name), ends with the page title, or sits in an element marked as a breadcrumb (class
    crumb/path/location/weizhi, aria-label="breadcrumb"); "/" separators need that mark, since menus and
    dates use them too. The caller only asks lines above the first paragraph. Misses breadcrumbs with no
    evidence ("资讯 > 评论" in a bare `<div>`) and ones cut by "|" or "-" (indistinguishable from menus and
    titles); a step longer than BREADCRUMB_PART_MAX_CHARS at the end is taken as the title and dropped.
    """
    text = line.text.strip(" \xa0\u3000")
    if not line.link_chars or len(text) > R.WIDGET_LINE_MAX_CHARS:
        return None
    parts = R.BREADCRUMB_ARROW_RE.split(text)
    if len(parts) < 2 and line.crumb_hint:
        parts = R.BREADCRUMB_SLASH_RE.split(text)
    parts = [p.strip(" \xa0\u3000") for p in parts if p.strip(" \xa0\u3000")]
    if not 2 <= len(parts) <= R.BREADCRUMB_MAX_PARTS:
        return None
    steps = parts[:-1] if len(_compact(parts[-1])) > R.BREADCRUMB_PART_MAX_CHARS else parts
    if any(len(_compact(p)) > R.BREADCRUMB_PART_MAX_CHARS or R.PROSE_PUNCT_RE.search(p) for p in steps):
        return None
    rooted = parts[0] in R.BREADCRUMB_ROOTS or _compact(parts[0]) == _compact(site_name or "")
    ends_at_page = bool(title) and _compact(parts[-1]) == _compact(title)
    return _trim_path(steps, site_name) if rooted or ends_at_page or line.crumb_hint else None


def _path_and_tags(text: str) -> tuple[tuple[str, ...] | None, tuple[str, ...]]:
    """(`parse_breadcrumb`, the tags of a TAG_LINE_RE line) of a stripped line; tuples, as short lines'
    results are cached and shared between pages (`_labelled_path_and_tags`)."""
    crumbs = parse_breadcrumb(text)
    found = R.TAG_LINE_RE.match(text)
    return (
        None if crumbs is None else tuple(crumbs),
        tuple(split_tags(found.group(1))) if found else (),
    )


# Cached for short lines only, like `_is_boilerplate_text`: templates repeat their menus and bylines on
# every page, while paragraphs (the long lines) would only fill the cache.
_labelled_path_and_tags = lru_cache(maxsize=BOILERPLATE_TEXT_CACHE_SIZE)(_path_and_tags)


def _trim_path(parts: list[str], site_name: str | None) -> list[str]:
    """Breadcrumb steps minus the root (首页 or the site name: on every page) and trailing 正文/内容 words."""
    parts = [p for p in (p.strip(" \xa0\u3000") for p in parts) if p]
    site_key = _compact(site_name or "")
    while parts and (parts[0] in R.BREADCRUMB_ROOTS or (site_key and _compact(parts[0]) == site_key)):
        parts.pop(0)
    while parts and parts[-1] in R.BREADCRUMB_LEAVES:
        parts.pop()
    return parts


def split_tags(text: str) -> list[str]:
    return [t for t in R.TAG_SPLIT_RE.split(text.strip()) if 0 < len(t) <= R.TAG_MAX_CHARS]


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def detect_language(text: str, html_lang: str | None) -> str | None:
    """ "zh" when CJK makes up a fair share of the letters; else the `<html lang>` primary tag."""
    latin = len(_LATIN_RE.findall(text))
    # The share only grows with every ideograph counted, so counting stops once it is reached (after a
    # handful on a Chinese page) instead of listing every ideograph of the text.
    for cjk, _ in enumerate(CJK_CHAR_RE.finditer(text), start=1):
        if cjk >= R.ZH_MIN_SHARE * (cjk + latin):
            return "zh"
    if html_lang:
        return html_lang.split("-")[0].lower() or None
    return None


# -------------------------------------------------------------------------------------------- public API


@dataclass(slots=True, frozen=True)
class NoMainText:
    """Why a page yields no document: a reason code for the `errors` table and a message for people."""

    kind: str
    message: str


NO_BODY = NoMainText("extract_empty", "the page has no <body> content")
LIST_PAGE = NoMainText(
    "extract_list_page",
    "the page is a list of links to articles, not a document; no text was taken from it",
)
TOO_LITTLE_TEXT = NoMainText(
    "extract_empty", f"no main text found: fewer than {R.MIN_MAIN_TEXT_CHARS} characters outside boilerplate"
)


def extract_html(html: str, url: str) -> Extracted | None:
    """Metadata and raw main-text paragraphs of one page; None when the page has no main text."""
    found = extract_or_reason(html, url)
    return found if isinstance(found, Extracted) else None


def extract_or_reason(html: str, url: str, site_rules: tuple[SiteRule, ...] = ()) -> Extracted | NoMainText:
    """Like `extract_html`, but says why there is no main text; `site_rules`: see tasks/site_rules.py."""
    tree = LexborHTMLParser(html)
    root = tree.body
    if root is None:
        return NO_BODY
    rule = match_site_rule(site_rules, url)
    pick = apply_site_rule(tree, rule) if rule else None
    walker = walk_page(root)
    metas = _meta_map(tree)
    title_node = tree.css_first("title")
    html_title = _WS_RE.sub(" ", title_node.text() if title_node else "").strip()
    _, title_site = split_title(html_title)
    site_name = (
        metas.get("og:site_name")
        or metas.get("application-name")
        or title_site
        or footer_site_name(walker.lines)
    )
    headings = [ln.text for ln in walker.lines if ln.heading and not ln.boiler]
    title = choose_title(html_title, metas.get("og:title"), headings, site_name)
    title = pick.title if pick and pick.title else title

    box = _best_container(walker)
    main, main_box = _picked_container(pick.content) if pick and pick.content else (walker, box)
    if main_box is None:
        return TOO_LITTLE_TEXT
    lines, tail = _main_lines(main, main_box, title)
    # Teasers after the text's end are a related list under an article, not a list page.
    if is_teaser_list([ln for ln in main.lines[main_box.start : tail] if not ln.boiler]):
        return LIST_PAGE
    paragraphs = [ln.text for ln in lines]
    if not _has_main_text(paragraphs):
        return TOO_LITTLE_TEXT

    category_path: list[str] = []
    tags: list[str] = []
    top = _first_paragraph_index(walker, box)
    for index, line in enumerate(walker.lines):
        text = line.text.strip("\xa0\u3000 ")
        labelled = _labelled_path_and_tags(text) if len(text) <= _BOILERPLATE_TEXT_MAX_CHARS else None
        crumbs, line_tags = labelled or _path_and_tags(text)
        if not category_path and (
            crumbs or (index < top and (crumbs := parse_unlabelled_breadcrumb(line, site_name, title)))
        ):
            # Some breadcrumbs end with the article title instead of 正文.
            category_path = list(crumbs[:-1] if _compact(crumbs[-1]) == _compact(title) else crumbs)
        tags.extend(line_tags)
    tags.extend(split_tags(metas.get("keywords", "")))
    # The document element: the parser merges any further <html> tag's attributes into it, so this is what
    # a `css_first("html")` finds, without that query's walk over the whole tree.
    html_node = tree.root
    meta = PageMeta(
        url=url,
        title=title,
        published_at=(parse_datetime(pick.published_at) if pick and pick.published_at else None)
        or find_published_at(tree, metas, walker.lines, _header_range(walker.lines, title, top)),
        category_path=category_path,
        tags=_dedupe(tags)[: R.MAX_TAGS],
        site_name=site_name,
        language=detect_language(
            "".join(paragraphs), html_node.attributes.get("lang") if html_node else None
        ),
        gov_info=parse_gov_info(ln.text for ln in walker.lines),
    )
    site_rule = "" if pick is None else "applied" if pick.content else "missed"
    return Extracted(meta=meta, paragraphs=paragraphs, site_rule=site_rule)


def footer_site_name(lines: list[_Line]) -> str | None:
    """The site's name from its footer: "主办单位：××省人民政府办公厅", "江城日报社主办", "版权所有：某某县
    人民政府", "© 2024 新经观察 版权所有", "某市文明网 版权所有"; None when the last FOOTER_MAX_LINES lines
    hold none.

    Asked only when no meta tag and no title suffix names the site (many government pages title a notice
    with its bare name). The organiser (主办) wins over the copyright holder, as it is the site's owner.
    Needs two Chinese characters in the name, so "Copyright © 2024 XINHUANET.com" gives none; misses names
    written after "版权所有" with no separator before the next word.
    """
    tail = [ln.text for ln in lines[-R.FOOTER_MAX_LINES :]]
    for pattern in R.FOOTER_SITE_RES:
        for text in reversed(tail):
            found = pattern.search(text)
            if (
                found
                and len(CJK_CHAR_RE.findall(found["name"])) >= 2
                and R.FOOTER_NOT_A_NAME_RE.search(found["name"]) is None
            ):
                return found["name"]
    return None


def _has_main_text(paragraphs: list[str]) -> bool:
    """At least MIN_MAIN_TEXT_CHARS letters, digits or ideographs; counting stops there, not at the end of
    a text that may run to a hundred thousand characters."""
    found = _ALNUM_RE.finditer("".join(paragraphs))
    return sum(1 for _ in islice(found, R.MIN_MAIN_TEXT_CHARS)) >= R.MIN_MAIN_TEXT_CHARS


def _first_paragraph_index(walker: _Walker, box: _Element | None) -> int:
    """Index of the main container's first paragraph (prose of some length): the end of the page's header."""
    if box is None:
        return 0
    for index in range(box.start, box.end):
        line = walker.lines[index]
        if line.chars >= R.NEUTRAL_LINE_MAX_CHARS and line.prose and not _is_boilerplate(line):
            return index
    return box.end


def _header_range(lines: list[_Line], title: str, top: int) -> tuple[int, int]:
    """Lines of the article header, where bylines sit: from the title line (or a few lines up) into the text.

    The earliest title line within HEADER_MAX_LINES of the first paragraph counts: pages print the title
    twice (a header block with the metadata table, then the document itself).
    """
    title_key = _compact(title)
    start = next(
        (
            i
            for i in range(max(0, top - R.HEADER_MAX_LINES), top)
            if title_key and _is_title_line(lines[i].text, title_key)
        ),
        max(0, top - R.HEADER_LINES_WITHOUT_TITLE),
    )
    return start, top + R.HEADER_LINES_INTO_TEXT


def _picked_container(nodes: list[LexborNode]) -> tuple[_Walker, _Element]:
    """The lines of a site rule's content nodes, read as one container (tasks/site_rules.py)."""
    walker = _Walker()
    for node in nodes:
        walker.walk(node)
    return walker, _Element(tag="div", start=0, end=len(walker.lines))


def extract_batch(pages: list[Page], site_rules: tuple[SiteRule, ...] = ()) -> StepResult[Doc]:
    """Extract -> clean -> split every page into documents; one bad page is an error row, never a raise.

    `site_rules` (tasks/site_rules.py) are counted as `site_rule_applied` / `site_rule_missed`.
    """
    result: StepResult[Doc] = StepResult()
    for page in pages:
        result.counters["pages"] += 1
        try:
            extracted = extract_or_reason(page.text, page.final_url or page.url, site_rules)
            if isinstance(extracted, NoMainText):
                result.reject(page.url, "extract", extracted.kind, extracted.message)
                continue
            if extracted.site_rule:
                result.counters[f"site_rule_{extracted.site_rule}"] += 1
            meta = extracted.meta
            pieces = split_documents(meta.title, clean_paragraphs(extracted.paragraphs, result.counters))
        except Exception as exc:  # a parser fault on one page must not stop the batch
            result.reject(page.url, "extract", "extract_failed", f"{type(exc).__name__}: {exc}")
            continue
        pieces = [(t, ps) for t, ps in pieces if ps]
        if not pieces:
            result.reject(page.url, "extract", "extract_empty", "main text was empty after cleaning")
            continue
        result.counters["split_pages"] += len(pieces) > 1
        for part_no, (doc_title, paragraphs) in enumerate(pieces):
            result.items.append(
                Doc(url=page.url, part_no=part_no, title=doc_title, paragraphs=paragraphs, meta=meta)
            )
            result.counters["documents"] += 1
    return result


__all__ = ["Extracted", "NoMainText", "extract_batch", "extract_html", "extract_or_reason"]
