"""A synthetic analysis corpus written straight into a DuckDB file (no fetching, no Prefect): N documents
whose sentences are real sentences of the sample articles (examples/articles), segmented by our own
segmenter, with a share of their content words swapped for words of a long synthetic Zipf vocabulary, so
the numbers of distinct words, sentences and tokens per document look like a real crawl's.

Everything is vectorised over Arrow/numpy and inserted in chunks: 100,000 documents take about a minute.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from wenji.tasks.db import migrate, open_db
from wenji.tasks.enrich.keywords import is_keyword_candidate
from wenji.tasks.segment import get_segmenter, split_sentences, tag_sentence
from wenji.tasks.settings import SegmentConfig
from wenji.tasks.store import refresh_term_stats
from wenji.tasks.tables import is_counted_token

ARTICLES = Path(__file__).resolve().parents[2] / "examples" / "articles"

SITES = 200  # distinct hosts; sizes follow a Zipf law, as portals that copy each other do
TAIL_WORDS = 200_000  # synthetic vocabulary beyond the sample's few thousand words
TAIL_SHARE = 0.2  # of content tokens replaced by tail words: gives ~10^5 distinct words per 10^5 docs
ZIPF_A = 1.1
ZM_SHIFT = 100  # the tail's most frequent word is then about as common as the sample's 50th
CATEGORIES = ("讲话稿", "工作总结", "心得体会", "工作方案", "通知", "企划书")
FIRST_DAY = datetime(2023, 1, 1)
DAYS = 730  # two years of publication dates
KEYWORDS_PER_DOC = 10
ERROR_SHARE = 0.03  # of URLs with an open error row
CHUNK_DOCS = 10_000
RUN_ID = "bench"
DOC_TYPES = ("讲话", "报告", "方案", "通知", "心得体会", "总结", "意见", "决定", "其他")
# Formulations shared across documents (a few real ones, the rest made up), drawn with a Zipf law.
TERMS_POOL = (
    "最后一公里",
    "三个一",
    "一把手",
    "门前三包",
    "三洗六见一红旗",
    "五个三",
    "不敢腐、不能腐、不想腐",
    *(f"提法{i}" for i in range(5000)),
)


@dataclass(slots=True)
class SentencePool:
    words: pa.Array  # vocabulary: word per id
    pos: pa.Array  # tag per id
    content: np.ndarray  # bool per sample word id: may be swapped for a tail word
    counted: np.ndarray  # bool per word id (tail too): goes into doc_terms, as the loader decides
    n_tail: int  # tail words follow the sample's words in the vocabulary
    tail_p: np.ndarray  # their probabilities
    starts: np.ndarray  # per pool sentence, into tokens
    lengths: np.ndarray
    tokens: np.ndarray  # flat word ids of all pool sentences
    doc_sentences: np.ndarray  # sentences per sample document: the document length distribution


OUTLINE_COLUMNS = (
    "doc_id",
    "heading_no",
    "level",
    "style",
    "marker",
    "text",
    "paragraph_no",
    "parent_no",
    "run_in",
    "run_id",
)


def _article_bodies() -> list[str]:
    bodies = []
    for path in sorted(ARTICLES.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        bodies.append(text.split("\n---\n", 1)[1])  # a `key: value` header, then `---`, then the body
    return bodies


def build_pool(seed: int = 0) -> SentencePool:
    """Segment the sample articles and add the synthetic tail vocabulary."""
    seg = get_segmenter(SegmentConfig())
    vocab: dict[tuple[str, str], int] = {}
    tokens: list[int] = []
    starts, lengths, doc_sentences = [], [], []
    for body in _article_bodies():
        n = 0
        for paragraph in (p.strip() for p in body.splitlines()):
            paragraph = paragraph.lstrip("# ")  # markdown-style heading marks of the article files
            if not paragraph:
                continue
            for start, end in split_sentences(paragraph):
                words, pos = tag_sentence(paragraph[start:end], seg)
                if words:
                    starts.append(len(tokens))
                    lengths.append(len(words))
                    tokens.extend(vocab.setdefault(wp, len(vocab)) for wp in zip(words, pos, strict=True))
                    n += 1
        doc_sentences.append(n)
    rng = np.random.default_rng(seed)
    chars = sorted({c for w, _ in vocab for c in w if "\u4e00" <= c <= "\u9fff"})
    picks = rng.choice(np.array(chars), size=(TAIL_WORDS, 4))
    sizes = rng.integers(2, 5, size=TAIL_WORDS)
    tail = {"".join(row[:k]) for row, k in zip(picks.tolist(), sizes.tolist(), strict=True)}
    tail_pos = rng.choice(["n", "v", "vn", "nz", "a"], size=len(tail), p=[0.45, 0.25, 0.15, 0.1, 0.05])
    pairs = list(vocab) + list(zip(sorted(tail), tail_pos.tolist(), strict=True))
    return SentencePool(
        words=pa.array([w for w, _ in pairs], pa.string()),
        pos=pa.array([p for _, p in pairs], pa.string()),
        content=np.array([is_keyword_candidate(w, p) for w, p in pairs[: len(vocab)]], dtype=bool),
        counted=np.array([is_counted_token(w, p) for w, p in pairs], dtype=bool),
        n_tail=len(tail),
        tail_p=_zipf_mandelbrot(len(tail)),
        starts=np.array(starts),
        lengths=np.array(lengths),
        tokens=np.array(tokens),
        doc_sentences=np.array(doc_sentences),
    )


def _zipf_mandelbrot(n: int) -> np.ndarray:
    """Word probabilities ~ 1/(rank + ZM_SHIFT)^ZIPF_A: Zipf's law without a few giant head words."""
    p = 1.0 / (np.arange(1, n + 1) + ZM_SHIFT) ** ZIPF_A
    return p / p.sum()


