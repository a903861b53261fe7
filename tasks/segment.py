"""Segmentation: documents into sentences, sentences into words with part-of-speech tags.

Two engines give the same answer through one small interface, `Segmenter.tag`:
- `jieba`, the reference (pure Python, about 0.6 MB/s for tagging on a 2-core test machine);
- `rjieba`, the same dictionary and algorithm in Rust (about 10x faster; it holds the GIL, so
  parallelism comes from worker processes, not threads).
"auto" picks rjieba when it is installed. Both load the same user dictionaries: our versioned
`data/dict_official.txt` of official-discourse terms, then the ones named in `SegmentConfig.user_dicts`.

Offsets: a sentence's `start`/`end` index into `Doc.text` (paragraphs joined by "\\n"), and
`text == doc.text[start:end]`. Its `words` are the segmenter's tokens minus pure-whitespace ones, so
`"".join(words)` is `text` with its whitespace removed.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import operator
import os
import re
import tempfile
from array import array
from collections.abc import Iterator
from itertools import compress, count, pairwise
from pathlib import Path
from typing import Protocol

import numpy as np

from wenji.tasks.records import Doc, Sentence, StepResult
from wenji.tasks.settings import SegmentConfig

DATA_DIR = Path(__file__).parent / "data"
OFFICIAL_DICT = DATA_DIR / "dict_official.txt"

ENGINES = ("auto", "jieba", "rjieba")

# Tag given to user-dictionary words listed without one: jieba would tag them "x" (punctuation) and
# rjieba "", so both are told the same thing; most such entries are names and terms.
DEFAULT_USER_WORD_TAG = "nz"

# A sentence ends after a run of terminators and any closing quotes or brackets that follow it.
# ASCII !?; count only when no letter, digit or URL character follows, so "a.php?id=3" and "x;y" in
# code or URLs stay whole. A lone ASCII "." is not a terminator (decimals, abbreviations, URLs); three
# or more dots are an ellipsis. ASCII quotes right after a terminator are taken as closing.
_ASCII_END = r"(?![0-9A-Za-z=&_/%#.])"  # after one of !?;
_TERMINATOR = rf"[。！？；]|[!?;]{_ASCII_END}|…+|\.{{3,}}"
# The first terminator of a run, as one character checked by lookbehind: Python's regex engine skips to
# the next possible match by itself only when a pattern starts with a character class, and otherwise tries
# a match at every character (three times the cost of the whole split).
_FIRST_TERMINATOR = rf"[。！？；…!?;.](?:(?<=[。！？；…])|(?<=[!?;]){_ASCII_END}|(?<=\.)\.{{2,}})"
_CLOSERS = r"[”’」』）)】》〉\]\"'»]*"
SENTENCE_END_RE = re.compile(f"{_FIRST_TERMINATOR}(?:{_TERMINATOR})*{_CLOSERS}")
_WHITESPACE_RE = re.compile(r"\s")
_word, _tag = operator.itemgetter(0), operator.itemgetter(1)  # of a (word, tag) pair
_ASCII_NUMBER_RE = re.compile(r"[0-9][0-9.%]*")
_ASCII_WORD_RE = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+#&_%-]*")
# jieba user-dict line: "word [freq] [tag]"; words may contain spaces, as jieba itself allows.
_USER_DICT_LINE_RE = re.compile(r"^(.+?)(?: ([0-9]+))?(?: ([a-z]+))?$")

UserWord = tuple[str, int | None, str]
Columns = tuple[tuple[str, ...], tuple[str, ...]]  # words and their tags, immutable where they are shared


class Segmenter(Protocol):
    name: str

    def tag(self, text: str) -> list[tuple[str, str]]:
        """Words with POS tags (jieba's tagset), covering `text` exactly: ''.join(words) == text."""
        ...

    def columns(self, text: str) -> tuple[list[str], list[str]]:
        """What `tag` gives as two lists, the words and their tags: no tuple per word on the hot path."""
        ...


def read_data_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, line) for the non-blank lines of a data file, skipping `# ` comment lines.

    Our data files start with a `# ` header giving their version; jieba's own format has no comments,
    so a real word starting with "# " cannot be listed (a bare "#" still can).
    """
    with path.open(encoding="utf-8") as fh:
        for no, raw in enumerate(fh, 1):
            line = raw.strip().lstrip("\ufeff")
            if line and not line.startswith("# "):
                yield no, line


def load_user_dict(path: str | Path) -> list[UserWord]:
    """Parse a jieba-format user dictionary (`word [freq] [tag]` per line) into (word, freq, tag)."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"user dictionary {p} does not exist; fix segment.user_dicts in the config")
    entries: list[UserWord] = []
    for no, line in read_data_lines(p):
        m = _USER_DICT_LINE_RE.match(line)
        if m is None:  # only possible for a line of spaces, which strip() already removed
            raise ValueError(f"{p}:{no}: expected 'word [freq] [tag]', got {line!r}")
        word, freq, tag = m.groups()
        entries.append((word, int(freq) if freq else None, tag or DEFAULT_USER_WORD_TAG))
    return entries


