"""Keywords per document, from our own tokens (never re-segmented).

- TF-IDF: term frequency in the document times the IDF from jieba's shipped table
  (`jieba/analyse/idf.txt`, computed by jieba's authors on a large general corpus); words missing from
  it get the table's median, as `jieba.analyse.extract_tags` does.
- TextRank: PageRank over a graph whose edges join content words (nouns, verbs, domain terms) that
  occur within a few tokens of each other in the same sentence, as `jieba.analyse.textrank` does.

Both keep only candidate words (see `is_keyword_candidate`): never stopwords, punctuation, numbers,
single characters or template placeholders such as X, XX, 20XX.
"""

from __future__ import annotations

import functools
import itertools
import re
import statistics
from collections.abc import Callable

import numpy as np

from wenji.tasks.records import Doc, Keyword, ProcessedDoc, Sentence, StepResult
from wenji.tasks.segment import DATA_DIR, jieba_data_path, read_data_lines
from wenji.tasks.settings import EnrichConfig

STOPWORDS_FILE = DATA_DIR / "stopwords.txt"

# A one-character word is almost never a useful keyword (的, 是, 市, 党 on its own say little).
MIN_KEYWORD_CHARS = 2

# Function-word tags from jieba's tagset: numerals, measure words, particles, prepositions,
# conjunctions, pronouns, adverbs, interjections, modal particles, onomatopoeia, locality and time
# words, punctuation. IDF alone lets frequent ones through (这一, 今年, 一是 in speeches).
NON_CONTENT_POS = frozenset(
    {"x", "m", "mq", "mg", "q", "qg", "u", "uj", "ul", "uz", "ug", "uv", "ud", "p", "c"}
    | {"r", "rr", "rz", "rg", "d", "df", "dg", "e", "y", "o", "f", "t", "tg", "w"}
)

# TextRank links only these (jieba.analyse.textrank uses ns n vn v); nz nt nr l j add the domain
# dictionary's terms and names, which are the point of the exercise.
TEXTRANK_POS = frozenset({"n", "ns", "nr", "nt", "nz", "vn", "v", "l", "j"})
TEXTRANK_WINDOW = 5  # tokens; jieba's default span
TEXTRANK_DAMPING = 0.85  # PageRank's usual value, also jieba's
TEXTRANK_ITERATIONS = 10  # jieba's; the scores' order is stable after a handful on speeches
# Graph nodes must occur at least this often (same word and tag). Words seen once are most of the
# nodes and most of the cost (PageRank is 2/3 of enrich time without this), and hardly ever a key
# term: on the seed speeches this is 3x faster and keeps 8 of jieba-style TextRank's top 10.
TEXTRANK_MIN_COUNT = 2

# Template placeholders: X, XX, 20XX, X月X日 pieces, ○○, ＊＊, 某某. Full-width forms included.
PLACEHOLDER_RE = re.compile(r"[0-9０-９]*(?:[XxＸｘ×*＊○〇]+|某某)[0-9０-９]*")


@functools.cache
def stopwords() -> frozenset[str]:
    return frozenset(line for _, line in read_data_lines(STOPWORDS_FILE))


@functools.cache
def idf_table() -> tuple[dict[str, float], float]:
    """jieba's IDF table and its median (the IDF given to unknown words). Loaded once per process."""
    idf: dict[str, float] = {}
    with jieba_data_path("analyse/idf.txt").open(encoding="utf-8") as fh:
        for line in fh:
            word, _, value = line.rstrip().rpartition(" ")
            if word:
                idf[word] = float(value)
    return idf, statistics.median(idf.values())


def warm_up() -> None:
    """Load the stopwords and IDF table now (for a process-pool initializer)."""
    stopwords()
    idf_table()


def is_placeholder(word: str) -> bool:
    """Template placeholders in 范文 pages (第X届, 20XX年, X同志, 某某): blanks, not content.

    Misses placeholders written with other letters (“A单位”) and real words made only of X-like
    characters (none in Chinese).
    """
    return PLACEHOLDER_RE.fullmatch(word) is not None


def is_keyword_candidate(word: str, pos: str) -> bool:
    """Whether a token may be a keyword at all: a content word of two or more characters.

    Drops function-word tags (`NON_CONTENT_POS`) and the words `is_candidate_word` refuses. Misses:
    numbers written in Chinese that the engine tagged as a noun; content words listed as stopwords in
    speeches (工作, 问题), dropped on purpose.
    """
    return pos not in NON_CONTENT_POS and is_candidate_word(word)


def is_candidate_word(word: str) -> bool:
    """The word's half of `is_keyword_candidate`: two or more characters, not a stopword, some letter or
    Chinese character (not punctuation or a number), not a placeholder."""
    return (
        len(word) >= MIN_KEYWORD_CHARS
        and word not in stopwords()
        and any(ch.isalpha() for ch in word)
        and not is_placeholder(word)
    )


