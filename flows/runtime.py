"""Where flows run: a configured Prefect server, or a temporary one started here.

Prefect reads its settings when it is first imported, so `quiet_prefect()` must run before any
`import prefect`. Without a configured server, Prefect would start one temporary server per worker
process; starting one here and pointing every process at it through PREFECT_API_URL avoids that
(measured: 3 servers and 'database is locked' errors without it, one server and no errors with it).

"Configured" is what Prefect itself reads: the environment, the active profile (`prefect config set
PREFECT_API_URL=...`), prefect.toml, .env, pyproject.toml's [tool.prefect]. A configured server that does
not answer its health check is a `PrefectUnavailable` with one message saying where the URL was set and
how to fix it, before any flow starts (Prefect's own client would retry for ~10 s, then print a traceback).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

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


def current_api_url() -> str | None:
    """The API URL this process's flows and tasks report to now (settings, not os.environ)."""
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value()


def keep_one_api_client(api_url: str | None) -> None:
    """For a worker process's initializer: one Prefect client, for `api_url`, for all its task runs.

    Without it every task run builds two clients, each with an SSL context loading certifi's CA bundle,
    even for an http:// server: measured 105 ms of worker CPU per task run, 52 ms with this, i.e. ~1.6 CPU s
    over a 6,000-page run. Prefect's `get_client` reuses the client of an entered SyncClientContext (it is
    entered here and kept until the process ends); `api_url` is the flow process's, so that the client
    reports where that run's tasks report. Without a URL (Prefect would start a server in this process)
    nothing is kept.
    """
    if not api_url:
        return
    from prefect.context import SyncClientContext
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api_url}):
        SyncClientContext().__enter__()


@contextmanager
def settings_serialized_once(same_machine: bool) -> Iterator[None]:
    """Within the block, Prefect serialises each settings context once, not at every task submitted;
    for tasks on `same_machine` (a local process pool) it hands over the settings object itself.

    A task runner's submit serialises the whole context for the task's process, the settings included
    (~300 pydantic fields walked twice: 58 ms on an idle machine, ~120 ms beside busy workers, measured
    per submit in the flow process, where it held the GIL the loading needs: 3.6 CPU s over the 30
    batches of a 6,000-page run). A run's settings do not change while it submits its batches, and the
    result is only pickled for the task's process, so one serialisation per SettingsContext object is
    reused (the object itself is kept, so an id is never recycled). Prefect's other contexts (flow run,
    tags) are still serialised at every submit: they are small, and may change.

    The task's process then builds its settings from that dict again, which runs every settings source
    (environment, .env, prefect.toml): 44 ms per task run. Given the pickled Settings object instead,
    pydantic takes it as it is (0.4 ms, an equal object). Only on the same machine: the object holds paths
    of this platform, which the plain dict avoids for workers elsewhere (a Dask cluster).
    """
    from prefect.context import SettingsContext

    original = SettingsContext.serialize
    done: dict[bool, tuple[SettingsContext, dict[str, Any]]] = {}

    def serialize(self: SettingsContext, include_secrets: bool = True) -> dict[str, Any]:
        hit = done.get(include_secrets)
        if hit is None or hit[0] is not self:
            serialized = original(self, include_secrets=include_secrets)
            if same_machine and include_secrets:  # without secrets the dict masks them; the object would not
                serialized["settings"] = self.settings
            hit = done[include_secrets] = (self, serialized)
        return hit[1]

    SettingsContext.serialize = serialize  # type: ignore[method-assign]
    try:
        yield
    finally:
        SettingsContext.serialize = original  # type: ignore[method-assign]


def quiet_prefect() -> None:
    """Set quiet defaults for anything the user has not set. Call before importing prefect."""
    for key, value in QUIET_DEFAULTS.items():
        os.environ.setdefault(key, value)


# Seconds to wait for a configured server's health check: a refused connection fails at once, a host that
# drops packets takes this long. A healthy local server answers in milliseconds.
HEALTH_TIMEOUT = 5.0


class PrefectUnavailable(RuntimeError):
    """The configured Prefect server does not answer, or the temporary one did not start."""


def configured_api_url() -> str | None:
    """PREFECT_API_URL as Prefect resolves it (environment, profile, prefect.toml, ...), or None."""
    quiet_prefect()
    from prefect.settings import get_current_settings

    return get_current_settings().api.url or None


