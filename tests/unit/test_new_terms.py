"""New-term discovery over a real DuckDB file: the two seed speeches and a page of official phrases are
loaded as a batch would be, new_terms is recomputed, and its rows are checked in SQL; the dictionary
written from it must change how the segmenter cuts the same text."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from enrich_fixtures import WENMING, XUNCHA, segmented, speech
from test_term_counts import page_for, processed

from wenji.tasks.db import migrate, open_db
from wenji.tasks.enrich import new_terms
from wenji.tasks.enrich.new_terms import (
    NewTerm,
    export_frequency,
    refresh_new_terms,
    top_new_terms,
    user_dict_text,
)
from wenji.tasks.records import ProcessedDoc
from wenji.tasks.segment import get_segmenter, load_user_dict
from wenji.tasks.settings import SegmentConfig
from wenji.tasks.store import load_batch
from wenji.tasks.tables import to_tables

# Runs of tokens that are frequent here but no term: a fragment of a longer unit (严肃 / 追 / 责问 is always
# followed by 责, 追 / 责问 / 责 always preceded by 严肃), a phrase around a term (这次 / 会议) and a
# coordination of two terms (信心 / 和 / 决心).
PHRASES = [
    "各级党组织要严肃追责问责。",
    "对失职失责的干部严肃追责问责。",
    "发现问题就严肃追责问责，绝不姑息。",
    "这次会议很重要。",
    "开好这次会议。",
    "这次会议的主要任务是部署工作。",
    "我们有信心和决心完成任务。",
    "要有信心和决心。",
    "增强信心和决心，迎难而上。",
]
NOT_TERMS = {"严肃追责问", "追责问责", "这次会议", "信心和决心"}


@pytest.fixture(scope="module")
def docs() -> list[ProcessedDoc]:
    return [
        processed(speech(WENMING), datetime(2024, 3, 5), "讲话稿"),
        processed(speech(XUNCHA), datetime(2024, 4, 18), "讲话稿"),
        processed(segmented(PHRASES, url="https://fanwen.example/phrases.html"), None, "通知"),
    ]


@pytest.fixture
def db(tmp_path: Path, docs: list[ProcessedDoc]) -> Path:
    path = tmp_path / "wenji.duckdb"
    with open_db(path) as con:
        migrate(con)
    load_batch(path, to_tables("run1", [page_for(pd.doc.url) for pd in docs], docs, []))
    return path


def _rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with open_db(db, read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_terms_the_dictionary_splits_are_found_with_their_scores(db: Path, docs: list[ProcessedDoc]) -> None:
    stats = refresh_new_terms(db, "run2")
    assert stats.terms == _rows(db, "SELECT count(*) FROM new_terms")[0][0] >= 10
    assert 0 < stats.seconds < 10
    found = {
        t: (p, f, d) for t, p, f, d in _rows(db, "SELECT term, parts, frequency, documents FROM new_terms")
    }
    # 县委巡察办 (the county's inspection office) is cut 县委 / 巡察办 three times in the 巡察 speech;
    # 决战决胜 and 巡察整改 likewise are one unit of the speeches.
    assert found["县委巡察办"] == (["县委", "巡察办"], 3, 1)
    assert found["决战决胜"][:2] == (["决战", "决胜"], 6)
    assert found["巡察整改"][0] == ["巡察", "整改"]
    assert found["新时代"][2] == 2  # in both speeches
    assert not NOT_TERMS & found.keys()
    # Each of them does occur often enough: the step refused them on their scores and edges.
    text = "".join(s.text for pd in docs for s in pd.sentences)
    assert all(text.count(t) >= new_terms.MIN_FREQUENCY for t in NOT_TERMS)

    # Every row: above the floors, ranked by score, not already a token, dated by its first document.
    assert _rows(
        db,
        """SELECT count(*) FROM new_terms
           WHERE frequency < ? OR pmi < ? OR least(left_entropy, right_entropy) < ?
              OR abs(score - ln(1 + frequency) * pmi * least(left_entropy, right_entropy)) > 0.01
              OR term <> array_to_string(parts, '') OR run_id <> 'run2'
              OR term IN (SELECT word FROM doc_terms)""",
        [new_terms.MIN_FREQUENCY, new_terms.MIN_PMI, new_terms.MIN_ENTROPY],
    ) == [(0,)]
    ranks = _rows(db, "SELECT rank, score FROM new_terms ORDER BY rank")
    assert [r for r, _ in ranks] == list(range(1, len(ranks) + 1))
    assert [s for _, s in ranks] == sorted((s for _, s in ranks), reverse=True)
    xuncha = docs[1].doc.doc_id
    assert _rows(db, "SELECT first_seen, first_doc_id FROM new_terms WHERE term = '县委巡察办'") == [
        (datetime(2024, 4, 18), xuncha)
    ]
    assert _rows(db, "SELECT first_seen FROM new_terms WHERE term = '新时代'") == [(datetime(2024, 3, 5),)]


def test_refresh_replaces_the_table_whole(db: Path) -> None:
    refresh_new_terms(db, "run2")
    first = _rows(db, "SELECT * EXCLUDE (run_id) FROM new_terms ORDER BY rank")
    refresh_new_terms(db, "run3")
    assert _rows(db, "SELECT * EXCLUDE (run_id) FROM new_terms ORDER BY rank") == first
    assert _rows(db, "SELECT DISTINCT run_id FROM new_terms") == [("run3",)]


def test_exported_dictionary_keeps_the_terms_whole(db: Path, tmp_path: Path) -> None:
    refresh_new_terms(db, "run2")
    top = top_new_terms(db, 5)
    assert [t.term for t in top] == [
        r[0] for r in _rows(db, "SELECT term FROM new_terms ORDER BY rank LIMIT 5")
    ]
    assert top_new_terms(db, 100, min_documents=2) == [t for t in top_new_terms(db, 100) if t.documents >= 2]
    path = tmp_path / "new_terms.txt"
    path.write_text(user_dict_text(top_new_terms(db, 20), str(db)), encoding="utf-8")
    entries = load_user_dict(path)  # the `# ` header is skipped
    assert ("县委巡察办", 1000, "nt") in entries and len(entries) == len(top_new_terms(db, 20))

    sentence = "县委巡察办要把巡察整改作为决战决胜的重要抓手。"
    for engine in ("jieba", "rjieba"):
        before = [w for w, _ in get_segmenter(SegmentConfig(engine=engine)).tag(sentence)]
        after = [
            w for w, _ in get_segmenter(SegmentConfig(engine=engine, user_dicts=(str(path),))).tag(sentence)
        ]
        assert "县委巡察办" not in before and "巡察整改" not in before, engine
        assert after[:2] == ["县委巡察办", "要"], engine
        assert "巡察整改" in after and "决战决胜" in after, engine


def test_export_frequency_follows_our_dictionary_and_header_says_where_from() -> None:
    assert [export_frequency(t) for t in ("政务服务", "区数据局", "巡察办", "创文")] == [1000, 1000, 300, 200]
    text = user_dict_text(
        [NewTerm("区数据局", ["区", "数据", "局"], "n", 3, 1, 10.7)],
        "data/wenji.duckdb",
        datetime(2024, 6, 1, tzinfo=UTC),
    )
    assert (
        text.splitlines()[0]
        == "# wenji new terms: the top 1 of new_terms in data/wenji.duckdb, 2024-06-01 00:00 UTC."
    )
    assert text.splitlines()[-1] == "区数据局 1000 n"
