"""Child process for the kill tests: load pickled batches into a DuckDB file, saying what it does.

    python _load_child.py DB_PATH BATCHES.pickle 3,4,5,0,1 [PAUSE_SECONDS [HOLD_SECONDS]]

prints `ready`, then `begin N` before and `commit N` after each `load_batch`, flushed at once, so the
parent knows which batches were committed when it kills this process. PAUSE_SECONDS between batches
stand for the fetch of the next batch. With HOLD_SECONDS the batches load as in a run: under
`holding`, one connection kept across batches and closed every HOLD_SECONDS.
"""

from __future__ import annotations

import pickle
import sys
import time
from contextlib import nullcontext

from wenji.tasks.db import holding
from wenji.tasks.store import load_batch


def main(db_path: str, batches_file: str, order: str, pause: str = "0", hold: str = "") -> None:
    with open(batches_file, "rb") as f:
        batches = pickle.load(f)
    with holding(db_path, float(hold)) if hold else nullcontext():
        print("ready", flush=True)
        for batch_no in (int(n) for n in order.split(",") if n):
            print(f"begin {batch_no}", flush=True)
            load_batch(db_path, batches[batch_no])
            print(f"commit {batch_no}", flush=True)
            time.sleep(float(pause))


if __name__ == "__main__":
    main(*sys.argv[1:6])
