"""parse_robots / Robots.blocking_rule: RFC 9309 groups, wildcards, longest match, Chinese paths."""

from __future__ import annotations

from wenji.tasks.robots import MAX_CRAWL_DELAY, parse_robots
from wenji.tasks.urls import normalize_url

SITE = "http://www.gov.cn"

# Shaped like the robots.txt of a Chinese CMS site: Baidu gets its own group, search and dynamic pages
# are closed to everyone else.
CMS_ROBOTS = """\
# robots.txt for 某市人民政府网站
User-agent: Baiduspider
Disallow: /admin/

User-agent: *
Disallow: /plus/
Disallow: /*?*
Disallow: /*.php$
Allow: /plus/view.php
Disallow: /新闻/内部/
Crawl-delay: 2

Sitemap: http://www.gov.cn/sitemap.xml
"""


def blocked(robots_text: str, path: str) -> str | None:
    rule = parse_robots(robots_text).blocking_rule(normalize_url(SITE + path))
    return None if rule is None else str(rule)


def test_star_group_applies_when_no_group_names_us() -> None:
    assert blocked(CMS_ROBOTS, "/plus/list.html") == "Disallow: /plus/"
    assert blocked(CMS_ROBOTS, "/admin/") is None  # only Baidu's group closes /admin/
    assert blocked(CMS_ROBOTS, "/zhengce/2024-03/29/content_1.htm") is None


def test_wildcards_and_end_anchor() -> None:
    assert blocked(CMS_ROBOTS, "/search/index.html?q=讲话") == "Disallow: /*?*"
    assert blocked(CMS_ROBOTS, "/e/tags.php") == "Disallow: /*.php$"
    assert blocked(CMS_ROBOTS, "/e/tags.php5") is None  # `$` anchors at the end


def test_longest_match_wins_and_allow_wins_ties() -> None:
    # Allow: /plus/view.php (14 chars) beats Disallow: /*.php$ (7) and Disallow: /plus/ (6).
    assert blocked(CMS_ROBOTS, "/plus/view.php") is None
    tie = "User-agent: *\nDisallow: /a/\nAllow: /a/\n"
    assert blocked(tie, "/a/1.html") is None


def test_chinese_path_rules_match_percent_encoded_urls() -> None:
    assert blocked(CMS_ROBOTS, "/新闻/内部/通知.html") == "Disallow: /%E6%96%B0%E9%97%BB/%E5%86%85%E9%83%A8/"
    assert blocked(CMS_ROBOTS, "/新闻/公开/通知.html") is None


def test_our_own_group_wins_over_star_and_groups_merge() -> None:
    text = (
        "User-agent: *\nDisallow: /\n\n"
        "User-agent: Wenji/0.1\nUser-agent: Baiduspider\nDisallow: /tmp/\n\n"
        "User-agent: WENJI\nDisallow: /draft/\n"
    )
    assert blocked(text, "/fanwen/1.html") is None
    assert blocked(text, "/tmp/x.html") == "Disallow: /tmp/"
    assert blocked(text, "/draft/x.html") == "Disallow: /draft/"


def test_empty_disallow_garbage_and_robots_txt_itself() -> None:
    assert blocked("User-agent: *\nDisallow:\n", "/a.html") is None
    assert blocked("<html><body>页面不存在</body></html>", "/a.html") is None  # a soft 404
    assert blocked("Disallow: /\n", "/a.html") is None  # rules before any User-agent belong to nobody
    assert blocked("User-agent: *\nDisallow: /\n", "/robots.txt") is None
    assert blocked("User-agent: *\nDisallow: /\n", "/") == "Disallow: /"


def test_crawl_delay_read_and_capped() -> None:
    assert parse_robots(CMS_ROBOTS).crawl_delay == 2.0
    assert parse_robots("User-agent: *\nCrawl-delay: 3600\n").crawl_delay == MAX_CRAWL_DELAY
    assert parse_robots("User-agent: *\nCrawl-delay: 1s\n").crawl_delay is None
    assert parse_robots("User-agent: baiduspider\nCrawl-delay: 5\n").crawl_delay is None


def test_sitemap_lines_are_read_wherever_they_stand_and_end_no_group() -> None:
    robots = parse_robots(
        "Sitemap: https://www.gov.cn/sitemap.xml\n"
        "User-agent: *\n"
        "Sitemap: https://zhengce.gov.cn/sitemap_index.xml # 政策库\n"
        "Disallow: /neibu/\n"
        "sitemap:http://www.gov.cn/news.xml.gz\n"
    )
    assert robots.sitemaps == (
        "https://www.gov.cn/sitemap.xml",
        "https://zhengce.gov.cn/sitemap_index.xml",
        "http://www.gov.cn/news.xml.gz",
    )
    assert robots.blocking_rule("https://www.gov.cn/neibu/1.html") is not None  # the group went on
