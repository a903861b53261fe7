"""The local worker pool of a run (`task_runner_for`), against the session's temporary Prefect server."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from wenji.tasks.settings import Settings, load_settings, with_fetch
from wenji.tasks.site_server import serve

SAMPLE_SITE = Path(__file__).resolve().parents[2] / "examples" / "site"

pytestmark = pytest.mark.slow


@task(cache_policy=NO_CACHE)
def _uses_of_this_client() -> tuple[int, int]:
    """How many task runs have used the client this one gets (counted on the client itself)."""
    from prefect.client.orchestration import get_client

    client = get_client(sync_client=True)
    client.wenji_probe_uses = getattr(client, "wenji_probe_uses", 0) + 1  # type: ignore[attr-defined]
    return os.getpid(), client.wenji_probe_uses  # type: ignore[attr-defined]


def test_a_workers_task_runs_share_one_api_client(prefect_api: str) -> None:
    """Each task run used to build its own clients (two SSL contexts each: half a batch's overhead)."""
    from wenji.flows.etl import task_runner_for

    @flow
    def probe() -> list[tuple[int, int]]:
        with task_runner_for(replace(Settings(), workers=1)) as runner:
            return [runner.submit(_uses_of_this_client, {}).result() for _ in range(3)]

    answers = probe()
    assert len({pid for pid, _ in answers}) == 1, answers
    assert [uses for _, uses in answers] == [1, 2, 3]


@task(cache_policy=NO_CACHE)
def _what_arrives(batch: object) -> list[str]:
    """The type of each item of the list the task was given, sealed or not."""
    from wenji.flows.streaming import Sealed

    items = batch.value if isinstance(batch, Sealed) else batch
    return [type(item).__name__ for item in items]


def test_a_sealed_parameter_reaches_the_worker_unwalked(prefect_api: str) -> None:
    """Prefect walks plain parameters (it resolves a State inside a list into its value); the transform
    task's batch travels sealed, so Prefect leaves its contents alone (and spends nothing walking them)."""
    from prefect.states import Completed

    from wenji.flows.etl import task_runner_for
    from wenji.flows.streaming import Sealed

    @flow
    def probe() -> tuple[list[str], list[str]]:
        with task_runner_for(replace(Settings(), workers=1)) as runner:
            walked = runner.submit(_what_arrives, {"batch": [Completed(data=7), "页面"]}).result()
            sealed = runner.submit(_what_arrives, {"batch": Sealed([Completed(data=7), "页面"])}).result()
            return walked, sealed

    walked, sealed = probe()
    assert walked == ["int", "str"]
    assert sealed == ["State", "str"]


@task(cache_policy=NO_CACHE)
def _log_prints_setting() -> bool:
    """A Prefect setting as the task's process sees it."""
    from prefect.settings import PREFECT_LOGGING_LOG_PRINTS

    return bool(PREFECT_LOGGING_LOG_PRINTS.value())


@pytest.mark.parametrize("same_machine", [True, False])
def test_settings_serialized_once_still_hands_each_task_the_current_settings(
    prefect_api: str, same_machine: bool
) -> None:
    """The settings context is serialised once per context, not per submit, and a task submitted under
    other settings gets those, not the first ones; outside the block every call serialises anew. On the
    same machine the settings travel as the object (a plain dict for workers elsewhere)."""
    from prefect.context import SettingsContext
    from prefect.settings import PREFECT_LOGGING_LOG_PRINTS, temporary_settings

    from wenji.flows.etl import task_runner_for
    from wenji.flows.runtime import settings_serialized_once

    @flow
    def probe() -> tuple[list[bool], bool, bool]:
        with (
            settings_serialized_once(same_machine),
            task_runner_for(replace(Settings(), workers=1)) as runner,
        ):
            reused = SettingsContext.get().serialize() is SettingsContext.get().serialize()
            as_object = SettingsContext.get().serialize()["settings"] is SettingsContext.get().settings
            seen = [runner.submit(_log_prints_setting, {}).result()]
            with temporary_settings({PREFECT_LOGGING_LOG_PRINTS: not seen[0]}):
                seen.append(runner.submit(_log_prints_setting, {}).result())
            seen.append(runner.submit(_log_prints_setting, {}).result())
        return seen, reused, as_object

    seen, reused, as_object = probe()
    assert reused
    assert as_object == same_machine
    assert seen == [seen[0], not seen[0], seen[0]]
    assert SettingsContext.get().serialize() is not SettingsContext.get().serialize()


# How the task runs counted here are named: start-worker-<random>, transform batch <n>, tables loaded.
COUNTED_TASK_RUNS = ("start-worker", "transform", "tables loaded")


def _task_runs(flow_run_id: object) -> Counter[str]:
    """The flow run's task runs of COUNTED_TASK_RUNS, by name."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
    return Counter(name for r in runs for name in COUNTED_TASK_RUNS if r.name.startswith(name))


def test_first_run_warms_its_workers_and_an_unchanged_rerun_starts_none(
    prefect_api: str, tmp_path: Path
) -> None:
    """A first run starts each worker with a start-worker task (before its first batch); an unchanged
    re-run has no page to transform: no worker task at all. The first run declares its tables
    materialized once, not once per batch."""
    from wenji.flows.etl import etl

    settings = with_fetch(
        load_settings(None, db_path=str(tmp_path / "w.duckdb"), batch_size=8), allow_private=True
    )
    with serve(SAMPLE_SITE) as base:
        first, again = (etl([f"{base}/sitemap.xml"], settings, return_state=True) for _ in range(2))
    assert first.is_completed() and again.is_completed()
    first_runs = _task_runs(first.state_details.flow_run_id)
    assert first_runs["start-worker"] == settings.workers, first_runs
    assert first_runs["transform"] >= 3 and first_runs["tables loaded"] == 1, first_runs
    again_runs = _task_runs(again.state_details.flow_run_id)
    assert again_runs == Counter(), again_runs  # and it loaded nothing, so it materialized nothing
