"""Operating wenji as its users do (issue 17), with real processes: `wenji` subprocesses, a real
`prefect server start` configured through a Prefect profile, a second process holding the database.

Each check asserts the exit status, the message, and that no traceback is printed. Every subprocess gets
its own PREFECT_HOME and no PREFECT_API_URL, so nothing here talks to a developer's server or profile.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from _prefect_server import BIN, free_port, prefect_server, stop
from db_checks import table_counts

from wenji.flows.cli import (
    EXIT_DATABASE,
    EXIT_FAILED,
    EXIT_PREFECT,
    EXIT_SYSTEM,
    EXIT_USAGE,
    expected_failure,
)
from wenji.tasks.db import open_db

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE_SITE = REPO_ROOT / "examples" / "site"
SAVED_PAGES = SAMPLE_SITE / "fanwen" / "jianghua"  # a folder of saved pages: no network needed
# Well above the ~0.4 s measured for a refused source (Python start-up and imports included), well below
# the 9-17 s of a Prefect start-up that the refusal must come before.
REFUSAL_SECONDS = 2.0
# A configured server that is down is found by one refused connection, not by Prefect's ~10 s of retries.
SERVER_DOWN_SECONDS = 8.0


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env.pop("WENJI_DEBUG", None)
    home.mkdir(parents=True, exist_ok=True)
    return {**env, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


def wenji(
    args: list[str], env: dict[str, str], cwd: Path | None = None, timeout: float = 240
) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = subprocess.run(
        [str(BIN / "wenji"), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
    )
    return done, time.monotonic() - started


def assert_no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stdout + done.stderr, done.stdout[-3000:] + done.stderr[-3000:]


# --- 1. the demo run twice --------------------------------------------------------------------------


def test_demo_twice_changes_no_row_count_but_the_runs(tmp_path: Path) -> None:
    env, db = _env(tmp_path / "prefect"), tmp_path / "demo.duckdb"
    first, _ = wenji(["demo", "--db", str(db)], env)
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-2000:]
    after_first = table_counts(db)
    second, _ = wenji(["demo", "--db", str(db)], env)
    assert second.returncode == 0, second.stdout[-2000:] + second.stderr[-2000:]
    after_second = table_counts(db)
    assert_no_traceback(second)
    assert after_first["pages"] == 25 and after_first["documents"] == 17
    assert after_second.pop("runs") == after_first.pop("runs") + 1
    # run_stats holds one row per counter of each run: the second run's counters are its own rows.
    assert after_second.pop("run_stats") > after_first.pop("run_stats")
    assert after_second == after_first
    assert "| pages unchanged | 25 |" in second.stdout
    # Two different ports served the two runs, and the pages are stored under their public URLs.
    ports = {
        line.split(" at ")[1].split(";")[0]
        for line in (first.stdout + second.stdout).splitlines()
        if line.startswith("Serving ")
    }
    assert len(ports) == 2
    with open_db(db, read_only=True) as con:
        hosts = con.execute("SELECT DISTINCT site_of(url) FROM pages").fetchall()
    assert hosts == [("www.fanwen-demo.cn",)]


# --- 2. Prefect's own configuration ------------------------------------------------------------------


@pytest.fixture
def profile_server(tmp_path: Path) -> Iterator[tuple[dict[str, str], str, subprocess.Popen[bytes]]]:
    """A real `prefect server start` on loopback, named only by the profile (`prefect config set`)."""
    env = _env(tmp_path / "prefect-home")
    env["PREFECT_UI_ENABLED"] = "false"
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    subprocess.run(
        [str(BIN / "prefect"), "config", "set", f"PREFECT_API_URL={api}"],
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    with prefect_server(env, port, tmp_path / "server.log") as proc:
        yield env, api, proc


def test_the_profile_names_the_server_and_a_down_server_is_one_message(
    profile_server: tuple[dict[str, str], str, subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    env, api, proc = profile_server
    assert "PREFECT_API_URL" not in env
    db = tmp_path / "w.duckdb"
    done, _ = wenji(["run", str(SAVED_PAGES), "--db", str(db)], env)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "temporary server" not in done.stdout + done.stderr
    runs = httpx.post(f"{api}/flow_runs/filter", json={}, timeout=10).json()
    assert [r["state_type"] for r in runs if r["name"]] == ["COMPLETED"]

    stop(proc)
    down, seconds = wenji(["run", str(SAVED_PAGES), "--db", str(db)], env)
    assert down.returncode == EXIT_PREFECT, down.stdout + down.stderr
    assert api in down.stderr
    assert "prefect server start" in down.stderr
    assert "prefect config unset PREFECT_API_URL" in down.stderr
    assert len(down.stderr.strip().splitlines()) == 2
    assert_no_traceback(down)
    assert seconds < SERVER_DOWN_SECONDS

    serve_config = tmp_path / "wenji.toml"
    serve_config.write_text(f'sources = ["{SAVED_PAGES}"]\n', encoding="utf-8")
    # The saved pages lie outside the config's data_dir: trusted explicitly, as an operator would.
    served, _ = wenji(["serve", "--config", str(serve_config), "--trust-config-paths"], env)
    assert served.returncode == EXIT_PREFECT and api in served.stderr
    assert_no_traceback(served)

    debug, _ = wenji(["--debug", "run", str(SAVED_PAGES), "--db", str(db)], env)
    assert debug.returncode != 0 and "Traceback" in debug.stderr


# --- 3. sources checked before anything starts, and a run that loaded nothing -----------------------


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("no/such/folder", "neither an http(s) URL nor an existing file or folder"),
        ("https://exa mple.cn/sitemap.xml", "is no host name"),
        ("https://www.example.cn:99999/", "is no valid URL"),
        ("www.example.cn/sitemap.xml", "a URL needs http:// or https://"),
        ("ftp://www.example.cn/a.html", "ftp:// is not supported"),
    ],
)
def test_a_bad_source_fails_at_once_with_exit_2(source: str, words: str, tmp_path: Path) -> None:
    done, seconds = wenji(
        ["run", source, "--db", str(tmp_path / "w.duckdb")], _env(tmp_path / "p"), cwd=tmp_path
    )
    assert done.returncode == EXIT_USAGE
    assert done.stderr.strip().splitlines() == [f"wenji: source {done.stderr.split('source ', 1)[1].strip()}"]
    assert words in done.stderr
    assert_no_traceback(done)
    assert seconds < REFUSAL_SECONDS
    assert not (tmp_path / "w.duckdb").exists()


def test_no_sources_and_a_bad_config_are_one_line_and_exit_2(tmp_path: Path) -> None:
    env = _env(tmp_path / "p")
    empty, _ = wenji(["run", "--db", str(tmp_path / "w.duckdb")], env)
    assert empty.returncode == EXIT_USAGE and empty.stderr.startswith("wenji: no sources")
    config = tmp_path / "wenji.toml"
    config.write_text("workers = 'two'\n", encoding="utf-8")
    bad, _ = wenji(["run", str(SAVED_PAGES), "--config", str(config)], env)
    assert bad.returncode == EXIT_USAGE
    assert bad.stderr.strip() == "wenji: configuration: workers: expected int, got 'two'"
    assert_no_traceback(bad)


def test_a_run_where_every_page_failed_exits_1_and_shows_the_errors(tmp_path: Path) -> None:
    """Also issue 17 item 5: a host that does not answer is reported as unreachable, with no advice to
    turn robots.txt off."""
    port = free_port()  # nothing listens there
    url = f"http://127.0.0.1:{port}/fanwen/1.html"
    done, _ = wenji(["run", url, "--allow-private", "--db", str(tmp_path / "w.duckdb")], _env(tmp_path / "p"))
    assert done.returncode == EXIT_FAILED, done.stdout[-2000:] + done.stderr[-2000:]
    assert f"  {url}\n    fetch_robots_unreachable: " in done.stdout
    assert "the host 127.0.0.1 cannot be reached" in done.stdout
    assert "respect_robots" not in done.stdout
    assert "wenji: nothing was loaded: every source or page failed (1 error, above)" in done.stderr
    assert_no_traceback(done)


# --- 4. expected failures: one message, a non-zero exit -----------------------------------------------


def test_a_database_held_by_another_process_is_one_message(tmp_path: Path) -> None:
    db = tmp_path / "held.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(db)!r}); print('held', flush=True); "
            "time.sleep(600)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        done, _ = wenji(["run", str(SAVED_PAGES), "--db", str(db)], _env(tmp_path / "p"))
    finally:
        holder.kill()
        holder.wait(10)
    assert done.returncode == EXIT_DATABASE, done.stdout[-2000:] + done.stderr[-2000:]
    # Prefect's progress lines go to stderr too; the failure is said once, in wenji's one line.
    said = [line for line in done.stderr.splitlines() if line.startswith("wenji:")]
    assert said == [line for line in said if line.startswith(f"wenji: {db} is held by another process")]
    assert len(said) == 1
    assert "Finished in state Failed" not in done.stdout + done.stderr  # said once, by wenji
    assert_no_traceback(done)


def test_a_database_folder_that_cannot_be_created_is_one_message(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        parent = Path("/sys/wenji-test")  # sysfs refuses new folders, even to root
        if parent.exists() or not Path("/sys/class").is_dir():
            pytest.skip("no sysfs: no folder root cannot create")
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        parent = locked / "data"
    done, seconds = wenji(["run", str(SAVED_PAGES), "--db", str(parent / "w.duckdb")], _env(tmp_path / "p"))
    assert done.returncode == EXIT_USAGE
    assert done.stderr.startswith(f"wenji: database {parent / 'w.duckdb'}: cannot create the folder")
    assert_no_traceback(done)
    assert seconds < REFUSAL_SECONDS


@pytest.mark.parametrize(
    ("exc", "code", "words"),
    [
        (
            OSError(errno.ENOSPC, "No space left on device", "data/wenji.duckdb.wal"),
            EXIT_SYSTEM,
            "the disk is full",
        ),
        (
            PermissionError(errno.EACCES, "Permission denied", "data/wenji.duckdb"),
            EXIT_SYSTEM,
            "permission denied",
        ),
        (RuntimeError("in a task"), None, None),
    ],
)
def test_machine_states_are_expected_failures_and_bugs_are_not(
    exc: BaseException, code: int | None, words: str | None
) -> None:
    """Disk full and permission errors as they reach the CLI, raised from inside a flow (chained)."""
    try:
        try:
            raise exc
        except BaseException as inner:
            raise RuntimeError("Flow run encountered an exception") from inner
    except RuntimeError as outer:
        failure = expected_failure(outer)
    if code is None:
        assert failure is None
    else:
        assert failure is not None and failure.code == code and words in failure.message
        assert exc.filename in failure.message  # type: ignore[attr-defined]


def test_duckdb_io_errors_of_a_full_disk_are_expected() -> None:
    import duckdb

    failure = expected_failure(
        duckdb.IOException('IO Error: Could not write file "x.duckdb.wal": No space left on device')
    )
    assert (
        failure is not None and failure.code == EXIT_SYSTEM and failure.message.startswith("the disk is full")
    )


# --- 5. advice that matches the cause ----------------------------------------------------------------


def test_the_private_address_refusal_names_the_flag_and_the_setting() -> None:
    from wenji.tasks.addresses import address_problem

    problem = address_problem("127.0.0.1", 80, allow_private=False)
    assert problem is not None
    assert "--allow-private" in problem and "fetch.allow_private = true" in problem
    assert address_problem("127.0.0.1", 80, allow_private=True) is None


def test_robots_advice_depends_on_why_robots_txt_failed() -> None:
    from wenji.tasks.fetch_messages import robots_unreachable

    down = robots_unreachable(
        "http://a.cn/1.html", "http://a.cn/robots.txt", "fetch_connection_error", "a.cn"
    )
    assert "the host a.cn cannot be reached" in down and "respect_robots" not in down
    slow = robots_unreachable("http://a.cn/1.html", "http://a.cn/robots.txt", "fetch_timeout", "a.cn")
    assert "does not answer" in slow and "respect_robots" not in slow
    busy = robots_unreachable("http://a.cn/1.html", "http://a.cn/robots.txt", "fetch_http_503", "a.cn")
    assert "RFC 9309" in busy and "fetch.respect_robots = false" in busy
