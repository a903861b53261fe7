"""Link following: from list pages (栏目页, 列表页) to the articles and further list pages they link to.

`discover` reads the given pages with `fetch_batch` (so robots.txt, limits, timeouts and the address
policy all apply), takes their links, keeps those that pass the filters and reads the kept ones in turn,
breadth first, until `max_depth` or `max_pages`. It returns only the URLs found, not their pages: the
flow fetches and processes those like any other source. A page read here is therefore fetched twice in
a run (once for its links, once by the pipeline); only pages above the last depth are read here, which
for list-page crawls is the few list pages.

Fetch failures here are only counted: every page read here is also a source of the run, and the
pipeline's own fetch records its failure as an error row (one row, not two).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

from wenji.tasks.crawler import fetch_batch
from wenji.tasks.records import Page, SourceItem, StepResult
from wenji.tasks.settings import CrawlConfig, FetchConfig
from wenji.tasks.sources import is_page_url_spec, resolve_sources
from wenji.tasks.urls import normalize_url

# Links to files that are not web pages: fetching them would only produce fetch_not_html rows. Government
# sites link attachments (附件) in these formats next to their articles.
FILE_SUFFIXES = frozenset(
    {
        ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".wps", ".et", ".ofd", ".txt",
        ".zip", ".rar", ".7z", ".gz", ".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp", ".svg",
        ".mp3", ".mp4", ".avi", ".flv", ".wmv", ".swf", ".apk", ".exe", ".css", ".js", ".xml", ".json",
    }
)  # fmt: skip


def page_links(page: Page) -> list[str]:
    """The http(s) links of a page, absolute and normalised, in document order, each once.

    Relative links are resolved against `<base href>` when the page has one, else against the page's
    final URL (after redirects), as a browser does. Catches `<a href>` and `<area href>`; knowingly
    misses links built by JavaScript (`onclick="location=…"`, paging via `javascript:goPage(2)`) and
    links inside `<iframe>`d documents.
    """
    tree = LexborHTMLParser(page.text)
    base = page.final_url
    base_node = tree.css_first("base[href]")
    if base_node is not None:
        base = urljoin(base, (base_node.attributes.get("href") or "").strip())
    links: dict[str, None] = {}
    for node in tree.css("a[href], area[href]"):
        href = re.sub(r"\s+", "", node.attributes.get("href") or "")  # CMSs wrap long hrefs over lines
        if not href or href.startswith("#"):
            continue
        url = urljoin(base, href)
        if urlsplit(url).scheme in ("http", "https"):
            links[normalize_url(url)] = None
    return list(links)


def site_of(url: str) -> str:
    """Host and port, with a leading `www.` dropped: www.gov.cn and gov.cn are one site, while
    sub-domains (fgw.beijing.gov.cn under www.beijing.gov.cn) are sites of their own."""
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    return f"{host}:{parts.port}" if parts.port else host


def skip_reason(url: str, sites: set[str], cfg: CrawlConfig) -> str | None:
    """Why a link is not followed (a counter name), or None to follow it."""
    if cfg.same_site and site_of(url) not in sites:
        return "offsite"
    if urlsplit(url).path.lower().endswith(tuple(FILE_SUFFIXES)):
        return "file"
    if cfg.include and not any(re.search(p, url) for p in cfg.include):
        return "not_included"
    if any(re.search(p, url) for p in cfg.exclude):
        return "excluded"
    return None


def discover(seeds: Sequence[SourceItem], cfg: CrawlConfig, fetch_cfg: FetchConfig) -> StepResult[SourceItem]:
    """The pages reachable from `seeds` within `cfg.max_depth` links, breadth first, first-seen order.

    Seeds themselves are not returned. Local files (items with `path`) are not followed: their links
    would resolve against a file:// URL. Stops at `cfg.max_pages` found pages (counter `crawl_capped`).
    """
    result: StepResult[SourceItem] = StepResult()
    seen = {seed.url for seed in seeds}
    sites = {site_of(seed.url) for seed in seeds}
    frontier = [seed for seed in seeds if seed.path is None]
    for depth in range(cfg.max_depth):
        if not frontier:
            break
        fetched = fetch_batch(frontier, fetch_cfg)
        result.counters["crawl_pages_read"] += len(fetched.items)
        result.counters["crawl_pages_failed"] += len(fetched.errors)
        if depth == 0:  # a seed redirecting (http → https, to www.) takes its site along
            sites |= {site_of(page.final_url) for page in fetched.items}
        frontier = []
        for page in fetched.items:
            for url in page_links(page):
                if url in seen:
                    continue
                seen.add(url)
                reason = skip_reason(url, sites, cfg)
                if reason:
                    result.counters[f"crawl_skipped_{reason}"] += 1
                    continue
                if len(result.items) >= cfg.max_pages:
                    result.counters["crawl_capped"] = 1
                    return result
                item = SourceItem(url=url)
                result.items.append(item)
                frontier.append(item)
    return result


def resolve_and_discover(
    specs: Sequence[str], fetch_cfg: FetchConfig, crawl_cfg: CrawlConfig
) -> StepResult[SourceItem]:
    """`resolve_sources`, then (with `crawl_cfg.follow_links`) the pages linked from the page-URL
    specs, appended after the resolved items and without duplicates."""
    resolved = resolve_sources(specs, fetch_cfg)
    if not crawl_cfg.follow_links:
        return resolved
    seeds = [SourceItem(url=normalize_url(spec)) for spec in specs if is_page_url_spec(spec)]
    found = discover(seeds, crawl_cfg, fetch_cfg)
    known = {item.url for item in resolved.items}
    resolved.items.extend(item for item in found.items if item.url not in known)
    resolved.errors.extend(found.errors)
    resolved.counters.update(found.counters)
    resolved.counters["sources"] = len(resolved.items)
    return resolved
