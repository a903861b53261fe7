"""The `wenji` command: every command has help, `query` is read-only, `extract` works on saved pages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from wenji.flows.cli import main
from wenji.tasks.db import migrate, open_db

SAMPLE_SITE = Path(__file__).resolve().parents[2] / "examples" / "site"
SEED_HTML = SAMPLE_SITE / "fanwen" / "qihuashu" / "2024032901.html"


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_has_help(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert main.commands[command].help and len(main.commands[command].help) > 20


def test_query_is_read_only_and_formats(db_path: Path) -> None:
    with open_db(db_path) as con:
        migrate(con)
        con.execute(
            "INSERT INTO errors VALUES ('r1', 'http://a/1', 'fetch', 'fetch_http_500', '服务器错误', now())"
        )
    runner = CliRunner()
    as_json = runner.invoke(
        main, ["query", "--db", str(db_path), "--format", "json", "SELECT url, message FROM errors"]
    )
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.output) == [{"url": "http://a/1", "message": "服务器错误"}]
    as_csv = runner.invoke(
        main, ["query", "--db", str(db_path), "--format", "csv", "SELECT stage, kind FROM errors"]
    )
    assert as_csv.output.splitlines() == ["stage,kind", "fetch,fetch_http_500"]
    table = runner.invoke(main, ["query", "--db", str(db_path), "SELECT message FROM errors"])
    assert "服务器错误" in table.output and "(1 row)" in table.output
    write = runner.invoke(main, ["query", "--db", str(db_path), "DELETE FROM errors"])
    assert write.exit_code != 0 and "read-only" in write.output.lower()


def test_query_without_database_says_what_to_do(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["query", "--db", str(tmp_path / "none.duckdb"), "SELECT 1"])
    assert result.exit_code != 0
    assert "wenji run" in result.output


def test_extract_splits_the_seed_page_without_database_or_prefect(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["extract", str(SEED_HTML)])
    assert result.exit_code == 0, result.output
    page = json.loads(result.output)
    assert [d["title"] for d in page["documents"]] == [
        "在决胜全国文明城市誓师大会上的讲话",
        "在听取巡察组巡察情况汇报会上的讲话",
    ]
    assert page["published_at"] == "2024-03-29T01:55:14"
    assert "誓师" in page["tags"]
    text = "\n".join(d["text"] for d in page["documents"])
    assert "迫在眉睫" in text and "相关热词搜索" not in text
    assert not list(tmp_path.iterdir())


def test_extract_reports_a_binary_file(tmp_path: Path) -> None:
    fake = tmp_path / "scan.html"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
    result = CliRunner().invoke(main, ["extract", str(fake)])
    assert result.exit_code == 1
    assert "scan.html" in result.output


def test_terms_export_says_what_to_do_on_a_database_without_new_terms(tmp_path: Path) -> None:
    old = tmp_path / "old.duckdb"
    with open_db(old) as con:
        migrate(con, upto=4)  # a release before new_terms
    result = CliRunner().invoke(main, ["terms", "export", "--db", str(old), "-o", str(tmp_path / "d.txt")])
    assert result.exit_code == 1
    assert "no new_terms table yet: run `wenji run` or `wenji reprocess`" in result.output
    assert not (tmp_path / "d.txt").exists()
    missing = CliRunner().invoke(
        main, ["terms", "export", "--db", str(tmp_path / "no.duckdb"), "-o", "x.txt"]
    )
    assert missing.exit_code == 1 and "no.duckdb" in missing.output
