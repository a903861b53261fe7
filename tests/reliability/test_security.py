"""Security: no fetch of private addresses (also after a redirect), `wenji query` cannot write or touch
files, and paths from a config file stay inside the data folder."""

from __future__ import annotations

from collections import Counter
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from click.testing import CliRunner

from wenji.flows.cli import main
from wenji.tasks.crawler import fetch_batch
from wenji.tasks.db import migrate, open_db
from wenji.tasks.records import SourceItem
from wenji.tasks.settings import FetchConfig, SettingsError, load_settings
from wenji.tasks.site_server import serve

CFG = FetchConfig(retries=0, connect_timeout=2, read_timeout=2, total_timeout=5)
PUBLIC_PAGE = "http://www.public-site.example/news/1.html"  # does not resolve: only the proxy knows it
PAGE = "<html><body><p>机密：内部网络管理页面，不应被抓取。</p></body></html>".encode()


def test_redirect_from_a_public_site_to_loopback_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """A public page answering 302 to http://127.0.0.1/... must not lead us into the local network.

    The local server plays both parts: as an HTTP proxy it answers for the public name (so the first
    hop passes the address check), and it is the loopback target the redirect points to.
    """
    hits: Counter[str] = Counter()

    def answer(h: BaseHTTPRequestHandler) -> None:
        hits[h.path] += 1
        if h.path == PUBLIC_PAGE:
            h.send_response(302)
            h.send_header("Location", f"http://127.0.0.1:{h.server.server_address[1]}/admin.html")
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", str(len(PAGE)))
        h.end_headers()
        h.wfile.write(PAGE)

    routes = {PUBLIC_PAGE: answer, "/admin.html": answer, "http://www.public-site.example/robots.txt": answer}
    with serve(routes=routes) as base:
        for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", base)
        result = fetch_batch([SourceItem(url=PUBLIC_PAGE)], CFG)
    assert hits[PUBLIC_PAGE] == 1, "the proxy set-up did not work: the test proves nothing"
    assert result.items == []
    [err] = result.errors
    assert err.kind == "fetch_forbidden_address" and "127.0.0.1" in err.message
    assert hits["/admin.html"] == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:9/",  # a name resolving to loopback
        "http://[::1]:9/",
        "http://[::ffff:127.0.0.1]:9/",  # IPv4-mapped IPv6
        "http://0.0.0.0:9/",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata service
        "http://10.0.0.1:9/",
    ],
)
def test_private_addresses_are_refused_before_connecting(url: str) -> None:
    [err] = fetch_batch([SourceItem(url=url)], CFG).errors
    assert err.kind == "fetch_forbidden_address", err


@pytest.fixture
def analyst_db(tmp_path: Path) -> Path:
    db_path = tmp_path / "wenji.duckdb"
    with open_db(db_path) as con:
        migrate(con)
        con.execute(
            "INSERT INTO errors VALUES ('r1', 'http://a/1', 'fetch', 'fetch_http_500', '服务器错误', now())"
        )
    return db_path


@pytest.mark.parametrize(
    "sql",
    [
        "DROP TABLE errors",
        "INSERT INTO errors SELECT * FROM errors",
        "UPDATE errors SET message = '已篡改'",
        "ATTACH '{tmp}/other.duckdb' AS other",
        "ATTACH '{tmp}/other.duckdb' AS other; CREATE TABLE other.stolen AS SELECT * FROM errors",
        "COPY (SELECT * FROM errors) TO '{tmp}/out.csv'",
        "EXPORT DATABASE '{tmp}/dump'",
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('/etc/hostname')",
        "SET enable_external_access = true",
        "INSTALL httpfs",
    ],
)
def test_query_cannot_write_or_touch_files(analyst_db: Path, sql: str) -> None:
    tmp = analyst_db.parent
    result = CliRunner().invoke(main, ["query", "--db", str(analyst_db), sql.format(tmp=tmp)])
    assert result.exit_code != 0
    assert "query failed" in result.output
    assert sorted(p.name for p in tmp.iterdir()) == ["wenji.duckdb"]  # no file written, no .wal either
    with open_db(analyst_db, read_only=True) as con:
        assert con.execute("SELECT message FROM errors").fetchall() == [("服务器错误",)]


