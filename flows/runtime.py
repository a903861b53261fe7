"""Where flows run: a configured Prefect server, or a temporary one started here.

Prefect reads its settings when it is first imported, so `quiet_prefect()` must run before any
`import prefect`. Without a configured server, Prefect would start one temporary server per worker
process; starting one here and pointing every process at it through PREFECT_API_URL avoids that
(measured: 3 servers and 'database is locked' errors without it, one server and no errors with it).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

# Offline machines print a telemetry error per run, and task-state lines drown the progress lines.
QUIET_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY": "false",
    "PREFECT_TELEMETRY_ENABLE_RESOURCE_METRICS": "false",
    "PREFECT_LOGGING_LOGGERS_PREFECT_TASK_RUNS_LEVEL": "WARNING",
    "PREFECT_LOGGING_LOGGERS_PREFECT_FLOW_RUNS_LEVEL": "INFO",
    "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
    "PREFECT_LOGGING_INTERNAL_LEVEL": "ERROR",
    # Prefect's 20 s default is too short on a busy machine: measured 22 s to start with load average 5.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
}


def name_process(name: str) -> None:
    """Show `name` for this process in ps, top and htop (Linux; 15 bytes at most; elsewhere nothing), so a
    user watching a run tells the workers and the fetch process from the flow process."""
    try:
        with open("/proc/self/comm", "w") as comm:
            comm.write(name[:15])
    except OSError:
        pass


def quiet_prefect() -> None:
    """Set quiet defaults for anything the user has not set. Call before importing prefect."""
    for key, value in QUIET_DEFAULTS.items():
        os.environ.setdefault(key, value)


@contextmanager
def prefect_backend() -> Iterator[str]:
    """Yield the API URL flows will report to, starting a temporary local server if none is configured."""
    quiet_prefect()
    configured = os.environ.get("PREFECT_API_URL")
    if configured:
        yield configured
        return
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    server.start()
    os.environ["PREFECT_API_URL"] = server.api_url
    try:
        yield server.api_url
    finally:
        _drain_workers()
        server.stop()
        del os.environ["PREFECT_API_URL"]


def _drain_workers() -> None:
    """Send buffered logs and events before the server goes away.

    Otherwise they are sent at interpreter exit to a stopped server: measured 80 s of retries and an
    'Error logging to API' message. This is what `prefect_test_harness` does before stopping its server.
    """
    import inspect

    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker
    from prefect.utilities.asyncutils import run_coro_as_sync

    async def drain() -> None:
        try:
            result = APILogWorker.instance().drain()
            if inspect.isawaitable(result):
                await result
        except RuntimeError:  # the log worker never started
            pass
        result = EventsWorker.drain_all()
        if inspect.isawaitable(result):
            await result

    run_coro_as_sync(drain())
