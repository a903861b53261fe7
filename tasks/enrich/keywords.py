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
import heapq
import itertools
import re
import statistics
from collections import Counter

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


# Distinct (word, tag) pairs whose candidate test is remembered per process; a large corpus has a few
# hundred thousand, and the test is the per-document hot spot without the memo.
CANDIDATE_CACHE_SIZE = 1 << 19


@functools.lru_cache(maxsize=CANDIDATE_CACHE_SIZE)
def is_keyword_candidate(word: str, pos: str) -> bool:
    """Whether a token may be a keyword at all: a content word of two or more characters.

    Drops stopwords, function-word tags (`NON_CONTENT_POS`), punctuation and numbers (no letter or
    Chinese character), placeholders. Misses: numbers written in Chinese that the engine tagged as
    a noun; content words listed as stopwords in speeches (工作, 问题), dropped on purpose.
    """
    return (
        len(word) >= MIN_KEYWORD_CHARS
        and pos not in NON_CONTENT_POS
        and word not in stopwords()
        and any(ch.isalpha() for ch in word)
        and not is_placeholder(word)
    )


Token = tuple[str, str]


class _CandidateIdf(dict[Token, float]):
    """(word, tag) -> the word's IDF when the token is a keyword candidate, else 0.0 (every IDF is > 0).

    Filled on first sight, so that a known token costs one dict lookup instead of a Python call and a
    probe of the 270,000-word IDF table.
    """

    def __missing__(self, token: Token) -> float:
        idf, median = idf_table()
        value = idf.get(token[0], median) if is_keyword_candidate(*token) else 0.0
        if len(self) < CANDIDATE_CACHE_SIZE:
            self[token] = value
        return value


_candidate_idf = _CandidateIdf()


class _DocTokens:
    """A document's tokens in one flat run: words, (word, tag) pairs, the sentence of each, and counts."""

    def __init__(self, sentences: list[Sentence]) -> None:
        self.words = list(itertools.chain.from_iterable(s.words for s in sentences))
        tags = itertools.chain.from_iterable(s.pos for s in sentences)
        self.tokens = list(zip(self.words, tags, strict=True))
        self.sentence = np.repeat(np.arange(len(sentences)), [len(s.words) for s in sentences])
        self.counts = Counter(self.tokens)


# Decimals a keyword's weight is stored with. Ranking uses the stored weight, ties broken by word, so that
# words whose scores differ only by floating-point noise (TextRank gives words that always occur together
# equal scores, up to the order of the additions) are ranked the same on every run and machine.
WEIGHT_DECIMALS = 6


def _top(scores: dict[str, float], top_k: int, method: str) -> list[Keyword]:
    """The `top_k` best weights, ties by word.

    Only the words that may be among them are rounded and sorted: rounding keeps the order, so the k-th
    best weight is the k-th best score rounded, and no word scoring a unit of the last decimal below the
    k-th best score can round up to it.
    """
    if not scores or top_k <= 0:
        return []
    kth = heapq.nlargest(top_k, scores.values())[-1] - 10**-WEIGHT_DECIMALS
    near = [(w, round(s, WEIGHT_DECIMALS)) for w, s in scores.items() if s >= kth]
    best = sorted(near, key=lambda kv: (-kv[1], kv[0]))[:top_k]
    return [Keyword(word=w, weight=s, method=method) for w, s in best]


def _tfidf(counts: Counter[Token], top_k: int) -> list[Keyword]:
    counted: dict[str, int] = {}
    idf: dict[str, float] = {}
    candidate_idf = _candidate_idf
    for token, n in counts.items():
        if word_idf := candidate_idf[token]:
            word = token[0]
            counted[word] = counted.get(word, 0) + n
            idf[word] = word_idf
    total = sum(counted.values())
    return _top({w: n / total * idf[w] for w, n in counted.items()}, top_k, "tfidf")


def _cooccurrence(tokens: _DocTokens) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """The TextRank graph: (node words, edge ends a and b, edge weights), an edge for each pair of
    different linkable words less than `TEXTRANK_WINDOW` tokens apart in one sentence, weighted by the
    number of such pairs. Made with array operations over the linkable tokens' positions, one shift of
    the window at a time."""
    linkable = {
        t
        for t, n in tokens.counts.items()
        if n >= TEXTRANK_MIN_COUNT and t[1] in TEXTRANK_POS and _candidate_idf[t]
    }
    where = np.flatnonzero(np.fromiter(map(linkable.__contains__, tokens.tokens), bool, len(tokens.tokens)))
    index: dict[str, int] = {}
    node = np.array([index.setdefault(tokens.words[i], len(index)) for i in where.tolist()], dtype=np.int64)
    sentence = tokens.sentence[where]
    ends: list[np.ndarray] = []
    for k in range(1, TEXTRANK_WINDOW):
        a, b = node[:-k], node[k:]
        near = (where[k:] - where[:-k] < TEXTRANK_WINDOW) & (sentence[k:] == sentence[:-k]) & (a != b)
        ends.append(np.minimum(a[near], b[near]) * len(index) + np.maximum(a[near], b[near]))
    edges, weight = np.unique(np.concatenate(ends), return_counts=True)
    a, b = np.divmod(edges, len(index))
    return list(index), a, b, weight.astype(np.float64)


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
    words = [nodes[i] for i in linked.tolist()]
    return _top(dict(zip(words, score[linked].tolist(), strict=True)), top_k, "textrank")


def keywords_tfidf(sentences: list[Sentence], top_k: int) -> list[Keyword]:
    """The `top_k` candidates by (count / candidate tokens) x IDF."""
    return _tfidf(_DocTokens(sentences).counts, top_k)


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
            keywords = _tfidf(tokens.counts, cfg.top_k) + _textrank(tokens, cfg.top_k)
        except Exception as exc:  # a bug on one odd document must not sink the batch
            result.reject(doc.url, "enrich", "enrich_failed", f"part {doc.part_no}: keywords failed: {exc!r}")
            continue
        if not keywords:
            counters["docs_without_keywords"] += 1
        counters["keywords"] += len(keywords)
        result.items.append(ProcessedDoc(doc=doc, sentences=sentences, keywords=keywords))
    counters["docs_out"] = len(result.items)
    return result