def _jieba_cache_dir() -> str:
    """A per-user directory for jieba's prefix-dict cache.

    jieba writes `jieba.cache` to /tmp by default, where one user's file blocks every other user's.
    """
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "wenji" / "jieba"
    try:
        base.mkdir(parents=True, exist_ok=True)
        if os.access(base, os.W_OK):
            return str(base)
    except OSError:
        pass
    fallback = Path(tempfile.gettempdir()) / f"wenji-jieba-{os.getuid()}"
    fallback.mkdir(mode=0o700, exist_ok=True)
    return str(fallback)


class JiebaSegmenter:
    """The reference engine: a private jieba tokenizer, so that our words never leak into `jieba.dt`.

    Words come from `Tokenizer.cut` (dictionary DAG + HMM for unknown runs), tags from posseg's tag
    table. `jieba.posseg.cut` is not used for the words because its joint word/POS HMM cuts unknown
    runs differently from `jieba.cut` and rjieba (98.3% of token boundaries in common on our seed
    speech, against 99.9% this way), and the two engines are meant to be interchangeable.
    """

    name = "jieba"

    def __init__(self, words: list[UserWord]) -> None:
        import jieba
        import jieba.posseg

        tokenizer = jieba.Tokenizer()
        tokenizer.tmp_dir = _jieba_cache_dir()
        tokenizer.initialize()
        for word, freq, tag in words:
            tokenizer.add_word(word, freq, tag)
        self._cut = tokenizer.cut
        self._posseg = jieba.posseg.POSTokenizer(tokenizer)
        self._posseg.makesure_userdict_loaded()
        # Known words and, as they are met, unknown ones: the tag table doubles as the memo.
        self._tags: dict[str, str] = dict(self._posseg.word_tag_tab)

    def tag(self, text: str) -> list[tuple[str, str]]:
        return list(zip(*self.columns(text), strict=True))

    def columns(self, text: str) -> tuple[list[str], list[str]]:
        words = list(self._cut(text, HMM=True))
        tags = self._tags
        return words, [tags.get(w) or self._tag_unknown(w) for w in words]

    def _tag_unknown(self, word: str) -> str:
        """Tag a word that is not in the dictionary the way rjieba does, and remember it.

        ASCII numbers are "m", other ASCII words "eng", punctuation and spaces "x"; Chinese words
        found by the HMM go through posseg's HMM, whose last piece's tag is kept because Chinese
        compounds are head-final.
        """
        if _ASCII_NUMBER_RE.fullmatch(word):
            tag = "m"
        elif _ASCII_WORD_RE.fullmatch(word):
            tag = "eng"
        elif not any(ch.isalnum() for ch in word):
            tag = "x"
        else:
            tag = self._posseg.lcut(word, HMM=True)[-1].flag
        self._tags[word] = tag
        return tag


