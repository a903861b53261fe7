"""`make test` installs nothing outside .venv (issue 17): the browser test and its apt install have their own
target, which CI calls too. Checked with `make -n` (what make would run), so nothing is installed here."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _would_run(target: str) -> str:
    done = subprocess.run(
        ["make", "-n", "-W", "pyproject.toml", target],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_make_test_installs_no_system_packages() -> None:
    commands = _would_run("test")
    assert "pytest" in commands
    assert "apt-get" not in commands and "chromium" not in commands


def test_make_test_browser_may_install_chromium_and_ci_calls_it() -> None:
    assert "apt-get" in _would_run("test-browser")
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8").split()
    assert ci.index("test-browser") > ci.index("test")
