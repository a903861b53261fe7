"""All enrichers over a batch, and their rows in DuckDB: the seed speeches through enrich_all → to_tables →
load_batch, loaded twice (a changed page replaces its rows), then the corpus TF-IDF view."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from enrich_fixtures import WENMING, XUNCHA, speech

from wenji.tasks.db import migrate, open_db
from wenji.tasks.enrich import STRUCTURE_ENRICHERS, enrich_all
from wenji.tasks.records import Page, content_hash
from wenji.tasks.settings import EnrichConfig
from wenji.tasks.store import load_batch, refresh_term_stats
from wenji.tasks.tables import to_tables

NEW_TABLES = ("entities", "terms", "outline", "placeholders", "fingerprints")


def page_for(url: str) -> Page:
    body = b"<html></html>"
    return Page(
        url=url, final_url=url, status=200, content_type="text/html", body=body, text=body.decode(),
        encoding="utf-8", encoding_source="header", bad_bytes=0, content_hash=content_hash(body),
        fetched_at=datetime.now(UTC),
    )  # fmt: skip


@pytest.fixture(scope="module")
def enriched():
    return enrich_all([speech(WENMING), speech(XUNCHA)], EnrichConfig(top_k=5))


def test_every_enricher_fills_its_fields(enriched) -> None:
    assert enriched.errors == []
    for pd in enriched.items:
        assert pd.keywords and pd.entities and pd.terms and pd.outline and pd.placeholders
        assert pd.doc_type == "讲话"
        assert len(pd.section_paths) == len(pd.doc.paragraphs)


def test_a_failing_enricher_costs_only_its_own_field(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(doc, sentences):
        raise ValueError("boom")

    import wenji.tasks.enrich as enrich

    patched = tuple((name, broken if name == "terms" else fn) for name, fn in STRUCTURE_ENRICHERS)
    monkeypatch.setattr(enrich, "STRUCTURE_ENRICHERS", patched)
    result = enrich_all([speech(XUNCHA)], EnrichConfig(top_k=5))
    assert [e.kind for e in result.errors] == ["enrich_terms_failed"]
    (pd,) = result.items
    assert pd.terms == [] and pd.outline and pd.entities


def test_rows_load_replace_and_feed_tfidf(enriched, tmp_path: Path) -> None:
    db = tmp_path / "wenji.duckdb"
    with open_db(db) as con:
        migrate(con)
    pages = [page_for(pd.doc.url) for pd in enriched.items]
    batch = to_tables("run1", pages, enriched.items, [])
    assert all(batch.rows(t) > 0 for t in NEW_TABLES)
    load_batch(db, batch)
    with open_db(db, read_only=True) as con:
        first = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in NEW_TABLES}
    load_batch(db, to_tables("run2", pages, enriched.items, []))
    refresh_term_stats(db, "run2")  # the corpus step of a run, which tfidf's document frequencies need
    with open_db(db, read_only=True) as con:
        second = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in NEW_TABLES}
        headings = con.execute(
            "SELECT o.marker, p.section_path FROM outline o JOIN documents d USING (doc_id) "
            "JOIN paragraphs p ON p.doc_id = o.doc_id AND p.paragraph_no = o.paragraph_no "
            "WHERE d.title LIKE '%誓师大会%' AND o.level = 1 ORDER BY o.heading_no"
        ).fetchall()
        doc_types = con.execute("SELECT DISTINCT doc_type, is_template FROM documents").fetchall()
        term = con.execute(
            "SELECT t.kind, s.text LIKE '%三洗六见一红旗%' FROM terms t JOIN sentences s "
            "ON s.doc_id = t.doc_id AND s.sentence_no = t.first_sentence_no WHERE t.term = '三洗六见一红旗'"
        ).fetchall()
        top_tfidf = con.execute(
            "SELECT word FROM tfidf JOIN documents USING (doc_id) WHERE title LIKE '%巡察%' "
            "ORDER BY tf_idf DESC LIMIT 5"
        ).fetchall()
        shared = con.execute("SELECT min(idf) FROM tfidf WHERE word = '工作'").fetchone()[0]
    assert second == first
    assert [m for m, _ in headings] == ["一、", "二、", "三、"]
    assert [len(path) for _, path in headings] == [1, 1, 1]
    assert doc_types == [("讲话", True)]
    assert term == [("numeric", True)]
    assert "巡察" in {w for (w,) in top_tfidf}
    assert shared == pytest.approx(1.0)  # in both documents: idf = ln((1 + 2) / (1 + 2)) + 1
