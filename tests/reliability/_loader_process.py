"""The parent side of `_load_child.py`: start a loader process, read what it says, kill it."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from pathlib import Path

CHILD = Path(__file__).with_name("_load_child.py")


class LoaderProcess:
    """A loader process and the lines it printed, read on a thread so the pipe never fills."""

    def __init__(
        self,
        db_path: Path,
        batches_file: Path,
        order: list[int],
        pause: float = 0.0,
        hold: float | None = None,
    ):
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(CHILD),
                str(db_path),
                str(batches_file),
                ",".join(map(str, order)),
                str(pause),
                "" if hold is None else str(hold),
            ],
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self.ready = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.strip())
            if line.strip() == "ready":
                self.ready.set()

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self._reader.join(timeout=5)

    def finish(self) -> None:
        assert self.proc.wait(timeout=60) == 0
        self._reader.join(timeout=5)

    def numbers(self, word: str) -> set[int]:
        return {int(line.split()[1]) for line in self.lines if line.startswith(f"{word} ")}
