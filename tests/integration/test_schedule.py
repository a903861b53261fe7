"""Against a real `prefect server start`: a served interval schedule runs the flow, a hand-triggered run of
the on-demand deployment honours its parameters, and prefect.yaml deploys.

The server, `wenji serve` and `prefect deploy` are subprocesses with their own PREFECT_HOME and
PREFECT_API_URL; this process talks to the server through `temporary_settings`, so the session's
temporary server (conftest `prefect_api`) is left alone. The server is stopped whatever happens.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from _prefect_server import BIN, free_port, prefect_server, stop, tail

from wenji.flows.assets import table_asset
from wenji.tasks.db import open_db
from wenji.tasks.site_server import serve

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE_SITE = REPO_ROOT / "examples" / "site"
RUN_TIMEOUT = 150.0  # seconds for the first scheduled run: serve start, schedule, worker start, 25 pages
INTERVAL = 10  # seconds between scheduled refreshes
ONE_PAGE = "/fanwen/jianghua/1001.html"
EVENTS_TIMEOUT = 30.0  # seconds for the server to persist a completed run's events


@pytest.fixture(scope="module")
def server_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A real Prefect server on 127.0.0.1; yields the environment its clients need."""
    home = tmp_path_factory.mktemp("prefect-server-home")
    port = free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",  # else each start copies the UI bundle into PREFECT_HOME
        # Schedule and poll every second instead of every minute / ten seconds.
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "1",
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",
    }
    with prefect_server(env, port, home / "server.log"):
        yield env


def _client_settings(env: dict[str, str]):  # type: ignore[no-untyped-def]
    from prefect.settings import PREFECT_API_URL, temporary_settings

    return temporary_settings({PREFECT_API_URL: env["PREFECT_API_URL"]})


def _completed_runs(env: dict[str, str], deployment: str) -> list:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName

    with _client_settings(env), get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=[deployment]))
        )
    return [r for r in runs if r.state and r.state.is_completed()]


def _count(db: Path, sql: str) -> int:
    with open_db(db, read_only=True) as con:
        return con.execute(sql).fetchone()[0]


def test_served_schedule_and_manual_trigger(server_env: dict[str, str], tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterId,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.deployments import run_deployment

    data = tmp_path / "data"
    data.mkdir()
    with serve(SAMPLE_SITE) as base:
        config = tmp_path / "wenji.toml"
        config.write_text(
            f'sources = ["{base}/sitemap.xml"]\n'
            f'data_dir = "{data}"\ndb_path = "wenji.duckdb"\nbatch_size = 10\nworkers = 1\n'
            "[fetch]\nallow_private = true\nretries = 1\nbackoff = 0.05\n",
            encoding="utf-8",
        )
        log = tmp_path / "serve.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [str(BIN / "wenji"), "serve", "--config", str(config), "--interval", str(INTERVAL)],
                env=server_env,
                cwd=tmp_path,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            deadline = time.monotonic() + RUN_TIMEOUT
            while not _completed_runs(server_env, "daily-refresh"):
                assert proc.poll() is None, f"wenji serve exited:\n{tail(log)}"
                assert time.monotonic() < deadline, f"no scheduled run completed:\n{tail(log)}"
                time.sleep(1)
            db = data / "wenji.duckdb"
            assert _count(db, "SELECT count(*) FROM documents") >= 15
            # One summary line per finished run in serve's own output (issue 17).
            deadline = time.monotonic() + 30
            while " pages seen, " not in tail(log, 100_000):
                assert time.monotonic() < deadline, f"no summary line:\n{tail(log)}"
                time.sleep(0.5)
            line = next(x for x in tail(log, 100_000).splitlines() if " pages seen, " in x)
            assert "wenji run " in line and " done in " in line and f"database {db}" in line
            assert _count(db, "SELECT count(*) FROM runs WHERE status = 'done'") >= 1

            # An operator pauses the refresh, drops its backlog, and runs the on-demand deployment by hand.
            manual_db = tmp_path / "manual.duckdb"
            with _client_settings(server_env), get_client(sync_client=True) as client:
                daily = client.read_deployment_by_name("etl/daily-refresh")
                client.pause_deployment(daily.id)
                for waiting in client.read_flow_runs(
                    deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[daily.id])),
                    flow_run_filter=FlowRunFilter(
                        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]))
                    ),
                ):
                    client.delete_flow_run(waiting.id)
                run = run_deployment(
                    "etl/on-demand",
                    parameters={
                        "sources": [base + ONE_PAGE],
                        "config": str(config),
                        "db_path": str(manual_db),
                    },
                    timeout=RUN_TIMEOUT,
                    poll_interval=1,
                )
                artifacts = {
                    a.key
                    for a in client.read_artifacts(
                        flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.id]))
                    )
                }
            assert run.state is not None and run.state.is_completed(), f"{run.state}\n{tail(log)}"
        finally:
            stop(proc)
    with open_db(manual_db, read_only=True) as con:
        urls = con.execute("SELECT DISTINCT url FROM documents").fetchall()
        title = con.execute("SELECT title FROM documents").fetchone()[0]
    assert urls == [(base + ONE_PAGE,)]
    assert "讲话" in title
    assert artifacts >= {"wenji-run-summary", "wenji-run-stages"}
    keys = {table_asset(str(manual_db), t).key for t in ("pages", "documents", "sentences", "errors")}
    assert _materialized(server_env, keys) == keys