class RjiebaSegmenter:
    """The fast engine: a private `rjieba.Jieba`, filled from jieba's own `dict.txt` plus ours.

    rjieba's `add_word` on a word it already knows updates the frequency but keeps the old tag, so
    retagging a known word (市委 n -> nt) would need a Python pass over every token. Instead the
    instance starts empty and each word is added once with its final tag: jieba's entries (with
    ours overriding them), then our new words. rjieba bundles the same dict.txt, so this gives its
    usual tokens (identical on the seed page) for about 0.5 s more start-up per process.
    """

    name = "rjieba"

    def __init__(self, words: list[UserWord]) -> None:
        import rjieba

        ours = {word: (freq, tag) for word, freq, tag in words}
        self._jieba = rjieba.Jieba.empty()
        add_word = self._jieba.add_word
        with jieba_data_path("dict.txt").open(encoding="utf-8") as fh:
            for line in fh:
                word, freq, tag = line.split()
                if word in ours:
                    user_freq, tag = ours.pop(word)
                    freq = user_freq or freq  # no frequency given: jieba keeps the known word's
                add_word(word, int(freq), tag)
        for word, (user_freq, tag) in ours.items():
            add_word(word, user_freq, tag)
        self.tag = self._jieba.tag  # bound C method: no Python frame per call on the hot path

    def columns(self, text: str) -> tuple[list[str], list[str]]:
        pairs = self.tag(text)
        return list(map(_word, pairs)), list(map(_tag, pairs))  # each column in one C-level pass


# Characters that end a noun built on a term (创文办: the office of 创文; 脱贫攻坚战: its campaign; 巡察组),
# for the one repair that joins a character to a user entry. Picked from the suffixes of the organisation
# and campaign names in our dictionary and the seed speeches; characters that start words (之, 这, 迎) are
# not here, which is what keeps 创文 / 之师 and 政治建设 / 这一 apart.
ENTRY_SUFFIX_CHARS = frozenset("办组委局处站队战役")

# Entries and their next tokens whose repair is remembered per process. A pair's repair depends on the two
# strings only, and the pairs repeat: 2,000 bench pages meet 52,000 of them, 302 distinct.
EDGE_MEMO_SIZE = 1 << 16


