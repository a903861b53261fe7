"""`reprocess`: the stored raw pages go through extract → load again, with no network; rows are replaced."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from wenji.flows.cli import main
from wenji.tasks.db import open_db
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