def where_api_url_is_set() -> tuple[str, str]:
    """Where the configured PREFECT_API_URL comes from, and how to unset it: (place, fix)."""
    if os.environ.get("PREFECT_API_URL"):
        return "set by the environment variable PREFECT_API_URL", "run `unset PREFECT_API_URL`"
    from prefect.context import get_settings_context
    from prefect.settings import PREFECT_API_URL

    profile = get_settings_context().profile
    if PREFECT_API_URL in profile.settings:
        return f"set in Prefect profile '{profile.name}'", "run `prefect config unset PREFECT_API_URL`"
    return (
        "set in prefect.toml, .env or pyproject.toml [tool.prefect] in this folder",
        "remove it from that file",
    )


def check_server(url: str, timeout: float = HEALTH_TIMEOUT) -> None:
    """Raise PrefectUnavailable, naming `url` and what to do, unless the server there answers `/health`.

    Only a failed connection or a 5xx counts: a 401/403 (Prefect Cloud without a key) is the client's
    business, and Prefect's own message about it is clear.
    """
    import httpx

    try:
        response = httpx.get(f"{url.rstrip('/')}/health", timeout=timeout)
        problem = f"HTTP {response.status_code}" if response.status_code >= 500 else None
    except httpx.HTTPError as e:
        problem = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
    if problem is None:
        return
    place, unset = where_api_url_is_set()
    raise PrefectUnavailable(
        f"Prefect is configured to use the server at {url} ({place}), but it does not answer ({problem}).\n"
        f"Start it with `prefect server start`, or {unset} to let wenji start a temporary server "
        "for each run."
    )


class _HideTracebacks(logging.Filter):
    """Drops Prefect's log records about an exception `expected` says the CLI reports in one line."""

    def __init__(self, expected: Callable[[BaseException], bool]) -> None:
        super().__init__()
        self.expected = expected
        self.hidden: list[str] = []  # the classes hidden, to drop the "Finished in state" line that follows

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and self.expected(exc):
            self.hidden.append(type(exc).__name__)
            return False
        if self.hidden:  # "Finished in state Failed('... DatabaseBusyError: ...')" says it once more
            message = record.getMessage()
            return not (message.startswith("Finished in state") and any(n in message for n in self.hidden))
        return True


# Where Prefect logs a failed task or flow run, with its traceback.
RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs", "prefect.flow_engine", "prefect.task_engine")


def hide_tracebacks_of(expected: Callable[[BaseException], bool]) -> None:
    """Keep Prefect from printing tracebacks around the one-line message of an expected failure.

    Prefect logs a failed run with its traceback (~100 lines) before the exception reaches the CLI, which
    then says the same in one sentence (`wenji --debug` keeps them). Other exceptions are logged as before.
    """
    hide = _HideTracebacks(expected)
    for name in RUN_LOGGERS:
        logger = logging.getLogger(name)
        for old in [f for f in logger.filters if isinstance(f, _HideTracebacks)]:
            logger.removeFilter(old)
        logger.addFilter(hide)


@contextmanager
def prefect_backend() -> Iterator[str]:
    """Yield the API URL flows will report to, starting a temporary local server if none is configured.

    A configured server is checked first: PrefectUnavailable if it does not answer.
    """
    configured = configured_api_url()
    if configured:
        check_server(configured)
        yield configured
        return
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    try:
        server.start()
    except RuntimeError as e:  # "Timed out while attempting to connect to ephemeral Prefect API server"
        raise PrefectUnavailable(
            f"the temporary Prefect server did not start ({e}). On a busy machine raise "
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS (now "
            f"{os.environ.get('PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS')} s), or start a server "
            "with `prefect server start` and `prefect config set PREFECT_API_URL=http://127.0.0.1:4200/api`"
        ) from None
    from prefect.settings import PREFECT_API_URL, temporary_settings

    # The environment for worker processes; the settings for this one, whose settings were read already.
    os.environ["PREFECT_API_URL"] = server.api_url
    try:
        with temporary_settings({PREFECT_API_URL: server.api_url}):
            try:
                yield server.api_url
            finally:
                _drain_workers()
    finally:
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
