"""`wenji report`: the HTML is self-contained, escapes page text, and renders its charts in a real headless
Chromium (Debian's package; `make test` installs it when missing)."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from wenji.flows.cli import main
from wenji.tasks.db import open_db
from wenji.tasks.report import QUERIES, ReportData, Rows, query_report_data, render_html
from wenji.tasks.settings import load_settings, with_fetch
from wenji.tasks.site_server import serve

SAMPLE_SITE = Path(__file__).resolve().parents[2] / "examples" / "site"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
)
EVIL = "<script>alert(1)</script>"
CHART_IDS = (
    "chart-top-terms",
    "chart-term-trends",
    "chart-slogan-spread",
    "chart-categories",
    "chart-outline-depth",
    "chart-errors",
)


def _data_with(title: str) -> ReportData:
    empty = {k: Rows([], []) for k in QUERIES}
    return ReportData(
        db_path="/tmp/x.duckdb",
        generated_at=datetime(2024, 5, 1, tzinfo=UTC),
        results={
            **empty,
            "overview": Rows(["documents"], [(1,)]),
            "top_terms": Rows(["word", "pos", "count", "documents"], [(title, "n", 3, 1)]),
            "duplicates": Rows(
                ["group_id", "title", "copies", "sites", "min_similarity"], [("g", title, 2, 2, 0.9)]
            ),
            "documents": Rows(["title", "keywords"], [(title, [title, "文明"])]),
        },
    )


def test_page_text_is_escaped_everywhere() -> None:
    html = render_html(_data_with(EVIL), plotly_js="/* plotly */")
    assert EVIL not in html and "alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the documents table shows it as text
    # Chart labels travel as JSON inside <script>: '<' is escaped there too.
    assert html.count("<script") == 1 + sum(1 for _ in re.finditer(r"Plotly\.newPlot", html))


def test_empty_sections_say_so() -> None:
    html = render_html(_data_with("标题"), plotly_js="")
    assert html.count("No rows.") == 5  # trends, spread, categories, outline depth, errors


def test_most_copied_bars_are_copies_so_a_one_site_corpus_shows_them() -> None:
    # Two groups of copies on one site: a bar of sites would be 1 and 1; the bars are the copies.
    rows = Rows(
        ["group_id", "title", "copies", "sites", "min_similarity"],
        [("g", "在全市创文动员大会上的讲话", 3, 1, 0.9), ("h", "在巡察工作动员会上的讲话", 2, 1, 0.8)],
    )
    html = render_html(
        replace(_data_with("标题"), results={**_data_with("标题").results, "duplicates": rows}), ""
    )
    chart = html[html.index('id="chart-duplicates"') :]
    assert '"x":[2,3]' in chart
    assert "在全市创文动员大会上的讲话（1 site）" in chart and "copies (documents in the group)" in chart


@pytest.fixture(scope="module")
def db(prefect_api: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from wenji.flows.etl import run_etl

    db_path = tmp_path_factory.mktemp("report") / "wenji.duckdb"
    settings = load_settings(None, db_path=str(db_path), batch_size=8)
    settings = with_fetch(settings, allow_private=True, retries=0)
    with serve(SAMPLE_SITE) as base:
        run_etl([f"{base}/sitemap.xml", f"{base}/no-such-page.html"], settings)
    # A page whose title is markup: it must reach the report as text.
    with open_db(db_path) as con:
        con.execute("UPDATE documents SET title = ? WHERE part_no = 1", [EVIL])
    return db_path


@pytest.mark.slow
def test_report_command_writes_a_self_contained_file(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["report", "--db", str(db), "--out", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert not re.search(r"""<script[^>]+src=|<link[^>]+href=["']?https?:""", html)  # nothing fetched
    assert "Plotly" in html and len(html) > 1_000_000  # plotly.js inlined
    assert EVIL not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    data = query_report_data(db)
    assert "群众" in data.results["top_terms"].col("word")
    assert ("fetch", "fetch_http_404", 1) in data.results["errors"].rows


@pytest.mark.slow
def test_report_renders_in_headless_chromium(db: Path, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (`make chromium` installs Debian's package)")
    out = tmp_path / "report.html"
    CliRunner().invoke(main, ["report", "--db", str(db), "--out", str(out)])
    profile = tmp_path / "chromium-profile"
    run = subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=5000", "--dump-dom",
         out.as_uri()],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    dom = run.stdout
    for chart in CHART_IDS:
        # plotly.js replaces each empty chart <div> with its rendered <svg class="main-svg">.
        block = dom[dom.index(f'id="{chart}"') :][:20_000]
        assert 'class="main-svg"' in block, f"{chart} was not rendered"
    assert EVIL not in dom and "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    console_errors = [line for line in run.stderr.splitlines() if "Uncaught" in line or "CONSOLE(" in line]
    assert console_errors == []
    shot = tmp_path / "report.png"
    subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--window-size=1200,3800",
         "--virtual-time-budget=5000", f"--screenshot={shot}", out.as_uri()],
        capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    assert shot.stat().st_size > 50_000  # a page of charts, not a blank one
