"""discover / resolve_and_discover against the sample site served on 127.0.0.1 (tasks.site_server)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from wenji.tasks.crawl import discover, resolve_and_discover
from wenji.tasks.records import SourceItem
from wenji.tasks.settings import CrawlConfig, FetchConfig
from wenji.tasks.site_server import serve

SAMPLE_SITE = Path(__file__).resolve().parents[2] / "examples" / "site"
FETCH = FetchConfig(connect_timeout=1.0, read_timeout=1.0, total_timeout=3.0, retries=0, allow_private=True)
# The section's list pages link every speech in it, over two pages (index.html, list_2.html).
SECTION = SAMPLE_SITE / "fanwen" / "jianghua"
IN_SECTION = sorted(p.name for p in SECTION.glob("*.html") if p.name != "index.html")
ONLY_SECTION = CrawlConfig(
    follow_links=True, max_depth=2, include=(r"/fanwen/jianghua/",), exclude=(r"/index\.html$",)
)


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with serve(SAMPLE_SITE) as base:
        yield base


def found(site: str, cfg: CrawlConfig) -> list[str]:
    result = discover([SourceItem(url=f"{site}/fanwen/jianghua/")], cfg, FETCH)
    assert result.errors == []
    return [item.url.removeprefix(site) for item in result.items]


def test_depth_one_takes_the_links_of_the_list_page_only(site: str) -> None:
    urls = found(site, CrawlConfig(follow_links=True, max_depth=1))
    names = [u.removeprefix("/fanwen/jianghua/") for u in urls if u.startswith("/fanwen/jianghua/")]
    assert "list_2.html" in names and set(names) < set(IN_SECTION)  # page 2's speeches are one link further
    # the menu is followed too (same site), the ICP registry link in the footer is not
    assert {"/", "/fanwen/", "/fanwen/zongjie/", "/fanwen/qihuashu/"} <= set(urls)
    assert not any("miit.gov.cn" in u for u in urls)


def test_depth_two_with_include_and_exclude_finds_the_whole_section(site: str) -> None:
    one = found(site, replace(ONLY_SECTION, max_depth=1))
    two = found(site, ONLY_SECTION)
    assert sorted(two) == [f"/fanwen/jianghua/{name}" for name in IN_SECTION]
    assert two[: len(one)] == one  # breadth first: what depth 1 found comes first, in page order


def test_max_pages_caps_the_crawl(site: str) -> None:
    result = discover([SourceItem(url=f"{site}/fanwen/jianghua/")], replace(ONLY_SECTION, max_pages=2), FETCH)
    assert [item.url.removeprefix(site) for item in result.items] == found(site, ONLY_SECTION)[:2]
    assert result.counters["crawl_capped"] == 1


def test_failing_seed_is_counted_not_recorded(site: str) -> None:
    result = discover([SourceItem(url=f"{site}/fanwen/gone/")], CrawlConfig(follow_links=True), FETCH)
    assert (result.items, result.errors) == ([], [])
    assert result.counters["crawl_pages_failed"] == 1  # the pipeline's own fetch records the 404


def test_resolve_follows_page_urls_not_sitemaps(site: str) -> None:
    cfg = CrawlConfig(follow_links=True, max_depth=1, include=(r"/fanwen/jianghua/\d+\.html$",))
    specs = [f"{site}/fanwen/jianghua/", f"{site}/sitemap.xml"]
    result = resolve_and_discover(specs, FETCH, cfg)
    urls = [item.url for item in result.items]
    assert len(urls) == len(set(urls))  # speeches listed in the sitemap and linked from the list: once each
    assert urls[0] == f"{site}/fanwen/jianghua/"
    assert {f"{site}/fanwen/jianghua/{n}" for n in IN_SECTION if n[0].isdigit()} <= set(urls)
    off = resolve_and_discover(specs, FETCH, CrawlConfig())
    assert [item.url for item in off.items] == urls[: len(off.items)]
    assert off.counters["crawl_pages_read"] == 0 and result.counters["crawl_pages_read"] == 1
