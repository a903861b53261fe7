"""MinHash fingerprints of documents, for finding near-duplicates across the corpus (see `duplicates.py`).

A document is the set of its word shingles (runs of `SHINGLE_WORDS` consecutive words, punctuation left
out, so a changed comma or a different site's quote style changes nothing). The signature keeps, for each
of `NUM_PERM` random hash functions, the smallest hash over the set; the share of positions where two
signatures agree estimates the Jaccard similarity of the two shingle sets.

The hash functions are multiply-shift hashes h(x) = (a·x + b) mod 2^64 >> 32 with fixed random odd a,
computed for all shingles of a batch at once with numpy; the seeds are constants, so signatures stored by
one run compare with those of any other run and machine.
"""

from __future__ import annotations

import functools
import itertools
import operator
import zlib
from collections.abc import Iterable

import numpy as np

from wenji.tasks.records import Sentence

NUM_PERM = 128  # signature length: the similarity estimate's standard error is about 0.04 at 0.5
SHINGLE_WORDS = 3  # word 3-grams: single changed words move few shingles, reordered text moves many
FINGERPRINT_SEED = 20240329  # fixed: changing it makes stored signatures incomparable with new ones

_MASK64 = (1 << 64) - 1


@functools.cache
def _hash_params() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(FINGERPRINT_SEED)
    a = rng.integers(1, 1 << 63, size=NUM_PERM, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.integers(0, 1 << 63, size=NUM_PERM, dtype=np.uint64)
    return a, b


class _WordHashes(dict[str, int]):
    """word -> 32-bit hash (crc32: stable across processes, unlike `hash`), 0 for punctuation, filled
    on first sight; looked up through `map(table.__getitem__, words)`, which stays in C for known words."""

    def __missing__(self, word: str) -> int:
        value = 0 if not any(ch.isalnum() for ch in word) else zlib.crc32(word.encode("utf-8")) or 1
        if len(self) < WORD_HASH_CACHE_SIZE:
            self[word] = value
        return value


# Distinct words whose hash is kept per process.
WORD_HASH_CACHE_SIZE = 1 << 19
_word_hashes = _WordHashes()


_words = operator.attrgetter("words")


def _starts(counts: np.ndarray) -> np.ndarray:
    """Where each of consecutive runs of `counts` elements starts."""
    return np.cumsum(counts) - counts


def word_hashes(words: Iterable[str]) -> np.ndarray:
    """Each word's 32-bit hash (as uint64), 0 for punctuation."""
    return np.fromiter(map(_word_hashes.__getitem__, words), np.uint64)


def _shingle_hashes(hashes: np.ndarray, n_tokens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of each document's distinct word shingles, the documents' in turn, and how many each
    has, from the `word_hashes` of their tokens (`n_tokens` each). A document's words are those of all
    its sentences in a row (so a re-split sentence keeps its shingles), punctuation left out; a text
    shorter than a shingle is one shingle, padded with zeros.

    Each numpy step runs once over the whole batch; only the sort of a document's hashes runs per document.
    """
    doc_nos = np.arange(len(n_tokens))
    is_word = hashes != 0
    n_words = np.bincount(np.repeat(doc_nos, n_tokens)[is_word], minlength=len(n_tokens))
    # Each document's words in a row, zeros after those of one shorter than a shingle.
    padded_len = np.where(n_words > 0, np.maximum(n_words, SHINGLE_WORDS), 0)
    padded = np.zeros(int(padded_len.sum()), dtype=np.uint64)
    word_at = np.arange(int(n_words.sum())) + np.repeat(_starts(padded_len) - _starts(n_words), n_words)
    padded[word_at] = hashes[is_word]
    # Combine k word hashes into one 64-bit value: multiply by large odd constants (wrapping) and xor.
    combined = np.zeros(max(len(padded) - SHINGLE_WORDS + 1, 0), dtype=np.uint64)
    for k in range(SHINGLE_WORDS):
        piece = padded[k : len(padded) - SHINGLE_WORDS + 1 + k]
        combined ^= piece * np.uint64((0x9E3779B97F4A7C15 * (k + 1)) & _MASK64 | 1)
    # Shingles start at every word of a document but its last SHINGLE_WORDS - 1.
    n_shingles = np.maximum(padded_len - (SHINGLE_WORDS - 1), 0)
    first = _starts(n_shingles)
    shingles = combined[np.arange(int(n_shingles.sum())) + np.repeat(_starts(padded_len) - first, n_shingles)]
    # Sorting, not `np.unique`: numpy 2's `unique` hashes, which is ~5x slower on a few thousand integers.
    for start, end in zip(first.tolist(), (first + n_shingles).tolist(), strict=True):
        shingles[start:end].sort()
    distinct = np.ones(len(shingles), dtype=bool)
    np.not_equal(shingles[1:], shingles[:-1], out=distinct[1:])
    distinct[first[n_shingles > 0]] = True
    return shingles[distinct], np.bincount(np.repeat(doc_nos, n_shingles)[distinct], minlength=len(n_tokens))


def _minhashes(hashes: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The `NUM_PERM` MinHash values (uint32) of each non-empty set of 64-bit shingle hashes, one row per
    set; the sets are consecutive runs of `counts` hashes.

    One hash function at a time over all sets (a minimum per run), so each numpy call covers the batch.
    The minimum is taken before the shift: x >> 32 never decreases as x grows, so min(x) >> 32 is the
    minimum of the shifted values, for one pass over the products less.
    """
    a, b = _hash_params()
    starts = _starts(counts)[counts > 0]
    mins = np.empty((NUM_PERM, len(starts)), dtype=np.uint64)
    products = np.empty_like(hashes)
    for i in range(NUM_PERM if len(starts) else 0):
        np.multiply(hashes, a[i], out=products)
        products += b[i]
        np.minimum.reduceat(products, starts, out=mins[i])
    return (mins.T >> np.uint64(32)).astype(np.uint32)


def signatures(hashes: np.ndarray, n_tokens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A batch's fingerprints from the `word_hashes` of its documents' tokens, the documents' in turn
    with `n_tokens` tokens each: (the signature of each document with words, one row of `NUM_PERM` uint32
    values each; the number of distinct shingles of every document, 0 for one without words)."""
    shingles, counts = _shingle_hashes(hashes, n_tokens)
    return _minhashes(shingles, counts), counts


def fingerprint(sentences: list[Sentence]) -> tuple[tuple[int, ...], int]:
    """(signature, number of distinct shingles) of one document; an empty signature for one without
    words."""
    hashes = word_hashes(itertools.chain.from_iterable(map(_words, sentences)))
    rows, (n_shingles,) = signatures(hashes, np.array([len(hashes)]))
    return (tuple(rows[0].tolist()), int(n_shingles)) if n_shingles else ((), 0)


def similarity(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two documents' shingle sets from their signatures."""
    return float(np.mean(sig_a == sig_b))
