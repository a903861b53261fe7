"""Chinese-aware cleaning of extracted paragraphs: list of raw paragraphs -> list of clean paragraphs.

Each rule is a small named function. `clean_paragraphs` is idempotent: cleaning clean text changes nothing
(a hypothesis property test checks it). Decisions:

- Spaces: removed between two Chinese characters ("城 市品质" -> "城市品质"), and between Chinese and a
  number or a short Latin token ("20XX 年" -> "20XX年", "第 X 届" -> "第X届", "U 型" -> "U型"), because
  Chinese typesetting uses no spaces there and page converters insert them at line breaks. Spaces between
  two Latin words or numbers stay ("Copyright 2008", "X X" — two placeholders stay two), and so do spaces
  around Latin words of three or more characters without a digit ("依托 APP 开展"). A word is letters and
  digits joined by . _ - ("再用 dt.to_period 按月汇总" keeps both spaces; "先用 df 读入" -> "先用df读入").
- Code lines (`is_code_line`: mostly ASCII with code punctuation, as `<pre>` blocks give them) are left
  exactly as they are: `pd.read_excel("sales.xlsx", sheet_name="明细")` gets no full-width marks, loses no
  space and is never joined to a neighbour (a line of bare closing brackets is still punctuation-only).
- Width: full-width ASCII letters and digits become half-width; Chinese punctuation stays full width; ASCII
  `,;:?!` right after a Chinese character become full width, and ASCII parentheses around Chinese text
  become （）. "1,000", "01:55" and "3.5" are untouched.
- Placeholders (X, XX, 20XX, ××, ○○) are kept exactly; lines made only of punctuation (the stray "。") go.
- Paragraphs broken mid-sentence by page breaks are re-joined (see `should_join`), headings never are.
- Mojibake (text mis-decoded before it reached us) is repaired first, see `repair_mojibake`.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache

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
# str.translate with a dict costs a lookup per character (a tenth of cleaning's time); most text has no
# full-width letter or digit at all, which this search tells at C speed.
_FULLWIDTH_ALNUM_RE = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_CJK_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
CJK_CHAR_RE = re.compile(f"[{_CJK_CLASS}]")
# Characters after which ASCII punctuation is a half-width slip: ideographs, placeholders, closing marks.
_PUNCT_LEFT = f"[{_CJK_CLASS}{re.escape(R.PLACEHOLDER_CHARS)}”’》」』）】]"
# The marks after such a character, and a space between the two. Both patterns start with the character
# they look for and only then look behind, which lets the regex engine skip to that character in C: led by
# a lookaround or a class of ideographs, the search stopped at every character (3x slower on prose).
_SPACE_BEFORE_PUNCT_RE = re.compile(f" (?<={_PUNCT_LEFT} )(?=[,;:?!])")
_PUNCT_AFTER_CJK_RE = re.compile(f"([,;:?!](?<={_PUNCT_LEFT}[,;:?!])[,;:?!]*)")
_ASCII_MARK_RE = re.compile("[,;:?!]")
_FULLWIDTH_PUNCT = str.maketrans(R.ASCII_TO_FULLWIDTH_PUNCT)
_CJK_PARENS_RE = re.compile(f"\\(([^()]*[{_CJK_CLASS}][^()]*)\\)")
_LEADING_ALNUM_RE = re.compile(f"^{R.LATIN_TOKEN}")
_TRAILING_ALNUM_RE = re.compile(f"{R.LATIN_TOKEN}$")
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
    return _folded_chars(text).strip()


def _folded_chars(text: str) -> str:
    """`normalize_chars` without the strip: every rule works on one character or one run of spaces."""
    text = R.INVISIBLE_CHARS_RE.sub("", text)
    text = R.SPACES_RE.sub(" ", text)
    if _FULLWIDTH_ALNUM_RE.search(text):
        text = text.translate(_FULLWIDTH_ALNUM)
    return text


# Joins a page's paragraphs for `_normalized_all`: a private-use character, which no rule of `normalize_chars`
# touches (no space, control, invisible character or full-width letter), so no rule works across it.
_PARAGRAPH_SEAM = "\ue000"


def _normalized_all(texts: list[str]) -> list[str]:
    """`normalize_chars` of each text, its scans run once over all of them (a page's twenty paragraphs
    cost one call each otherwise); texts that hold the seam character are normalized one by one."""
    joined = _PARAGRAPH_SEAM.join(texts)
    if joined.count(_PARAGRAPH_SEAM) != len(texts) - 1:
        return [normalize_chars(text) for text in texts]
    return [part.strip() for part in _folded_chars(joined).split(_PARAGRAPH_SEAM)]


def fullwidth_punct_after_cjk(text: str) -> str:
    """ASCII `,;:?!` after a Chinese character -> full width: "之年,在" -> "之年，在".

    A space before the mark is dropped with it. Misses marks after Latin or digits, on purpose:
    "1,000", "01:55", "Python,Java" stay as they are.
    """
    if _ASCII_MARK_RE.search(text) is None:  # most Chinese paragraphs: no split
        return text
    # The space goes first; its mark then follows the Chinese character directly.
    text = _SPACE_BEFORE_PUNCT_RE.sub("", text)
    # split() keeps the group: [before, marks, between, marks, …, after]. Pages with ASCII commas have one
    # on every clause, and this costs a third of a `sub` with a Python callback per mark.
    parts = _PUNCT_AFTER_CJK_RE.split(text)
    parts[1::2] = [marks.translate(_FULLWIDTH_PUNCT) for marks in parts[1::2]]
    return "".join(parts)


def fullwidth_parens_around_cjk(text: str) -> str:
    """ASCII parentheses around text containing Chinese -> （）: "党委(党组)" -> "党委（党组）".

    Pairs are matched innermost first, so "(1)" and "f(x)" stay ASCII.
    """
    if "(" not in text:  # most paragraphs: skips a regex scan that tries every character
        return text
    while True:
        text, n = _CJK_PARENS_RE.subn(r"（\1）", text)
        if not n:
            return text


def _glues_to_cjk(token: str) -> bool:
    """Latin/digit tokens that sit flush against Chinese: numbers, placeholders, one- or two-letter codes."""
    return (
        any(map(str.isdigit, token))
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


def visible_len(text: str) -> int:
    """Characters that are not whitespace (Unicode's, so also U+3000 and no-break spaces)."""
    # str.split() runs in C; a regex findall over every character cost a sixth of extraction's time.
    return len("".join(text.split()))


def is_code_line(text: str) -> bool:
    """A line of program code: `pd.read_excel("sales.xlsx", sheet_name="明细")`, `df = df.dropna()`.

    Catches code from `<pre>`/`<code>` blocks (the extractor gives one line per code line) and code pasted
    as paragraphs: mostly ASCII (CODE_MIN_ASCII_SHARE of the non-space characters) with the shape of code
    (CODE_SHAPE_RE). Such lines are left exactly as they are: full-width parentheses, full-width commas
    or removed spaces would break them. A line of closing brackets ("}", "});") is still dropped as
    punctuation-only (the issue's rule for every line), and runs of spaces (indentation) still fold to
    one: the extractor has already collapsed them. Misses code lines that are mostly
    Chinese (`print("……一长串中文……")`, cleaned like prose), and knowingly leaves alone mostly-ASCII prose
    lines with code punctuation ("f(x) = 2x + 1", "访问 www.gov.cn"), which cleaning would barely change.
    """
    visible = "".join(text.split())
    ascii_chars = len(visible.encode("ascii", "ignore"))  # C-speed count; this runs on every line
    return (
        bool(visible)
        and ascii_chars >= R.CODE_MIN_ASCII_SHARE * len(visible)
        and bool(R.CODE_SHAPE_RE.search(text))
    )


def is_punctuation_only(text: str) -> bool:
    """Empty lines and lines with no letter, digit, ideograph or placeholder: the stray "。", "……", "***"."""
    # Two scans in C instead of a generator step per character: most lines end the first at their first
    # character.
    return not (any(map(str.isalnum, text)) or any(ch in text for ch in R.PLACEHOLDER_CHARS))


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
    unpunctuated), a `second` that opens an outline item (一是/二、) or is a title followed by a salutation,
    and code lines (`is_code_line`) on either side.
    Misses breaks inside numbers or Latin words ("20" + "24年"), and breaks after a short first line.
    """
    if (
        not first
        or not second
        or first[-1] in R.TERMINAL_PUNCT
        or is_code_line(first)
        or is_code_line(second)
    ):
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


# ---------------------------------------------------------------------------------------------- mojibake
#
# Pages whose text was mis-decoded before it reached us (a CMS that read UTF-8 bytes as GBK, a feed read
# as Latin-1) cannot be fixed by decoding: the bytes are gone, only the wrong characters are left. The
# repair re-encodes a suspicious run with the wrong codec, decodes it with the right one strictly, and
# keeps the result only when it reads as ordinary Chinese (`is_better_chinese`).

# cp1252 maps 0x80-0x9F to curly quotes, dashes, €…; Latin-1 and browsers' windows-1252 leave the five
# undefined ones (81 8D 8F 90 9D) as C1 controls. Both are folded back to their byte.
_CP1252_TO_BYTE = {
    ord(ch): b for b in range(0x80, 0xA0) if (ch := bytes([b]).decode("cp1252", errors="ignore"))
}
# Spans tried per run by `_marker_windows`: enough for a few mojibake pieces, bounded for long runs.
MAX_MARKER_WINDOWS = 32
_LOST = "\ufffd"  # what an upstream decoder put where it met bytes it could not decode
_LOST_RUN_RE = re.compile(f"{_LOST}+")
_LATIN_MOJIBAKE_CLASS = "\x80-\xff" + "".join(chr(c) for c in _CP1252_TO_BYTE) + _LOST
# A multi-byte character read one byte per character is at least two Latin-1/cp1252 characters, and its
# first byte is at least A1 (GB2312 leads A1-F7, UTF-8 leads C2-EF). So "&nbsp;&nbsp;" indentation
# (A0 A0) is no hint.
_LATIN_RUN_RE = re.compile(f"[\xa1-\xff{_LOST}][{_LATIN_MOJIBAKE_CLASS}]+")
_NON_ASCII_RUN_RE = re.compile(r"[^\x00-\x7f]{2,}")


def _gbk_pair_chars(leads: range, trails: range) -> str:
    chars = []
    for lead in leads:
        for trail in trails:
            try:
                chars.append(bytes([lead, trail]).decode("gbk"))
            except UnicodeDecodeError:
                continue
    return "".join(chars)


# UTF-8 read as GBK: every Chinese character is a lead byte E2-EF (E2 quotes, E3 CJK punctuation, E4-E9
# ideographs, EF full-width forms) and two continuation bytes 80-BF, so every run of two or more holds a GBK
# pair (lead, continuation): "鍏", "浣", "锛", "銆". Those 896 characters are GB2312 level 2 or GBK
# extensions; together 0.3% of real text (jieba's dictionary, frequency-weighted), so text without one is
# cleared by the fast path.
_UTF8_AS_GBK_MARKERS = _gbk_pair_chars(range(0xE2, 0xF0), range(0x80, 0xC0))
_UTF8_AS_GBK_MARKER_RE = re.compile(f"[{_UTF8_AS_GBK_MARKERS}]")
# The fast path: one search that every kind of mojibake handled here must hit.
# Written as one character class followed by a check, which lets the regex engine scan with the class
# alone: 3.8 ms per MB of Chinese text, against 13 ms for the plain alternation `A[B]|[C]`.
_MOJIBAKE_HINT_RE = re.compile(
    f"[\xa1-\xff{_LOST}{_UTF8_AS_GBK_MARKERS}](?:(?<=[{_UTF8_AS_GBK_MARKERS}])|(?=[{_LATIN_MOJIBAKE_CLASS}]))"
)

# A repair is kept only when at least this share of its non-ASCII characters is common Chinese. Real text
# scores 0.999 (examples/articles: 13 of 21,524 ideographs are not common); its UTF-8-read-as-GBK mojibake
# 0.32 and Latin-1 mojibake 0 (no ideographs at all).
REPAIRED_MIN_COMMON_SHARE = 0.9
# ... and it must gain this much over the text it replaces, so text that already reads well is never touched.
REPAIR_MIN_SHARE_GAIN = 0.3
# One mis-read ideograph ("ÖÐ" -> 中) is too little evidence; two are needed.
REPAIRED_MIN_COMMON_HANZI = 2


@cache
def common_chinese_chars() -> frozenset[str]:
    """GB2312 level 1 (3,755 simplified) ∪ Big5 常用字 (5,401 traditional) ideographs, plus CJK punctuation.

    Both tables were drawn up by character frequency and ship with every Python (their codecs), so no
    data file is needed: GB2312 level 1 covers 99.9% of the ideographs in examples/articles, while the
    characters UTF-8-read-as-GBK produces are mostly outside it. Chosen over jieba's dictionary, whose
    word frequencies would need a 5 MB load per worker for a per-character answer. Big5 is added so that
    traditional-Chinese pages can be repaired too.
    """
    level1 = _gbk_pair_chars(range(0xB0, 0xD8), range(0xA1, 0xFF))
    big5 = []
    for lead in range(0xA4, 0xC7):
        for trail in (*range(0x40, 0x7F), *range(0xA1, 0xFF)):
            if (lead, trail) <= (0xC6, 0x7E):
                try:
                    big5.append(bytes([lead, trail]).decode("big5"))
                except UnicodeDecodeError:
                    continue
    punct = [chr(c) for c in (*range(0x3000, 0x3040), *range(0xFF01, 0xFF5F))] + list("“”‘’…—·")
    return frozenset((*level1, *big5, *punct))


def common_chinese_share(text: str) -> tuple[float, int]:
    """(share of common Chinese among the non-ASCII, non-space characters, number of common ideographs).

    Characters lost upstream (U+FFFD) are left out of the share; `is_better_chinese` counts them apart.
    """
    common = common_chinese_chars()
    wide = [ch for ch in text if ch > "\x7f" and ch != _LOST and not ch.isspace()]
    hits = [ch for ch in wide if ch in common]
    hanzi = sum(1 for ch in hits if is_cjk_char(ch))
    return (len(hits) / len(wide) if wide else 0.0), hanzi


def is_better_chinese(original: str, candidate: str) -> bool:
    """A candidate repair reads as ordinary Chinese and clearly better than what it replaces.

    This is what keeps correct text safe: real Chinese already scores ~1.0, so it can never gain
    REPAIR_MIN_SHARE_GAIN, whatever rare characters ("鍏", "浣") it happens to contain.
    """
    share, hanzi = common_chinese_share(candidate)
    before, _ = common_chinese_share(original)
    return (
        hanzi >= REPAIRED_MIN_COMMON_HANZI
        and share >= REPAIRED_MIN_COMMON_SHARE
        and share >= before + REPAIR_MIN_SHARE_GAIN
        and candidate.count(_LOST) <= original.count(_LOST)
    )


def _reread(text: str, wrong: str, right: str) -> str | None:
    """`text` encoded back with the codec that wrongly decoded it, then decoded with the right one.

    Characters lost upstream (U+FFFD) become one invalid byte, so the character they belonged to is lost
    again (one U+FFFD) and the rest is recovered; without any, decoding is strict.
    """
    try:
        if wrong == "latin-1":
            pieces = [p.translate(_CP1252_TO_BYTE).encode("latin-1") for p in text.split(_LOST)]
        else:
            pieces = [p.encode(wrong) for p in text.split(_LOST)]
        if _LOST not in text:
            return pieces[0].decode(right)
    except UnicodeError:
        return None
    return _LOST_RUN_RE.sub(_LOST, b"\xff".join(pieces).decode(right, errors="replace"))


def _latin_run_reading(run: str) -> str | None:
    """The better of a Latin-1 run's UTF-8 and GBK readings, if one is almost all common Chinese.

    A run of one repeated character is never read: "××" and "××××" are template placeholders (as GBK
    they would be 鬃, a common-table ideograph), while mojibake of real text alternates lead and trail.
    """
    if len(set(run)) == 1:
        return None
    readings = []
    for codec in ("utf-8", "gb18030"):
        reading = _reread(run, "latin-1", codec)
        if reading is not None and common_chinese_share(reading)[0] >= REPAIRED_MIN_COMMON_SHARE:
            readings.append(reading)
    return max(readings, key=lambda r: common_chinese_share(r)[0], default=None)


def repair_latin1_mojibake(text: str) -> str:
    """Runs of Latin-1/cp1252 characters that are Chinese read one byte per character, either family:

    UTF-8 read as Latin-1/cp1252 ("æ–‡ä»¶" -> 文件) and GBK read as Latin-1 ("ÎÄ¼þ" -> 文件). Each run
    is read both ways (`_latin_run_reading`); the runs' readings replace them only if, taken together,
    they pass `is_better_chinese`, so "2024Äê3ÔÂ" (two one-character runs) is repaired while "××" alone
    (a placeholder, GBK 鬃) is not. ASCII never belongs to a run: it is the same byte in all three
    codecs, and GB2312 characters have no ASCII byte. Misses runs whose bytes were changed upstream (nbsp
    folded to a space: "ä½ å¥½"), GBK-extension characters with an ASCII second byte, and single
    mis-read ideographs.
    """
    found = [(m, reading) for m in _LATIN_RUN_RE.finditer(text) if (reading := _latin_run_reading(m.group()))]
    if not found:
        return text
    before = "".join(m.group() for m, _ in found)
    after = "".join(reading for _, reading in found)
    if not is_better_chinese(before, after):
        return text
    out, pos = [], 0
    for m, reading in found:
        out += [text[pos : m.start()], reading]
        pos = m.end()
    return "".join(out) + text[pos:]


def _marker_windows(run: str) -> list[tuple[int, int]]:
    """Spans of a non-ASCII run to try as UTF-8-read-as-GBK mojibake, the whole run first.

    The mojibake can sit beside correct Chinese ("来源：鏂板崕绀�", "浣熊是一种动物。鍏ㄩ儴"): it starts at
    most two characters before one of its markers (the pairs (continuation, lead) and (continuation,
    continuation) can come first) and ends at the run's end or at most three after its last marker.
    At most MAX_MARKER_WINDOWS spans are tried, so a long run costs a bounded number of decodes.
    """
    spots = [m.start() for m in _UTF8_AS_GBK_MARKER_RE.finditer(run)]
    if not spots:
        return []
    starts = dict.fromkeys([0, *(max(0, p - k) for p in spots for k in (2, 1, 0))])
    ends = dict.fromkeys([len(run), *(min(len(run), spots[-1] + k) for k in (3, 2, 1))])
    spans = [(s, e) for s in starts for e in ends if e - s >= 2]
    return spans[:MAX_MARKER_WINDOWS]


def repair_utf8_read_as_gbk(text: str) -> str:
    """UTF-8 Chinese that was decoded as GBK: "鍏徃鎴愮珛浜�" -> "公司成立于…", "浣犲ソ锛�" -> "你好，".

    The whole paragraph is tried first (the usual case: a whole page mis-decoded; ASCII inside it may
    have been swallowed as a GBK second byte), then each non-ASCII run and spans around its markers.
    A character lost upstream (U+FFFD, typically the last byte of an odd-length run) stays lost; the rest
    is recovered. Misses mojibake where the upstream decoder wrote "?" for bytes it could not decode,
    and runs of one ideograph.
    """
    whole = _reread(text, "gbk", "utf-8")
    if whole is not None and is_better_chinese(text, whole):
        return whole

    def fix(m: re.Match[str]) -> str:
        run = m.group()
        for start, end in _marker_windows(run):
            piece = run[start:end]
            fixed = _reread(piece, "gbk", "utf-8")
            if fixed is not None and is_better_chinese(piece, fixed):
                return run[:start] + fixed + run[end:]
        return run

    return _NON_ASCII_RUN_RE.sub(fix, text)


def repair_mojibake(text: str) -> str:
    """Repair Chinese mojibake of the three common kinds; text without a hint of any is returned untouched.

    The fast path is one regex search (`_MOJIBAKE_HINT_RE`). Repairs repeat until nothing changes, which
    also undoes mojibake of mojibake; every accepted repair shortens the text, so this ends.
    """
    while _MOJIBAKE_HINT_RE.search(text):
        fixed = repair_utf8_read_as_gbk(repair_latin1_mojibake(text))
        if fixed == text:
            break
        text = fixed
    return text


def _normalize_inline(text: str) -> str:
    if is_code_line(text):
        return text
    # Parentheses first: a mark after a closing "）" is after Chinese only once the parenthesis is full
    # width ("（如……等）,以及"); the other order left that comma for a second cleaning (hypothesis found it).
    return remove_cjk_spaces(fullwidth_punct_after_cjk(fullwidth_parens_around_cjk(text)))


def _repaired(texts: list[str], counters: Counter[str] | None) -> list[str]:
    """`repair_mojibake` of each text. One hint search over all of them clears most pages at once: a hint
    in one text is a hint in the joined texts and the joining newline makes none (it is neither a
    mojibake character nor one that may follow it)."""
    if _MOJIBAKE_HINT_RE.search("\n".join(texts)) is None:
        return texts
    fixed = [repair_mojibake(text) for text in texts]
    repaired = sum(a != b for a, b in zip(texts, fixed, strict=True))
    if counters is not None and repaired:
        counters["mojibake_repaired"] += repaired
    return fixed


def clean_paragraphs(paragraphs: list[str], counters: Counter[str] | None = None) -> list[str]:
    """Raw extracted paragraphs -> clean paragraphs (idempotent; see the module docstring for the rules).

    Mojibake is repaired before `normalize_chars`, which would drop the C1 controls it may hold, and
    again after joining, where two halves of one mis-decoded sentence meet. `counters`, when given,
    counts repaired paragraphs as `mojibake_repaired`.
    """
    pieces = [
        piece
        for para in _normalized_all(_repaired(paragraphs, counters))
        for piece in split_run_in_heading(para)
    ]
    kept = [text for text in map(_normalize_inline, pieces) if not is_punctuation_only(text)]
    out = join_broken_paragraphs(kept)
    # Joining can pair parentheses across the seam, so inline rules run once more on the result. A paragraph
    # no repair changed skips `normalize_chars`, which has nothing left to do on it (the inline rules and
    # joining add no space at an edge, no space run, no control or full-width letter). A repair here can
    # also turn a paragraph's first characters into ideographs that continue the one before ("°¡同志们"
    # after "…的信心和决心" became "啊同志们", which a second cleaning joined: hypothesis found it), so
    # joining runs again until it joins nothing.
    while True:
        fixed = _repaired(out, counters)
        any_repaired = any(repaired is not text for text, repaired in zip(out, fixed, strict=True))
        out = [
            _normalize_inline(text if repaired is text else normalize_chars(repaired))
            for text, repaired in zip(out, fixed, strict=True)
        ]
        if not any_repaired:
            return out
        rejoined = join_broken_paragraphs(out)
        if len(rejoined) == len(out):
            return out
        out = rejoined