class LongerWordFirst:
    """An engine whose user-dictionary words no longer beat a longer ordinary word overlapping them.

    A user entry has a large frequency so that it wins against its own parts (巡察 / 工作 → 巡察工作), and
    the DAG then also prefers it where the text holds a longer word across its edge. Two repairs, run only
    at the user words among the engine's tokens:

    - edges: an entry followed by a single character gets the cut jieba's own dictionary gives that span
      without our frequencies (a small DAG over it) when that cut has a word across the entry's edge
      (巡察工作 / 量 → 巡察 / 工作量); not when it only splits the entry (全国 / 文明城市 stays whole).
      A whole word after the entry is left alone: 抓落实 / 工作 would become 抓 / 落实工作;
    - suffixes: the next token is no dictionary word but the HMM's glue of a noun suffix
      (`ENTRY_SUFFIX_CHARS`) and a dictionary word (办要, 战中): the suffix ends a longer word covering the
      entry (创文办 / 要, 脱贫攻坚战 / 中).

    Misses the entry's left edge (tried: the same rule there cut 广大 / 党员干部 into 广大党员 / 干部, three
    errors in three changes on the seed speeches), overlaps reaching two tokens further, and suffixes
    outside the list. Measured on the seed speeches and SIGHAN PKU/MSR (bench/sighan.py): README,
    *Segmentation*.
    """

    def __init__(self, engine: Segmenter, user_words: list[str]) -> None:
        self.engine = engine
        self.name = engine.name
        self._user = frozenset(w for w in user_words if len(w) >= 2)
        self._right_edge = functools.lru_cache(maxsize=EDGE_MEMO_SIZE)(self._right_edge)

    def __getattr__(self, name: str) -> object:  # the engine's own attributes (bench/segmentation.py)
        if name == "engine":  # not set yet (copy, unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.engine, name)

    def tag(self, text: str) -> list[tuple[str, str]]:
        return list(zip(*self.columns(text), strict=True))

    def columns(self, text: str) -> tuple[list[str], list[str]]:
        words, tags = self.engine.columns(text)
        user = self._user
        fixes: list[tuple[int, Columns]] = []
        last = len(words) - 1
        for i in compress(count(), map(user.__contains__, words)):  # the user words, found in C
            free = i < last and (not fixes or fixes[-1][0] + 1 < i)  # not the token just fixed
            if free and (fix := self._right_edge(words[i], words[i + 1])):
                fixes.append((i, fix))
        if not fixes:
            return words, tags
        out_words: list[str] = []
        out_tags: list[str] = []
        done = 0
        for i, (fix_words, fix_tags) in fixes:
            out_words += words[done:i]
            out_words += fix_words
            out_tags += tags[done:i]
            out_tags += fix_tags
            done = i + 2
        return out_words + words[done:], out_tags + tags[done:]

    def _right_edge(self, w: str, r: str) -> Columns | None:
        """The repaired cut of a user entry `w` and the token `r` after it, or None to keep them.

        Memoised per instance (`EDGE_MEMO_SIZE`), hence a tuple: one answer is shared by every sentence."""
        if not _CJK_WORD_RE.fullmatch(r):
            return None
        if len(r) == 1:  # a character left over; a whole word after the entry rarely is (抓落实 / 工作)
            return self._across_edge(w, r)
        if is_dictionary_word(r) or r in self._user:  # a word of its own: 创文 / 办公室 stays
            return None
        if r[0] in ENTRY_SUFFIX_CHARS and is_dictionary_word(r[1:]):
            return _columns([(w + r[0], "n"), *self._tagged(r[1:])])  # 创文办 / 要
        return None

    def _across_edge(self, w: str, r: str) -> Columns | None:
        """The bare dictionary's cut of w + r when one of its words crosses their edge, else None."""
        cut = bare_dag_cut(w + r)
        pos = 0
        for word in cut:
            if pos < len(w) < pos + len(word):
                return _columns([p for piece in cut for p in self._tagged(piece)])
            pos += len(word)
        return None

    def _tagged(self, word: str) -> list[tuple[str, str]]:
        pairs = self.engine.tag(word)
        return pairs if len(pairs) == 1 else [(word, pairs[-1][1])]


_CJK_WORD_RE = re.compile(r"[\u4e00-\u9fff]+")


def _columns(pairs: list[tuple[str, str]]) -> Columns:
    return tuple(map(_word, pairs)), tuple(map(_tag, pairs))


def is_dictionary_word(word: str) -> bool:
    """Whether `word` is in jieba's dictionary or ours: what the HMM did not invent."""
    return word in bare_dictionary() or word in official_words()


@functools.cache
def official_words() -> frozenset[str]:
    return frozenset(w for w, _, _ in load_user_dict(OFFICIAL_DICT))


