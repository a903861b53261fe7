"""Optional per-site extraction rules: CSS selectors a user who knows a site gives in the config file.

    [[extract.sites]]
    host = "www.example.gov.cn"
    content = "div.TRS_Editor"
    remove = [".share", "#related"]
    title = "h1.title"
    published_at = "span.pubtime"

Host matching: a leading "www." is ignored, and a rule matches its host and every subdomain: a rule
for `www.example.gov.cn` or `example.gov.cn` matches example.gov.cn, www.example.gov.cn and
news.example.gov.cn. Case and port are ignored. When several rules match, the one with the longest host
wins, so a subdomain with its own template gets its own rule. The rules only ever narrow where the text
is taken from: the generic line filters (boilerplate, tail markers) still run inside the container, and
a page where `content` matches nothing falls back to the generic extraction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

_PROBE = LexborHTMLParser("<p></p>")


@dataclass(slots=True, frozen=True)
class SiteRule:
    host: str
    content: str  # CSS selector of the main text container(s); several matches are read in page order
    remove: tuple[str, ...] = ()  # CSS selectors of nodes dropped before anything is read
    title: str = ""  # CSS selector of the title; "" = the generic title choice
    published_at: str = ""  # CSS selector of a node holding the publication time; "" = generic


@dataclass(slots=True, frozen=True)
class SitePick:
    """What a rule found on one page: the content nodes (none: the rule missed), title and date texts."""

    content: list[LexborNode]
    title: str
    published_at: str


def selector_problem(selector: str) -> str | None:
    """Why `selector` is no CSS selector lexbor can run, or None when it is fine."""
    try:
        _PROBE.css(selector)
    except SelectolaxError as e:
        return str(e)
    return None


def _bare_host(host: str) -> str:
    host = host.strip().lower().rstrip(".").split(":", 1)[0]
    return host.removeprefix("www.")


def match_site_rule(rules: Sequence[SiteRule], url: str) -> SiteRule | None:
    """The rule for `url`'s host (see the module docstring), or None."""
    if not rules:
        return None
    host = _bare_host(urlsplit(url).hostname or "")
    if not host:
        return None
    matching = [r for r in rules if host == (bare := _bare_host(r.host)) or host.endswith("." + bare)]
    return max(matching, key=lambda r: len(_bare_host(r.host)), default=None)


def _first_text(tree: LexborHTMLParser, selector: str) -> str:
    node = tree.css_first(selector) if selector else None
    return " ".join((node.text(separator=" ") if node else "").split())


def apply_site_rule(tree: LexborHTMLParser, rule: SiteRule) -> SitePick:
    """Drop the rule's `remove` nodes from `tree` (in place), then pick its content, title and date.

    Content nodes nested in another picked node are left out, so no text is read twice.
    """
    for selector in rule.remove:
        for node in tree.css(selector):
            node.decompose()
    picked = tree.css(rule.content)
    outer = [n for n in picked if not any(_contains(other, n) for other in picked if other is not n)]
    return SitePick(
        content=outer,
        title=_first_text(tree, rule.title),
        published_at=_first_text(tree, rule.published_at),
    )


def _contains(ancestor: LexborNode, node: LexborNode) -> bool:
    parent = node.parent
    while parent is not None:
        if parent == ancestor:
            return True
        parent = parent.parent
    return False
