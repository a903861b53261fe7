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
import operator
import re
import statistics
from collections import Counter
from collections.abc import Iterable

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


def _token_counts(sentences: Iterable[Sentence]) -> Counter[Token]:
    """(word, tag) counts, made in C so that the Python-level tests run once per distinct token."""
    counts: Counter[Token] = Counter()
    for s in sentences:
        counts.update(zip(s.words, s.pos, strict=True))
    return counts


def _top(scores: dict[str, float], top_k: int, method: str) -> list[Keyword]:
    best = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:top_k]
    return [Keyword(word=w, weight=round(s, 6), method=method) for w, s in best]


def _tfidf(counts: Counter[Token], top_k: int) -> list[Keyword]:
    words: Counter[str] = Counter()
    for token, n in counts.items():
        if is_keyword_candidate(*token):
            words[token[0]] += n
    total = words.total()
    if not total or top_k <= 0:
        return []
    idf, median = idf_table()
    return _top({w: n / total * idf.get(w, median) for w, n in words.items()}, top_k, "tfidf")


def _pagerank(weights: Counter[tuple[str, str]]) -> dict[str, float]:
    """Weighted PageRank over an undirected graph given as {(a, b): weight}, as jieba computes it:
    score[w] = (1 - d) + d * sum over neighbours v of weight(v, w) / out_weight[v] * score[v].

    The neighbour sums are done in C: all incoming contributions sit in one flat list ordered by
    receiving node, so a running total gives each node's sum as a difference of two prefix sums.
    """
    nodes = sorted({w for pair in weights for w in pair})
    index = {w: i for i, w in enumerate(nodes)}
    incoming: list[list[tuple[int, int]]] = [[] for _ in nodes]  # (sender, weight) per receiver
    out_weight = [0] * len(nodes)
    for (a, b), n in weights.items():
        ia, ib = index[a], index[b]
        incoming[ia].append((ib, n))
        incoming[ib].append((ia, n))
        out_weight[ia] += n
        out_weight[ib] += n
    senders = [v for edges in incoming for v, _ in edges]
    coefs = [n / out_weight[v] for edges in incoming for v, n in edges]
    ends = list(itertools.accumulate(len(edges) for edges in incoming))
    starts = [0, *ends[:-1]]
    base, d = 1.0 - TEXTRANK_DAMPING, TEXTRANK_DAMPING
    score = [1.0] * len(nodes)
    for _ in range(TEXTRANK_ITERATIONS):
        prefix = [0.0, *itertools.accumulate(map(operator.mul, map(score.__getitem__, senders), coefs))]
        sums = map(operator.sub, map(prefix.__getitem__, ends), map(prefix.__getitem__, starts))
        score = [base + d * x for x in sums]
    return dict(zip(nodes, score, strict=True))


def _textrank(sentences: Iterable[Sentence], counts: Counter[Token], top_k: int) -> list[Keyword]:
    if top_k <= 0:
        return []
    linkable = {
        t
        for t, n in counts.items()
        if n >= TEXTRANK_MIN_COUNT and t[1] in TEXTRANK_POS and is_keyword_candidate(*t)
    }
    pairs: list[tuple[str, str]] = []
    for s in sentences:
        kept = [(i, t[0]) for i, t in enumerate(zip(s.words, s.pos, strict=True)) if t in linkable]
        for a, (i, w) in enumerate(kept):
            for j, v in kept[a + 1 : a + TEXTRANK_WINDOW]:
                if j - i >= TEXTRANK_WINDOW:
                    break
                if v != w:
                    pairs.append((w, v) if w < v else (v, w))
    if not pairs:
        return []
    score = _pagerank(Counter(pairs))
    top = max(score.values())
    return _top({w: s / top for w, s in score.items()}, top_k, "textrank")


def keywords_tfidf(sentences: list[Sentence], top_k: int) -> list[Keyword]:
    """The `top_k` candidates by (count / candidate tokens) x IDF."""
    return _tfidf(_token_counts(sentences), top_k)


def keywords_textrank(sentences: list[Sentence], top_k: int) -> list[Keyword]:
    """The `top_k` candidates by weighted PageRank over within-sentence co-occurrence of content
    words (seen `TEXTRANK_MIN_COUNT` times or more) less than `TEXTRANK_WINDOW` tokens apart,
    scaled so that the best has weight 1."""
    return _textrank(sentences, _token_counts(sentences), top_k)


def enrich_batch(segmented: list[tuple[Doc, list[Sentence]]], cfg: EnrichConfig) -> StepResult[ProcessedDoc]:
    """Keywords by both methods for each document; a document without tokens gets none (counted)."""
    result: StepResult[ProcessedDoc] = StepResult()
    counters = result.counters
    for doc, sentences in segmented:
        counters["docs_in"] += 1
        try:
            counts = _token_counts(sentences)
            keywords = _tfidf(counts, cfg.top_k) + _textrank(sentences, counts, cfg.top_k)
        except Exception as exc:  # a bug on one odd document must not sink the batch
            result.reject(doc.url, "enrich", "enrich_failed", f"part {doc.part_no}: keywords failed: {exc!r}")
            continue
        if not keywords:
            counters["docs_without_keywords"] += 1
        counters["keywords"] += len(keywords)
        result.items.append(ProcessedDoc(doc=doc, sentences=sentences, keywords=keywords))
    counters["docs_out"] = len(result.items)
    return result
