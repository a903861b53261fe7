"""Shared fixtures. Prefect gets its own home in a temp folder, set before anything imports prefect."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_PREFECT_HOME = tempfile.mkdtemp(prefix="wenji-test-prefect-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ.pop("PREFECT_API_URL", None)  # tests never talk to a developer's own server

from wenji.flows.runtime import quiet_prefect  # noqa: E402

quiet_prefect()

import pytest  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_SITE = REPO_ROOT / "examples" / "site"
SEED_PAGE = REPO_ROOT.parent / "shared" / "seeds" / "fanwen_speeches_page.txt"


@pytest.fixture(scope="session")
def prefect_api() -> str:
    """One temporary Prefect server for the whole session, shared by the flow and its worker processes."""
    from wenji.flows.runtime import prefect_backend

    with prefect_backend() as url:
        yield url


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "wenji.duckdb"
