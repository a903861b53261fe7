"""MinHash fingerprints of documents, for finding near-duplicates across the corpus (see `duplicates.py`).

A document is the set of its word shingles (runs of `SHINGLE_WORDS` consecutive words, punctuation left
out, so a changed comma or a different site's quote style changes nothing). The signature keeps, for each
of `NUM_PERM` random hash functions, the smallest hash over the set; the share of positions where two
signatures agree estimates the Jaccard similarity of the two shingle sets.

The hash functions are multiply-shift hashes h(x) = (a·x + b) mod 2^64 >> 32 with fixed random odd a,
computed for all shingles at once with numpy; the seeds are constants, so signatures stored by one run
compare with those of any other run and machine.
"""

from __future__ import annotations

import functools
import itertools
import zlib

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
    return a[:, None], b[:, None]


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


def shingle_hashes(sentences: list[Sentence]) -> np.ndarray:
    """64-bit hashes of the document's distinct word shingles (words of all sentences in a row, so a
    re-split sentence keeps its shingles; punctuation left out). A text shorter than a shingle is one
    shingle."""
    lookup = _word_hashes.__getitem__
    ids = np.fromiter(itertools.chain.from_iterable(map(lookup, s.words) for s in sentences), np.uint64)
    ids = ids[ids != 0]
    if len(ids) == 0:
        return ids
    if len(ids) < SHINGLE_WORDS:
        ids = np.pad(ids, (0, SHINGLE_WORDS - len(ids)))
    # Combine k word hashes into one 64-bit value: multiply by large odd constants (wrapping) and xor.
    combined = np.zeros(len(ids) - SHINGLE_WORDS + 1, dtype=np.uint64)
    for k in range(SHINGLE_WORDS):
        piece = ids[k : len(ids) - SHINGLE_WORDS + 1 + k]
        combined ^= piece * np.uint64((0x9E3779B97F4A7C15 * (k + 1)) & _MASK64 | 1)
    return _distinct(combined)


def _distinct(values: np.ndarray) -> np.ndarray:
    """`np.unique(values)` by sorting: numpy 2's `unique` hashes, which is ~5x slower on a few thousand
    integers."""
    values = np.sort(values)
    keep = np.empty(len(values), dtype=bool)
    keep[:1] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def minhash(hashes: np.ndarray) -> np.ndarray:
    """The `NUM_PERM` MinHash values (uint32) of a set of 64-bit shingle hashes.

    The minimum is taken before the shift: x >> 32 never decreases as x grows, so min(x) >> 32 is the
    minimum of the shifted values, for one pass over the NUM_PERM x shingles products less.
    """
    a, b = _hash_params()
    with np.errstate(over="ignore"):
        products = a * hashes[None, :]
        products += b
    return (products.min(axis=1) >> np.uint64(32)).astype(np.uint32)


def fingerprint(sentences: list[Sentence]) -> tuple[tuple[int, ...], int]:
    """(signature, number of distinct shingles); an empty signature for a document without words."""
    hashes = shingle_hashes(sentences)
    if len(hashes) == 0:
        return (), 0
    return tuple(minhash(hashes).tolist()), len(hashes)


def similarity(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two documents' shingle sets from their signatures."""
    return float(np.mean(sig_a == sig_b))
