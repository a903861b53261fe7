"""Chinese-aware cleaning of extracted paragraphs: list of raw paragraphs -> list of clean paragraphs.

Each rule is a small named function. `clean_paragraphs` is idempotent: cleaning clean text changes nothing
(a hypothesis property test checks it). Decisions:

- Spaces: removed between two Chinese characters ("城 市品质" -> "城市品质"), and between Chinese and a
  number or a short Latin token ("20XX 年" -> "20XX年", "第 X 届" -> "第X届", "U 型" -> "U型"), because
  Chinese typesetting uses no spaces there and page converters insert them at line breaks. Spaces between
  two Latin words or numbers stay ("Copyright 2008", "X X" — two placeholders stay two), and so do spaces
  around longer Latin words ("依托 APP 开展").
- Width: full-width ASCII letters and digits become half-width; Chinese punctuation stays full width; ASCII
  `,;:?!` right after a Chinese character become full width, and ASCII parentheses around Chinese text
  become （）. "1,000", "01:55" and "3.5" are untouched.
- Placeholders (X, XX, 20XX, ××, ○○) are kept exactly; lines made only of punctuation (the stray "。") go.
- Paragraphs broken mid-sentence by page breaks are re-joined (see `should_join`), headings never are.
"""

from __future__ import annotations

import re

from wenji.tasks import extract_rules as R

_CJK_RANGES = (
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x20000, 0x3134F),
)
_FULLWIDTH_ALNUM = {
    **{c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)},
    **{c: c - 0xFEE0 for c in range(0xFF21, 0xFF3B)},
    **{c: c - 0xFEE0 for c in range(0xFF41, 0xFF5B)},
}
_CJK_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
CJK_CHAR_RE = re.compile(f"[{_CJK_CLASS}]")
# Characters after which ASCII punctuation is a half-width slip: ideographs, placeholders, closing marks.
_PUNCT_LEFT_RE = re.compile(f"([{_CJK_CLASS}{re.escape(R.PLACEHOLDER_CHARS)}”’》」』）】]) ?([,;:?!]+)")
_CJK_PARENS_RE = re.compile(f"\\(([^()]*[{_CJK_CLASS}][^()]*)\\)")
_LEADING_ALNUM_RE = re.compile(r"^[A-Za-z0-9]+")
_TRAILING_ALNUM_RE = re.compile(r"[A-Za-z0-9]+$")
_PLACEHOLDER_RUN_RE = re.compile(r"^[Xx]+$")


def is_cjk_char(ch: str) -> bool:
    """A Chinese ideograph (basic block, extension A, compatibility, extensions B+)."""
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in _CJK_RANGES)


def _is_cjk_side(ch: str) -> bool:
    """Chinese for spacing purposes: ideographs, placeholders, and full-width/CJK punctuation."""
    code = ord(ch)
    return (
        is_cjk_char(ch)
        or ch in R.PLACEHOLDER_CHARS
        or 0x3000 <= code <= 0x303F
        or 0xFF00 <= code <= 0xFFEF
        or 0x2018 <= code <= 0x201F
        or ch in "…—·"
    )


def normalize_chars(text: str) -> str:
    """Drop invisible/control characters, fold every space to one ASCII space, full-width alnum to ASCII.

    Catches zero-width spaces, BOMs and soft hyphens pasted from Word, `&nbsp;`/full-width indentation,
    and full-width digits ("２０２４年"). Full-width punctuation is deliberately kept.
    """
    text = R.INVISIBLE_CHARS_RE.sub("", text)
    text = R.SPACES_RE.sub(" ", text)
    return text.translate(_FULLWIDTH_ALNUM).strip()


def fullwidth_punct_after_cjk(text: str) -> str:
    """ASCII `,;:?!` after a Chinese character -> full width: "之年,在" -> "之年，在".

    A space before the mark is dropped with it. Misses marks after Latin or digits, on purpose:
    "1,000", "01:55", "Python,Java" stay as they are.
    """
    table = R.ASCII_TO_FULLWIDTH_PUNCT
    return _PUNCT_LEFT_RE.sub(lambda m: m.group(1) + "".join(table[c] for c in m.group(2)), text)


def fullwidth_parens_around_cjk(text: str) -> str:
    """ASCII parentheses around text containing Chinese -> （）: "党委(党组)" -> "党委（党组）".

    Pairs are matched innermost first, so "(1)" and "f(x)" stay ASCII.
    """
    while True:
        text, n = _CJK_PARENS_RE.subn(r"（\1）", text)
        if not n:
            return text


def _glues_to_cjk(token: str) -> bool:
    """Latin/digit tokens that sit flush against Chinese: numbers, placeholders, one- or two-letter codes."""
    return (
        any(ch.isdigit() for ch in token)
        or _PLACEHOLDER_RUN_RE.match(token) is not None
        or len(token) <= R.LATIN_GLUE_MAX_CHARS
    )


