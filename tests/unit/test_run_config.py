"""The run configuration: schedule and cluster settings, the example config, and prefect.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from wenji.tasks.settings import SettingsError, load_settings

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_example_config_is_valid() -> None:
    s = load_settings(REPO_ROOT / "examples" / "wenji.toml")
    assert s.sources and all(src.startswith("https://") for src in s.sources)
    assert (s.schedule_cron, s.schedule_timezone, s.dask_address) == ("0 3 * * *", "Asia/Shanghai", "")


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('sources = "https://www.gov.cn/"', "sources: expected a list of strings"),
        ('schedule_cron = "0 3 * *"', "schedule_cron: expected 5 fields"),
        ('schedule_timezone = "Beijing"', "schedule_timezone: expected an IANA time zone"),
        ('dask_address = "10.0.0.5:8786"', "dask_address: expected a scheduler address"),
    ],
)
def test_bad_run_settings_name_the_key(tmp_path: Path, toml: str, message: str) -> None:
    cfg = tmp_path / "wenji.toml"
    cfg.write_text(toml, encoding="utf-8")
    with pytest.raises(SettingsError, match=message):
        load_settings(cfg)


def test_prefect_yaml_names_the_etl_flow_with_json_parameters() -> None:
    from prefect.flows import load_flow_from_entrypoint
    from prefect.utilities.callables import parameter_schema

    spec = yaml.safe_load((REPO_ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    deployments = {d["name"]: d for d in spec["deployments"]}
    assert set(deployments) == {"daily-refresh", "on-demand"}
    assert deployments["daily-refresh"]["schedules"][0]["cron"] == load_settings().schedule_cron
    assert "schedules" not in deployments["on-demand"]
    for d in deployments.values():
        path, _, name = d["entrypoint"].partition(":")
        flow = load_flow_from_entrypoint(str(REPO_ROOT / path) + ":" + name)
        assert flow.name == "etl"
        props = parameter_schema(flow).model_dump()["properties"]
        assert {"sources", "config", "db_path", "batch_size"} <= set(props)
        assert set(d["parameters"]) <= set(props)
