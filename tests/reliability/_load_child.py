"""Child process for the kill tests: load pickled batches into a DuckDB file, saying what it does.

    python _load_child.py DB_PATH BATCHES.pickle 3,4,5,0,1 [PAUSE_SECONDS]

prints `ready`, then `begin N` before and `commit N` after each `load_batch`, flushed at once, so the
parent knows which batches were committed when it kills this process. PAUSE_SECONDS between batches
stand for the fetch of the next batch, during which a real run leaves the file to readers.
"""

from __future__ import annotations

import pickle
import sys
import time

from wenji.tasks.load import load_batch


def main(db_path: str, batches_file: str, order: str, pause: str = "0") -> None:
    with open(batches_file, "rb") as f:
        batches = pickle.load(f)
    print("ready", flush=True)
    for batch_no in (int(n) for n in order.split(",") if n):
        print(f"begin {batch_no}", flush=True)
        load_batch(db_path, batches[batch_no])
        print(f"commit {batch_no}", flush=True)
        time.sleep(float(pause))


if __name__ == "__main__":
    main(*sys.argv[1:5])
