"""The pipeline a user would write instead of wenji: the peer `make bench` measures wenji against (issue 18).

trafilatura extracts each page's main text, `jieba.posseg` tags it, `jieba.analyse.extract_tags` picks its
keywords, on a `multiprocessing.Pool` of 2 processes over the pages; the parent gathers the rows and loads
them into a fresh DuckDB file in one bulk load from Arrow. No Prefect, no cleaning, no enrichment beyond
keywords, no incremental re-runs: the straightforward script, written the way the libraries' docs show.

Same input as wenji's bench: a folder of saved pages (the bench/corpus.py corpus) or its sitemap served over
HTTP (workers fetch with one httpx client each). Needs the `bench` extra (trafilatura); jieba, httpx,
pyarrow and duckdb are wenji's own dependencies. Prints one JSON object: pages, documents, chars (of the
extracted text), seconds (pool start to committed load) and chars/s.

    python bench/peer.py --folder /tmp/wenji-bench/corpus-2000 --db /tmp/peer.duckdb
    python bench/peer.py --sitemap http://127.0.0.1:8000/sitemap.xml --db /tmp/peer.duckdb
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import duckdb
import httpx
import jieba
import jieba.analyse
import jieba.posseg
import pyarrow as pa
import trafilatura

PROCESSES = 2  # the peer: 2 processes, one per core of the bench machine
CHUNKSIZE = 8  # pages per hand-off to a worker: amortises the pickling round trip, keeps the pool balanced
TOP_K = 20  # keywords per document (extract_tags' default)
HTTP_TIMEOUT = 30.0
LOC = re.compile(r"<loc>\s*([^<\s]+)\s*</loc>")
PAGE_SUFFIXES = (".html", ".htm", ".shtml")  # what wenji's folder source reads (tasks/sources.py)

# One result per page: (source, text, [(word, flag)], [(keyword, weight)]), or None when nothing extracted.
PageRows = tuple[str, str, list[tuple[str, str]], list[tuple[str, float]]]

_client: httpx.Client | None = None


def _init_worker(http: bool) -> None:
    """Load jieba's dictionary, its POS table and the IDF table once per process, before the first page."""
    global _client
    jieba.setLogLevel(60)
    jieba.initialize()
    jieba.posseg.lcut("初始化")
    if http:
        _client = httpx.Client(timeout=HTTP_TIMEOUT)


def process_page(source: str) -> PageRows | None:
    """Read (or fetch) one page, extract its text, tag it and pick its keywords."""
    if _client is not None:
        response = _client.get(source)
        data = response.content if response.status_code == 200 else b""
    else:
        data = Path(source).read_bytes()
    text = trafilatura.extract(data) if data else None
    if not text:
        return None
    tokens = [(pair.word, pair.flag) for pair in jieba.posseg.cut(text)]
    keywords = jieba.analyse.extract_tags(text, topK=TOP_K, withWeight=True)
    return source, text, tokens, keywords


def folder_pages(folder: Path) -> list[str]:
    return sorted(str(p) for p in folder.rglob("*") if p.suffix.lower() in PAGE_SUFFIXES and p.is_file())


def sitemap_pages(url: str) -> list[str]:
    """Page URLs of a sitemap or a sitemap index (one level of nesting, as bench/corpus.py writes)."""
    with httpx.Client(timeout=HTTP_TIMEOUT) as client:
        body = client.get(url).text
        locs = LOC.findall(body)
        if "<sitemapindex" not in body:
            return locs
        return [page for sitemap in locs for page in LOC.findall(client.get(sitemap).text)]


def tables(results: list[PageRows]) -> dict[str, pa.Table]:
    """The rows as three Arrow tables: documents, tokens (one row per tagged word) and keywords."""
    doc_ids, urls, texts, n_chars = [], [], [], []
    t_doc, t_pos, t_word, t_flag = [], [], [], []
    k_doc, k_rank, k_word, k_weight = [], [], [], []
    for doc_id, (source, text, tokens, keywords) in enumerate(results):
        doc_ids.append(doc_id)
        urls.append(source)
        texts.append(text)
        n_chars.append(len(text))
        for pos, (word, flag) in enumerate(tokens):
            t_doc.append(doc_id)
            t_pos.append(pos)
            t_word.append(word)
            t_flag.append(flag)
        for rank, (word, weight) in enumerate(keywords):
            k_doc.append(doc_id)
            k_rank.append(rank)
            k_word.append(word)
            k_weight.append(weight)
    return {
        "documents": pa.table({"doc_id": doc_ids, "url": urls, "text": texts, "n_chars": n_chars}),
        "tokens": pa.table({"doc_id": t_doc, "pos": t_pos, "word": t_word, "flag": t_flag}),
        "keywords": pa.table({"doc_id": k_doc, "rank": k_rank, "word": k_word, "weight": k_weight}),
    }


def bulk_load(db_path: Path, arrow: dict[str, pa.Table]) -> None:
    """One transaction: each table created from its Arrow table (DuckDB scans the Python variable)."""
    db_path.unlink(missing_ok=True)
    con = duckdb.connect(str(db_path))
    con.execute("BEGIN")
    for name, table in arrow.items():
        con.register(f"{name}_arrow", table)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_arrow")
    con.execute("COMMIT")
    con.close()


def run(sources: list[str], db_path: Path, http: bool) -> dict:
    started = time.perf_counter()
    with Pool(PROCESSES, initializer=_init_worker, initargs=(http,)) as pool:
        results = [r for r in pool.imap(process_page, sources, chunksize=CHUNKSIZE) if r is not None]
    arrow = tables(results)
    bulk_load(db_path, arrow)
    seconds = time.perf_counter() - started
    chars = sum(len(r[1]) for r in results)
    return {
        "pages": len(sources),
        "documents": len(results),
        "tokens": arrow["tokens"].num_rows,
        "chars": chars,
        "seconds": round(seconds, 2),
        "chars_per_s": round(chars / seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--folder", type=Path, help="a folder of saved pages")
    source.add_argument("--sitemap", help="a sitemap (or sitemap index) URL")
    parser.add_argument("--db", type=Path, required=True, help="the DuckDB file to (re)create")
    args = parser.parse_args()
    # Listing the pages is part of the job (wenji's run resolves its sources inside its wall time too).
    started = time.perf_counter()
    sources = folder_pages(args.folder) if args.folder else sitemap_pages(args.sitemap)
    listed = time.perf_counter() - started
    report = run(sources, args.db, http=args.sitemap is not None)
    report["seconds"] = round(report["seconds"] + listed, 2)
    report["chars_per_s"] = round(report["chars"] / report["seconds"])
    json.dump(report, sys.stdout)
    print()


if __name__ == "__main__":
    main()
