"""Profile the worker side of the pipeline (`transform_batch`) in one process, stage by stage.

Pages come from a bench corpus folder (written by `bench/corpus.py`, reused when complete) and are decoded
the way the pipeline does it: the HTTP header's charset for the pages served with one (`_headers.json`),
else the page's own declaration or detection (`decode_html`). Decoding is not timed; everything
`transform_batch` does is, in batches of `--batch-size` pages:

    extract (extract_batch: DOM walk, main text, cleaning, split)  → segment (segment_batch)
    → keywords (TF-IDF + TextRank)  → each structure enricher  → to_tables (Arrow)

The enrichment is timed the way `enrich_all` runs it, one enricher at a time over the batch, so the
per-stage seconds add up to one `transform_batch`. Each repetition runs the whole corpus; the best
repetition per stage is reported (other processes share the cores), with the load average.

    python bench/profile_transform.py                       # 1,000 pages, best of 3
    python bench/profile_transform.py --pages 400 --profile  # plus cProfile's top 25 (one repetition)
    python bench/profile_transform.py --digest out.json      # per-table digests, to check outputs stay equal
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import os
import pstats
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # bench/corpus.py, found through the path above

from wenji.tasks import enrich
from wenji.tasks.decode import decode_html
from wenji.tasks.enrich import keywords
from wenji.tasks.extract import extract_batch
from wenji.tasks.records import Page, ProcessedDoc, content_hash
from wenji.tasks.segment import segment_batch
from wenji.tasks.settings import Settings
from wenji.tasks.tables import to_tables
from wenji.tasks.transform import init_worker, transform_batch

BENCH_DIR = Path(os.environ.get("WENJI_BENCH_DIR", "/tmp/wenji-bench"))
# Columns that differ between two runs over the same input (clock times); left out of the digests.
VOLATILE_COLUMNS = {"fetched_at", "recorded_at"}
FETCHED_AT = datetime(2024, 1, 1, tzinfo=UTC)  # fixed, so that pages are the same on every run


def read_pages(folder: Path) -> list[Page]:
    """The corpus's pages in path order, decoded as the pipeline decodes them when served over HTTP."""
    headers: dict[str, dict[str, str]] = json.loads((folder / "_headers.json").read_text(encoding="utf-8"))
    pages = []
    for path in sorted(folder.rglob("*.html")):
        rel = "/" + path.relative_to(folder).as_posix()
        content_type = headers.get(rel, {}).get("Content-Type", "text/html")
        body = path.read_bytes()
        decoded = decode_html(body, content_type)
        url = corpus.ORIGIN + rel
        pages.append(
            Page(
                url=url,
                final_url=url,
                status=200,
                content_type=content_type,
                body=body,
                text=decoded.text,
                encoding=decoded.encoding,
                encoding_source=decoded.source,
                bad_bytes=decoded.bad_bytes,
                content_hash=content_hash(body),
                fetched_at=FETCHED_AT,
            )
        )
    return pages


def batches(pages: list[Page], size: int) -> Iterator[list[Page]]:
    for i in range(0, len(pages), size):
        yield pages[i : i + size]


def _timed(seconds: dict[str, list[float]], stage: str, fn: Callable[..., Any], *args: Any) -> Any:
    """Run `fn(*args)`, adding its wall and CPU seconds to `seconds[stage]`. CPU time is the steadier
    of the two when other processes share the cores."""
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn(*args)
    wall, cpu = seconds.setdefault(stage, [0.0, 0.0])
    seconds[stage] = [wall + time.perf_counter() - w0, cpu + time.process_time() - c0]
    return out


def _enrich_each(enricher: enrich.Enricher, items: list[ProcessedDoc]) -> None:
    for pd in items:
        enricher(pd.doc, pd.sentences)


def staged_pass(pages: list[Page], batch_size: int, settings: Settings) -> tuple[dict[str, list[float]], int]:
    """One pass over all pages, the steps of `transform_batch` timed one by one: ([wall, CPU] seconds per
    stage, clean characters)."""
    seconds: dict[str, list[float]] = {}
    chars = 0
    for batch in batches(pages, batch_size):
        docs = _timed(seconds, "extract", extract_batch, batch)
        segmented = _timed(seconds, "segment", segment_batch, docs.items, settings.segment)
        kw = _timed(seconds, "keywords", keywords.enrich_batch, segmented.items, settings.enrich)
        items = kw.items
        for name, enricher in enrich.STRUCTURE_ENRICHERS:
            _timed(seconds, name, _enrich_each, enricher, items)
        enriched = enrich.enrich_all(segmented.items, settings.enrich)  # the real step, for to_tables' input
        errors = [*docs.errors, *segmented.errors, *enriched.errors]
        _timed(seconds, "to_tables", to_tables, "profile", batch, enriched.items, errors, [])
        chars += sum(len(p) for d in docs.items for p in d.paragraphs)
    return seconds, chars