# Distinct words given an id per process before the ids start over; a large corpus has a few hundred
# thousand.
VOCABULARY_SIZE = 1 << 19


class _Ids(dict[str, int]):
    """word or tag -> a small integer, given on first sight; looked up through `map(ids.__getitem__, ...)`,
    which stays in C for known keys. `value` holds, per id, what `judge` says of the key (a float)."""

    def __init__(self, judge: Callable[[str], float]) -> None:
        super().__init__()
        self.judge = judge
        self.keys: list[str] = []
        self.value = np.zeros(1024)

    def __missing__(self, key: str) -> int:
        i = len(self.keys)
        if i == len(self.value):
            self.value = np.concatenate((self.value, np.zeros(i)))
        self.value[i] = self.judge(key)
        self.keys.append(key)
        self[key] = i
        return i

    def clear(self) -> None:
        super().clear()
        self.keys.clear()


def _word_idf(word: str) -> float:
    """The word's IDF when it may be a keyword (tag aside), else 0.0 (every IDF is > 0)."""
    idf, median = idf_table()
    return idf.get(word, median) if is_candidate_word(word) else 0.0


def _tag_kind(pos: str) -> float:
    """0 for a function-word tag, 1 for a content tag, 2 for a content tag TextRank links."""
    return 0.0 if pos in NON_CONTENT_POS else 2.0 if pos in TEXTRANK_POS else 1.0


_word_ids = _Ids(_word_idf)
_tag_ids = _Ids(_tag_kind)


def _runs(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(where each run of equal values starts, its length) in a sorted, non-empty array."""
    bounds = np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1], [True])))
    return bounds[:-1], bounds[1:] - bounds[:-1]


class _DocTokens:
    """A document's tokens in one flat run, as integer ids: word, tag and sentence of each token.

    The ids replace a (word, tag) tuple and a Python loop per token with array operations per document.
    """

    def __init__(self, sentences: list[Sentence]) -> None:
        if len(_word_ids) > VOCABULARY_SIZE:  # ids mean nothing across documents: start over, memory flat
            _word_ids.clear()
        words = itertools.chain.from_iterable(s.words for s in sentences)
        tags = itertools.chain.from_iterable(s.pos for s in sentences)
        lengths = [len(s.words) for s in sentences]
        if lengths != [len(s.pos) for s in sentences]:
            raise ValueError("sentences with more words than tags or the other way round")
        self.word = np.fromiter(map(_word_ids.__getitem__, words), np.int64, sum(lengths))
        self.tag = np.fromiter(map(_tag_ids.__getitem__, tags), np.int64, sum(lengths))
        self.sentence = np.repeat(np.arange(len(sentences)), lengths)
        self.idf = _word_ids.value[self.word]
        kind = _tag_ids.value[self.tag]
        self.candidate = (self.idf > 0) & (kind > 0)
        self.linkable_tag = kind == 2


# Decimals a keyword's weight is stored with. Ranking uses the stored weight, ties broken by word, so that
# words whose scores differ only by floating-point noise (TextRank gives words that always occur together
# equal scores, up to the order of the additions) are ranked the same on every run and machine.
WEIGHT_DECIMALS = 6


def _top(word_ids: np.ndarray, scores: np.ndarray, top_k: int, method: str) -> list[Keyword]:
    """The `top_k` best weights (of words `word_ids` with `scores`, each word once), ties by word.

    Only the words that may be among them are rounded and sorted: rounding keeps the order, so the k-th
    best weight is the k-th best score rounded, and no word scoring a unit of the last decimal below the
    k-th best score can round up to it.
    """
    if not len(scores) or top_k <= 0:
        return []
    kth = np.partition(scores, -top_k)[-top_k] if len(scores) > top_k else scores.min()
    near = np.flatnonzero(scores >= kth - 10**-WEIGHT_DECIMALS)
    words = _word_ids.keys
    rounded = [
        (words[w], round(s, WEIGHT_DECIMALS))
        for w, s in zip(word_ids[near].tolist(), scores[near].tolist(), strict=True)
    ]
    best = sorted(rounded, key=lambda kv: (-kv[1], kv[0]))[:top_k]
    return [Keyword(word=w, weight=s, method=method) for w, s in best]


def _tfidf(tokens: _DocTokens, top_k: int) -> list[Keyword]:
    counted = np.sort(tokens.word[tokens.candidate])
    if not len(counted):
        return []
    starts, n = _runs(counted)
    word = counted[starts]
    return _top(word, n / len(counted) * _word_ids.value[word], top_k, "tfidf")


def _cooccurrence(tokens: _DocTokens) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The TextRank graph: (node word ids, edge ends a and b, edge weights), an edge for each pair of
    different linkable words less than `TEXTRANK_WINDOW` tokens apart in one sentence, weighted by the
    number of such pairs. Nodes are numbered in order of first occurrence. Made with array operations
    over the linkable tokens' positions, one shift of the window at a time."""
    # Linkable tokens: candidates with a linkable tag, whose (word, tag) occurs TEXTRANK_MIN_COUNT times.
    where = np.flatnonzero(tokens.candidate & tokens.linkable_tag)
    if not len(where):
        return where, where, where, np.zeros(0)
    pair = tokens.word[where] * len(_tag_ids.keys) + tokens.tag[where]
    order = np.argsort(pair, kind="stable")
    _, n = _runs(pair[order])
    often = np.empty(len(pair), dtype=bool)
    often[order] = np.repeat(n >= TEXTRANK_MIN_COUNT, n)
    where = where[often]
    if not len(where):
        return where, where, where, np.zeros(0)
    # Node numbers by first occurrence of the word (tags apart).
    word = tokens.word[where]
    order = np.argsort(word, kind="stable")
    starts, n = _runs(word[order])
    first = order[starts]  # each distinct word's first position in `where`, by word id
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first)] = np.arange(len(first))
    node = np.empty(len(word), dtype=np.int64)
    node[order] = np.repeat(rank, n)
    n_nodes = len(first)
    sentence = tokens.sentence[where]
    ends: list[np.ndarray] = []
    for k in range(1, TEXTRANK_WINDOW):
        a, b = node[:-k], node[k:]
        near = (where[k:] - where[:-k] < TEXTRANK_WINDOW) & (sentence[k:] == sentence[:-k]) & (a != b)
        ends.append(np.minimum(a[near], b[near]) * n_nodes + np.maximum(a[near], b[near]))
    edges, weight = np.unique(np.concatenate(ends), return_counts=True)
    a, b = np.divmod(edges, n_nodes)
    nodes = np.empty(n_nodes, dtype=np.int64)
    nodes[rank] = word[first]
    return nodes, a, b, weight.astype(np.float64)


