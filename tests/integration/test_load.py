"""The loader against a real DuckDB file: migrations, atomic batches, replacement instead of duplication."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from wenji.tasks import db as dbmod
from wenji.tasks.records import (
    Doc,
    ErrorRecord,
    Keyword,
    Page,
    PageMeta,
    ProcessedDoc,
    Sentence,
    content_hash,
)
from wenji.tasks.settings import Settings
from wenji.tasks.store import load_batch, start_run, stored_state
from wenji.tasks.tables import to_tables

URL = "https://www.example.gov.cn/xxgk/2024/0329/1.html"
BODY = "<html><body><p>在决胜全国文明城市誓师大会上的讲话</p></body></html>".encode("gb18030")


def _page(body: bytes = BODY) -> Page:
    return Page(
        url=URL,
        final_url=URL,
        status=200,
        content_type="text/html",
        body=body,
        text=body.decode("gb18030"),
        encoding="gb18030",
        encoding_source="meta",
        bad_bytes=0,
        content_hash=content_hash(body),
        fetched_at=datetime.now(UTC),
    )


def _doc(part_no: int, title: str, text: str) -> ProcessedDoc:
    meta = PageMeta(
        url=URL,
        title="誓师大会讲话",
        published_at=datetime(2024, 3, 29, 1, 55, 14),
        category_path=["范文大全", "讲话稿"],
        tags=["誓师", "决胜"],
        site_name="博文范文网",
        language="zh",
    )
    doc = Doc(url=URL, part_no=part_no, title=title, paragraphs=["同志们:", text], meta=meta)
    words = ["决胜", "全国文明城市"]
    sent = Sentence(
        paragraph_no=1, sentence_no=0, start=4, end=4 + len(text), text=text, words=words, pos=["v", "nz"]
    )
    return ProcessedDoc(doc=doc, sentences=[sent], keywords=[Keyword("全国文明城市", 1.5, "tfidf")])


def _counts(path: Path) -> dict[str, int]:
    with dbmod.open_db(path, read_only=True) as con:
        tables = ["pages", "documents", "paragraphs", "sentences", "keywords", "errors"]
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


def test_migrate_is_idempotent_and_records_versions(db_path: Path) -> None:
    with dbmod.open_db(db_path) as con:
        first = dbmod.migrate(con)
        second = dbmod.migrate(con)
        versions = con.execute("SELECT version, name FROM schema_version ORDER BY version").fetchall()
    assert first and first[0] == "001_initial.sql"
    assert second == []
    assert versions[0] == (1, "001_initial.sql")


# In a process of its own, as `wenji run` is: DuckDB's default depends on what stdout is (pytest's capture
# turns it off).
PROGRESS_BAR_SETTINGS = """
import sys
import duckdb
from wenji.tasks.db import holding, open_db
setting = "SELECT current_setting('enable_progress_bar')"
with duckdb.connect() as bare:
    print("bare", bare.execute(setting).fetchone()[0])
with open_db(sys.argv[1]) as con:
    print("writer", con.execute(setting).fetchone()[0])
with holding(sys.argv[1]), open_db(sys.argv[1]) as cur:
    print("held", cur.execute(setting).fetchone()[0])
