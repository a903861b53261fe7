"""Per-site CSS rules (tasks/site_rules.py) on real-looking Chinese government pages."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from selectolax.lexbor import LexborHTMLParser

from wenji.flows.cli import main
from wenji.tasks.extract import Extracted, extract_batch, extract_or_reason
from wenji.tasks.records import Page, content_hash
from wenji.tasks.settings import SettingsError, load_settings
from wenji.tasks.site_rules import SiteRule, apply_site_rule, match_site_rule

NOTICE = [
    "各乡镇人民政府，县直各单位：",
    "经县政府研究，定于2024年4月2日上午9时在县政府三楼会议室召开全县春季森林防火工作会议。请各单位主要负责同志准时参加。",
    "特此通知。",
]
# A long interpretation article in the sidebar: prose, so the generic scorer prefers it to the short notice.
SIDEBAR = (
    "近年来，我县深入贯彻落实森林防火工作决策部署，坚持预防为主、积极消灭的方针，层层压实责任，"
    "全面加强火源管控，持续开展隐患排查整治，全县森林防火形势总体平稳。各乡镇结合实际，"
    "组建半专业扑火队伍，完善物资储备，强化值班值守，确保一旦发生火情能够快速处置。"
)
PAGE = f"""<html><head><title>关于召开全县春季森林防火工作会议的通知_某某县人民政府</title></head><body>
<div class="top"><a href="/">首页</a> <a href="/zwgk/">政务公开</a></div>
<div class="main">
  <h1 class="article-title">关于召开全县春季森林防火工作会议的通知</h1>
  <div class="info">发布日期：<span class="pubtime">2024-03-29 10:30</span></div>
  <div class="TRS_Editor">{"".join(f"<p>{p}</p>" for p in NOTICE)}
    <p class="fxts">扫一扫在手机上查看当前页面，本页面内容由县政府办公室负责维护。</p>
  </div>
</div>
<div class="jiedu"><h3>政策解读</h3>{"".join(f"<p>{SIDEBAR}</p>" for _ in range(3))}</div>
</body></html>"""
URL = "http://www.mouxian.gov.cn/zwgk/tzgg/202403/t20240329_123.html"
RULE = SiteRule(
    host="www.mouxian.gov.cn",
    content="div.TRS_Editor",
    remove=(".fxts",),
    title="h1.article-title",
    published_at="span.pubtime",
)


def _page() -> Page:
    body = PAGE.encode("utf-8")
    return Page(
        url=URL,
        final_url=URL,
        status=200,
        content_type="text/html",
        body=body,
        text=PAGE,
        encoding="utf-8",
        encoding_source="header",
        bad_bytes=0,
        content_hash=content_hash(body),
        fetched_at=datetime(2024, 4, 1),
    )


def _extract(rules: tuple[SiteRule, ...], url: str = URL) -> Extracted:
    found = extract_or_reason(PAGE, url, rules)
    assert isinstance(found, Extracted), found
    return found


def test_generic_extraction_takes_the_sidebar_along_with_the_short_notice() -> None:
    """The reason the rule exists: without it the sidebar's interpretation is read as part of the notice."""
    generic = _extract(())
    assert SIDEBAR in generic.paragraphs
    assert generic.site_rule == ""


def test_rule_picks_the_notice_container_and_drops_the_removed_node() -> None:
    found = _extract((RULE,))
    assert found.paragraphs == NOTICE
    assert found.site_rule == "applied"
    assert found.meta.title == "关于召开全县春季森林防火工作会议的通知"
    assert found.meta.published_at == datetime(2024, 3, 29, 10, 30)


def test_remove_drops_nodes_before_reading() -> None:
    tree = LexborHTMLParser(PAGE)
    pick = apply_site_rule(tree, RULE)
    assert len(pick.content) == 1
    assert "扫一扫" not in pick.content[0].text()
    assert tree.css_first(".fxts") is None


def test_rule_for_another_host_leaves_the_page_to_the_generic_extraction() -> None:
    other = SiteRule(host="www.othercounty.gov.cn", content="div.TRS_Editor")
    assert _extract((other,)) == _extract(())


def test_content_selector_matching_nothing_falls_back_and_is_counted() -> None:
    missing = SiteRule(host="mouxian.gov.cn", content="div.article-content")
    found = _extract((missing,))
    assert found.paragraphs == _extract(()).paragraphs
    assert found.site_rule == "missed"
    batch = extract_batch([_page()], (missing,))
    assert batch.counters["site_rule_missed"] == 1
    assert batch.items and not batch.errors


