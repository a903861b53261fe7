"""The corpus steps' cost: new_terms and term_stats recomputed over the synthetic corpus of corpus.py.

    python bench/queries/corpus_steps.py --docs 10000
    python bench/queries/corpus_steps.py --docs 100000 --db bench/results/queries.duckdb --reuse

Best of REPEATS, in the flow process's way (one read-write connection, one transaction per step). Prints
wall seconds, CPU seconds of the process (DuckDB's threads added up: steadier than wall time on a shared
machine), rows and the load average before and after.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus

from wenji.tasks.enrich.new_terms import refresh_new_terms
from wenji.tasks.store import refresh_term_stats

REPEATS = 3


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--db", type=Path, default=Path("/tmp/wenji-corpus-steps.duckdb"))
    ap.add_argument("--reuse", action="store_true", help="keep an existing database of the same size")
    args = ap.parse_args()
    reuse = False
    if args.reuse and args.db.exists():
        with duckdb.connect(str(args.db), read_only=True) as con:
            reuse = con.execute("SELECT count(*) FROM documents").fetchone()[0] == args.docs
    if not reuse:
        args.db.unlink(missing_ok=True)
        corpus.generate(args.db, args.docs)
    with duckdb.connect(str(args.db), read_only=True) as con:
        tokens = con.execute("SELECT sum(n_tokens) FROM documents").fetchone()[0]
    load_before = [round(x, 2) for x in os.getloadavg()]
    new_terms, term_stats, cpu = [], [], {"new_terms": [], "term_stats": []}
    for _ in range(REPEATS):
        cpu_started = time.process_time()
        stats = refresh_new_terms(args.db, "bench")
        new_terms.append(stats.seconds)
        cpu["new_terms"].append(time.process_time() - cpu_started)
        started, cpu_started = time.perf_counter(), time.process_time()
        rows = refresh_term_stats(args.db, "bench")
        term_stats.append(time.perf_counter() - started)
        cpu["term_stats"].append(time.process_time() - cpu_started)
    load_after = round(os.getloadavg()[0], 2)
    print(f"{args.docs:,} documents, {tokens:,} tokens; load average {load_before} → {load_after}")
    for name, times, n in (("new_terms", new_terms, stats.terms), ("term_stats", term_stats, rows)):
        print(
            f"{name:10}: best {min(times):.2f} s of {[round(t, 2) for t in times]}, {n:,} rows;"
            f" CPU (all DuckDB threads) best {min(cpu[name]):.2f} s"
        )


if __name__ == "__main__":
    main()
