"""Turn the raw bytes of a (Chinese) web page into text, and say which codec was used and why.

Order of evidence: byte-order mark → HTTP header charset → `<meta>` charset in the first bytes →
charset-normalizer → UTF-8. The BOM comes first, as in the WHATWG encoding-sniffing algorithm: a BOM
cannot be there by accident, while a header charset is often a server-wide default that the page's
author never saw. Declarations are checked against the bytes: one that leaves many bytes undecodable
is treated as a lie and the other candidates compete on how few bytes they leave undecodable.

The GBK family (gb2312, gbk, cp936, x-gbk, …) is decoded as gb18030, its superset: pages labelled
gb2312 routinely contain characters outside GB2312 (人名, 生僻字), which a strict gb2312 decoder rejects.
Likewise Big5 labels are decoded as big5hkscs, as browsers do (WHATWG's "Big5" is Big5-HKSCS): Hong Kong
pages labelled big5 use HKSCS characters (哋, 喺), which plain big5 turns into U+FFFD and, worse, reads the
following byte as the start of a character, garbling the next one too.
Nothing here raises: undecodable bytes become U+FFFD and are counted in `bad_bytes`.
"""

from __future__ import annotations

import codecs
import re
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal

import numpy as np
from charset_normalizer import from_bytes
from charset_normalizer.utils import is_multi_byte_encoding

from wenji.tasks.clean import common_chinese_share

EncodingSource = Literal["header", "bom", "meta", "detected", "default"]

# A declared or detected codec is accepted when at most this share of the body's non-ASCII bytes fail
# to decode. Non-ASCII bytes, not all bytes, because markup is ASCII: a GBK page read as UTF-8 may
# fail on only 10% of its bytes but on nearly all of its Chinese ones. 1% leaves room for the odd
# truncated character that real, correctly labelled pages contain.
MAX_BAD_SHARE_OF_NON_ASCII = 0.01

# `<meta charset>` must appear in the first 1024 bytes per the HTML standard; real pages put long
# comments and scripts first, so we look four times as far.
META_SCAN_BYTES = 4096

# A body with at least this many non-ASCII bytes that is valid UTF-8 is UTF-8, whatever is declared:
# GBK and Big5 text is essentially never valid UTF-8 (their lead bytes are UTF-8 continuation bytes).
# Below it, a short legacy-encoded string can pass as UTF-8 by accident (the famous 联通 case is 4 bytes).
MIN_NON_ASCII_FOR_UTF8_OVERRIDE = 8

# A trial decoding as a Chinese double-byte codec is believed only when at least this share of its CJK
# ideographs are common characters of that codec's script. Real text scores above 0.95; GBK read as Big5,
# Big5 read as GB18030, or random bytes read as either score about 0.3-0.6.
MIN_COMMON_HANZI_SHARE = 0.8
# Ideographs sampled for that score; enough for a stable share, cheap on multi-megabyte pages.
HANZI_SAMPLE = 2000
_NOT_IDEOGRAPH = re.compile("[^\u4e00-\u9fff]+")

# `chinese_before_single_byte`: a GB18030/Big5 reading beats a detector's single-byte guess when at least this
# share of its non-ASCII characters are common Chinese (GB2312 level 1, Big5 常用字, CJK punctuation) ...
# Real GBK pages score 0.97-1.0; Cyrillic or Thai bytes read as GB18030 land in GB2312 level 2 and
# rare Big5 rows (measured: under 0.3), so they keep their single-byte codec.
MIN_CHINESE_READING_SHARE = 0.9
# ... with at least this many common ideographs (a title's worth; one stray `©` is no evidence) ...
MIN_CHINESE_READING_HANZI = 10
# ... and at most this many undecodable bytes beyond MAX_BAD_SHARE_OF_NON_ASCII: "a couple of invalid
# sequences" (a truncated character, a stray 0xFF) in a short page exceed 1% of its non-ASCII bytes.
MAX_BAD_BYTES_CHINESE_READING = 8

# Labels that all mean "GBK as deployed on the web"; gb18030 decodes every one of them correctly.
_GBK_FAMILY = frozenset({"gb2312", "gbk", "cp936", "x-gbk", "gb_2312-80", "gb_2312", "euc-cn", "csgb2312"})
# Python codec names of Big5 variants; big5hkscs decodes Big5 and the HKSCS additions.
_BIG5_FAMILY = frozenset({"big5", "cp950", "big5-tw", "csbig5", "x-x-big5"})
# Header labels that are usually a server default (Apache/Tomcat's ISO-8859-1), not the page's charset.
_WEAK_HEADER_CODECS = frozenset({"iso8859-1", "cp1252", "ascii"})
# Detection may propose these for bytes with no NULs; the HTML standard only honours them via a BOM.
_BOM_ONLY_CODECS = frozenset({"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"})

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: its BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([^\s;\"']+)", re.IGNORECASE)
# Matches both `<meta charset="gbk">` and `<meta http-equiv="Content-Type" content="text/html; charset=gbk">`.
_META_CHARSET = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:\-]+)", re.IGNORECASE)


