"""`wenji serve`: the deployments of prefect.yaml, served with their schedules from one process.

For users without a work pool and workers: `prefect.serve` registers the deployments with the configured
Prefect server, polls it for due runs and runs them in subprocesses of this process. The deployments are
the same as in prefect.yaml (`etl/daily-refresh` on a cron schedule, `etl/on-demand` without one), with
the config file's path as their parameter, so scheduled and hand-triggered runs read the same settings.

Prefect's temporary server (what `wenji run` starts when none is configured) lives only as long as one
command and has no scheduler worth the name, so serving against it would silently never run anything:
`require_server()` refuses instead and says how to start a real one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from wenji.tasks.settings import Settings

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment

DAILY = "daily-refresh"
ON_DEMAND = "on-demand"

NO_SERVER = """\
No Prefect server is configured (PREFECT_API_URL is not set in the environment, the Prefect profile or
prefect.toml). Prefect cannot schedule runs on the temporary server that `wenji run` starts for one command.
Start a server and point Prefect at it, then run `wenji serve` again:

    prefect server start                      # UI at http://127.0.0.1:4200
    prefect config set PREFECT_API_URL=http://127.0.0.1:4200/api
"""


class NoServerError(RuntimeError):
    """No Prefect server is configured."""


def require_server() -> str:
    """The configured Prefect API URL (as Prefect reads its settings), once it answers its health check.

    NoServerError when none is configured; `runtime.PrefectUnavailable` when it does not answer.
    """
    from wenji.flows.runtime import check_server, configured_api_url

    url = configured_api_url()
    if not url:
        raise NoServerError(NO_SERVER)
    check_server(url)
    return url


@dataclass(frozen=True, slots=True)
class ScheduleChoice:
    """When the refresh runs: every `interval` seconds if given, else on the cron expression."""

    cron: str
    timezone: str
    interval: float | None = None

    def describe(self) -> str:
        if self.interval is not None:
            return f"every {self.interval:g} s"
        return f"cron '{self.cron}' ({self.timezone})"


def build_deployments(settings: Settings, config: Path, when: ScheduleChoice) -> list[RunnerDeployment]:
    """`etl/daily-refresh` (scheduled, over the config's sources) and `etl/on-demand` (no schedule).

    Both run the one `etl` flow with the config path as parameter; each run builds the task runner its
    config asks for (`workers`, `dask_address`), also when a `prefect worker` runs it.
    `concurrency_limit=1`: two refreshes of one DuckDB file must not overlap (one writer at a time).
    """
    from prefect.schedules import Cron, Interval

    from wenji.flows.etl import etl

    params = {"config": str(config.resolve())}
    schedule = (
        Interval(when.interval, timezone=when.timezone)
        if when.interval is not None
        else Cron(when.cron, timezone=when.timezone)
    )
    daily = etl.to_deployment(
        name=DAILY,
        schedule=schedule,
        parameters=params,
        concurrency_limit=1,
        description=f"Refresh the configured sources ({when.describe()}); unchanged pages are skipped.",
        tags=["wenji"],
    )
    on_demand = etl.to_deployment(
        name=ON_DEMAND,
        parameters=params,
        description="Run the ETL by hand; pass `sources` (a list of URLs) to override the config's.",
        tags=["wenji"],
    )
    return [daily, on_demand]


def serve_deployments(settings: Settings, config: Path, when: ScheduleChoice) -> None:
    """Register the deployments and run their due runs, one at a time, until interrupted."""
    from prefect import serve

    # limit=1: the runs of this process share one DuckDB file, and DuckDB allows one writer.
    serve(*build_deployments(settings, config, when), limit=1)
