"""The 政府信息公开 metadata table of government notices, parsed into a `GovInfo` record (issue 16).

Government sites print a small table above each notice: 索引号, 发布机构, 文号, 成文日期, 发布日期, 主题分类,
有效性. Extraction drops its rows from the text as metadata lines (`is_meta_line`); this module reads them
from the same lines (table cells joined by tabs, see CELL_SEPARATOR) so that the fields are kept as data.
Pure: lines in, record out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from functools import lru_cache

from wenji.tasks import extract_rules as R
from wenji.tasks.records import GovInfo

_PADDING_RE = re.compile(r"[ \u3000\xa0]+")
_VALUE_STRIP = " \t\xa0\u3000"
_DATE_FIELDS = frozenset({"written_at", "published_at"})


# Distinct label lines remembered by one worker: a template prints the same rows, bylines and footers on
# every page (the 1,000 bench pages ask 17,109 lines, 2,199 distinct), each at most GOV_INFO_LINE_MAX_CHARS.
LABEL_CACHE_SIZE = 8192


def label_fields(text: str) -> list[tuple[str | None, str]]:
    """The (field, value) pairs of one line: each label's value runs to the next label or the line's end.

    "索 引 号：\t000014349/2018-00222\t主题分类：\t卫生、体育\\医药管理"
    -> [("index_no", "000014349/2018-00222"), ("topic", "卫生、体育\\医药管理")].
    Labels of the table that are no field give (None, value).
    """
    return list(_label_fields(text))


@lru_cache(maxsize=LABEL_CACHE_SIZE)
def _label_fields(text: str) -> tuple[tuple[str | None, str], ...]:
    """`label_fields`, cached (a tuple: every caller shares it)."""
    if len(text) > R.GOV_INFO_LINE_MAX_CHARS:
        return ()
    matches = list(R.GOV_INFO_LABEL_RE.finditer(text))
    return tuple(
        (
            R.GOV_INFO_LABELS[_PADDING_RE.sub("", m.group("label"))],
            text[m.end() : after.start() if after else len(text)].strip(_VALUE_STRIP),
        )
        for m, after in zip(matches, [*matches[1:], None], strict=False)
    )


def _date(value: str) -> date | None:
    m = R.GOV_INFO_DATE_RE.search(value)
    if m is None:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def parse_gov_info(lines: Iterable[str]) -> GovInfo | None:
    """The page's 政府信息公开 table, or None when it has none.

    Catches the table however it is laid out: label and value in one cell ("索引号：11341122…"), in
    two cells of a row (joined by a tab), or one field per `<li>`/`<p>` line; padded labels
    ("索 引 号", "标　　题"); labels without a colon when the value is the next cell or line
    (`<dt>`/`<dd>`). The table is the first run of consecutive label lines giving GOV_INFO_MIN_FIELDS
    fields including 索引号 or 文号, so a byline ("发布日期：2024-03-29 来源：市政府办") is never
    taken for one. The first value of a field wins (pages that print the table twice print it the
    same). Misses tables whose labels are images or are not in GOV_INFO_LABELS, and values split over
    two lines (a long 发布机构 wrapped with `<br>`: the first line only).
    """
    fields: dict[str, str] = {}
    pending: str | None = None  # a field whose label ended its line: the value is the next line
    for text in lines:
        asked = "：" in text or ":" in text or "\t" in text or len(text) <= R.GOV_INFO_BARE_LABEL_MAX_CHARS
        pairs = _label_fields(text) if asked or pending else ()
        if not pairs and pending and len(text) <= R.GOV_INFO_LINE_MAX_CHARS:
            fields.setdefault(pending, text.strip(_VALUE_STRIP))
            pending = None
            continue
        pending = None
        if not pairs:
            if _is_table(fields):
                break
            fields = {}
            continue
        for field, value in pairs:
            if field and value and field not in fields:
                fields[field] = value
        last_field, last_value = pairs[-1]
        pending = last_field if last_field and not last_value and last_field not in fields else None
    if not _is_table(fields):
        return None
    return GovInfo(
        index_no=fields.get("index_no"),
        issuer=fields.get("issuer"),
        doc_no=fields.get("doc_no"),
        written_at=_date(fields.get("written_at", "")),
        published_at=_date(fields.get("published_at", "")),
        topic=fields.get("topic"),
        validity=fields.get("validity"),
    )


def _is_table(fields: dict[str, str]) -> bool:
    return len(fields) >= R.GOV_INFO_MIN_FIELDS and not fields.keys().isdisjoint(R.GOV_INFO_KEY_FIELDS)


__all__ = ["label_fields", "parse_gov_info"]
