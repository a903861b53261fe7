"""End to end for the enrichment tables: the real flow over the sample site served on 127.0.0.1, twice, into
a real DuckDB file; then the outline, terms, entities, placeholders, doc types, fingerprints, near-duplicate
groups and the corpus TF-IDF view are read back with SQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from wenji.tasks.db import open_db
from wenji.tasks.settings import load_settings, with_fetch
from wenji.tasks.site_server import serve

SAMPLE_SITE = Path(__file__).resolve().parents[2] / "examples" / "site"
ENRICHMENT_TABLES = ("entities", "terms", "outline", "placeholders", "fingerprints", "duplicates")
SEED_SPEECH = "在决胜全国文明城市誓师大会上的讲话"

pytestmark = pytest.mark.slow


def _run(db_path: Path, sources: list[str]):
    from wenji.flows.etl import run_etl

    settings = load_settings(None, db_path=str(db_path), batch_size=8)
    settings = with_fetch(settings, allow_private=True, retries=1, backoff=0.05)
    return run_etl(sources, settings)


def _snapshot(db_path: Path) -> dict[str, list[tuple]]:
    with open_db(db_path, read_only=True) as con:
        return {
            t: con.execute(f"SELECT * EXCLUDE (run_id) FROM {t} ORDER BY ALL").fetchall()
            for t in ENRICHMENT_TABLES
        }


@pytest.fixture(scope="module")
def loaded(prefect_api: str, tmp_path_factory: pytest.TempPathFactory):
    db_path = tmp_path_factory.mktemp("enrich") / "wenji.duckdb"
    with serve(SAMPLE_SITE) as base:
        _run(db_path, [f"{base}/sitemap.xml"])
        first = _snapshot(db_path)
        _run(db_path, [f"{base}/sitemap.xml"])  # nothing changed: every page is skipped, duplicates rerun
        second = _snapshot(db_path)
    return db_path, first, second


def test_every_enrichment_table_has_rows_and_reruns_change_nothing(loaded) -> None:
    _, first, second = loaded
    assert all(first[t] for t in ENRICHMENT_TABLES), {t: len(first[t]) for t in ENRICHMENT_TABLES}
    assert second == first


def test_seed_speech_outline_and_section_paths(loaded) -> None:
    with open_db(loaded[0], read_only=True) as con:
        doc_id = con.execute("SELECT doc_id FROM documents WHERE title = ?", [SEED_SPEECH]).fetchone()[0]
        top = con.execute(
            "SELECT heading_no, marker FROM outline WHERE doc_id = ? AND level = 1 ORDER BY heading_no",
            [doc_id],
        ).fetchall()
        aspects = con.execute(
            "SELECT count(*) FROM outline WHERE doc_id = ? AND parent_no = ? AND style = 'fangmian'",
            [doc_id, top[1][0]],
        ).fetchone()[0]
        bad_paths = con.execute(
            "SELECT count(*) FROM paragraphs p JOIN outline o ON o.doc_id = p.doc_id "
            "AND o.paragraph_no = p.paragraph_no WHERE p.doc_id = ? AND p.section_path[-1] <> o.heading_no",
            [doc_id],
        ).fetchone()[0]
        no_path = con.execute("SELECT count(*) FROM paragraphs WHERE section_path IS NULL").fetchone()[0]
    assert [m for _, m in top] == ["一、", "二、", "三、"]
    assert aspects == 5
    assert bad_paths == 0  # a heading's paragraph ends its own section path
    assert no_path == 0


def test_terms_entities_and_placeholders(loaded) -> None:
    with open_db(loaded[0], read_only=True) as con:
        seed_terms = {
            t
            for (t,) in con.execute(
                "SELECT term FROM terms JOIN documents USING (doc_id) WHERE title = ?", [SEED_SPEECH]
            ).fetchall()
        }
        series = con.execute("SELECT count(*) FROM terms WHERE term = '不敢腐、不能腐、不想腐'").fetchone()[0]
        orgs = con.execute("SELECT count(DISTINCT entity) FROM entities WHERE kind = 'org'").fetchone()[0]
        slot_mismatch = con.execute(
            "SELECT count(*) FROM documents d LEFT JOIN (SELECT doc_id, count(*) AS n FROM placeholders "
            "GROUP BY doc_id) p USING (doc_id) WHERE d.n_placeholders <> coalesce(p.n, 0)"
        ).fetchone()[0]
        slots_in_text = con.execute(
            "SELECT bool_and(substring(d.text, p.start_char + 1, p.end_char - p.start_char) = p.text) "
            "FROM placeholders p JOIN documents d USING (doc_id)"
        ).fetchone()[0]
        templates = con.execute("SELECT count(*) FROM documents WHERE is_template").fetchone()[0]
    assert {"三洗六见一红旗", "五个三", "十纵十横", "三纵四横", "两下两进两拆四提升", "长安杯"} <= seed_terms
    assert series >= 1
    assert orgs >= 10
    assert slot_mismatch == 0 and slots_in_text
    assert templates >= 3


def test_doc_types(loaded) -> None:
    with open_db(loaded[0], read_only=True) as con:
        types = dict(con.execute("SELECT title, doc_type FROM documents").fetchall())
    assert types[SEED_SPEECH] == "讲话"
    assert types["在听取巡察组巡察情况汇报会上的讲话"] == "讲话"
    assert all(t is not None for t in types.values())
    assert {"讲话", "总结", "心得体会", "方案", "通知"} <= set(types.values())


def test_the_reprinted_speech_is_the_only_duplicate_group(loaded) -> None:
    with open_db(loaded[0], read_only=True) as con:
        rows = con.execute(
            "SELECT regexp_extract(d.url, '/(\\d+)\\.html$', 1), x.group_id = x.doc_id, x.is_representative, "
            "x.similarity_to_representative FROM duplicates x JOIN documents d USING (doc_id) ORDER BY 1"
        ).fetchall()
        fingerprinted = con.execute(
            "SELECT count(*) = (SELECT count(*) FROM documents) FROM fingerprints"
        ).fetchone()[0]
    assert [r[0] for r in rows] == ["1002", "1005"]
    assert [r[2] for r in rows] == [True, False]  # 1002 was published first: it represents the group
    assert all(r[1] == r[2] for r in rows)
    assert min(r[3] for r in rows) >= 0.8
    assert fingerprinted


def test_corpus_tfidf_view(loaded) -> None:
    with open_db(loaded[0], read_only=True) as con:
        top = con.execute(
            "SELECT word FROM tfidf JOIN documents USING (doc_id) WHERE title = ? "
            "ORDER BY tf_idf DESC LIMIT 10",
            [SEED_SPEECH],
        ).fetchall()
        punctuation = con.execute("SELECT count(*) FROM tfidf WHERE length(word) < 2").fetchone()[0]
    assert "创文" in {w for (w,) in top}
    assert punctuation == 0
