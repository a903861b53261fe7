"""Real Chinese batches for the reliability tests: the sample site's pages through the real pipeline.

The 24 pages of examples/site are fetched from disk, extracted, segmented and enriched once; batches are
then made by giving copies of them new URLs (so new page_id/doc_id keys), which is cheap and keeps every
row realistic: real titles, sentences, tokens, keywords, and an error row per batch.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from pathlib import Path

from wenji.tasks.crawler import fetch_batch
from wenji.tasks.enrich.keywords import enrich_batch
from wenji.tasks.extract import extract_batch
from wenji.tasks.records import ErrorRecord, Page, ProcessedDoc, SourceItem
from wenji.tasks.segment import segment_batch
from wenji.tasks.settings import EnrichConfig, FetchConfig, SegmentConfig
from wenji.tasks.tables import BatchTables, to_tables

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE_SITE = REPO_ROOT / "examples" / "site"
TABLES = ("pages", "documents", "paragraphs", "sentences", "keywords", "errors")
BATCH_HOST = "https://www.reliability-demo.gov.cn"


@cache
def sample_pages() -> tuple[list[Page], list[ProcessedDoc]]:
    """The sample site's pages and the documents the real pipeline makes of them."""
    files = sorted(SAMPLE_SITE.rglob("*.html"))
    items = [SourceItem(url=f.resolve().as_uri(), path=str(f)) for f in files]
    pages = fetch_batch(items, FetchConfig()).items
    docs = extract_batch(pages).items
    segmented = segment_batch(docs, SegmentConfig()).items
    return pages, enrich_batch(segmented, EnrichConfig()).items


def batch_run_id(batch_no: int) -> str:
    """Each batch is written under its own run_id, so SQL can count rows per batch."""
    return f"batch-{batch_no:03d}"


def make_batch(batch_no: int, run_id: str | None = None) -> BatchTables:
    """Batch `batch_no`: every sample page under a URL of its own, plus one fetch error row.

    Written under `run_id`, by default one of the batch's own (`batch_run_id`)."""
    pages, processed = sample_pages()
    new_url = {p.url: f"{BATCH_HOST}/b{batch_no:03d}/p{i:02d}.html" for i, p in enumerate(pages)}
    batch_pages = [replace(p, url=new_url[p.url], final_url=new_url[p.url]) for p in pages]
    batch_docs = [
        replace(
            pd,
            doc=replace(pd.doc, url=new_url[pd.doc.url], meta=replace(pd.doc.meta, url=new_url[pd.doc.url])),
        )
        for pd in processed
    ]
    error = ErrorRecord(
        f"{BATCH_HOST}/b{batch_no:03d}/gone.html", "fetch", "fetch_http_404", "answered HTTP 404 Not Found"
    )
    return to_tables(run_id or batch_run_id(batch_no), batch_pages, batch_docs, [error])


def expected_rows(batch: BatchTables) -> dict[str, int]:
    return {t: batch.rows(t) for t in TABLES}