"""


def test_a_writer_draws_no_progress_bar(db_path: Path) -> None:
    """DuckDB prints a progress bar for queries past 2 s even without a terminal; a run's slow corpus
    steps must not put one into its log, through a connection of its own or the held writer's cursor."""
    done = subprocess.run(
        [sys.executable, "-c", PROGRESS_BAR_SETTINGS, str(db_path)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    # bare: what DuckDB does on its own, so the test means something.
    assert done.stdout.split() == ["bare", "True", "writer", "False", "held", "False"]


def test_corpus_steps_get_their_limits_and_writers_theirs_again(db_path: Path) -> None:
    def limits(con: duckdb.DuckDBPyConnection) -> tuple[str, int]:
        return con.execute("SELECT current_setting('memory_limit'), current_setting('threads')").fetchone()

    with dbmod.holding(db_path), dbmod.open_db(db_path) as con:
        writer = limits(con)
        # `other`: another cursor of the held connection
        with dbmod.corpus_step_limits(con), dbmod.open_db(db_path) as other:
            raised = limits(other)
        assert limits(con) == writer
    # 256 MB and 1 GB, in MiB; one thread while loading beside the workers, one per core after them
    assert writer[0].startswith("244") and raised[0].startswith("953")
    assert writer[1] == dbmod.WRITER_THREADS == 1 and raised[1] == os.cpu_count()


def test_migrate_refuses_an_applied_file_that_changed(db_path: Path) -> None:
    with dbmod.open_db(db_path) as con:
        dbmod.migrate(con)
        con.execute("UPDATE schema_version SET checksum = 'edited' WHERE version = 1")
        with pytest.raises(dbmod.SchemaError, match="changed after it was applied"):
            dbmod.migrate(con)


def test_loading_the_same_page_twice_replaces_rows(db_path: Path) -> None:
    start_run(db_path, "run1", [URL], Settings())
    batch = to_tables(
        "run1", [_page()], [_doc(0, "讲话一", "迫在眉睫。"), _doc(1, "讲话二", "查办线索。")], [], [URL]
    )
    load_batch(db_path, batch)
    once = _counts(db_path)
    load_batch(db_path, to_tables("run2", [_page()], [_doc(0, "讲话一", "迫在眉睫。")], []))
    twice = _counts(db_path)
    assert once == {"pages": 1, "documents": 2, "paragraphs": 4, "sentences": 2, "keywords": 2, "errors": 0}
    # The changed page now has one document: the second one's rows are gone, nothing duplicated.
    assert twice == {"pages": 1, "documents": 1, "paragraphs": 2, "sentences": 1, "keywords": 1, "errors": 0}
    with dbmod.open_db(db_path, read_only=True) as con:
        row = con.execute("SELECT title, category_path, tags, text FROM documents").fetchone()
        tokens = con.execute("SELECT word, pos, position FROM tokens ORDER BY position").fetchall()
    assert row == ("讲话一", ["范文大全", "讲话稿"], ["誓师", "决胜"], "同志们:\n迫在眉睫。")
    assert tokens == [("决胜", "v", 0), ("全国文明城市", "nz", 1)]
    stored = stored_state(db_path, [URL, "https://unknown.example/"])
    assert list(stored) == [URL] and stored[URL].content_hash == content_hash(BODY)


def test_errors_are_replaced_when_the_url_is_handled_again(db_path: Path) -> None:
    start_run(db_path, "run1", [URL], Settings())
    err = ErrorRecord(URL, "fetch", "fetch_http_500", "the server answered 500")
    load_batch(db_path, to_tables("run1", [], [], [err]))
    load_batch(db_path, to_tables("run2", [], [], [err]))
    assert _counts(db_path)["errors"] == 1
    load_batch(db_path, to_tables("run3", [_page()], [_doc(0, "讲话一", "迫在眉睫。")], []))
    assert _counts(db_path)["errors"] == 0  # the page now loads: its old error is gone


def test_a_failing_batch_leaves_the_database_as_it_was(db_path: Path) -> None:
    start_run(db_path, "run1", [URL], Settings())
    load_batch(db_path, to_tables("run1", [_page()], [_doc(0, "讲话一", "迫在眉睫。")], []))
    before = _counts(db_path)
    bad = to_tables("run2", [_page(b"<p>changed</p>")], [_doc(0, "讲话一", "城市品质。")], [])
    # Two rows with the same doc_id violate the primary key after the deletes have run inside the transaction.
    bad.tables["documents"] = pa.concat_tables([bad.tables["documents"], bad.tables["documents"]])
    with pytest.raises(duckdb.ConstraintException):
        load_batch(db_path, bad)
    assert _counts(db_path) == before
    with dbmod.open_db(db_path, read_only=True) as con:
        assert con.execute("SELECT text FROM documents").fetchone()[0] == "同志们:\n迫在眉睫。"


def test_unchanged_page_keeps_its_extract_errors_but_not_its_fetch_errors(db_path: Path) -> None:
    start_run(db_path, "run1", [URL], Settings())
    extract_err = ErrorRecord(URL, "extract", "extract_empty", "no main text")
    load_batch(db_path, to_tables("run1", [_page()], [], [extract_err]))
    load_batch(db_path, to_tables("run2", [], [], [ErrorRecord(URL, "fetch", "fetch_timeout", "timed out")]))
    assert _counts(db_path)["errors"] == 1  # the fetch error replaced the extract error: the URL was handled
    load_batch(db_path, to_tables("run3", [_page()], [], [extract_err]))
    load_batch(db_path, to_tables("run4", [], [], [], unchanged_urls=[URL]))
    with dbmod.open_db(db_path, read_only=True) as con:
        assert con.execute("SELECT stage, kind FROM errors").fetchall() == [("extract", "extract_empty")]


def test_corpus_tables_are_stale_only_after_an_unfinished_run(db_path: Path) -> None:
    from wenji.tasks.runstats import RunStats
    from wenji.tasks.store import corpus_stale, finish_run

    start_run(db_path, "run1", [URL], Settings())
    assert not corpus_stale(db_path, "run1")  # a run never counts itself
    finish_run(db_path, "run1", RunStats(), "done", 1.0)
    start_run(db_path, "run2", [URL], Settings())  # killed: stays `running`
    start_run(db_path, "run3", [URL], Settings())
    assert corpus_stale(db_path, "run3")
    finish_run(db_path, "run3", RunStats(), "done", 1.0)
    start_run(db_path, "run4", [URL], Settings())
    assert not corpus_stale(db_path, "run4")  # run3 finished after run2 and refreshed the corpus tables


OTHER_PROCESS_READS = (
    "import sys, duckdb\n"
    "try:\n"
    "    duckdb.connect(sys.argv[1], read_only=True).close()\n"
    "except duckdb.IOException:\n"
    "    sys.exit(3)\n"
)


def _other_process_can_read(path: Path) -> bool:
    result = subprocess.run([sys.executable, "-c", OTHER_PROCESS_READS, str(path)], timeout=60)
    return result.returncode == 0


def test_a_held_connection_serves_the_batches_and_lets_readers_in_once_due(db_path: Path) -> None:
    start_run(db_path, "r1", ["test"], Settings())
    batch = to_tables("r1", [_page()], [_doc(0, "关于城市管理的讲话", "同志们：城市管理迫在眉睫。")], [], [])
    with dbmod.holding(db_path, seconds=1.5):
        load_batch(db_path, batch)
        with dbmod.open_db(db_path) as con:
            # The batch is visible to the process's next use, through the same connection.
            assert con.execute("SELECT title FROM documents").fetchall() == [("关于城市管理的讲话",)]
        assert not _other_process_can_read(db_path), "the file was released before its hold was due"
        # Released by its timer, although nobody uses the connection any more (a run waiting on a site).
        deadline = time.monotonic() + 10
        while not _other_process_can_read(db_path):
            assert time.monotonic() < deadline, "a held connection was never released"
            time.sleep(0.2)
    assert _counts(db_path)["documents"] == 1