@pytest.mark.parametrize(
    ("rule_host", "url", "matches"),
    [
        ("mouxian.gov.cn", "http://www.mouxian.gov.cn/a.html", True),
        ("mouxian.gov.cn", "https://zwgk.mouxian.gov.cn:8443/a.html", True),
        ("www.mouxian.gov.cn", "http://mouxian.gov.cn/a.html", True),
        ("WWW.Mouxian.gov.cn", "http://www.mouxian.gov.cn/a.html", True),
        ("www.mouxian.gov.cn", "http://zwgk.mouxian.gov.cn/a.html", True),
        ("mouxian.gov.cn", "http://notmouxian.gov.cn/a.html", False),
        ("mouxian.gov.cn", "file:///tmp/a.html", False),
    ],
)
def test_host_matching(rule_host: str, url: str, matches: bool) -> None:
    rule = SiteRule(host=rule_host, content="div")
    assert (match_site_rule((rule,), url) is rule) is matches


def test_the_most_specific_host_wins() -> None:
    broad = SiteRule(host="mouxian.gov.cn", content="div.a")
    narrow = SiteRule(host="zwgk.mouxian.gov.cn", content="div.b")
    assert match_site_rule((broad, narrow), "http://zwgk.mouxian.gov.cn/x.html") is narrow
    assert match_site_rule((broad, narrow), "http://www.mouxian.gov.cn/x.html") is broad


def test_rules_from_a_toml_file_reach_the_extraction(tmp_path: Path) -> None:
    config = tmp_path / "wenji.toml"
    config.write_text(
        """
[[extract.sites]]
host = "www.mouxian.gov.cn"
content = "div.TRS_Editor"
remove = [".fxts"]
title = "h1.article-title"
published_at = "span.pubtime"
""",
        encoding="utf-8",
    )
    settings = load_settings(config)
    assert settings.extract.sites == (RULE,)
    batch = extract_batch([_page()], settings.extract.sites)
    assert batch.items[0].paragraphs == NOTICE
    assert batch.counters["site_rule_applied"] == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('host = "a.gov.cn"\ncontent = "div["', "extract.sites[0].content: 'div[' is no valid CSS selector"),
        ('host = "a.gov.cn"\ncontent = "p"\nremove = ["##x"]', "extract.sites[0].remove[0]: '##x'"),
        ('host = "a.gov.cn"\ncontent = "p"\ntitle = "h1:nth-child("', "extract.sites[0].title"),
        ('host = "a.gov.cn"', "extract.sites[0].content: required setting is missing"),
        ('host = "a.gov.cn"\ncontent = "p"\nbody = "p"', "extract.sites[0].body: unknown setting"),
        ('host = ""\ncontent = "p"', "extract.sites[0].host"),
    ],
)
def test_bad_rules_are_refused_naming_the_key(tmp_path: Path, body: str, message: str) -> None:
    config = tmp_path / "wenji.toml"
    config.write_text(f"[[extract.sites]]\n{body}\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=message.replace("[", r"\[").replace("(", r"\(")):
        load_settings(config)


def test_the_commented_example_in_wenji_toml_is_a_valid_rule(tmp_path: Path) -> None:
    example = (Path(__file__).resolve().parents[2] / "examples" / "wenji.toml").read_text(encoding="utf-8")
    block = example[example.index("# [[extract.sites]]") :]
    config = tmp_path / "rules.toml"
    config.write_text("\n".join(line.removeprefix("# ") for line in block.splitlines()), encoding="utf-8")
    (rule,) = load_settings(config).extract.sites
    assert rule == SiteRule(
        host="www.example.gov.cn",
        content="div.TRS_Editor",
        remove=(".share", "#related"),
        title="h1.title",
        published_at="span.pubtime",
    )


def test_wenji_extract_uses_the_config_rules_on_a_saved_page(tmp_path: Path) -> None:
    saved = tmp_path / "notice.html"
    saved.write_text(PAGE.replace("<head>", f'<head><link rel="canonical" href="{URL}">'), encoding="utf-8")
    config = tmp_path / "wenji.toml"
    config.write_text('[[extract.sites]]\nhost = "mouxian.gov.cn"\ncontent = "div.TRS_Editor"\n')
    plain = json.loads(CliRunner().invoke(main, ["extract", str(saved)]).output)
    ruled = CliRunner().invoke(main, ["extract", str(saved), "--config", str(config)])
    assert ruled.exit_code == 0, ruled.output
    text = json.loads(ruled.output)["documents"][0]["text"]
    assert SIDEBAR in plain["documents"][0]["text"] and SIDEBAR not in text
    assert "特此通知" in text
