"""Query speed: every view, macro and report query over a synthetic corpus (bench/queries/corpus.py).

    python bench/queries/run.py                     # 100,000 documents → bench/results/queries.duckdb
    python bench/queries/run.py --docs 10000 --reuse

Each query runs on a fresh read-only connection (as `wenji query` and the duckdb CLI do) and its whole
result is fetched as Arrow; the best of REPEATS runs is reported, with the first (cold) run alongside.
Prints a markdown table and writes bench/results/queries.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from importlib.resources import files
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus

RESULTS = Path(__file__).resolve().parents[1] / "results"
REPEATS = 3
# Macro calls timed, with arguments that occur in the corpus.
MACRO_CALLS = (
    "SELECT * FROM kwic('文明', 20)",
    "SELECT * FROM cooccur('巡察', 5)",
    "SELECT * FROM docs_with('巡察')",
)
# The everyday use of the views that are millions of rows as a whole: one document's words.
LOOKUPS = (
    ("tfidf of one document", "SELECT word, tf_idf FROM tfidf WHERE doc_id = 'd000000042' ORDER BY 2 DESC"),
    ("doc_term_counts of one document", "SELECT * FROM doc_term_counts WHERE doc_id = 'd000000042'"),
)


def _queries(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    views = con.execute(
        "SELECT view_name FROM duckdb_views() WHERE NOT internal AND schema_name = 'main' ORDER BY view_name"
    ).fetchall()
    reports = sorted(
        (p.name, p.read_text(encoding="utf-8"))
        for p in files("wenji.sql").joinpath("reports").iterdir()
        if p.name.endswith(".sql")
    )
    return (
        [(f"view {v}", f"SELECT * FROM {v}") for (v,) in views]
        + [(f"macro {q.split('FROM ')[1]}", q) for q in MACRO_CALLS]
        + [(f"lookup {name}", q) for name, q in LOOKUPS]
        + [(f"report {name[:-4]}", text) for name, text in reports]
    )


def _time(db: Path, sql: str) -> tuple[float, float, int]:
    times, rows = [], 0
    for _ in range(REPEATS):
        con = duckdb.connect(str(db), read_only=True)
        t = time.perf_counter()
        rows = con.execute(sql).to_arrow_table().num_rows  # Arrow: times the query, not Python objects
        times.append(time.perf_counter() - t)
        con.close()
    return times[0], min(times), rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--db", type=Path, default=RESULTS / "queries.duckdb")
    ap.add_argument("--reuse", action="store_true", help="keep an existing database of the same size")
    args = ap.parse_args()

    RESULTS.mkdir(parents=True, exist_ok=True)
    counts = None
    if args.reuse and args.db.exists():
        with duckdb.connect(str(args.db), read_only=True) as con:
            if con.execute("SELECT count(*) FROM documents").fetchone()[0] == args.docs:
                counts = {
                    t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                    for t in ("documents", "sentences", "doc_terms", "term_stats", "keywords", "errors")
                }
    if counts is None:
        t = time.perf_counter()
        counts = corpus.generate(args.db, args.docs)
        print(f"generated {args.docs:,} documents in {time.perf_counter() - t:.1f} s: {counts}")
    with duckdb.connect(str(args.db), read_only=True) as con:
        tokens = con.execute("SELECT sum(n_tokens) FROM documents").fetchone()[0]
        queries = _queries(con)
    print(f"{tokens:,} tokens, {args.db.stat().st_size / 2**30:.2f} GiB; {os.cpu_count()} CPUs\n")
    load_start = [round(x, 2) for x in os.getloadavg()]
    print("| query | rows | first run (s) | best of 3 (s) |\n|---|---:|---:|---:|")
    results = []
    for name, sql in queries:
        first, best, rows = _time(args.db, sql)
        results.append({"query": name, "rows": rows, "first_s": round(first, 3), "best_s": round(best, 3)})
        print(f"| {name} | {rows:,} | {first:.2f} | {best:.2f} |", flush=True)
    out = RESULTS / "queries.json"
    out.write_text(
        json.dumps(
            {
                "documents": args.docs,
                "tokens": tokens,
                "tables": counts,
                "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                # Other jobs on the machine slow every query: the 1/5/15-minute load before and after.
                "load_average": {"start": load_start, "end": [round(x, 2) for x in os.getloadavg()]},
                "duckdb": duckdb.__version__,
                "results": results,
            },
            indent=1,
        )
    )
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
