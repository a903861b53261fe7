from __future__ import annotations

from pathlib import Path

import pytest

from wenji.tasks.settings import Settings, SettingsError, load_settings


def test_defaults_need_no_file() -> None:
    s = load_settings()
    assert s == Settings()
    assert s.db_path == "data/wenji.duckdb" and s.segment.engine == "auto"


def test_file_then_flags(tmp_path: Path) -> None:
    cfg = tmp_path / "wenji.toml"
    cfg.write_text(
        'db_path = "x.duckdb"\nbatch_size = 50\n[fetch]\nread_timeout = 5\nretries = 0\n', encoding="utf-8"
    )
    s = load_settings(cfg, batch_size=7, db_path=None)
    assert (s.db_path, s.batch_size, s.fetch.read_timeout, s.fetch.retries) == (
        str(tmp_path / "x.duckdb"),
        7,
        5.0,
        0,
    )


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("batchsize = 3", "batchsize: unknown setting"),
        ("[fetch]\nretries = 'two'", "fetch.retries: expected int"),
        ("[fetch]\nread_timeout = -1", "fetch.read_timeout: expected a non-negative number"),
        ("fetch = 3", "fetch: expected a table"),
        ("[segment]\nuser_dicts = 'a.txt'", "segment.user_dicts: expected a list of strings"),
        ("batch_size = 0", "batch_size: expected a positive number"),
        ("db_path = ", "not valid TOML"),
    ],
)
def test_bad_config_names_the_key(tmp_path: Path, toml: str, message: str) -> None:
    cfg = tmp_path / "wenji.toml"
    cfg.write_text(toml, encoding="utf-8")
    with pytest.raises(SettingsError, match=message):
        load_settings(cfg)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")


def test_config_paths_are_relative_to_the_config_file_not_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    cfg = project / "wenji.toml"
    cfg.write_text(
        'data_dir = "data"\ndb_path = "政府网站.duckdb"\n'
        'sources = ["saved/", "https://www.gov.cn/sitemap.xml", "/srv/pages"]\n',
        encoding="utf-8",
    )
    elsewhere = tmp_path / "cron-home"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # where a scheduled job or a prefect worker happens to start
    # An absolute source outside the config's folder and data_dir needs the operator's word (issue 20).
    with pytest.raises(SettingsError, match=r"sources\[2\]: '/srv/pages' leads outside"):
        load_settings(cfg)
    settings = load_settings(cfg, trust_paths=True)
    assert Path(settings.db_path).resolve() == project / "data" / "政府网站.duckdb"
    assert settings.sources == (str(project / "saved"), "https://www.gov.cn/sitemap.xml", "/srv/pages")