def _materialized(env: dict[str, str], keys: set[str]) -> set[str]:
    """Which of the asset `keys` the server recorded as materialized (the events behind the UI's lineage).

    The server persists events in batches, after the run has completed: one poll straight after the run
    saw three of the four, so this asks again until all are there or EVENTS_TIMEOUT has passed.
    """
    deadline = time.monotonic() + EVENTS_TIMEOUT
    while True:
        answer = httpx.post(
            f"{env['PREFECT_API_URL']}/events/filter",
            json={
                "filter": {
                    "event": {"name": ["prefect.asset.materialization.succeeded"]},
                    "resource": {"id": sorted(keys)},
                },
                "limit": 50,
            },
            timeout=30,
        )
        answer.raise_for_status()
        seen = {e["resource"]["prefect.resource.id"] for e in answer.json()["events"]}
        if seen >= keys or time.monotonic() > deadline:
            return seen
        time.sleep(0.5)


def test_prefect_yaml_deploys(server_env: dict[str, str]) -> None:
    """`prefect deploy --all` accepts prefect.yaml: the entrypoints load and the schedule is valid."""
    env = {**server_env}
    subprocess.run(
        [str(BIN / "prefect"), "work-pool", "create", "wenji", "--type", "process", "--overwrite"],
        env=env,
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
    )
    done = subprocess.run(
        [str(BIN / "prefect"), "--no-prompt", "deploy", "--all"],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    from prefect.client.orchestration import get_client

    with _client_settings(server_env), get_client(sync_client=True) as client:
        daily = client.read_deployment_by_name("etl/daily-refresh")
        on_demand = client.read_deployment_by_name("etl/on-demand")
    assert [(s.schedule.cron, s.schedule.timezone) for s in daily.schedules] == [
        ("0 3 * * *", "Asia/Shanghai")
    ]
    assert on_demand.schedules == []
    assert {"sources", "config", "db_path", "batch_size"} <= set(
        on_demand.parameter_openapi_schema["properties"]
    )


def test_serve_without_server_says_how_to_start_one(tmp_path: Path) -> None:
    config = tmp_path / "wenji.toml"
    config.write_text('sources = ["https://www.example.gov.cn/sitemap.xml"]\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    done = subprocess.run(
        [str(BIN / "wenji"), "serve", "--config", str(config)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "prefect server start" in done.stderr
    assert "PREFECT_API_URL=http://127.0.0.1:4200/api" in done.stderr
