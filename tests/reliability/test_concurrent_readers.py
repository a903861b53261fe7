"""Concurrent readers: while a writer loads batch after batch, `wenji query` sees whole batches only; when
a run holds the file too long, the reader is told which run holds it and since when."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from _corpus import expected_rows, make_batch
from _loader_process import LoaderProcess
from click.testing import CliRunner

from wenji.flows.cli import main
from wenji.tasks.db import describe_holder, migrate, open_db, write_run_marker

N_BATCHES = 10
WRITER_PAUSE = 0.3
SNAPSHOT_SQL = (
    "SELECT (SELECT count(*) FROM pages) AS pages, (SELECT count(*) FROM sentences) AS sentences, "
    "(SELECT count(*) FROM keywords) AS keywords, (SELECT count(DISTINCT run_id) FROM pages) AS batches"
)


# A held writer connection is closed this often in the test (a run: HOLD_SECONDS).
TEST_HOLD_SECONDS = 0.3


# Without a hold the file is free between loads; with one (as in a run) it is free after each release,
# even though the writer loads batch after batch and is never idle long.
@pytest.mark.slow
@pytest.mark.parametrize(
    ("pause", "hold"), [(WRITER_PAUSE, None), (0.1, TEST_HOLD_SECONDS)], ids=["connection-per-batch", "held"]
)
def test_reader_sees_whole_batches_while_a_writer_loads(
    tmp_path: Path, pause: float, hold: float | None
) -> None:
    batches = [make_batch(n) for n in range(N_BATCHES)]
    per_batch = expected_rows(batches[0])
    batches_file = tmp_path / "batches.pickle"
    batches_file.write_bytes(pickle.dumps(batches))
    db_path = tmp_path / "wenji.duckdb"
    with open_db(db_path) as con:
        migrate(con)

    # The pause stands for fetching the next batch.
    writer = LoaderProcess(db_path, batches_file, list(range(N_BATCHES)), pause=pause, hold=hold)
    runner = CliRunner()
    snapshots = []
    while writer.proc.poll() is None:
        result = runner.invoke(main, ["query", "--db", str(db_path), "--format", "json", SNAPSHOT_SQL])
        assert result.exit_code == 0, result.output
        snapshots.append(json.loads(result.output)[0])
    writer.finish()

    during = [s for s in snapshots if 0 < s["batches"] < N_BATCHES]
    assert len(during) >= 3, f"the reader was locked out while the writer ran: {snapshots}"
    for s in snapshots:  # a consistent snapshot holds whole batches only
        b = s["batches"]
        assert (s["pages"], s["sentences"], s["keywords"]) == (
            b * per_batch["pages"],
            b * per_batch["sentences"],
            b * per_batch["keywords"],
        )
    assert [s["batches"] for s in snapshots] == sorted(s["batches"] for s in snapshots)


HOLDER = textwrap.dedent(
    """
    import sys, time
    from datetime import UTC, datetime
    from wenji.tasks.db import connect, write_run_marker
    con = connect(sys.argv[1])
    con.execute("BEGIN")
    write_run_marker(sys.argv[1], "run-holding-it", datetime(2024, 3, 29, 9, 30, tzinfo=UTC))
    print("holding", flush=True)
    time.sleep(60)
    """
)


def test_query_names_the_run_holding_the_database(tmp_path: Path) -> None:
    db_path = tmp_path / "wenji.duckdb"
    with open_db(db_path) as con:
        migrate(con)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(db_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        started = time.monotonic()
        result = CliRunner().invoke(main, ["query", "--db", str(db_path), "--wait", "1", "SELECT 1"])
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code != 0
    assert f"held by wenji run run-holding-it (pid {holder.pid}), started at 2024-03-29T09:30:00+00:00" in (
        result.output
    )
    assert 1 <= waited < 5


def test_a_stale_marker_is_named_as_such(tmp_path: Path) -> None:
    db_path = tmp_path / "wenji.duckdb"
    assert "no other wenji run is writing it" in describe_holder(db_path)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    write_run_marker(db_path, "killed-run", datetime(2024, 3, 29, tzinfo=UTC))
    marker = json.loads(Path(f"{db_path}.run.json").read_text(encoding="utf-8"))
    marker["pid"] = gone.pid  # the run that wrote it was killed
    Path(f"{db_path}.run.json").write_text(json.dumps(marker), encoding="utf-8")
    assert f"run killed-run, pid {gone.pid}" in describe_holder(db_path)
    assert "no longer running" in describe_holder(db_path)
