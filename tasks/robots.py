"""robots.txt as RFC 9309 reads it: groups per user agent, `*` and `$` in paths, the longest match wins.

`urllib.robotparser` is not used: it takes rules in file order and treats `*` and `$` as literal
characters, so the `Disallow: /*?*` and `Disallow: /*.php$` lines common on Chinese CMS sites would
silently allow everything. Parsing is pure; fetching robots.txt (with the same client, limits and
address policy as pages) and what to do when it can't be fetched live in `tasks.fetch`.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from wenji.tasks.urls import percent_encode

# The product token matched against `User-agent:` lines (case-insensitively, as RFC 9309 §2.2.1 says);
# FetchConfig.user_agent names the tool in full, with version and contact URL.
ROBOTS_TOKEN = "wenji"
# RFC 9309 §2.5: crawlers must parse at least the first 500 KiB; the rest of a longer file is ignored.
MAX_ROBOTS_BYTES = 500 * 1024
# Longest `Crawl-delay` we honour, in seconds. The line is not in RFC 9309 but Baidu- and Sogou-era
# sites still set it; values of minutes would stall a run for days, so they are capped.
MAX_CRAWL_DELAY = 10.0


@dataclass(slots=True, frozen=True)
class Rule:
    allow: bool
    pattern: str  # as written (percent-encoded), for messages
    regex: re.Pattern[str]

    def __str__(self) -> str:
        return f"{'Allow' if self.allow else 'Disallow'}: {self.pattern}"


@dataclass(slots=True, frozen=True)
class Robots:
    """The rules of the group that applies to us, merged when several groups name us."""

    rules: tuple[Rule, ...] = ()
    crawl_delay: float | None = None
    # The file's `Sitemap:` lines (in any group or none): the sitemaps its site vouches for, which may
    # list its URLs even from another host (sitemaps.org cross-submission; see tasks.sources).
    sitemaps: tuple[str, ...] = ()

    def blocking_rule(self, url: str) -> Rule | None:
        """The Disallow rule that forbids `url`, or None if we may fetch it."""
        parts = urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        if path == "/robots.txt":
            return None  # RFC 9309 §2.2.2: always allowed
        best: Rule | None = None
        for rule in self.rules:
            if not rule.regex.match(path):
                continue
            # Longest pattern wins; on a tie the less restrictive (Allow) does (§2.2.2).
            if best is None or (len(rule.pattern), rule.allow) > (len(best.pattern), best.allow):
                best = rule
        return best if best is not None and not best.allow else None


ALLOW_ALL = Robots()


def _compile(pattern: str) -> re.Pattern[str]:
    anchored = pattern.endswith("$")
    body = pattern[:-1] if anchored else pattern
    regex = ".*".join(re.escape(piece) for piece in body.split("*"))
    return re.compile(regex + (r"\Z" if anchored else ""))


def _agent_token(value: str) -> str:
    """`Baiduspider/2.0` and `wenji (bot)` name the products `baiduspider` and `wenji`."""
    return re.split(r"[/\s]", value.strip(), maxsplit=1)[0].lower()


def parse_robots(text: str, token: str = ROBOTS_TOKEN) -> Robots:
    """The rules for `token` in a robots.txt: its own groups if any name it, else the `*` groups.

    Consecutive `User-agent` lines share one group; a `User-agent` line after rules starts a new one.
    Rules before any `User-agent` line, unknown keys and lines without a colon are ignored, as the RFC
    says. Non-ASCII in patterns is percent-encoded as UTF-8, the way our URLs are normalised, so a
    `Disallow: /新闻/` line matches `/%E6%96%B0%E9%97%BB/...`.
    """
    groups: list[tuple[set[str], list[Rule], list[float]]] = []
    sitemaps: list[str] = []
    in_rules = True
    for raw_line in text.splitlines():
        key, colon, value = raw_line.split("#", 1)[0].partition(":")
        if not colon:
            continue
        key, value = key.strip().lower(), value.strip()
        if key == "sitemap":
            # Not part of any group (RFC 9309 §2.2.4), so it does not end one either. `partition` split
            # at the key's colon only, so the URL's own colon stays in `value`.
            if value:
                sitemaps.append(value)
        elif key in ("user-agent", "useragent"):
            if in_rules:
                groups.append((set(), [], []))
                in_rules = False
            groups[-1][0].add(_agent_token(value))
        elif key in ("allow", "disallow") and groups:
            in_rules = True
            if value:  # an empty Disallow allows everything: it is no rule at all
                pattern = percent_encode(value)
                groups[-1][1].append(Rule(key == "allow", pattern, _compile(pattern)))
        elif key in ("crawl-delay", "crawldelay") and groups:
            in_rules = True
            # "Crawl-delay: 1s" and such are unreadable, so not honoured.
            with contextlib.suppress(ValueError):
                groups[-1][2].append(float(value))
    token = token.lower()
    ours = [g for g in groups if token in g[0]] or [g for g in groups if "*" in g[0]]
    rules = tuple(rule for _, group_rules, _ in ours for rule in group_rules)
    delays = [d for _, _, group_delays in ours for d in group_delays if d > 0]
    return Robots(rules, min(max(delays), MAX_CRAWL_DELAY) if delays else None, tuple(sitemaps))
