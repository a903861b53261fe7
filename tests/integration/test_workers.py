"""The local worker pool of a run (`task_runner_for`), against the session's temporary Prefect server."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest
from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from wenji.tasks.settings import Settings

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
