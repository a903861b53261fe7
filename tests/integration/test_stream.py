"""Issue 15's acceptance from outside: the run as a stream, against real HTTP servers on loopback.

Each host is its own server on its own loopback address (127.0.0.1-127.0.0.3; Linux routes all of
127.0.0.0/8 to lo), so per-host limits and host health see three different hosts. These tests only use
the public surface: `run_etl`, the `wenji run` command, the settings and the database tables.

- a hanging host among fast ones: the fast hosts' pages are loaded while the slow host's requests are
  still waiting for their deadline;
- a host that dies mid-crawl: the run ends, every URL is loaded or explained, and the dead host's
  remaining URLs do not each wait out a timeout;
- two `wenji run`s started together on one file: one does the work, the other waits or exits naming the
  run that holds the file; the tables equal one run's;
- `run_stats` counts equal the `errors` and `documents` counts of the run.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import fields
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import pytest
from db_checks import TABLES_PER_RUN, assert_run_stats_agree, table_counts

from wenji.tasks.db import open_db
from wenji.tasks.settings import FetchConfig, Settings, load_settings, with_fetch
from wenji.tasks.site_server import Handler, Route, serve

pytestmark = pytest.mark.slow

FAST_HOSTS = ("127.0.0.1", "127.0.0.2")
SLOW_HOST = "127.0.0.3"
SPEECH = (
    "同志们：今天我们召开全市文明城市创建工作推进会，主要任务是总结前一阶段工作，分析存在的问题，"
    "部署下一阶段任务。各级各部门要提高政治站位，压实工作责任，确保各项任务落到实处。"
)


def article(n: int, where: str) -> bytes:
    """A small speech page, different for every (n, where): its own title, its own numbers."""
    paragraphs = "".join(
        f"<p>{SPEECH}这是{where}第{n}篇讲话的第{k}段，涉及第{n * 7 + k}项重点工作和{n + k}个责任单位。</p>"
        for k in range(4)
    )
    title = f"在{where}创建工作推进会上的讲话（{n}）"
    head = f"<head><meta charset='utf-8'><title>{title}</title></head>"
    return f"<html>{head}<body><h1>{title}</h1>{paragraphs}</body></html>".encode()


def page_route(n: int, where: str, delay: float = 0.0) -> Route:
    return Route(200, {"Content-Type": "text/html; charset=utf-8"}, article(n, where), delay)


class Stall:
    """Handlers that read the request and then never answer, until `release()` (at the test's end)."""

    def __init__(self) -> None:
        self._released = threading.Event()

    def handler(self, h: BaseHTTPRequestHandler) -> None:
        self._released.wait()

    def release(self) -> None:
        self._released.set()


@contextmanager
def hosts(routes_by_host: dict[str, dict[str, Route | Handler]]) -> Iterator[dict[str, str]]:
    """One server per loopback address; yields {host: base URL}."""
    with ExitStack() as stack:
        yield {
            host: stack.enter_context(serve(routes=routes, host=host))
            for host, routes in routes_by_host.items()
        }


def loopback_settings(db_path: Path, **fetch: object) -> Settings:
    settings = load_settings(None, db_path=str(db_path), batch_size=5)
    return with_fetch(settings, allow_private=True, connect_timeout=2.0, retries=0, backoff=0.01, **fetch)


def interleave(*lists: list[str]) -> list[str]:
    out = []
    for i in range(max(len(x) for x in lists)):
        out += [x[i] for x in lists if i < len(x)]
    return out


def host_of(url: str) -> str:
    return urlsplit(url).hostname or ""


def run_row(db_path: Path) -> tuple[str, float, float, str]:
    """(run_id, started_at, finished_at as epoch seconds, status) of the latest run."""
    with open_db(db_path, read_only=True) as con:
        run_id, started, finished, status = con.execute(
            "SELECT run_id, started_at, finished_at, status FROM runs ORDER BY started_at DESC LIMIT 1"
        ).fetchone()
    return run_id, started.timestamp(), finished.timestamp(), status


# A separate process (DuckDB lets one process open a file one way at a time): every POLL_SECONDS it opens
# the database read-only for a moment, counts the rows of `pages` whose URL starts with one of the given
# prefixes, and prints (wall time, count) whenever the count changes; it stops at the target count.
POLLER = """
import json, sys, time
import duckdb
db, target, deadline, prefixes = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4:]
where = " OR ".join("url LIKE ?" for _ in prefixes)
last = -1
while time.time() < deadline:
    try:
        con = duckdb.connect(db, read_only=True)
        try:
            sql = f"SELECT count(*) FROM pages WHERE {where}"
            (count,) = con.execute(sql, [p + "%" for p in prefixes]).fetchone()
        finally:
            con.close()
    except duckdb.Error:  # not created yet, or the run holds it right now
        count = last
    if count != last:
        print(json.dumps([time.time(), count]), flush=True)
        last = count
    if count >= target:
        break
    time.sleep(0.1)
"""


@contextmanager
def polling(db_path: Path, target: int, prefixes: list[str], seconds: float) -> Iterator[list[list[float]]]:
    """Yields a list that holds, after the block, the poller's (time, count) observations."""
    seen: list[list[float]] = []
    proc = subprocess.Popen(
        [sys.executable, "-c", POLLER, str(db_path), str(target), str(time.time() + seconds), *prefixes],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        yield seen
    finally:
        try:
            out, _ = proc.communicate(timeout=seconds)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        seen += [json.loads(line) for line in out.splitlines() if line.strip()]


# --- a. a hanging host among fast ones -------------------------------------------------------------

# fetch.read_timeout and fetch.total_timeout: the earliest a hanging URL can give up. Generous: the first
# batches wait for the worker processes to start (Prefect and jieba imported), ~20 s on a loaded 2-core box.
HANG_TIMEOUT = 40.0


def test_fast_hosts_load_while_a_host_hangs(prefect_api: str, tmp_path: Path) -> None:
    from wenji.flows.etl import run_etl

    stall = Stall()
    per_fast_host = 20
    routes: dict[str, dict[str, Route | Handler]] = {
        host: {f"/fast/{n}.html": page_route(n, host) for n in range(per_fast_host)} for host in FAST_HOSTS
    }
    routes[SLOW_HOST] = {f"/never/{n}.html": stall.handler for n in range(3)}
    db_path = tmp_path / "wenji.duckdb"
    settings = loopback_settings(db_path, read_timeout=HANG_TIMEOUT, total_timeout=HANG_TIMEOUT)
    try:
        with hosts(routes) as base:
            fast = [[f"{base[h]}{p}" for p in routes[h]] for h in FAST_HOSTS]
            hanging = [f"{base[SLOW_HOST]}{p}" for p in routes[SLOW_HOST]]
            # The hanging URLs come first and in between: in the first batch whatever the batch size.
            urls = interleave(hanging, *fast)
            n_fast = sum(len(x) for x in fast)
            with polling(db_path, n_fast, [base[h] for h in FAST_HOSTS], seconds=HANG_TIMEOUT + 40) as seen:
                summary = run_etl(urls, settings)
    finally:
        stall.release()
    assert summary.status == "done"
    _, started, _, _ = run_row(db_path)

    with open_db(db_path, read_only=True) as con:
        loaded = {r[0] for r in con.execute("SELECT url FROM pages").fetchall()}
        errors = {r[0]: r[1:] for r in con.execute("SELECT url, stage, kind FROM errors").fetchall()}
        last_fast_fetch = con.execute(
            "SELECT max(fetched_at) FROM pages WHERE url LIKE ? OR url LIKE ?",
            [f"{base[h]}%" for h in FAST_HOSTS],
        ).fetchone()[0]
    assert loaded >= {u for x in fast for u in x}
    assert set(errors) == set(hanging)
    assert {stage for stage, _ in errors.values()} == {"fetch"}, errors

    # No hanging request can have given up before started_at + HANG_TIMEOUT (each starts after the run
    # does), so pages loaded before that moment were not held back by them.
    all_fast_seen = [t for t, count in seen if count >= n_fast]
    assert all_fast_seen, f"the poller never saw all {n_fast} fast pages in `pages`: {seen}"
    loaded_after = all_fast_seen[0] - started
    assert loaded_after < HANG_TIMEOUT, (
        f"the fast hosts' pages were all in `pages` only {loaded_after:.1f} s after the run started "
        f"(fetched by {last_fast_fetch.timestamp() - started:.1f} s), not before the hanging URLs' "
        f"{HANG_TIMEOUT:.0f} s deadline; poller saw {seen}"
    )


# --- b. a host that dies mid-crawl -----------------------------------------------------------------

DEATH_TIMEOUT = 4.0
DIES_AFTER = 8  # page requests the dying host answers; every later one hangs until the test ends
# Without host health its URLs would wait out 24 rounds of timeouts (96 s): a loaded machine's start-up
# (30 s seen at load average 5) then stays well inside the test's limit.
DYING_PAGES = 104


class DyingHost:
    """Answers its first DIES_AFTER page requests, then never again: the host went dark mid-crawl."""

    def __init__(self) -> None:
        self.stall = Stall()
        self.answered = 0
        self._lock = threading.Lock()

    def route(self, n: int) -> Handler:
        body = article(n, SLOW_HOST)

        def answer(h: BaseHTTPRequestHandler) -> None:
            with self._lock:
                alive = self.answered < DIES_AFTER
                self.answered += alive
            if not alive:
                self.stall.handler(h)
                return
            h.send_response(200)
            h.send_header("Content-Type", "text/html; charset=utf-8")
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body)

        return answer


def _has_setting(name: str) -> bool:
    return name in {f.name for f in fields(FetchConfig)}


def test_a_host_that_dies_mid_crawl_is_given_up(prefect_api: str, tmp_path: Path) -> None:
    from wenji.flows.etl import run_etl

    dying = DyingHost()
    routes: dict[str, dict[str, Route | Handler]] = {
        host: {f"/fast/{n}.html": page_route(n, host) for n in range(10)} for host in FAST_HOSTS
    }
    routes[SLOW_HOST] = {f"/dying/{n}.html": dying.route(n) for n in range(DYING_PAGES)}
    db_path = tmp_path / "wenji.duckdb"
    fetch: dict[str, object] = {"read_timeout": DEATH_TIMEOUT, "total_timeout": DEATH_TIMEOUT}
    if _has_setting("host_failure_limit"):
        fetch["host_failure_limit"] = 4  # one round of the host's 4 slots failing in a row
    settings = loopback_settings(db_path, **fetch)
    try:
        with hosts(routes) as base:
            by_host = {h: [f"{base[h]}{p}" for p in routes[h]] for h in routes}
            summary = run_etl(interleave(*by_host.values()), settings)
    finally:
        dying.stall.release()
    assert summary.status == "done"
    run_id, started, finished, _ = run_row(db_path)

    with open_db(db_path, read_only=True) as con:
        loaded = {r[0] for r in con.execute("SELECT url FROM pages").fetchall()}
        errors = dict(con.execute("SELECT url, kind FROM errors WHERE run_id = ?", [run_id]).fetchall())
    for host in FAST_HOSTS:
        assert set(by_host[host]) <= loaded, host
    dead = by_host[SLOW_HOST]
    unexplained = [u for u in dead if u not in loaded and u not in errors]
    assert not unexplained, f"{len(unexplained)} of the dead host's URLs are neither loaded nor errors"
    assert len([u for u in dead if u in loaded]) <= DIES_AFTER

    # Without host health the remaining URLs hang through the host's slots one round after another:
    # ceil(remaining / per_host_concurrency) × the timeout. Giving the host up must cost well under that.
    remaining = DYING_PAGES - DIES_AFTER
    rounds = math.ceil(remaining / settings.fetch.per_host_concurrency) * DEATH_TIMEOUT
    took = finished - started
    assert took < 0.6 * rounds, (
        f"the run took {took:.1f} s; {remaining} URLs of a dead host waiting out their timeouts through "
        f"{settings.fetch.per_host_concurrency} slots take {rounds:.0f} s; errors: "
        f"{sorted(set(errors.values()))}"
    )


# --- c. two runs started together on one file -----------------------------------------------------


def test_two_runs_on_one_file_do_the_work_once(prefect_api: str, tmp_path: Path) -> None:
    from wenji.flows.etl import run_etl

    # Slow pages (0.4 s each, 4 at a time) keep the first run busy for a while, so the two overlap.
    routes = {f"/p/{n}.html": page_route(n, "两个运行", delay=0.4) for n in range(24)}
    shared_db = tmp_path / "shared.duckdb"
    with serve(routes=routes, host=FAST_HOSTS[1]) as base:
        url_file = tmp_path / "urls.txt"
        url_file.write_text("".join(f"{base}{p}\n" for p in routes), encoding="utf-8")
        cmd = [
            str(Path(sys.executable).with_name("wenji")),
            "run",
            str(url_file),
            "--db",
            str(shared_db),
            "--allow-private",
            "--batch-size",
            "5",
        ]
        env = dict(os.environ, PREFECT_API_URL=prefect_api)  # the session's server, not two more
        procs = [
            subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for _ in range(2)
        ]
        outputs = []
        for proc in procs:
            out, _ = proc.communicate(timeout=150)
            outputs.append((proc.returncode, out))
        reference_db = tmp_path / "reference.duckdb"
        reference = load_settings(None, db_path=str(reference_db), batch_size=5)
        run_etl([str(url_file)], with_fetch(reference, allow_private=True))

    codes = [code for code, _ in outputs]
    assert 0 in codes, outputs
    con = duckdb.connect(str(shared_db), read_only=True)
    try:
        runs = con.execute("SELECT run_id, status, pages_fetched, pages_unchanged FROM runs").fetchall()
    finally:
        con.close()
    did_work = [r for r in runs if r[2] > 0]
    assert len(did_work) == 1, f"runs that fetched pages: {runs}"
    worker_id = did_work[0][0]
    for code, out in outputs:
        if code != 0:
            assert worker_id in out, f"the run that gave up does not name {worker_id}: {out[-2000:]}"
    assert table_counts(shared_db, TABLES_PER_RUN) == table_counts(reference_db, TABLES_PER_RUN)


# --- d. run_stats agrees with errors and documents ------------------------------------------------


def test_run_stats_count_what_the_tables_hold(prefect_api: str, tmp_path: Path) -> None:
    from wenji.flows.etl import run_etl

    site = tmp_path / "site"
    site.mkdir()
    for n in range(6):
        (site / f"good-{n}.html").write_bytes(article(n, "统计"))
    (site / "binary.html").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    (site / "empty.html").write_bytes(b"")
    (site / "tags-only.html").write_bytes(
        b"<html><head><title>x</title></head><body><div></div></body></html>"
    )
    db_path = tmp_path / "wenji.duckdb"
    names = [p.name for p in sorted(site.iterdir())] + ["missing.html"]  # the last one is a 404
    with serve(site, host=FAST_HOSTS[1]) as base:
        summary = run_etl([f"{base}/{name}" for name in names], loopback_settings(db_path))
    assert summary.status == "done"

    errors = assert_run_stats_agree(db_path, summary.run_id)
    assert len(errors) >= 3, errors  # 404, not HTML, empty (and extract_empty): the test means something
    assert table_counts(db_path)["documents"] >= 6
