"""One writer run per database: the lock beside the file, against a real second process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from wenji.tasks.db import RunLockedError, writer_lock

HOLDER = """
import sys, time
from wenji.tasks.db import writer_lock
with writer_lock(sys.argv[1], "first-run"):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _holder(db_path: Path, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db_path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_run_stops_at_once_naming_the_holder(tmp_path: Path) -> None:
    db_path = tmp_path / "wenji.duckdb"
    holder = _holder(db_path, 30)
    try:
        started = time.monotonic()
        with pytest.raises(RunLockedError) as err, writer_lock(db_path, "second-run"):
            pytest.fail("the second run got the lock while the first held it")
        assert time.monotonic() - started < 2
        assert f"wenji run first-run (pid {holder.pid})" in str(err.value) and "--wait" in str(err.value)
    finally:
        holder.kill()
        holder.wait()


def test_a_waiting_run_starts_when_the_first_finishes(tmp_path: Path) -> None:
    db_path = tmp_path / "wenji.duckdb"
    holder = _holder(db_path, 1.5)
    started = time.monotonic()
    told: list[str] = []
    with writer_lock(db_path, "second-run", wait_seconds=30, on_wait=told.append):
        assert time.monotonic() - started > 1.0  # it got in only once the first let go
    assert holder.wait(timeout=10) == 0
    assert len(told) == 1 and "first-run" in told[0]


def test_a_killed_run_leaves_no_lock_behind(tmp_path: Path) -> None:
    db_path = tmp_path / "wenji.duckdb"
    holder = _holder(db_path, 30)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    with writer_lock(db_path, "after-the-kill"):  # kill -9 drops the kernel's lock with the process
        pass