def remove_cjk_spaces(text: str) -> str:
    """Remove spaces between Chinese characters, and between Chinese and numbers/placeholders/short codes.

    Catches page-converter artefacts ("城 市品质", "查 办", "第 X 届", "2020 年"). Keeps spaces between two
    Latin words or numbers and around longer Latin words (see the module docstring). Knowingly merges
    space-separated Chinese lists ("张三 李四" -> "张三李四"), which Chinese prose would write with "、".
    """
    if " " not in text:
        return text
    parts = text.split(" ")
    out = [parts[0]]
    for right in parts[1:]:
        left = out[-1]
        if not left or not right:
            out.append(right)
            continue
        left_cjk, right_cjk = _is_cjk_side(left[-1]), _is_cjk_side(right[0])
        left_run = _TRAILING_ALNUM_RE.search(left)
        right_run = _LEADING_ALNUM_RE.match(right)
        glue = (left_cjk and (right_cjk or (right_run is not None and _glues_to_cjk(right_run.group())))) or (
            right_cjk and left_run is not None and _glues_to_cjk(left_run.group())
        )
        if glue:
            out[-1] = left + right
        else:
            out.append(right)
    return " ".join(out)


def is_punctuation_only(text: str) -> bool:
    """Empty lines and lines with no letter, digit, ideograph or placeholder: the stray "。", "……", "***"."""
    return not any(ch.isalnum() or ch in R.PLACEHOLDER_CHARS for ch in text)


def split_run_in_heading(text: str) -> list[str]:
    """ "一、紧绷决战之弦，坚定创则必成的信心和决心 全国文明城市是……" -> [heading, body].

    Page converters glue an outline heading (一、/（一）) and its first paragraph with one space. The
    heading must be 5-38 characters without sentence-ending punctuation and the body at least 20.
    Must run before `remove_cjk_spaces`, which would erase the evidence. Misses run-in headings separated
    by nothing at all, and those numbered 1. / 第一.
    """
    m = R.RUN_IN_HEADING_RE.match(text)
    return [m.group(1), m.group(2)] if m else [text]


def is_outline_heading(text: str) -> bool:
    return R.OUTLINE_MARKER_RE.match(text) is not None


def is_salutation(text: str) -> bool:
    """ "同志们：", "各位领导、同志们：", "尊敬的各位来宾：" — the line that opens a speech."""
    return len(text) <= R.SALUTATION_MAX_CHARS and R.SALUTATION_RE.match(text) is not None


def is_title_like(text: str) -> bool:
    """A short line that could name a document: no sentence punctuation, not an outline item."""
    return (
        R.DOC_TITLE_MIN_CHARS <= len(text) <= R.DOC_TITLE_MAX_CHARS
        and R.CLAUSE_PUNCT_RE.search(text) is None
        and not is_outline_heading(text)
        and not is_salutation(text)
    )


def is_body_text(text: str) -> bool:
    """Evidence that a paragraph is running prose rather than a heading, title or label.

    Either a sentence ends inside it ("…贯穿始终。县委巡察办要"), or it is long and has clause punctuation.
    An outline heading ("一、强化政治引领，坚定不移深化政治巡察") is body text only if a sentence ends inside.
    """
    inner = text[:-1]
    if R.SENTENCE_END_RE.search(inner):
        return True
    return (
        len(text) >= R.JOIN_MIN_CHARS
        and R.CLAUSE_PUNCT_RE.search(text) is not None
        and not is_outline_heading(text)
    )


def should_join(first: str, second: str, after: str | None) -> bool:
    """True when `second` continues a sentence that a page break cut off at the end of `first`.

    "…已经到了迫" + "在眉睫、临门一脚…" and "…造成创文工" + "作难以挽回…" are joined: `first` is body text
    (see `is_body_text`), does not end with terminal punctuation, and `second` starts with an ideograph.
    Never joined: headings, titles and salutations ("同志们：" ends with a colon; titles are short and
    unpunctuated), a `second` that opens an outline item (一是/二、) or is a title followed by a salutation.
    Misses breaks inside numbers or Latin words ("20" + "24年"), and breaks after a short first line.
    """
    if not first or not second or first[-1] in R.TERMINAL_PUNCT:
        return False
    if not is_cjk_char(second[0]) or is_outline_heading(second) or is_salutation(second):
        return False
    if after is not None and is_title_like(second) and is_salutation(after):
        return False
    return is_body_text(first)


def join_broken_paragraphs(paragraphs: list[str]) -> list[str]:
    """Re-join paragraphs split mid-sentence (see `should_join`); joins chain over several breaks."""
    out: list[str] = []
    for i, para in enumerate(paragraphs):
        after = paragraphs[i + 1] if i + 1 < len(paragraphs) else None
        if out and should_join(out[-1], para, after):
            out[-1] += para
        else:
            out.append(para)
    return out


def _normalize_inline(text: str) -> str:
    return remove_cjk_spaces(fullwidth_parens_around_cjk(fullwidth_punct_after_cjk(text)))


def clean_paragraphs(paragraphs: list[str]) -> list[str]:
    """Raw extracted paragraphs -> clean paragraphs (idempotent; see the module docstring for the rules)."""
    pieces = [piece for para in paragraphs for piece in split_run_in_heading(normalize_chars(para))]
    kept = [text for text in map(_normalize_inline, pieces) if not is_punctuation_only(text)]
    # Joining can pair parentheses across the seam, so inline rules run once more on the result.
    return [_normalize_inline(text) for text in join_broken_paragraphs(kept)]
