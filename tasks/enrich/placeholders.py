"""Template slots: the blanks that 范文 (model-essay) sites leave for the reader to fill in.

Such pages are templates: 第 X 届, 20XX 年, X 同志, ××局, ○○单位, 某某市. Counting the slots tells a real
document from a template, and their positions let a reader blank them out or fill them in.
"""

from __future__ import annotations

import re

from wenji.tasks.records import Placeholder

# A document with at least this many slots is flagged as a template; one stray "X" may be a real letter.
TEMPLATE_MIN_SLOTS = 2

# Letters next to an X make it part of a Latin word or code (XBOX, APP-X), not a slot. The lookahead
# names every character a slot can start with: the other tests then run at those few places only (5x
# faster on 范文 pages than trying the lookbehind and every branch at each character).
_SLOT_RE = re.compile(
    r"(?=[12XＸ×○某])(?<![A-Za-z])(?:"
    r"(?P<year>(?:19|20)[XＸ]{2})"
    r"|(?P<slot>[XＸ]{1,4}|×{2,}|○{2,}|某某)(?P<person>\s?同志)?"
    r")(?![A-Za-z])"
)


def find_placeholders(text: str) -> list[Placeholder]:
    """The template slots in `text`, in order, with offsets into it.

    Catches: X, XX (half or full width), 20XX / 19XX years, ×× and ○○ runs, 某某, and any of them
    followed by 同志 (a person slot, kept with its 同志). Knowingly misses: lowercase x (too often a
    real letter), a single × or ○ (multiplication sign, bullet), 〇 (the Chinese zero of 二〇〇八),
    slots written as letters other than X (A单位) or as underlines (____).
    """
    found: list[Placeholder] = []
    for m in _SLOT_RE.finditer(text):
        if m.group("year"):
            kind = "year"
        elif m.group("person"):
            kind = "person"
        else:
            kind = "slot"
        found.append(Placeholder(text=m.group(), kind=kind, start=m.start(), end=m.end()))
    return found


def is_template(placeholders: list[Placeholder]) -> bool:
    return len(placeholders) >= TEMPLATE_MIN_SLOTS
