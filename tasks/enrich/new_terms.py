"""New terms over the whole corpus: runs of 2 or 3 adjacent tokens the dictionary splits but the corpus
uses as one unit (区 / 数据 / 局, 政务 / 服务, 帮办 / 代办), kept in `new_terms` and written out as a user
dictionary for `segment.user_dicts`.

A corpus step like `duplicates` and `term_stats`: after a run's batches, in the flow process, the table is
recomputed whole in one transaction by sql/load/new_terms.sql, vectorised in DuckDB over the stored token
lists (tokens side by side as shifted list copies, so no sort and no window over the tokens). A candidate
is scored on three things, the classic signals of new-word discovery over a segmented corpus:

- frequency: occurrences (and documents, kept for the reader);
- cohesion: pointwise mutual information of its parts, ln(p(ab) / p(a) p(b)); for three parts the
  weaker of its two cuts (a | bc, ab | c), so a frequent word next to a loose pair does not pass;
- boundary freedom: the branching entropy of the token before it and of the token after it (a sentence
  edge is a neighbour of its own each time); a fragment of a longer unit has one fixed neighbour
  (严肃 / 追 / 责问 is always followed by 责), so its entropy on that side is near 0.

score = ln(1 + frequency) × pmi × min(left entropy, right entropy): each factor is ~0 when its signal is
absent. Candidates are only Chinese, not already a token anywhere in the corpus (then the dictionary or
the HMM already knows the string), and bounded by words that can bound a term: no stopword, pronoun,
adverb, preposition, conjunction, particle, localiser or measure word at an edge, no 和/与/的 inside.

Knowingly misses: terms the segmenter cuts into 4 or more tokens; terms used fewer than
`MIN_FREQUENCY` times; a term whose parts are always a fixed phrase inside a longer one (its entropy
is low on purpose). It also finds collocations that are not terms (决策部署, 服务群众): the table is a
list to read, and `wenji terms export --top N` takes only the best ones into a dictionary.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from wenji.tasks import store
from wenji.tasks.db import open_db, sql_text

# A candidate occurs at least this often. 3 is the least at which both entropies can be non-zero on
# each side and a coincidence of two sentences is ruled out; on the 17 demo documents (14k tokens) it
# leaves 44 terms, on 10,000 synthetic documents (bench/queries/corpus.py, 8.8 M tokens) 737.
MIN_FREQUENCY = 3
# Cohesion floor, in nats: the parts occur together at least e^3 ≈ 20 times as often as chance would put
# them side by side. Below it on the 10,000 synthetic documents: 城市 / 社区 (2.94), 好 / 干部, 发展 / 新,
# 履行 / 巡察 (free combinations); it halves their candidates (8,746 → 4,372). On the 17 demo documents
# every candidate is above it: with 14k tokens, 3 co-occurrences are already rare by chance.
MIN_PMI = 3.0
# Entropy floor, in nats, on the poorer side: ln(2) ≈ 0.69 would be two equally frequent neighbours;
# 0.6 also lets 3 occurrences with 2 neighbours (0.64) pass and stops a fragment that always has the
# same neighbour (0.0), the commonest noise (严肃追, 追责问 as parts of 严肃追责问责).
MIN_ENTROPY = 0.6
# Candidates whose neighbours are collected in the second pass, the most frequent first: bounds that pass
# (its cost grows with their occurrences) however large the corpus.
MAX_CANDIDATES = 20_000

# The frequency given to an exported term, as for the entries of our own dictionary (see the header of
# tasks/data/dict_official.txt): enough to win against jieba's own split in context without pulling short
# terms across neighbouring words.
EXPORT_FREQ_BY_LENGTH = ((4, 1000), (3, 300), (2, 200))


@dataclass(slots=True, frozen=True)
class NewTerm:
    term: str
    parts: list[str]
    pos: str
    frequency: int
    documents: int
    score: float


@dataclass(slots=True)
class NewTermStats:
    terms: int
    seconds: float


def refresh_new_terms(db_path: str | Path, run_id: str) -> NewTermStats:
    """Recompute `new_terms` from all stored sentences in one transaction; its rows and seconds."""
    started = time.perf_counter()
    variables = {
        "run_id": run_id,
        "new_terms_min_frequency": MIN_FREQUENCY,
        "new_terms_min_pmi": MIN_PMI,
        "new_terms_min_entropy": MIN_ENTROPY,
        "new_terms_max_candidates": MAX_CANDIDATES,
    }
    terms = store.recompute(db_path, "load/new_terms", "new_terms", variables)
    return NewTermStats(terms=terms, seconds=time.perf_counter() - started)


def top_new_terms(db_path: str | Path, top: int, min_documents: int = 1) -> list[NewTerm]:
    """The `top` best-ranked new terms used in at least `min_documents` documents (read-only)."""
    with open_db(db_path, read_only=True) as con:
        rows = con.execute(sql_text("export/new_terms_dictionary"), [min_documents, top]).fetchall()
    return [NewTerm(t, list(p), pos, f, d, s) for t, p, pos, f, d, s in rows]


def export_frequency(term: str) -> int:
    """The dictionary frequency of an exported term, by its length in characters."""
    return next(freq for length, freq in EXPORT_FREQ_BY_LENGTH if len(term) >= length)


def user_dict_text(terms: list[NewTerm], source: str, now: datetime | None = None) -> str:
    """A jieba user dictionary (`word freq tag` per line) of `terms`, with a `# ` header that
    `segment.load_user_dict` skips, saying where and when they were found."""
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"# wenji new terms: the top {len(terms)} of new_terms in {source}, {stamp}.",
        "# Format per line: word freq pos (jieba user-dict); list this file under segment.user_dicts.",
    ]
    lines += [f"{t.term} {export_frequency(t.term)} {t.pos}" for t in terms]
    return "\n".join(lines) + "\n"