def whole_pass(pages: list[Page], batch_size: int, settings: Settings) -> list[float]:
    """[wall, CPU] seconds of `transform_batch` over all pages."""
    w0, c0 = time.perf_counter(), time.process_time()
    for batch in batches(pages, batch_size):
        transform_batch("profile", batch, [], [], settings)
    return [time.perf_counter() - w0, time.process_time() - c0]


def table_digests(pages: list[Page], batch_size: int, settings: Settings) -> dict[str, dict[str, Any]]:
    """Per table: rows and a hash of its content (volatile columns left out), over all batches."""
    hashes: dict[str, Any] = defaultdict(hashlib.sha256)
    rows: dict[str, int] = defaultdict(int)
    for batch in batches(pages, batch_size):
        tables = transform_batch("profile", batch, [], [], settings).batch.tables
        for name, table in tables.items():
            keep = [c for c in table.column_names if c not in VOLATILE_COLUMNS]
            hashes[name].update(repr(table.select(keep).to_pylist()).encode())
            rows[name] += table.num_rows
    return {name: {"rows": rows[name], "sha256": hashes[name].hexdigest()[:16]} for name in sorted(rows)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=1000, help="corpus size (pages)")
    ap.add_argument("--corpus", type=Path, help="corpus folder (default: $WENJI_BENCH_DIR/profile-corpus-N)")
    ap.add_argument("--batch-size", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--profile", action="store_true", help="cProfile one transform pass; print top 25")
    ap.add_argument("--digest", type=Path, help="write per-table digests of the output to this JSON file")
    args = ap.parse_args()

    folder = corpus.generate(args.pages, args.corpus or BENCH_DIR / f"profile-corpus-{args.pages}")
    settings = Settings()
    init_worker(settings)
    pages = read_pages(folder)
    load_before = os.getloadavg()
    print(f"{len(pages)} pages from {folder}, batches of {args.batch_size}, best of {args.repeat}")

    if args.digest:
        digests = table_digests(pages, args.batch_size, settings)
        args.digest.write_text(json.dumps(digests, indent=1), encoding="utf-8")
        print(f"digests written to {args.digest}")

    best: dict[str, list[float]] = {}
    whole = [float("inf"), float("inf")]
    chars = 0
    for _ in range(args.repeat):
        seconds, chars = staged_pass(pages, args.batch_size, settings)
        for stage, times in seconds.items():
            best[stage] = [min(b, t) for b, t in zip(best.get(stage, times), times, strict=True)]
        whole = [min(b, t) for b, t in zip(whole, whole_pass(pages, args.batch_size, settings), strict=True)]
    wall_sum, cpu_sum = (sum(times[i] for times in best.values()) for i in (0, 1))
    print(f"\n{'stage':<16}{'wall s':>8}{'CPU s':>8}{'share':>8}{'chars/CPU s':>13}")
    for stage, (wall, cpu) in best.items():
        print(f"{stage:<16}{wall:>8.2f}{cpu:>8.2f}{cpu / cpu_sum:>8.1%}{chars / cpu:>13,.0f}")
    print(f"{'sum of stages':<16}{wall_sum:>8.2f}{cpu_sum:>8.2f}{1:>8.0%}{chars / cpu_sum:>13,.0f}")
    print(f"{'transform_batch':<16}{whole[0]:>8.2f}{whole[1]:>8.2f}{'':>8}{chars / whole[1]:>13,.0f}")
    print(
        f"\n{chars:,} clean characters: {chars / whole[0]:,.0f} chars/s wall, "
        f"{chars / whole[1]:,.0f} per CPU second (best whole transform_batch pass)\n"
        f"load average before/after: {load_before[0]:.2f} / {os.getloadavg()[0]:.2f}"
    )

    if args.profile:
        prof = cProfile.Profile()
        prof.runcall(whole_pass, pages, args.batch_size, settings)
        print()
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