def _pagerank(n: int, a: np.ndarray, b: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Weighted PageRank over an undirected graph of `n` nodes with edges (a[i], b[i], weight[i]), as
    jieba computes it: score[w] = (1 - d) + d * sum over neighbours v of weight(v, w) / out[v] * score[v].
    Nodes without edges come out as NaN (0/0)."""
    out = np.bincount(a, weight, n) + np.bincount(b, weight, n)
    sender, receiver = np.concatenate((a, b)), np.concatenate((b, a))
    with np.errstate(invalid="ignore", divide="ignore"):
        coef = np.concatenate((weight, weight)) / out[sender]
    base, d = 1.0 - TEXTRANK_DAMPING, TEXTRANK_DAMPING
    score = np.ones(n)
    for _ in range(TEXTRANK_ITERATIONS):
        score = base + d * np.bincount(receiver, coef * score[sender], n)
    score[out == 0] = np.nan
    return score


def _textrank(tokens: _DocTokens, top_k: int) -> list[Keyword]:
    if top_k <= 0:
        return []
    nodes, a, b, weight = _cooccurrence(tokens)
    if len(weight) == 0:
        return []
    score = _pagerank(len(nodes), a, b, weight)
    linked = np.flatnonzero(~np.isnan(score))
    score = score / score[linked].max()
    return _top(nodes[linked], score[linked], top_k, "textrank")


def keywords_tfidf(sentences: list[Sentence], top_k: int) -> list[Keyword]:
    """The `top_k` candidates by (count / candidate tokens) x IDF."""
    return _tfidf(_DocTokens(sentences), top_k)


def keywords_textrank(sentences: list[Sentence], top_k: int) -> list[Keyword]:
    """The `top_k` candidates by weighted PageRank over within-sentence co-occurrence of content
    words (seen `TEXTRANK_MIN_COUNT` times or more) less than `TEXTRANK_WINDOW` tokens apart,
    scaled so that the best has weight 1."""
    return _textrank(_DocTokens(sentences), top_k)


def enrich_batch(segmented: list[tuple[Doc, list[Sentence]]], cfg: EnrichConfig) -> StepResult[ProcessedDoc]:
    """Keywords by both methods for each document; a document without tokens gets none (counted)."""
    result: StepResult[ProcessedDoc] = StepResult()
    counters = result.counters
    for doc, sentences in segmented:
        counters["docs_in"] += 1
        try:
            tokens = _DocTokens(sentences)
            keywords = _tfidf(tokens, cfg.top_k) + _textrank(tokens, cfg.top_k)
        except Exception as exc:  # a bug on one odd document must not sink the batch
            result.reject(doc.url, "enrich", "enrich_failed", f"part {doc.part_no}: keywords failed: {exc!r}")
            continue
        if not keywords:
            counters["docs_without_keywords"] += 1
        counters["keywords"] += len(keywords)
        result.items.append(ProcessedDoc(doc=doc, sentences=sentences, keywords=keywords))
    counters["docs_out"] = len(result.items)
    return result
