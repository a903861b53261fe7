"""Formulations (提法): the quoted phrases, numeric slogans and parallel series of official discourse.

Three detectors, each over one sentence at a time:
- quoted: short, mostly Chinese phrases in “” 「」 『』 (“长安杯”, “最后一公里”, “金字招牌”);
- numeric: slogans built from numerals (三洗六见一红旗, 两下两进两拆四提升, 十纵十横, 五个三, 四个意识);
- series: three or more parallel items joined by 、 (不敢腐、不能腐、不想腐; 共建、共治、共享).
A phrase found by several detectors is one term, of the most specific kind (numeric, then series, then
quoted); its count is the number of distinct places it was found.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterator

from wenji.tasks.records import Sentence, Term

_CJK = "\u4e00-\u9fff"
_NUMERALS = "一二两三四五六七八九十百千"
_NON_NUMERAL_CJK = f"(?:(?![{_NUMERALS}])[{_CJK}])"

# A quoted formulation is short: longer quotes are clauses or titles, not a coined phrase.
MIN_QUOTED_CHARS = 2
MAX_QUOTED_CHARS = 12
# Share of Chinese characters a quoted formulation needs (“互联网+” passes, “APP” or “X 楷模” do not).
MIN_QUOTED_CJK_SHARE = 0.75
# Clause punctuation inside quotes means a quoted sentence, not a formulation; 、·+ are allowed.
_CLAUSE_PUNCT_RE = re.compile(r"[，。！？；：,.!?;:\s]")
_QUOTED_RE = re.compile(r"“([^“”\n]+)”|「([^「」\n]+)」|『([^『』\n]+)』")

# Two or more groups of a numeral and one or two other characters: 三洗/六见/一红旗, 十纵/十横. Written as
# one group and then more, not (?:group){2,}: a pattern that starts with a character class lets `re` skip
# to the next numeral, instead of trying the repeat at every character (4x faster on our pages).
_GROUP = f"[{_NUMERALS}]{_NON_NUMERAL_CJK}{{1,2}}"
_GROUPS_RE = re.compile(f"{_GROUP}(?:{_GROUP})+")
# “N个N” slogans (五个三, 三个一): the counted thing is itself a number.
_COUNT_OF_NUMBER_RE = re.compile(f"[{_NUMERALS}]个[{_NUMERALS}]")
# “N个X” slogans (四个意识, 两个维护) are recognised only as one dictionary token: the segmenter holds the
# coined ones whole, and splits ordinary counts (四个/要点, 三个/方面).
_COUNTED_TOKEN_RE = re.compile(f"[{_NUMERALS}]个{_NON_NUMERAL_CJK}{{2,3}}")
# Idioms made of numerals (一心一意, 千方百计) are tagged i by jieba: language, not slogans.
IDIOM_POS = frozenset({"i"})

# A series has at least this many items, each this long (found by `_series_matches`).
MIN_SERIES_ITEMS = 3
MIN_ITEM_CHARS, MAX_ITEM_CHARS = 2, 5
_ITEM = f"[{_CJK}]{{{MIN_ITEM_CHARS},{MAX_ITEM_CHARS}}}"
_SERIES_RE = re.compile(f"{_ITEM}(?:、{_ITEM}){{{MIN_SERIES_ITEMS - 1},}}")


def _series_matches(text: str) -> Iterator[re.Match[str]]:
    """The matches of `_SERIES_RE.finditer(text)`, trying only the starts a match can have: its first
    item's length before a 、 (finditer tries the pattern, backtracking, at every character: 8x slower),
    and only before a 、 that a second item and another 、 follow (three in four do not, on our pages)."""
    pos = 0
    while (i := text.find("、", pos)) >= 0:
        earliest, pos = max(pos, i - MAX_ITEM_CHARS), i + 1
        if not MIN_ITEM_CHARS < text.find("、", pos) - i <= MAX_ITEM_CHARS + 1:
            continue
        for start in range(earliest, i - MIN_ITEM_CHARS + 1):
            if m := _SERIES_RE.match(text, start):
                yield m
                pos = m.end()
                break


KIND_PRIORITY = {"numeric": 0, "series": 1, "quoted": 2}

Found = tuple[str, str, int]  # (text, kind, start in the joined text)


class _Joined:
    """A document's sentences joined by newlines, so each detector runs one regex pass per document;
    no pattern matches across a newline, so no match straddles two sentences."""

    def __init__(self, sentences: list[Sentence]) -> None:
        self.sentences = sentences
        self.text = "\n".join(s.text for s in sentences)
        self.starts: list[int] = []
        pos = 0
        for s in sentences:
            self.starts.append(pos)
            pos += len(s.text) + 1
        self._bounds: dict[int, list[int]] = {}

    def sentence_at(self, pos: int) -> int:
        return bisect.bisect_right(self.starts, pos) - 1

    def bounds(self, k: int) -> list[int]:
        """Offsets in `text` where the tokens of sentence k start or end (whitespace is no token)."""
        if k not in self._bounds:
            s, pos = self.sentences[k], self.starts[k]
            if "".join(s.words) == s.text:  # nearly every sentence: no whitespace, the words cut the text
                self._bounds[k] = list(itertools.accumulate(map(len, s.words), initial=pos))
            else:
                self._bounds[k] = self._found_bounds(s.words, pos)
        return self._bounds[k]

    def _found_bounds(self, words: list[str], pos: int) -> list[int]:
        """Token bounds found word by word from `pos`, skipping what lies between tokens."""
        bounds = [pos]
        for word in words:
            pos = self.text.find(word, pos)
            if pos < 0:  # words and text disagree (should not happen): no alignment is known
                return []
            pos += len(word)
            bounds.append(pos)
        return bounds


def is_quoted_formulation(phrase: str) -> bool:
    """A short, mostly Chinese phrase without clause punctuation.

    Catches coined phrases (“长安杯”, “最后一公里”, “共建、共治、共享”). Misses formulations longer than
    `MAX_QUOTED_CHARS` and ones written with a comma (“X 的事，大家想、大家说、大家干”), which are
    quoted sentences far more often; lets through ordinary words quoted for emphasis (“金字招牌”).
    """
    if not MIN_QUOTED_CHARS <= len(phrase) <= MAX_QUOTED_CHARS or _CLAUSE_PUNCT_RE.search(phrase):
        return False
    cjk = sum(1 for ch in phrase if "\u4e00" <= ch <= "\u9fff")
    return cjk / len(phrase) >= MIN_QUOTED_CJK_SHARE


def quoted_terms(doc: _Joined) -> Iterator[Found]:
    for m in _QUOTED_RE.finditer(doc.text):
        phrase = m.group(m.lastindex or 1)
        if is_quoted_formulation(phrase):
            yield phrase, "quoted", m.start() + 1


def _aligned_end(doc: _Joined, start: int, end: int, bounds: list[int]) -> int | None:
    """The longest end <= `end` on a token boundary at which text[start:end] is still numeral groups."""
    i = bisect.bisect_right(bounds, end) - 1
    while i >= 0 and bounds[i] > start:
        if _GROUPS_RE.fullmatch(doc.text, start, bounds[i]):
            return bounds[i]
        i -= 1
    return None


def numeric_terms(doc: _Joined) -> Iterator[Found]:
    """Numeral slogans that start and end on token boundaries.

    Catches 三洗六见一红旗, 两下两进两拆四提升, 三纵四横, 十纵十横, 一带一路 (numeral groups), 五个三
    (N个N) and dictionary slogans like 四个意识 (N个X held as one token). Token alignment keeps out
    pieces of longer words (九届四中 in 十九届四中全会, 三纵四横主 in 三纵四横主干道路). Knowingly misses:
    slogans whose groups have three or more characters after the numeral, N个X slogans missing from
    the dictionary; lets through numeral idioms the dictionary does not tag as idioms (五湖四海).
    """
    text = doc.text
    for m in _GROUPS_RE.finditer(text):
        k = doc.sentence_at(m.start())
        bounds = doc.bounds(k)
        if m.start() not in bounds:
            continue
        end = _aligned_end(doc, m.start(), m.end(), bounds)
        if end is None:
            continue
        first = bounds.index(m.start())
        if bounds[first + 1] == end and doc.sentences[k].pos[first] in IDIOM_POS:
            continue
        yield text[m.start() : end], "numeric", m.start()
    for m in _COUNT_OF_NUMBER_RE.finditer(text):
        bounds = doc.bounds(doc.sentence_at(m.start()))
        if m.start() in bounds and m.end() in bounds:
            yield m.group(), "numeric", m.start()
    for m in _COUNTED_TOKEN_RE.finditer(text):
        k = doc.sentence_at(m.start())
        bounds = doc.bounds(k)
        if m.start() in bounds:
            word = doc.sentences[k].words[bounds.index(m.start())]
            if _COUNTED_TOKEN_RE.fullmatch(word):
                yield word, "numeric", m.start()


def _parallel_runs(items: list[str]) -> Iterator[tuple[int, int]]:
    """(first, past-last) index ranges of `MIN_SERIES_ITEMS`+ consecutive items of one length sharing
    their first or their last character."""
    i = 0
    while i < len(items):
        best = i + 1
        for edge in (0, -1):
            j = i + 1
            while (
                j < len(items)
                and len(items[j]) == len(items[i])
                and items[j][edge] == items[i][edge]
                and items[j] not in items[i:j]
            ):
                j += 1
            best = max(best, j)
        if best - i >= MIN_SERIES_ITEMS:
            yield i, best
        i = best if best - i >= MIN_SERIES_ITEMS else i + 1


def series_terms(doc: _Joined) -> Iterator[Found]:
    """Parallel series: 3+ items joined by 、, of equal length, sharing a first or last character.

    The first and last items are cut to the length of their neighbours, since the match cannot tell
    where the first item starts (一体推进不敢腐) or the last ends (个人品德建设). Catches 不敢腐、不能腐、
    不想腐; 安全感、获得感、幸福感; 社会公德、职业道德、家庭美德、个人品德. Misses series of unequal
    items (弱化、虚化、边缘化) and of items sharing no character (审批监管、脱贫攻坚: a list, not a
    formulation).
    """
    for m in _series_matches(doc.text):
        items = m.group().split("、")
        offset = m.start()
        if len(items[0]) > len(items[1]):
            offset += len(items[0]) - len(items[1])
            items[0] = items[0][-len(items[1]) :]
        items[-1] = items[-1][: len(items[-2])]
        starts = [offset]
        for item in items[:-1]:
            starts.append(starts[-1] + len(item) + 1)
        for a, b in _parallel_runs(items):
            yield "、".join(items[a:b]), "series", starts[a]


def find_terms(sentences: list[Sentence]) -> list[Term]:
    """All formulations of a document, most frequent first, with counts and first sentence."""
    doc = _Joined(sentences)
    kinds: dict[str, str] = {}
    places: dict[str, set[int]] = {}
    for detector in (numeric_terms, series_terms, quoted_terms):
        for text, kind, start in detector(doc):
            if text not in kinds or KIND_PRIORITY[kind] < KIND_PRIORITY[kinds[text]]:
                kinds[text] = kind
            places.setdefault(text, set()).add(start)
    terms = [
        Term(text, kinds[text], len(places[text]), sentences[doc.sentence_at(min(places[text]))].sentence_no)
        for text in kinds
    ]
    terms.sort(key=lambda t: (-t.count, t.first_sentence_no, t.text))
    return terms