def _list_array(offsets: np.ndarray, values: pa.Array) -> pa.ListArray:
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values)


def _chunk(pool: SentencePool, first: int, n_docs: int, rng: np.random.Generator) -> dict[str, pa.Table]:
    n_vocab = len(pool.content)
    doc_ids = [f"d{first + i:09d}" for i in range(n_docs)]
    n_sent = rng.choice(pool.doc_sentences, size=n_docs)
    sent_doc = np.repeat(np.arange(n_docs), n_sent)
    picked = rng.integers(0, len(pool.starts), size=len(sent_doc))
    lens = pool.lengths[picked]
    tok_offsets = np.concatenate([[0], np.cumsum(lens)])
    within = np.arange(tok_offsets[-1]) - np.repeat(tok_offsets[:-1], lens)
    flat = pool.tokens[np.repeat(pool.starts[picked], lens) + within]
    swap = pool.content[flat] & (rng.random(len(flat)) < TAIL_SHARE)
    flat[swap] = n_vocab + rng.choice(pool.n_tail, size=int(swap.sum()), p=pool.tail_p)
    words = _list_array(tok_offsets, pool.words.take(flat))
    pos = _list_array(tok_offsets, pool.pos.take(flat))
    text = pc.binary_join(words, "")
    sent_offsets = np.concatenate([[0], np.cumsum(n_sent)])
    sentence_no = np.arange(len(sent_doc)) - np.repeat(sent_offsets[:-1], n_sent)
    text_len = pc.utf8_length(text).to_numpy()
    # Sentences are joined without separators, so each starts where the previous one ended.
    ends = np.cumsum(text_len)
    doc_start = np.repeat(np.concatenate([[0], ends])[sent_offsets[:-1]], n_sent)
    start_char = ends - text_len - doc_start
    doc_text = pc.binary_join(_list_array(sent_offsets, text), "")

    site_no = (rng.zipf(1.5, size=n_docs) - 1) % SITES
    urls = [f"https://www{s}.fanwen-demo.cn/a/{first + i}.html" for i, s in enumerate(site_no.tolist())]
    published = [FIRST_DAY + timedelta(days=int(d)) for d in rng.integers(0, DAYS, size=n_docs)]
    category = rng.choice(CATEGORIES, size=n_docs)
    sid = pa.array(np.repeat(np.array(doc_ids, dtype=object), n_sent), pa.string())

    kw_tok = (
        tok_offsets[sent_offsets[:-1]][:, None]
        + rng.random((n_docs, KEYWORDS_PER_DOC))
        * (tok_offsets[sent_offsets[1:]] - tok_offsets[sent_offsets[:-1]])[:, None]
    ).astype(np.int64)
    kw_words = pool.words.take(flat[kw_tok.ravel()])
    docs = pa.table(
        {
            "doc_id": doc_ids,
            "page_id": doc_ids,
            "url": urls,
            "part_no": np.zeros(n_docs, np.int32),
            "title": [f"{c}范文{first + i}" for i, c in enumerate(category.tolist())],
            "page_title": [None] * n_docs,
            "site_name": [f"站点{s}" for s in site_no.tolist()],
            "category_path": [["范文大全", c] for c in category.tolist()],
            "published_at": published,
            "tags": [[] for _ in range(n_docs)],
            "language": ["zh"] * n_docs,
            "text": doc_text,
            "n_chars": pc.utf8_length(doc_text),
            "n_paragraphs": n_sent.astype(np.int32),
            "n_sentences": n_sent.astype(np.int32),
            "n_tokens": (tok_offsets[sent_offsets[1:]] - tok_offsets[sent_offsets[:-1]]).astype(np.int32),
            "run_id": [RUN_ID] * n_docs,
        }
    )
    return {
        "documents": docs,
        **_enrichment(docs, rng),
        "doc_terms": _doc_terms(pool, doc_ids, np.repeat(sent_doc, lens), flat),
        "sentences": pa.table(
            {
                "doc_id": sid,
                "sentence_no": sentence_no.astype(np.int32),
                "paragraph_no": sentence_no.astype(np.int32),
                "start_char": start_char.astype(np.int32),
                "end_char": (start_char + text_len).astype(np.int32),
                "text": text,
                "words": words,
                "pos": pos,
                "run_id": pa.array([RUN_ID] * len(sent_doc), pa.string()),
            }
        ),
        "keywords": pa.table(
            {
                "doc_id": np.repeat(np.array(doc_ids, dtype=object), KEYWORDS_PER_DOC).tolist(),
                "method": ["tfidf"] * (n_docs * KEYWORDS_PER_DOC),
                "rank": np.tile(np.arange(1, KEYWORDS_PER_DOC + 1, dtype=np.int32), n_docs),
                "word": kw_words,
                "weight": np.tile(np.linspace(0.4, 0.05, KEYWORDS_PER_DOC), n_docs),
                "run_id": [RUN_ID] * (n_docs * KEYWORDS_PER_DOC),
            }
        ),
        "errors": pa.table(
            {
                "run_id": [RUN_ID] * int(n_docs * ERROR_SHARE),
                "url": [
                    f"https://www0.fanwen-demo.cn/bad/{first + i}.html"
                    for i in range(int(n_docs * ERROR_SHARE))
                ],
                "stage": rng.choice(["fetch", "decode", "extract"], size=int(n_docs * ERROR_SHARE)).tolist(),
                "kind": rng.choice(
                    ["fetch_http_404", "decode_failed", "extract_empty"], size=int(n_docs * ERROR_SHARE)
                ).tolist(),
                "message": ["synthetic"] * int(n_docs * ERROR_SHARE),
                "recorded_at": [datetime.now()] * int(n_docs * ERROR_SHARE),
            }
        ),
    }