class BareDictionary:
    """jieba's own dictionary (dict.txt) without our entries: which words it holds, at what frequency.

    Kept as two sorted arrays, each word's `hash()` and its frequency (5.6 MB), not as a dict of 350,000
    strings (36 MB in every worker, for a repair that looks up a few spans per sentence). The hashes are
    this process's, 64 bits: two dictionary words or a word and a looked-up span sharing one is a chance
    of about 1 in 10^8 over a whole run's lookups. Like a dict, a word listed twice keeps its last line.
    """

    def __init__(self, path: Path) -> None:
        # Appended to 8-byte arrays as the file is read: no list of 350,000 Python ints on the way.
        read_hashes, read_freqs = array("q"), array("q")
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                word, freq, _ = line.split(" ", 2)
                read_hashes.append(hash(word))
                read_freqs.append(int(freq))
        unsorted = np.frombuffer(read_hashes, np.int64)
        order = np.argsort(unsorted, kind="stable")  # a word's lines stay in file order: keep the last
        hashes, freqs = unsorted[order], np.frombuffer(read_freqs, np.int64)[order]
        last = np.append(hashes[1:] != hashes[:-1], True)
        self._hashes, self._freqs = hashes[last], freqs[last]
        self.log_total = math.log(int(self._freqs.sum()))

    def frequencies(self, words: list[str]) -> list[int]:
        """Each word's frequency, 0 for a word the dictionary does not hold."""
        wanted = np.fromiter(map(hash, words), np.int64, len(words))
        at = np.minimum(np.searchsorted(self._hashes, wanted), len(self._hashes) - 1)
        return np.where(self._hashes[at] == wanted, self._freqs[at], 0).tolist()

    def __contains__(self, word: str) -> bool:
        wanted = hash(word)
        at = int(np.searchsorted(self._hashes, wanted))
        return at < len(self._hashes) and int(self._hashes[at]) == wanted


@functools.cache
def bare_dictionary() -> BareDictionary:
    return BareDictionary(jieba_data_path("dict.txt"))


def bare_dag_cut(span: str) -> list[str]:
    """jieba's dictionary cut of a short span (its DAG and log-frequency route, no HMM), bare dictionary.

    The same maximum of the summed log frequencies that jieba's `calc` finds, with unknown single
    characters at frequency 1; spans here are an entry and one neighbour, a dozen characters at most.
    """
    bare = bare_dictionary()
    n = len(span)
    pieces = [(i, j) for i in range(n) for j in range(i + 1, n + 1)]
    freq = dict(zip(pieces, bare.frequencies([span[i:j] for i, j in pieces]), strict=True))
    best: list[tuple[float, int]] = [(0.0, n)] * (n + 1)
    for i in range(n - 1, -1, -1):
        best[i] = max(
            (math.log(freq[i, j] or 1) - bare.log_total + best[j][0], j)
            for j in range(i + 1, n + 1)
            if freq[i, j] or j == i + 1
        )
    out, i = [], 0
    while i < n:
        j = best[i][1]
        out.append(span[i:j])
        i = j
    return out


def jieba_data_path(name: str) -> Path:
    """A data file shipped inside the jieba package (dict.txt, analyse/idf.txt), found without
    importing jieba or its submodules, whose import builds global copies of the same tables."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        raise ImportError(f"jieba is not installed; wenji needs its {name}")
    return Path(spec.origin).parent / name


def resolve_engine(engine: str) -> str:
    """The concrete engine for a configured name ("auto" becomes rjieba when it is installed)."""
    if engine not in ENGINES:
        raise ValueError(f"segment.engine: unknown engine {engine!r} (known: {', '.join(ENGINES)})")
    if engine == "auto":
        return "rjieba" if importlib.util.find_spec("rjieba") is not None else "jieba"
    return engine


@functools.cache
def _build_segmenter(engine: str, user_dicts: tuple[str, ...]) -> Segmenter:
    words = load_user_dict(OFFICIAL_DICT)
    for path in user_dicts:
        words.extend(load_user_dict(path))
    base: Segmenter = RjiebaSegmenter(words) if engine == "rjieba" else JiebaSegmenter(words)
    return LongerWordFirst(base, [w for w, _, _ in words])


def get_segmenter(cfg: SegmentConfig) -> Segmenter:
    """The process's segmenter for this config, built (dictionaries loaded) on first use only."""
    return _build_segmenter(resolve_engine(cfg.engine), tuple(cfg.user_dicts))


def warm_up(cfg: SegmentConfig) -> None:
    """Load the engine and dictionaries now; meant as (part of) a process-pool initializer.

    Including the bare dictionary of the user-word repair (~0.2 s to read), which the first sentence with
    a user word would otherwise build in the middle of a worker's first batch."""
    get_segmenter(cfg).tag("预热")
    bare_dictionary()
    official_words()