def test_query_still_reads_tables_and_views(analyst_db: Path) -> None:
    result = CliRunner().invoke(
        main, ["query", "--db", str(analyst_db), "--format", "csv", "SELECT message FROM errors"]
    )
    assert result.exit_code == 0 and result.output.splitlines() == ["message", "服务器错误"]
    tokens = CliRunner().invoke(main, ["query", "--db", str(analyst_db), "SELECT count(*) FROM tokens"])
    assert tokens.exit_code == 0, tokens.output


def _config(tmp_path: Path, text: str) -> Path:
    cfg = tmp_path / "wenji.toml"
    cfg.write_text(text, encoding="utf-8")
    return cfg


def test_config_db_path_is_resolved_under_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "data"
    cfg = _config(tmp_path, f'data_dir = "{data}"\ndb_path = "新闻/wenji.duckdb"\n')
    assert load_settings(cfg).db_path == str(data / "新闻" / "wenji.duckdb")
    # The operator's own --db flag is not confined.
    assert load_settings(cfg, db_path="/srv/other.duckdb").db_path == "/srv/other.duckdb"


@pytest.mark.parametrize(
    "db_path", ["../escape.duckdb", "a/../../escape.duckdb", "/etc/cron.d/wenji", "link/x.duckdb"]
)
def test_config_paths_cannot_leave_data_dir(tmp_path: Path, db_path: str) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "link").symlink_to(tmp_path)  # a symlink pointing out of the data folder
    cfg = _config(tmp_path, f'data_dir = "{data}"\ndb_path = "{db_path}"\n')
    with pytest.raises(SettingsError, match=r"db_path: .* leads outside data_dir"):
        load_settings(cfg)


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('[segment]\nuser_dicts = ["dicts/ok.txt", "/etc/passwd"]\n', r"segment\.user_dicts\[1\]"),
        ('[segment]\nuser_dicts = ["../outside.txt"]\n', r"segment\.user_dicts\[0\]"),
        ('[segment]\nuser_dicts = ["link/dict.txt"]\n', r"segment\.user_dicts\[0\]"),
        ('sources = ["https://www.gov.cn/sitemap.xml", "/etc/shadow"]\n', r"sources\[1\]"),
        ('sources = ["../urls.txt"]\n', r"sources\[0\]"),
        ('sources = ["file:///etc/hostname"]\n', r"sources\[0\]"),
        ('db_path = "../wenji.duckdb"\n', r"db_path"),
    ],
)
def test_every_config_path_is_confined_and_the_refusal_names_the_key(
    tmp_path: Path, toml: str, key: str
) -> None:
    folder = tmp_path / "conf"
    (folder / "data").mkdir(parents=True)
    (folder / "link").symlink_to(tmp_path)  # a symlink pointing out of the config's folder
    cfg = _config(folder, f'data_dir = "data"\n{toml}')
    with pytest.raises(SettingsError, match=key + r": .* leads outside .*--trust-config-paths"):
        load_settings(cfg)
    # The operator may allow them, explicitly.
    load_settings(cfg, trust_paths=True)


def test_config_paths_inside_the_config_folder_or_data_dir_are_kept_and_urls_left_alone(
    tmp_path: Path,
) -> None:
    folder, elsewhere = tmp_path / "conf", tmp_path / "data"
    folder.mkdir()
    toml = f'data_dir = "{elsewhere}"\n'
    toml += f'sources = ["https://www.gov.cn/sitemap.xml", "urls.txt", "{elsewhere}/saved"]\n'
    toml += f'[segment]\nuser_dicts = ["dicts/公文.txt", "{elsewhere}/领域词.txt"]\n'
    settings = load_settings(_config(folder, toml))
    assert settings.segment.user_dicts == (str(folder / "dicts" / "公文.txt"), str(elsewhere / "领域词.txt"))
    assert settings.sources == (
        "https://www.gov.cn/sitemap.xml",
        str(folder / "urls.txt"),
        str(elsewhere / "saved"),
    )


def test_the_cli_refuses_an_escaping_config_path_unless_trusted(tmp_path: Path) -> None:
    cfg = _config(tmp_path, '[segment]\nuser_dicts = ["/etc/passwd"]\n')
    refused = CliRunner().invoke(main, ["run", "--config", str(cfg), "https://www.gov.cn/1.htm"])
    assert refused.exit_code == 2
    assert "segment.user_dicts[0]: '/etc/passwd' leads outside the config file's folder" in refused.output
    assert "--trust-config-paths" in refused.output
