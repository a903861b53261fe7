"""Segmentation and enrichment throughput per engine, next to bare jieba, in one process.

The text is the clean documents of the sample site (examples/site, read from disk through fetch_batch and
extract_batch, as `wenji extract` does), repeated until it is about TARGET_BYTES of UTF-8. Every case runs
over the same documents, in this process, best of ROUNDS interleaved rounds:

- words: the engine's own word cut of each document's text (no tags), the counterpart of `jieba.lcut`;
- words+POS: the engine's `Segmenter.tag` of each document's text, the counterpart of `jieba.posseg.lcut`;
- segment_batch: what the pipeline does, sentences with words, tags and offsets;
- segment_batch + enrich_all: the same plus keywords and every structure enricher;
- bare `jieba.lcut` and `jieba.posseg.lcut` (the global tokenizer, jieba's dictionary only).

Repeating the corpus favours the jieba engine slightly: it memoises the tags of words it has met.

    .venv/bin/python bench/segmentation.py     # make bench-segmentation
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path

from wenji.tasks import enrich
from wenji.tasks.crawler import fetch_batch
from wenji.tasks.enrich import enrich_all
from wenji.tasks.extract import extract_batch
from wenji.tasks.records import Doc, SourceItem
from wenji.tasks.segment import Segmenter, get_segmenter, segment_batch
from wenji.tasks.settings import EnrichConfig, FetchConfig, SegmentConfig

REPO = Path(__file__).resolve().parents[1]
SITE = REPO / "examples" / "site"
OUT = REPO / "bench" / "results" / "segmentation.json"
TARGET_BYTES = 2_000_000  # UTF-8 bytes of text per run: jieba's tagging takes a few seconds on it
ROUNDS = 3  # best of: the minimum is the run least disturbed by other processes
ENGINES = ("rjieba", "jieba")


def sample_docs() -> list[Doc]:
    """The clean documents of every page of the sample site, read from disk.

    List and index pages come back as extract errors (no document in them) and are simply left out.
    """
    files = sorted(SITE.rglob("*.html"))
    items = [SourceItem(url=f.resolve().as_uri(), path=str(f.resolve())) for f in files]
    pages = fetch_batch(items, FetchConfig())
    if pages.errors:
        raise SystemExit(f"could not read the sample site: {pages.errors[:3]}")
    return [d for d in extract_batch(pages.items).items if d.paragraphs]


def repeated(docs: list[Doc], target_bytes: int) -> list[Doc]:
    """Whole passes over `docs` until their text reaches `target_bytes` of UTF-8."""
    pass_bytes = sum(len(d.text.encode("utf-8")) for d in docs)
    return docs * -(-target_bytes // pass_bytes)


def best_seconds(cases: dict[str, Callable[[], object]]) -> dict[str, float]:
    """Best of ROUNDS per case, the rounds interleaved so that a burst of load from other processes
    slows one round of every case rather than every round of one case."""
    best = dict.fromkeys(cases, float("inf"))
    for _ in range(ROUNDS):
        for name, run in cases.items():
            t0 = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - t0)
    return best


def word_cutter(seg: Segmenter) -> Callable[[str], object]:
    """The engine's word cut without tags; the Segmenter interface only exposes `tag`, so this reaches
    into the two engines of tasks/segment.py (same instance, same dictionaries as `tag`)."""
    if seg.name == "rjieba":
        return seg._jieba.cut  # type: ignore[attr-defined]
    cut = seg._cut  # type: ignore[attr-defined]
    return lambda text: list(cut(text, HMM=True))


def engine_cases(engine: str, docs: list[Doc], texts: list[str]) -> dict[str, Callable[[], object]]:
    scfg, ecfg = SegmentConfig(engine=engine), EnrichConfig()
    seg = get_segmenter(scfg)
    cut = word_cutter(seg)
    return {
        f"{engine}: words": lambda: [cut(t) for t in texts],
        f"{engine}: words+POS (tag)": lambda: [seg.tag(t) for t in texts],
        f"{engine}: segment_batch": lambda: segment_batch(docs, scfg),
        f"{engine}: segment_batch + enrich_all": lambda: enrich_all(segment_batch(docs, scfg).items, ecfg),
    }


def baseline_cases(texts: list[str]) -> dict[str, Callable[[], object]]:
    import jieba
    import jieba.posseg

    jieba.initialize()
    return {
        "bare jieba.lcut": lambda: [jieba.lcut(t) for t in texts],
        "bare jieba.posseg.lcut": lambda: [jieba.posseg.lcut(t) for t in texts],
    }


def main() -> None:
    base = sample_docs()
    docs = repeated(base, TARGET_BYTES)
    texts = [d.text for d in docs]
    n_chars = sum(len(t) for t in texts)
    n_bytes = sum(len(t.encode("utf-8")) for t in texts)
    load_before = os.getloadavg()

    enrich.warm_up()
    cases = baseline_cases(texts)
    for engine in ENGINES:
        cases.update(engine_cases(engine, docs, texts))
    for run in cases.values():  # first call builds caches (jieba's HMM memo, enrichers' tables)
        run()

    rows = []
    timings = best_seconds(cases)
    lcut_rate = n_chars / timings["bare jieba.lcut"]
    for name, seconds in timings.items():
        rate = n_chars / seconds
        rows.append(
            {
                "case": name,
                "seconds": round(seconds, 3),
                "chars_per_s": round(rate),
                "mb_per_s": round(n_bytes / seconds / 1e6, 3),
                "x_jieba_lcut": round(rate / lcut_rate, 2),
            }
        )
        print(f"{name:40} {seconds:7.2f} s {rate:12,.0f} chars/s {n_bytes / seconds / 1e6:6.2f} MB/s")
    report = {
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        },
        "corpus": {
            "sample_docs": len(base),
            "docs": len(docs),
            "chars": n_chars,
            "utf8_bytes": n_bytes,
        },
        "rounds": ROUNDS,
        "results": rows,
    }
    OUT.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")

    print(
        f"\n{len(docs)} docs ({len(base)} distinct), {n_chars:,} chars, {n_bytes / 1e6:.2f} MB; "
        f"load average {load_before[0]:.1f} -> {os.getloadavg()[0]:.1f}\n"
    )
    print("| case | chars/s | MB/s | × jieba.lcut |\n|---|---:|---:|---:|")
    for r in rows:
        print(f"| {r['case']} | {r['chars_per_s']:,} | {r['mb_per_s']:.2f} | {r['x_jieba_lcut']} |")
    print(f"\nwrote {OUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
