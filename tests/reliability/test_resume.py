"""Resume: a `wenji run` killed after some batches committed is resumed by the next run over the same
sources, which does not request the pages already loaded and ends with the same tables as a clean run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from _corpus import TABLES, make_batch
from _site import CountingSite

from wenji.tasks.db import open_db
from wenji.tasks.runstats import RunStats
from wenji.tasks.settings import Settings, load_settings, with_fetch
from wenji.tasks.store import finish_run, load_batch, resume_point, start_run

SOURCES = ["https://www.reliability-demo.gov.cn/sitemap.xml"]


def _load_as(db_path: Path, run_id: str, batch_no: int) -> None:
    load_batch(db_path, make_batch(batch_no, run_id))


def test_resume_point_is_what_unfinished_runs_loaded_since_the_last_finished_one(db_path: Path) -> None:
    settings = Settings(db_path=str(db_path))
    assert resume_point(db_path, SOURCES) is None  # no database yet

    start_run(db_path, "done-1", SOURCES, settings)
    _load_as(db_path, "done-1", 0)
    finish_run(db_path, "done-1", RunStats(), "done", 1.0)
    assert resume_point(db_path, SOURCES) is None  # the last run finished: nothing to resume

    start_run(db_path, "killed-2", SOURCES, settings)  # never finished: killed
    _load_as(db_path, "killed-2", 1)
    start_run(db_path, "failed-3", SOURCES, settings)
    _load_as(db_path, "failed-3", 2)
    finish_run(db_path, "failed-3", RunStats(), "failed", 1.0)
    start_run(db_path, "other-sources", ["https://elsewhere.example/"], settings)

    point = resume_point(db_path, SOURCES)
    assert point is not None and point.run_ids == ["killed-2", "failed-3"]
    with open_db(db_path, read_only=True) as con:
        expected = {
            r[0]
            for r in con.execute("SELECT url FROM pages WHERE run_id IN ('killed-2', 'failed-3')").fetchall()
        }
    assert point.loaded_urls == expected and len(expected) == 2 * make_batch(0).rows("pages")
    assert not any("/b000/" in url for url in point.loaded_urls)  # the finished run's pages are not skipped

    start_run(db_path, "done-4", SOURCES, settings)
    finish_run(db_path, "done-4", RunStats(), "done", 1.0)
    assert resume_point(db_path, SOURCES) is None


def _wenji_run(db_path: Path, source: str, prefect_api: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PREFECT_API_URL": prefect_api, "PYTHONUNBUFFERED": "1"}
    args = ["run", source, "--db", str(db_path), "--allow-private", "--batch-size", "3", "--workers", "1"]
    return subprocess.Popen(
        [sys.executable, "-m", "wenji.flows.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,  # the worker processes are killed with it
    )


def _kill_after(proc: subprocess.Popen[str], marker: str, timeout: float) -> str:
    """Read the run's output until `marker` appears, then SIGKILL its whole process group."""
    seen: list[str] = []
    found = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            seen.append(line)
            if marker in line:
                found.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    ok = found.wait(timeout)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    reader.join(timeout=5)
    assert ok, "the run never loaded a batch:\n" + "".join(seen)
    return "".join(seen)


def _content(db_path: Path) -> dict[str, object]:
    """Everything a run produced except run ids and times."""
    with open_db(db_path, read_only=True) as con:
        return {
            "counts": {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES},
            "pages": sorted(con.execute("SELECT url, content_hash, n_documents FROM pages").fetchall()),
            "documents": sorted(con.execute("SELECT doc_id, title, text FROM documents").fetchall()),
            "sentences": con.execute(
                "SELECT md5(string_agg(doc_id || sentence_no || text || array_to_string(words, ' '), '|' "
                "ORDER BY doc_id, sentence_no)) FROM sentences"
            ).fetchone(),
            "errors": sorted(con.execute("SELECT url, stage, kind FROM errors").fetchall()),
        }


@pytest.mark.slow
def test_killed_run_resumes_without_refetching_loaded_pages(prefect_api: str, tmp_path: Path) -> None:
    from wenji.flows.etl import run_etl

    site = CountingSite(delay=0.25)
    with site.serving() as base:
        source = f"{base}/sitemap.xml"
        db_path = tmp_path / "resumed.duckdb"
        _kill_after(_wenji_run(db_path, source, prefect_api), "batch 1 loaded", timeout=90)
        at_kill = site.snapshot()
        with open_db(db_path, read_only=True) as con:
            [(killed_run, status)] = con.execute("SELECT run_id, status FROM runs").fetchall()
            loaded = [r[0] for r in con.execute("SELECT url FROM pages").fetchall()]
        assert status == "running" and 3 <= len(loaded) < 24
        loaded_paths = {url.removeprefix(base) for url in loaded}

        second = _wenji_run(db_path, source, prefect_api)
        output, _ = second.communicate(timeout=120)
        assert second.returncode == 0, output
        assert f"resuming: the last run over these sources ({killed_run}" in output
        assert f"{len(loaded)} pages it loaded are not fetched again" in output
        refetched = {p: n for p, n in (site.snapshot() - at_kill).items() if p in loaded_paths}
        assert refetched == {}, f"loaded pages were requested again: {refetched}"
        assert set(site.snapshot() - at_kill) == set(site.hits) - loaded_paths  # every other page was

        clean_db = tmp_path / "clean.duckdb"
        settings = load_settings(None, db_path=str(clean_db), batch_size=3, workers=1)
        run_etl([source], with_fetch(settings, allow_private=True))

    assert _content(db_path) == _content(clean_db)
    with open_db(db_path, read_only=True) as con:
        statuses = dict(con.execute("SELECT run_id, status FROM runs").fetchall())
    assert statuses[killed_run] == "running" and sorted(statuses.values()) == ["done", "running"]
