"""`reprocess`: the stored raw pages go through extract → load again, with no network; rows are replaced."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from wenji.flows.cli import main
from wenji.tasks.db import open_db
from wenji.tasks.segment import load_user_dict
from wenji.tasks.settings import load_settings, with_fetch
from wenji.tasks.site_server import serve

pytestmark = pytest.mark.slow

SAMPLE_SITE = Path(__file__).resolve().parents[2] / "examples" / "site"
TABLES = ("pages", "documents", "paragraphs", "sentences", "keywords", "errors")
STALE = "\n相关热词搜索：讲话稿 心得体会 工作总结"  # boilerplate an older cleaning rule let through
NEW_WORD = "创文工作"  # in the sample speeches, split in two by the default dictionaries


def _counts(db: Path) -> dict[str, int]:
    with open_db(db, read_only=True) as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def test_reprocess_applies_new_rules_without_network(prefect_api: str, tmp_path: Path) -> None:
    from wenji.flows.etl import run_etl, run_reprocess

    db = tmp_path / "wenji.duckdb"
    settings = load_settings(None, db_path=str(db), batch_size=8)
    settings = with_fetch(settings, allow_private=True, retries=0)
    with serve(SAMPLE_SITE) as base:
        first = run_etl([f"{base}/sitemap.xml"], settings)
    # The site is gone now: whatever follows reads only the database.
    before = _counts(db)
    with open_db(db) as con:
        con.execute("UPDATE documents SET text = text || ?", [STALE])
        split_before = con.execute(
            "SELECT count(*) FROM sentences WHERE contains(text, ?) AND NOT list_contains(words, ?)",
            [NEW_WORD, NEW_WORD],
        ).fetchone()[0]
    assert split_before > 0

    user_dict = tmp_path / "words.txt"
    user_dict.write_text(f"{NEW_WORD} 100000 n\n", encoding="utf-8")
    new_rules = replace(settings, segment=replace(settings.segment, user_dicts=(str(user_dict),)))
    again = run_reprocess(new_rules)

    assert _counts(db) == before
    assert again.counts.pages_seen == before["pages"] and again.counts.documents == first.counts.documents
    with open_db(db, read_only=True) as con:
        stale = con.execute("SELECT count(*) FROM documents WHERE contains(text, '相关热词搜索')").fetchone()
        split_after = con.execute(
            "SELECT count(*) FROM sentences WHERE contains(text, ?) AND NOT list_contains(words, ?)",
            [NEW_WORD, NEW_WORD],
        ).fetchone()[0]
        as_token = con.execute(
            "SELECT count(*) FROM sentences WHERE list_contains(words, ?)", [NEW_WORD]
        ).fetchone()[0]
        run_ids = {
            t: {r[0] for r in con.execute(f"SELECT DISTINCT run_id FROM {t}").fetchall()}
            for t in ("pages", "documents", "sentences", "keywords")
        }
        runs = con.execute("SELECT run_id, status FROM runs ORDER BY started_at").fetchall()
    assert stale == (0,)
    assert split_after == 0 and as_token >= split_before
    assert all(ids == {again.run_id} for ids in run_ids.values()), run_ids
    assert runs == [(first.run_id, "done"), (again.run_id, "done")]

    later = run_reprocess(settings, since=datetime.now(UTC) + timedelta(days=1))
    assert later.counts.pages_seen == 0 and _counts(db) == before


def test_reprocess_cli_refuses_a_missing_database(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["reprocess", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 2
    assert "no database at" in result.output


def test_new_terms_from_a_run_change_segmentation_on_reprocess(prefect_api: str, tmp_path: Path) -> None:
    """A normal run fills new_terms (its cost on the summary and in run_stats); `wenji terms export`
    writes them as a dictionary, and reprocessing with it keeps them whole."""
    from wenji.flows.etl import run_etl, run_reprocess, summary_markdown

    db = tmp_path / "wenji.duckdb"
    settings = with_fetch(load_settings(None, db_path=str(db)), allow_private=True, retries=0)
    with serve(SAMPLE_SITE) as base:
        first = run_etl([f"{base}/sitemap.xml"], settings)
    with open_db(db, read_only=True) as con:
        found = con.execute("SELECT count(*) FROM new_terms WHERE run_id = ?", [first.run_id]).fetchone()[0]
        stats = dict(
            con.execute(
                "SELECT name, value FROM run_stats"
                " WHERE run_id = ? AND stage = 'load' AND name LIKE 'new_terms%'",
                [first.run_id],
            ).fetchall()
        )
        top_terms = [w for (w,) in con.execute("SELECT word FROM term_freq LIMIT 20").fetchall()]
        one_char = con.execute("SELECT count(*) FROM term_freq WHERE word IN ('新', '好', '要')").fetchone()[
            0
        ]
    # Single characters are no content words (新, 好 were 8th and 12th of the demo corpus's term_freq).
    assert len(top_terms) == 20 and all(len(w) > 1 for w in top_terms) and one_char == 0
    assert found >= 20 and first.new_terms == found == stats["new_terms"]
    # Small next to the run: a fraction of a second on the sample site.
    assert stats["new_terms_seconds"] == pytest.approx(first.corpus_seconds["new_terms"])
    assert 0 < stats["new_terms_seconds"] < first.seconds / 4
    assert "… load: new_terms" in summary_markdown(first)

    out = tmp_path / "new_terms.txt"
    result = CliRunner().invoke(main, ["terms", "export", "--db", str(db), "--top", "20", "-o", str(out)])
    assert result.exit_code == 0, result.output
    terms = [w for w, _, _ in load_user_dict(out)]
    assert len(terms) == 20 and "区数据局" in terms and "政务服务" in terms

    def split(term: str) -> int:  # sentences holding the term's text without the term as a token
        with open_db(db, read_only=True) as con:
            return con.execute(
                "SELECT count(*) FROM sentences WHERE contains(text, ?) AND NOT list_contains(words, ?)",
                [term, term],
            ).fetchone()[0]

    before = {t: split(t) for t in terms}
    assert all(n > 0 for n in before.values()), before
    with_terms = replace(settings, segment=replace(settings.segment, user_dicts=(str(out),)))
    again = run_reprocess(with_terms)
    after = {t: split(t) for t in terms}
    assert after["区数据局"] == 0
    assert (
        after["政务服务"] <= 1 < before["政务服务"]
    )  # left: 省 / 政务 / 服务网 (政务服务网: 服务网 is a word)
    assert sum(after.values()) <= sum(before.values()) // 10, after  # nearly every use is now one token
    with open_db(db, read_only=True) as con:
        still_new = {
            r[0]
            for r in con.execute("SELECT term FROM new_terms WHERE run_id = ?", [again.run_id]).fetchall()
        }
    assert not still_new & {"区数据局", "政务服务"}  # tokens now, so no longer new