def _doc_terms(pool: SentencePool, doc_ids: list[str], token_doc: np.ndarray, flat: np.ndarray) -> pa.Table:
    """Per-document word counts of the chunk (tasks/tables.py term_counts, vectorised): one (document, word
    id) key per counted token, counted with np.unique."""
    keep = pool.counted[flat]
    n_words = len(pool.words)
    keys, n = np.unique(token_doc[keep].astype(np.int64) * n_words + flat[keep], return_counts=True)
    word_id = pa.array(keys % n_words)
    return pa.table(
        {
            "doc_id": pa.array(doc_ids, pa.string()).take(pa.array(keys // n_words)),
            "word": pool.words.take(word_id),
            "pos": pool.pos.take(word_id),
            "n": n.astype(np.int32),
            "run_id": pa.array([RUN_ID] * len(keys), pa.string()),
        }
    )


def _enrichment(docs: pa.Table, rng: np.random.Generator) -> dict[str, pa.Table]:
    """The structure tables of schema 002 with plausible sizes: a doc type, 0-8 template slots, a few
    formulations from a shared pool, a two-level outline, and near-duplicate groups of 2-20 copies."""
    n = docs.num_rows
    ids = docs.column("doc_id").to_pylist()
    slots = rng.integers(0, 9, size=n)
    docs_extra = {
        "doc_type": rng.choice(DOC_TYPES, size=n).tolist(),
        "n_placeholders": slots.astype(np.int32),
        "is_template": slots >= 2,
    }
    n_terms = rng.integers(0, 6, size=n)
    term_doc = np.repeat(np.arange(n), n_terms)
    term_ids = rng.choice(len(TERMS_POOL), size=len(term_doc), p=_zipf_mandelbrot(len(TERMS_POOL)))
    n_top = rng.integers(0, 5, size=n)
    heads: dict[str, list] = {k: [] for k in OUTLINE_COLUMNS}
    for i, k in enumerate(n_top.tolist()):
        h = 0
        for top in range(k):
            rows = [
                (1, None, "cn_dun", f"{'一二三四五'[top]}、"),
                *((2, h, "shi", f"{'一二三四'[c]}是") for c in range(int(rng.integers(0, 4)))),
            ]
            for level, parent, style, marker in rows:
                for key, v in zip(
                    OUTLINE_COLUMNS,
                    (ids[i], h, level, style, marker, f"标题{h}", h, parent, level == 2, RUN_ID),
                    strict=True,
                ):
                    heads[key].append(v)
                h += 1
    n_groups = n // 20
    grouped = rng.choice(n, size=min(n, n_groups * 4), replace=False)
    group_of = rng.integers(0, max(n_groups, 1), size=len(grouped))
    first_in_group = {}
    for d, g in zip(grouped.tolist(), group_of.tolist(), strict=True):
        first_in_group.setdefault(g, d)
    return {
        "_documents_extra": pa.table({"doc_id": ids, **docs_extra}),
        "terms": pa.table(
            {
                "doc_id": [ids[d] for d in term_doc.tolist()],
                "kind": ["quoted"] * len(term_doc),
                "term": [TERMS_POOL[t] for t in term_ids.tolist()],
                "count": rng.integers(1, 4, len(term_doc)),
                "first_sentence_no": np.zeros(len(term_doc), np.int32),
                "run_id": [RUN_ID] * len(term_doc),
            }
        ),
        "outline": pa.table(heads),
        "placeholders": pa.table(
            {
                "doc_id": np.repeat(np.array(ids, dtype=object), slots).tolist(),
                "slot_no": np.concatenate([np.arange(k) for k in slots.tolist()] or [[]]).astype(np.int32),
                "kind": ["slot"] * int(slots.sum()),
                "text": ["XX"] * int(slots.sum()),
                "start_char": np.zeros(int(slots.sum()), np.int32),
                "end_char": np.full(int(slots.sum()), 2, np.int32),
                "run_id": [RUN_ID] * int(slots.sum()),
            }
        ),
        "duplicates": pa.table(
            {
                "group_id": [ids[first_in_group[g]] for g in group_of.tolist()],
                "doc_id": [ids[d] for d in grouped.tolist()],
                "similarity_to_representative": np.where(
                    grouped == np.array([first_in_group[g] for g in group_of.tolist()]),
                    1.0,
                    rng.uniform(0.5, 1.0, len(grouped)),
                ),
                "is_representative": grouped == np.array([first_in_group[g] for g in group_of.tolist()]),
                "run_id": [RUN_ID] * len(grouped),
            }
        ),
    }


def generate(db_path: str | Path, n_docs: int, seed: int = 0) -> dict[str, int]:
    """Create a fresh database at `db_path` with `n_docs` synthetic documents; returns rows per table."""
    Path(db_path).unlink(missing_ok=True)
    pool = build_pool(seed)
    rng = np.random.default_rng(seed + 1)
    counts: dict[str, int] = {}
    with open_db(db_path) as con:
        migrate(con)
        con.execute(
            "INSERT INTO runs (run_id, started_at, status, sources) VALUES (?, now(), 'done', ['synthetic'])",
            [RUN_ID],
        )
        for first in range(0, n_docs, CHUNK_DOCS):
            tables = _chunk(pool, first, min(CHUNK_DOCS, n_docs - first), rng)
            for name, table in tables.items():
                con.register("chunk", table)
                if name == "_documents_extra":  # the 002 columns of documents, inserted just before
                    con.execute(
                        "UPDATE documents SET doc_type = c.doc_type, n_placeholders = c.n_placeholders, "
                        "is_template = c.is_template FROM chunk AS c WHERE documents.doc_id = c.doc_id"
                    )
                else:
                    con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM chunk")  # name: fixed keys above
                    counts[name] = counts.get(name, 0) + table.num_rows
                con.unregister("chunk")
        con.execute("CHECKPOINT")
    counts["term_stats"] = refresh_term_stats(db_path, RUN_ID)  # the corpus step of a real run
    return counts
