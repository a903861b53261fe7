"""The SQL package (sql/views, sql/macros, sql/reports) and `wenji export` on the sample corpus, loaded by
the real flow into a real DuckDB file once for the module."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from importlib.resources import files
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from wenji.flows.cli import main
from wenji.tasks.db import open_db
from wenji.tasks.enrich.keywords import is_placeholder, stopwords
from wenji.tasks.export import export_tables
from wenji.tasks.settings import load_settings, with_fetch
from wenji.tasks.site_server import serve

SAMPLE_SITE = Path(__file__).resolve().parents[2] / "examples" / "site"
REPORTS = sorted(p for p in files("wenji.sql").joinpath("reports").iterdir() if p.name.endswith(".sql"))
SPEECH_2 = "在听取巡察组巡察情况汇报会上的讲话"
SPEECH_1 = "在决胜全国文明城市誓师大会上的讲话"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def db(prefect_api: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from wenji.flows.etl import run_etl

    db_path = tmp_path_factory.mktemp("sql") / "wenji.duckdb"
    settings = load_settings(None, db_path=str(db_path), batch_size=8)
    settings = with_fetch(settings, allow_private=True, retries=0)
    with serve(SAMPLE_SITE) as base:
        run_etl([f"{base}/sitemap.xml"], settings)
    return db_path


def _rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with open_db(db, read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_every_view_returns_rows(db: Path) -> None:
    views = [v for (v,) in _rows(db, "SELECT view_name FROM duckdb_views() WHERE NOT internal")]
    assert set(views) >= {
        "doc_summary", "term_freq", "term_by_category", "term_by_month", "term_index", "outline_tree",
        "tokens", "tokens_content", "tfidf",
    }  # fmt: skip
    for view in views:
        assert _rows(db, f"SELECT count(*) FROM {view}")[0][0] > 0, view


def test_term_freq_top_words_are_content_words(db: Path) -> None:
    top = _rows(db, "SELECT word, pos, count, documents FROM term_freq LIMIT 30")
    words = [w for w, *_ in top]
    assert not set(words) & stopwords()
    assert all(any(ch.isalnum() for ch in w) for w in words), words
    assert not [w for w in words if is_placeholder(w)]
    assert "群众" in words  # the word of 13 of the 16 sample documents
    counts = [c for _, _, c, _ in top]
    assert counts == sorted(counts, reverse=True)
    # `count` agrees with a count over the raw token lists.
    n = sum(ws.count("群众") for (ws,) in _rows(db, "SELECT words FROM sentences"))
    assert dict((w, c) for w, _, c, _ in top if w == "群众") == {"群众": n}


def test_term_by_category_and_month_add_up_to_term_freq(db: Path) -> None:
    total = _rows(db, "SELECT sum(count) FROM term_freq")[0][0]
    assert _rows(db, "SELECT sum(count) FROM term_by_category")[0][0] == total
    dated = _rows(
        db,
        "SELECT count(*) FROM tokens_content JOIN documents USING (doc_id) WHERE published_at IS NOT NULL",
    )[0][0]
    assert _rows(db, "SELECT sum(count) FROM term_by_month")[0][0] == dated
    speeches = _rows(db, "SELECT word FROM term_by_category WHERE category = '企划书' ORDER BY rank LIMIT 5")
    assert ("巡察",) in speeches or ("创建",) in speeches


def test_kwic_centres_the_word(db: Path) -> None:
    width = 10
    rows = _rows(
        db, "SELECT left_context, word, right_context, doc_id, sentence_no, doc_char FROM kwic('文明', 10)"
    )
    sentences = {(d, n): t for d, n, t in _rows(db, "SELECT doc_id, sentence_no, text FROM sentences")}
    assert len(rows) == sum(t.count("文明") for t in sentences.values()) > 10
    texts = dict(_rows(db, "SELECT doc_id, text FROM documents"))
    for left, word, right, doc_id, sentence_no, doc_char in rows:
        assert word == "文明"
        assert len(left) == len(right) == width  # padded: the word starts in the same column on every row
        assert left.lstrip("　") + word + right.rstrip("　") in sentences[(doc_id, sentence_no)]
        assert texts[doc_id][doc_char : doc_char + 2] == "文明"
    # Matching is on text: 文明 inside the dictionary word 全国文明城市 is found too.
    assert any(left.endswith("全国") and right.startswith("城市") for left, _, right, *_ in rows)


def test_cooccur_counts_neighbours_within_the_window(db: Path) -> None:
    rows = _rows(db, "SELECT word, pos, count, documents FROM cooccur('巡察', 3)")
    assert rows and not {w for w, *_ in rows} & (stopwords() | {"巡察", "，", "。"})
    word, pos, count, _ = rows[0]
    expected = 0
    for words, tags in _rows(db, "SELECT words, pos FROM sentences WHERE list_contains(words, '巡察')"):
        anchors = [i for i, w in enumerate(words) if w == "巡察"]
        expected += sum(
            1
            for a in anchors
            for j, (w, t) in enumerate(zip(words, tags, strict=True))
            if w == word and t == pos and j != a and abs(j - a) <= 3
        )
    assert count == expected


def test_docs_with_finds_the_seed_speech_first(db: Path) -> None:
    rows = _rows(db, "SELECT title, sentences, occurrences FROM docs_with('巡察')")
    assert rows[0][0] == SPEECH_2
    assert rows[0][2] > 40 and rows[0][1] <= rows[0][2]
    assert SPEECH_1 in [t for t, *_ in rows]  # the first speech mentions 巡察 once
    assert _rows(db, "SELECT count(*) FROM docs_with('没有这个词')")[0][0] == 0


def test_doc_summary_one_row_per_document(db: Path) -> None:
    n = _rows(db, "SELECT count(*) FROM documents")[0][0]
    rows = _rows(db, "SELECT title, site, category, doc_type, keywords, copies FROM doc_summary")
    assert len(rows) == n
    by_title = {r[0]: r for r in rows}
    assert by_title[SPEECH_1][1:4] == ("127.0.0.1", "企划书", "讲话")
    assert all(r[4] for r in rows) and all(r[5] >= 1 for r in rows)


def test_outline_tree_of_the_seed_speech(db: Path) -> None:
    rows = _rows(
        db,
        "SELECT depth, label, path FROM outline_tree WHERE doc_title = ? ORDER BY heading_no",
        [SPEECH_1],
    )
    tops = [label for depth, label, _ in rows if depth == 1]
    assert [t[:6] for t in tops] == ["一、紧绷决战", "二、拼足攻坚", "三、扛牢决胜"]
    fangmian = [(label, path) for depth, label, path in rows if "个方面" in label]
    assert len(fangmian) == 5
    assert all(label.startswith("　第") and path.startswith("二、拼足攻坚") for label, path in fangmian)


def test_term_index_counts_the_terms_table(db: Path) -> None:
    index = {t: (c, d) for t, c, d in _rows(db, "SELECT term, count, documents FROM term_index")}
    assert {"三洗六见一红旗", "五个三"} <= set(index)
    raw = _rows(db, "SELECT term, sum(count), count(DISTINCT doc_id) FROM terms GROUP BY term")
    assert {t: (c, d) for t, c, d in raw} == index


def test_term_timeline_follows_each_formulation_month_by_month(db: Path) -> None:
    rows = _rows(
        db,
        "SELECT month, documents, sites, documents_so_far, sites_so_far, first_seen, first_url"
        " FROM term_timeline WHERE term = '最后一公里' ORDER BY month",
    )
    assert [r[0] for r in rows] == sorted({r[0] for r in rows}) and len(rows) >= 2
    assert [r[3] for r in rows] == [sum(r[1] for r in rows[: i + 1]) for i in range(len(rows))]
    assert all(r[4] == 1 for r in rows)  # one site: the sample site
    first_published, documents = _rows(
        db, "SELECT first_published, documents FROM term_index WHERE term = '最后一公里'"
    )[0]
    assert rows[-1][3] == documents and {r[5] for r in rows} == {first_published}
    assert _rows(
        db,
        "SELECT min(d.published_at) FROM terms JOIN documents AS d USING (doc_id)"
        " WHERE term = '最后一公里' AND d.url = ?",
        [rows[0][6]],
    ) == [(first_published,)]
    # Every formulation's last month has used all its dated documents.
    assert _rows(
        db,
        """SELECT count(*) FROM (
               SELECT term, kind, max(documents_so_far) AS n FROM term_timeline GROUP BY ALL) AS tl
           JOIN (SELECT term, kind, count(DISTINCT doc_id) AS n FROM terms JOIN documents USING (doc_id)
                 WHERE published_at IS NOT NULL GROUP BY ALL) AS t USING (term, kind)
           WHERE tl.n <> t.n""",
    ) == [(0,)]


def test_term_timeline_counts_sites_as_a_slogan_spreads(tmp_path: Path) -> None:
    from wenji.tasks.db import migrate

    path = tmp_path / "spread.duckdb"
    uses = [  # (doc, site, published): 接诉即办 starts on one site in January and reaches two more
        ("d1", "www.beijing.gov.cn", "2024-01-10"),
        ("d2", "www.beijing.gov.cn", "2024-01-20"),
        ("d3", "www.bjdch.gov.cn", "2024-02-03"),
        ("d4", "www.beijing.gov.cn", "2024-02-11"),
        ("d5", "www.bjhd.gov.cn", "2024-04-01"),
    ]
    with open_db(path) as con:
        migrate(con)
        for doc, site, day in uses:
            con.execute(
                "INSERT INTO documents (doc_id, page_id, url, part_no, title, text, n_chars, n_paragraphs,"
                " n_sentences, n_tokens, run_id, published_at)"
                " VALUES (?, ?, ?, 0, '', '', 0, 0, 0, 0, 'r', CAST(? AS TIMESTAMP))",
                [doc, doc, f"https://{site}/{doc}.html", day],
            )
            con.execute("INSERT INTO terms VALUES (?, 'quoted', '接诉即办', 1, 0, 'r')", [doc])
    rows = _rows(
        path, "SELECT month, documents, sites, documents_so_far, sites_so_far, first_url FROM term_timeline"
    )
    assert [r[:5] for r in rows] == [
        (date(2024, 1, 1), 2, 1, 2, 1),
        (date(2024, 2, 1), 2, 2, 4, 2),
        (date(2024, 4, 1), 1, 1, 5, 3),
    ]
    assert {r[5] for r in rows} == {"https://www.beijing.gov.cn/d1.html"}


def test_sql_placeholder_pattern_matches_python() -> None:
    con = duckdb.connect()
    con.execute(files("wenji.sql").joinpath("macros", "is_placeholder.sql").read_text(encoding="utf-8"))
    for word in ("X", "XX", "20XX", "ＸＸ", "××", "某某", "○○", "第X", "文明", "XXL", "Xi", "2024", "X同志"):
        assert con.execute("SELECT is_placeholder(?)", [word]).fetchone()[0] == is_placeholder(word), word


@pytest.mark.parametrize("report", REPORTS, ids=lambda p: p.name)
def test_report_runs_with_wenji_query(db: Path, report) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(main, ["query", "--db", str(db), "--file", str(report), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert len(result.output.strip().splitlines()) >= 2, f"{report.name} returned no rows"


def test_reports_run_on_a_plain_duckdb_connection(db: Path) -> None:
    """Views and macros live in the file: a Python without wenji on its path runs every report."""
    script = (
        "import duckdb, sys\n"
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        "for f in sys.argv[2:]:\n"
        "    print(f, len(con.execute(open(f, encoding='utf-8').read()).fetchall()))\n"
    )
    out = subprocess.run(
        [sys.executable, "-I", "-c", script, str(db), *map(str, REPORTS)],
        capture_output=True,
        text=True,
        check=True,
        cwd="/",
    ).stdout
    counts = dict(line.rsplit(" ", 1) for line in out.splitlines())
    assert len(counts) == len(REPORTS) and all(int(n) > 0 for n in counts.values()), counts


def test_export_parquet_partitions_large_tables_by_site(db: Path, tmp_path: Path) -> None:
    exported = {t.table: t for t in export_tables(db, tmp_path / "pq", "parquet")}
    tables = {
        t
        for (t,) in _rows(
            db, "SELECT table_name FROM information_schema.tables WHERE table_type='BASE TABLE'"
        )
    }
    assert set(exported) == tables
    assert {t for t, e in exported.items() if e.partitioned} == {"documents", "paragraphs", "sentences"}
    assert (tmp_path / "pq" / "sentences" / "site=127.0.0.1").is_dir()
    con = duckdb.connect()
    for name, e in exported.items():
        pattern = f"{e.path}/**/*.parquet" if e.partitioned else e.path
        assert con.execute(f"SELECT count(*) FROM read_parquet('{pattern}')").fetchone()[0] == e.rows, name
        assert e.rows == _rows(db, f'SELECT count(*) FROM "{name}"')[0][0]
    titles = con.execute(
        f"SELECT title FROM read_parquet('{tmp_path}/pq/documents/**/*.parquet', hive_partitioning = true) "
        "WHERE site = '127.0.0.1'"
    ).fetchall()
    assert (SPEECH_1,) in titles


def test_export_command_csv(db: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["export", "--db", str(db), "--format", "csv", str(tmp_path / "csv")])
    assert result.exit_code == 0, result.output
    con = duckdb.connect()
    n = con.execute(f"SELECT count(*) FROM read_csv('{tmp_path}/csv/documents.csv')").fetchone()[0]
    assert n == _rows(db, "SELECT count(*) FROM documents")[0][0]
    assert "sentences" in result.output
