"""Near-duplicate groups over the whole corpus, from the MinHash signatures in `fingerprints`.

Essay portals copy each other's texts with small edits (another site's header, a changed sentence, a
different place name), and a researcher needs to count each text once. This is a corpus step: it runs in
the flow process after all batches are loaded, reads every stored signature (in chunks), and replaces
the whole `duplicates` table in one transaction, so running it twice gives the same rows.

Candidates come from locality-sensitive hashing: the 128-value signature is cut into `BANDS` bands of
`ROWS` values, and two documents are candidates when any band is identical (likely from Jaccard ≈ 0.4
up). Each candidate is then checked on the full signature against `MIN_SIMILARITY`, and checked pairs
are joined into groups (connected components).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from wenji.tasks import store
from wenji.tasks.enrich.fingerprint import NUM_PERM
from wenji.tasks.tables import table

# 32 bands x 4 rows: a pair with similarity 0.5 shares a band with probability 1-(1-0.5^4)^32 = 0.87,
# at 0.7 with 0.9996, at 0.2 with 0.05 (those are then rejected by the full check anyway).
BANDS = 32
ROWS = NUM_PERM // BANDS
# Estimated Jaccard similarity of word 3-gram sets from which two documents are the same text.
# A copy with a few changed sentences is at 0.8-0.95; two different speeches of one genre below 0.1.
MIN_SIMILARITY = 0.5


@dataclass(slots=True, frozen=True)
class DuplicateRow:
    group_id: str  # the representative's doc_id
    doc_id: str
    similarity_to_representative: float
    is_representative: bool


@dataclass(slots=True)
class DuplicateStats:
    documents: int  # fingerprinted documents compared
    groups: int
    grouped_documents: int  # documents in some group, representatives included
    candidate_pairs: int  # pairs that shared a band and were checked on the full signature


def _find(parent: dict[int, int], i: int) -> int:
    while parent.setdefault(i, i) != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _date_key(published: Sequence[datetime | None] | None, i: int) -> tuple[bool, datetime]:
    """Sort key putting earlier publication first and unknown dates last."""
    when = published[i] if published is not None else None
    return (when is None, when or datetime.max)


def group_near_duplicates(
    doc_ids: list[str],
    n_shingles: np.ndarray,
    signatures: np.ndarray,
    published: Sequence[datetime | None] | None = None,
    min_similarity: float = MIN_SIMILARITY,
) -> tuple[list[DuplicateRow], int]:
    """Near-duplicate groups of the documents whose signatures are the rows of `signatures`
    (shape n x NUM_PERM), and the number of candidate pairs checked.

    The representative of a group is the copy published first (likely the original; undated ones
    last), then the longest (most shingles), then the smallest doc_id. Misses pairs below
    `MIN_SIMILARITY` (a text quoted inside a longer one, heavy rewrites) and, rarely, a similar pair
    that shares no band. Two texts can land in one group through a chain of near-duplicates although
    they are less alike themselves.
    """
    parent: dict[int, int] = {}
    checked = 0
    for band in range(BANDS):
        cols = np.ascontiguousarray(signatures[:, band * ROWS : (band + 1) * ROWS])
        keys = cols.view(np.dtype((np.void, cols.dtype.itemsize * ROWS))).ravel()
        _, labels = np.unique(keys, return_inverse=True)
        order = np.argsort(labels, kind="stable")
        sorted_labels = labels[order]
        starts = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]])
        ends = np.r_[starts[1:], len(order)]
        shared = ends - starts >= 2
        for s, e in zip(starts[shared].tolist(), ends[shared].tolist(), strict=True):
            head = int(order[s])
            for m in order[s + 1 : e]:
                m = int(m)
                if _find(parent, m) == _find(parent, head):
                    continue
                checked += 1
                if np.mean(signatures[head] == signatures[m]) >= min_similarity:
                    parent[_find(parent, m)] = _find(parent, head)
    members: dict[int, list[int]] = {}
    for i in list(parent):
        members.setdefault(_find(parent, i), []).append(i)
    rows: list[DuplicateRow] = []
    for group in members.values():
        if len(group) < 2:
            continue
        rep = min(group, key=lambda i: (_date_key(published, i), -int(n_shingles[i]), doc_ids[i]))
        for i in sorted(group, key=lambda i: doc_ids[i]):
            sim = float(np.mean(signatures[i] == signatures[rep]))
            rows.append(DuplicateRow(doc_ids[rep], doc_ids[i], round(sim, 4), i == rep))
    rows.sort(key=lambda r: (r.group_id, not r.is_representative, r.doc_id))
    return rows, checked


def find_duplicates(db_path: str | Path, run_id: str) -> DuplicateStats:
    """Recompute the `duplicates` table from all stored fingerprints; replaces the previous groups."""
    doc_ids, n_shingles, signatures, published = store.read_signatures(db_path)
    rows, checked = group_near_duplicates(doc_ids, n_shingles, signatures, published)
    columns = {
        "group_id": [r.group_id for r in rows],
        "doc_id": [r.doc_id for r in rows],
        "similarity_to_representative": [r.similarity_to_representative for r in rows],
        "is_representative": [r.is_representative for r in rows],
    }
    store.replace_duplicates(db_path, table("duplicates", run_id, columns))
    return DuplicateStats(
        documents=len(doc_ids),
        groups=sum(r.is_representative for r in rows),
        grouped_documents=len(rows),
        candidate_pairs=checked,
    )