def _trimmed(paragraph: str, start: int, end: int) -> tuple[int, int] | None:
    piece = paragraph[start:end]
    stripped = piece.strip()
    if not stripped:
        return None
    lead = len(piece) - len(piece.lstrip())
    return start + lead, start + lead + len(stripped)


def split_sentences(paragraph: str) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences in one paragraph, whitespace at their edges excluded.

    Catches: 。！？；…… and their ASCII forms, runs of them (“！？”, “。。。”), and closing quotes or
    brackets after them, which stay with their sentence (他说：“好。” | 然后……). Pieces of only
    whitespace are dropped. A paragraph without terminators is one sentence however long: cutting it
    at a fixed length would split words, and such text (headings, table rows, lists) has no sentences.
    Knowingly misses: an ellipsis inside a sentence (“苹果、香蕉……等”) ends it; an ASCII quote right
    after a terminator is taken as closing even when it opens the next sentence; a full stop written
    as an ASCII "." (mixed-language text) does not end a sentence.
    """
    ends = [m.end() for m in SENTENCE_END_RE.finditer(paragraph)]
    if _WHITESPACE_RE.search(paragraph) is None:  # nothing to trim, no blank piece: the pieces are the spans
        if paragraph and (not ends or ends[-1] < len(paragraph)):
            ends.append(len(paragraph))
        return list(pairwise([0, *ends]))
    spans: list[tuple[int, int]] = []
    start = 0
    for end in [*ends, len(paragraph)]:
        if (span := _trimmed(paragraph, start, end)) is not None:
            spans.append(span)
        start = end
    return spans


def tag_sentence(text: str, seg: Segmenter) -> tuple[list[str], list[str]]:
    """Words and tags of one sentence, pure-whitespace tokens dropped (they carry no meaning)."""
    words, tags = seg.columns(text)
    if _WHITESPACE_RE.search(text) is None:
        return words, tags
    keep = [not w.isspace() for w in words]
    return list(compress(words, keep)), list(compress(tags, keep))


def segment_doc(doc: Doc, seg: Segmenter) -> list[Sentence]:
    """The document's sentences, numbered from 0, with offsets into `doc.text`.

    Each sentence is tagged on its own: jieba never joins characters across punctuation anyway, so
    this gives the same tokens as tagging the paragraph, and no token can straddle two sentences.
    """
    sentences: list[Sentence] = []
    offset = 0  # where the current paragraph starts in doc.text
    for paragraph_no, paragraph in enumerate(doc.paragraphs):
        for start, end in split_sentences(paragraph):
            text = paragraph[start:end]
            words, pos = tag_sentence(text, seg)
            sentences.append(
                Sentence(paragraph_no, len(sentences), offset + start, offset + end, text, words, pos)
            )
        offset += len(paragraph) + 1  # the "\n" that joins paragraphs in doc.text
    return sentences


def segment_batch(docs: list[Doc], cfg: SegmentConfig) -> StepResult[tuple[Doc, list[Sentence]]]:
    """Segment a batch. A document without sentences is kept (counted); one that fails is rejected."""
    seg = get_segmenter(cfg)
    result: StepResult[tuple[Doc, list[Sentence]]] = StepResult()
    counters = result.counters
    for doc in docs:
        counters["docs_in"] += 1
        try:
            sentences = segment_doc(doc, seg)
        except Exception as exc:  # an engine bug on one odd input must not sink the batch
            result.reject(
                doc.url, "segment", "segment_failed", f"part {doc.part_no}: {seg.name} failed: {exc!r}"
            )
            continue
        if not sentences:
            counters["docs_without_sentences"] += 1
        counters["sentences"] += len(sentences)
        counters["tokens"] += sum(len(s.words) for s in sentences)
        counters["chars"] += sum(len(p) for p in doc.paragraphs)
        result.items.append((doc, sentences))
    counters["docs_out"] = len(result.items)
    return result