@dataclass(slots=True, frozen=True)
class Decoded:
    text: str
    encoding: str  # Python codec name actually used, e.g. "gb18030", "utf-8", "big5hkscs"
    source: EncodingSource
    bad_bytes: int  # bytes replaced by U+FFFD


# Bytes replaced during the current decode; a context variable so that threads don't share the count.
_bad_count: ContextVar[list[int]] = ContextVar("wenji_bad_count")


def _count_and_replace(err: UnicodeError) -> tuple[str, int]:
    if not isinstance(err, UnicodeDecodeError):
        raise err
    _bad_count.get()[0] += err.end - err.start
    return "\ufffd", err.end


codecs.register_error("wenji.count_replace", _count_and_replace)


def _decode_counting(body: bytes, codec: str) -> tuple[str, int]:
    cell = [0]
    token = _bad_count.set(cell)
    try:
        return body.decode(codec, errors="wenji.count_replace"), cell[0]
    finally:
        _bad_count.reset(token)


def normalize_charset(label: str | None) -> str | None:
    """The Python codec for a charset label from a header or meta tag, or None if it is unknown.

    GBK-family labels map to gb18030, Big5 labels to big5hkscs (see module docstring). Unknown labels return
    None so the caller falls back to the next kind of evidence instead of failing.
    """
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    if name in _GBK_FAMILY:
        return "gb18030"
    if name in _BIG5_FAMILY:
        return "big5hkscs"
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    if codec in _GBK_FAMILY:
        return "gb18030"
    return "big5hkscs" if codec in _BIG5_FAMILY else codec


def header_charset(content_type: str | None) -> str | None:
    match = _HEADER_CHARSET.search(content_type or "")
    return match.group(1) if match else None


def meta_charset(body: bytes) -> str | None:
    match = _META_CHARSET.search(body[:META_SCAN_BYTES])
    return match.group(1).decode("ascii") if match else None


def _non_ascii_count(body: bytes) -> int:
    return len(body.translate(None, bytes(range(128))))


def _is_clean_utf8(body: bytes, non_ascii: int) -> bool:
    """Catches legacy labels on UTF-8 bodies (a gb2312 meta left in a template after conversion).

    Knowingly misses UTF-8 bodies with one stray invalid byte; the error-count contest handles those.
    """
    if non_ascii < MIN_NON_ASCII_FOR_UTF8_OVERRIDE:
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _common_char_share(text: str, codec: str) -> float:
    """Share of CJK ideographs in `text` that are common characters of the script `codec` is for.

    Catches decodings that are byte-valid but wrong: GBK read as Big5 (short pages fool the detector),
    Big5 read as GB18030, random bytes read as either. "Common" is GB2312 for gb18030 and the Big5
    frequent-character block (0xA440-0xC67E) for big5. Knowingly misses traditional-script text in
    GBK, which scores low; such pages need a declaration, which is then trusted without this check.

    The sample is encoded at once, not character by character (the loop was ~70% of detecting a page):
    every ideograph either codec has is two bytes in it, and `errors="ignore"` drops the others.
    """
    sample = _NOT_IDEOGRAPH.sub("", text)[:HANZI_SAMPLE]
    if not sample:
        return 0.0
    if codec == "big5hkscs":
        codes = np.frombuffer(sample.encode("big5", errors="ignore"), dtype=">u2")
        common = int(np.count_nonzero((codes >= 0xA440) & (codes <= 0xC67E)))
    else:
        common = len(sample.encode("gb2312", errors="ignore")) // 2
    return common / len(sample)


def _detect(body: bytes) -> str | None:
    """charset-normalizer's guess, with two corrections for Chinese pages.

    It proposes UTF-16/32 for some binary junk (ignored: those need a BOM), and calls short GBK pages
    Big5; between gb18030 and big5 the one whose text is made of common characters wins, and gb18030
    wins a tie (a few characters can be common in both readings; mainland pages are the common case).
    """
    best = from_bytes(body).best()
    codec = normalize_charset(best.encoding) if best else None
    if codec in _BOM_ONLY_CODECS:
        return None
    if codec in ("gb18030", "big5hkscs"):
        scores = {c: _common_char_share(_decode_counting(body, c)[0], c) for c in ("gb18030", "big5hkscs")}
        return max(scores, key=lambda c: (scores[c], c == "gb18030"))
    return codec


