"""Atomic batches: a loader killed with SIGKILL at random points leaves only whole batches behind, and
loading again completes the work with no row lost and none duplicated.

A real child process (`_load_child.py`) loads real Chinese batches into a DuckDB file; the parent kills it
at a random moment, reopens the file and checks, with SQL, that every batch is either complete (all its
pages, documents, paragraphs, sentences, keywords and errors) or absent.
"""

from __future__ import annotations

import pickle
import random
import time
from pathlib import Path

import pytest
from _corpus import TABLES, batch_run_id, expected_rows, make_batch
from _loader_process import LoaderProcess

from wenji.tasks.db import HOLD_SECONDS, migrate, open_db

pytestmark = pytest.mark.slow

N_BATCHES = 12
N_KILLS = 30
# One batch loads in about 0.15 s here; killing within 0.6 s of `ready` lands before, inside and between
# transactions, and between the inserts of one transaction.
MAX_KILL_DELAY = 0.6


def _rows_per_batch(db_path: Path) -> dict[str, dict[str, int]]:
    with open_db(db_path, read_only=True) as con:
        return {
            t: dict(con.execute(f"SELECT run_id, count(*) FROM {t} GROUP BY run_id").fetchall())
            for t in TABLES
        }


def _duplicate_keys(db_path: Path) -> int:
    with open_db(db_path, read_only=True) as con:
        return sum(
            con.execute(f"SELECT count(*) - count(DISTINCT ({key})) FROM {table}").fetchone()[0]
            for table, key in (
                ("pages", "page_id"),
                ("documents", "doc_id"),
                ("paragraphs", "doc_id, paragraph_no"),
                ("sentences", "doc_id, sentence_no"),
                ("keywords", "doc_id, method, rank"),
            )
        )


def _present_batches(db_path: Path, expected: dict[str, int]) -> set[int]:
    """Batches found in the database; fails if any batch is there only in part."""
    rows = _rows_per_batch(db_path)
    present = set()
    for batch_no in range(N_BATCHES):
        found = {t: rows[t].get(batch_run_id(batch_no), 0) for t in TABLES}
        assert found in (expected, dict.fromkeys(TABLES, 0)), f"batch {batch_no} is partial: {found}"
        if found == expected:
            present.add(batch_no)
    return present


# None: a connection per batch. HOLD_SECONDS: as in a run, one connection across batches, so most kills
# land while committed batches are only in the write-ahead log, not yet checkpointed into the file.
@pytest.mark.parametrize("hold", [None, HOLD_SECONDS], ids=["connection-per-batch", "held-connection"])
def test_sigkill_during_load_never_leaves_a_partial_batch(tmp_path: Path, hold: float | None) -> None:
    batches = [make_batch(n) for n in range(N_BATCHES)]
    expected = expected_rows(batches[0])
    assert all(expected_rows(b) == expected for b in batches)
    batches_file = tmp_path / "batches.pickle"
    batches_file.write_bytes(pickle.dumps(batches))
    db_path = tmp_path / "wenji.duckdb"
    with open_db(db_path) as con:
        migrate(con)

    rng = random.Random(20240329)
    present: set[int] = set()
    killed_mid_batch = 0
    for _ in range(N_KILLS):
        missing = [n for n in range(N_BATCHES) if n not in present]
        # Missing batches first (fresh inserts), then loaded ones again (replacements) get killed too.
        child = LoaderProcess(db_path, batches_file, missing + sorted(present), hold=hold)
        assert child.ready.wait(timeout=30), "the loader child did not start"
        time.sleep(rng.uniform(0, MAX_KILL_DELAY))
        child.kill()
        committed, begun = child.numbers("commit"), child.numbers("begin")
        killed_mid_batch += len(begun - committed)

        now = _present_batches(db_path, expected)
        assert committed | present <= now, "a committed batch was lost"
        assert now <= committed | present | begun, "a batch appeared that was never loaded"
        assert _duplicate_keys(db_path) == 0
        present = now

    assert killed_mid_batch >= N_KILLS // 3, "too few kills landed inside a batch to mean anything"

    # Re-running the loader completes the work: every batch, each exactly once.
    child = LoaderProcess(db_path, batches_file, list(range(N_BATCHES)), hold=hold)
    child.finish()
    assert _present_batches(db_path, expected) == set(range(N_BATCHES))
    assert _duplicate_keys(db_path) == 0
    with open_db(db_path, read_only=True) as con:
        totals = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
        # The text survived byte for byte: Chinese in, the same Chinese out.
        titles = {r[0] for r in con.execute("SELECT DISTINCT title FROM documents").fetchall()}
    assert totals == {t: n * N_BATCHES for t, n in expected.items()}
    assert titles == set(batches[0].tables["documents"].column("title").to_pylist())