def is_single_byte_codec(codec: str) -> bool:
    """A codec with one character per byte (cp1251, koi8-r, iso8859-11 …): it decodes any bytes without an
    error, so the error count cannot reject it. Unknown codec names count as multi-byte (no special case)."""
    try:
        return not is_multi_byte_encoding(codec)
    except (LookupError, ModuleNotFoundError, ImportError):
        return False


def chinese_before_single_byte(body: bytes, allowed_bad: float) -> Decoded | None:
    """The GB18030 or Big5 reading of a body the detector called single-byte, when it reads as Chinese.

    Catches undeclared GB-family pages with a couple of invalid sequences, which charset-normalizer then
    gives a single-byte codec (measured on real article text re-encoded with two stray bytes: iso8859-11,
    cp874); a single-byte codec never fails, so it was accepted and the page became Thai letters. The
    reading must be mostly common Chinese (MIN_CHINESE_READING_SHARE, MIN_CHINESE_READING_HANZI) with few
    undecodable bytes; gb18030 wins a tie. Misses Chinese pages in other double-byte codecs (EUC-TW, HZ)
    and traditional text in GBK (it scores low on GB2312 level 1 and is kept if Big5 also fails it).
    """
    best: tuple[tuple[float, bool], Decoded] | None = None
    for codec in ("gb18030", "big5hkscs"):
        text, bad = _decode_counting(body, codec)
        if bad > max(allowed_bad, MAX_BAD_BYTES_CHINESE_READING):
            continue
        share, hanzi = common_chinese_share(text)
        if share < MIN_CHINESE_READING_SHARE or hanzi < MIN_CHINESE_READING_HANZI:
            continue
        key = (share, codec == "gb18030")
        if best is None or key > best[0]:
            best = (key, Decoded(text, codec, "detected", bad))
    return best[1] if best else None


def decode_html(body: bytes, content_type: str | None) -> Decoded:
    """Decode a page body; see the module docstring for the order of evidence. Never raises."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            text, bad = _decode_counting(body[len(bom) :], codec)
            return Decoded(text, codec, "bom", bad)

    non_ascii = _non_ascii_count(body)
    allowed_bad = non_ascii * MAX_BAD_SHARE_OF_NON_ASCII
    header = normalize_charset(header_charset(content_type))
    meta = normalize_charset(meta_charset(body))
    if meta in _BOM_ONLY_CODECS:
        meta = "utf-8"  # the HTML standard's rule: a UTF-16 label in ASCII-readable bytes is false

    declared: list[tuple[str, EncodingSource]] = []
    if header and header not in _WEAK_HEADER_CODECS:
        declared.append((header, "header"))
    if meta:
        declared.append((meta, "meta"))
    if declared and declared[0][0] != "utf-8" and _is_clean_utf8(body, non_ascii):
        return Decoded(body.decode("utf-8"), "utf-8", "detected", 0)

    tried: list[Decoded] = []
    for codec, source in declared:
        text, bad = _decode_counting(body, codec)
        tried.append(Decoded(text, codec, source, bad))
        if bad <= allowed_bad:
            return tried[-1]

    detected = _detect(body) if non_ascii else None
    if (
        detected
        and is_single_byte_codec(detected)
        and (chinese := chinese_before_single_byte(body, allowed_bad))
    ):
        return chinese
    fallbacks: list[tuple[str, EncodingSource]] = []
    if detected:
        fallbacks.append((detected, "detected"))
    fallbacks.append(("utf-8", "detected" if declared or detected else "default"))
    fallbacks.append(("gb18030", "detected"))
    if header in _WEAK_HEADER_CODECS:
        fallbacks.append((header, "header"))

    seen = {d.encoding for d in tried}
    for codec, source in fallbacks:
        if codec in seen:
            continue
        seen.add(codec)
        text, bad = _decode_counting(body, codec)
        # A gb18030 trial is not a detector's verdict: believe it only if it reads as Chinese.
        is_trial = codec == "gb18030" and source == "detected" and codec != detected
        if is_trial and _common_char_share(text, codec) < MIN_COMMON_HANZI_SHARE:
            continue
        tried.append(Decoded(text, codec, source, bad))
        if bad <= allowed_bad:
            return tried[-1]
    # Nothing decodes cleanly: keep the least damaged reading; earlier (declared) candidates win ties.
    return min(tried, key=lambda d: d.bad_bytes)
