"""Settings: defaults in code, overridden by a TOML file, then by CLI flags.

One validated object per stage is passed to that stage's function; no stage takes 25 keyword arguments.
Unknown keys and wrong types are refused with a message naming the key, so a typo in `wenji.toml`
fails at start instead of being silently ignored.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import MISSING, dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any, get_type_hints
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from wenji import __version__
from wenji.tasks.connect_to import parse_connect_to
from wenji.tasks.site_rules import SiteRule, selector_problem

DEFAULT_USER_AGENT = f"wenji/{__version__} (+https://github.com/wenji-etl/wenji; Chinese document ETL)"


@dataclass(slots=True, frozen=True)
class FetchConfig:
    user_agent: str = DEFAULT_USER_AGENT
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    total_timeout: float = 60.0  # deadline for one page, all its attempts and the waits between them
    max_bytes: int = 20_000_000  # bodies above this are aborted while streaming, never buffered whole
    max_redirects: int = 10
    concurrency: int = 16  # simultaneous requests over all hosts
    per_host_concurrency: int = 4
    retries: int = 2  # extra attempts on timeouts, connection errors, 429 and 5xx; never on other 4xx
    backoff: float = 0.5  # seconds; doubled each retry, with jitter
    allow_private: bool = (
        False  # loopback and private addresses (RFC 1918, ULA); the demo and tests turn it on
    )
    # Link-local addresses (169.254/16, fe80::/10) and the cloud metadata endpoints: apart from allow_private,
    # since they hand out instance credentials (see tasks/addresses.py).
    allow_link_local: bool = False
    respect_robots: bool = True  # robots.txt rules for the token "wenji" (else the `*` group)
    min_delay: float = 0.0  # seconds between request starts to one host, at least (a floor for all hosts)
    # Real sites start at this spacing, then follow their latency (AutoThrottle); loopback hosts and the
    # hosts in throttle_exempt_hosts keep min_delay. Never faster than the site's robots.txt Crawl-delay.
    throttle_start_delay: float = 1.0
    throttle_exempt_hosts: tuple[str, ...] = ()
    # A host is given up after this many failed requests in a row (timeouts, connection errors, 429/5xx):
    # its remaining URLs become fetch_host_unresponsive errors at once, retried by the next run. 0: never.
    host_failure_limit: int = 10
    # A stored page whose sitemap <lastmod> is older than our copy is not requested again (off: every
    # stored page gets a conditional request, for sites whose sitemaps don't keep lastmod up to date).
    trust_sitemap_lastmod: bool = True
    # "ORIGIN=TARGET" entries: fetch ORIGIN's URLs from TARGET, keeping their URLs (see tasks/connect_to.py).
    connect_to: tuple[str, ...] = ()
    # A sitemap's URLs (and an index's sitemaps) are kept only on the sitemap's own host (www. ignored) or on
    # a host whose robots.txt names that sitemap (sitemaps.org); off = any host, for users who know theirs.
    sitemap_same_host: bool = True

    def __post_init__(self) -> None:
        try:
            parse_connect_to(self.connect_to)
        except ValueError as e:
            raise SettingsError(f"fetch.connect_to: {e}") from None


@dataclass(slots=True, frozen=True)
class SegmentConfig:
    engine: str = "auto"  # "auto" (rjieba when installed, else jieba) | "jieba" | "rjieba"
    user_dicts: tuple[str, ...] = ()


@dataclass(slots=True, frozen=True)
class EnrichConfig:
    top_k: int = 10  # keywords kept per document


@dataclass(slots=True, frozen=True)
class CrawlConfig:
    """Link following from page-URL sources (list pages); see tasks/crawl.py."""

    follow_links: bool = False
    max_depth: int = 1  # 1: the links on the given pages; 2: also the links on those pages; …
    max_pages: int = 1000  # pages discovered at most (the given pages not counted)
    include: tuple[str, ...] = ()  # regexes; when given, a link must match one (re.search on the URL)
    exclude: tuple[str, ...] = ()  # regexes; a link matching any is dropped
    same_site: bool = True  # only links to the host of a given page (www. ignored)

    def __post_init__(self) -> None:
        for pattern in (*self.include, *self.exclude):
            try:
                re.compile(pattern)
            except re.error as e:
                raise SettingsError(f"crawl.include/exclude: {pattern!r} is no valid regex ({e})") from None


@dataclass(slots=True, frozen=True)
class ExtractConfig:
    """Optional per-site CSS rules (`[[extract.sites]]`, see tasks/site_rules.py); none by default."""

    sites: tuple[SiteRule, ...] = ()

    def __post_init__(self) -> None:
        for i, rule in enumerate(self.sites):
            if not rule.host.strip():
                raise SettingsError(f"extract.sites[{i}].host: expected a host name such as www.gov.cn")
            named = [("content", rule.content), ("title", rule.title), ("published_at", rule.published_at)]
            named += [(f"remove[{j}]", sel) for j, sel in enumerate(rule.remove)]
            for key, selector in named:
                if (selector or key == "content") and (problem := selector_problem(selector)):
                    raise SettingsError(
                        f"extract.sites[{i}].{key}: {selector!r} is no valid CSS selector ({problem})"
                    )


@dataclass(slots=True, frozen=True)
class Settings:
    db_path: str = "data/wenji.duckdb"
    batch_size: int = 200  # pages per batch: one worker task and one load transaction each
    # A batch leaves the crawl when it holds batch_size pages or its first page has waited this long:
    # a slow crawl still loads its pages every few seconds.
    batch_wait: float = 5.0
    workers: int = 2  # worker processes for the CPU-bound steps
    fetch: FetchConfig = field(default_factory=FetchConfig)
    segment: SegmentConfig = field(default_factory=SegmentConfig)
    enrich: EnrichConfig = field(default_factory=EnrichConfig)
    crawl: CrawlConfig = field(default_factory=CrawlConfig)
    extract: ExtractConfig = field(default_factory=ExtractConfig)
    sources: tuple[str, ...] = ()  # what `wenji run` without SOURCE and the scheduled refresh process
    schedule_cron: str = "0 3 * * *"  # the daily refresh of `wenji serve` and prefect.yaml: 03:00
    schedule_timezone: str = "Asia/Shanghai"  # IANA name; cron times are read in this zone
    dask_address: str = ""  # scheduler of an existing Dask cluster, e.g. tcp://10.0.0.5:8786; "" = local
    # Where a config file's paths (db_path, segment.user_dicts, local sources) live: they are resolved under
    # it and may not leave it (unless the operator passes --trust-config-paths).
    data_dir: str = "."
    resume: bool = True  # skip the pages an interrupted run over the same sources already loaded
    # Seconds a run waits for another run writing the same database (`wenji run --wait`); then it stops.
    writer_wait: float = 0.0


class SettingsError(ValueError):
    """A configuration value is wrong; the message names the key and what was expected."""


def _coerce(key: str, value: Any, expected: Any) -> Any:
    if is_dataclass(expected):
        if not isinstance(value, dict):
            raise SettingsError(f"{key}: expected a table, got {type(value).__name__}")
        return _build(expected, value, prefix=f"{key}.")
    origin = getattr(expected, "__origin__", None)
    if origin is tuple and is_dataclass(item := expected.__args__[0]):
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise SettingsError(f"{key}: expected an array of tables ([[{key}]]), got {value!r}")
        return tuple(_build(item, v, prefix=f"{key}[{i}].") for i, v in enumerate(value))
    if origin is tuple:
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise SettingsError(f"{key}: expected a list of strings, got {value!r}")
        return tuple(value)
    if expected in (int, float) and isinstance(value, bool):
        raise SettingsError(f"{key}: expected {expected.__name__}, got {value!r}")
    if expected is float and isinstance(value, int):
        value = float(value)
    if not isinstance(value, expected):
        raise SettingsError(f"{key}: expected {expected.__name__}, got {value!r}")
    if expected in (int, float) and value < 0:
        raise SettingsError(f"{key}: expected a non-negative number, got {value!r}")
    return value


def _build(cls: type, values: dict[str, Any], prefix: str = "") -> Any:
    hints = get_type_hints(cls)
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise SettingsError(f"{prefix}{unknown[0]}: unknown setting (known: {', '.join(sorted(known))})")
    required = [f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING]
    if missing := [name for name in required if name not in values]:
        raise SettingsError(f"{prefix}{missing[0]}: required setting is missing")
    return cls(**{k: _coerce(prefix + k, v, hints[k]) for k, v in values.items()})


# Set to 1 by the operator (never by a config file): a config file's paths may then leave data_dir. For
# `wenji serve`, whose flow runs load the config file themselves; `--trust-config-paths` elsewhere.
TRUST_CONFIG_PATHS_ENV = "WENJI_TRUST_CONFIG_PATHS"


def load_settings(path: str | Path | None = None, trust_paths: bool = False, **overrides: Any) -> Settings:
    """Defaults, then the TOML file (if given), then non-None keyword overrides (CLI flags).

    The file's paths are resolved under data_dir and confined to it (`confine_config_paths`), unless
    `trust_paths` (the operator's `--trust-config-paths`) or WENJI_TRUST_CONFIG_PATHS=1 allows them out.
    """
    settings = Settings()
    if path is not None:
        p = Path(path)
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SettingsError(f"config file {p} does not exist") from None
        except tomllib.TOMLDecodeError as e:
            raise SettingsError(f"config file {p} is not valid TOML: {e}") from None
        settings = _build(Settings, data)
        # Relative to the file, not to wherever the command runs: a scheduled job, `wenji serve` and a
        # prefect worker each start in a folder of their own, and must all write the same database.
        settings = replace(settings, data_dir=str(p.parent / settings.data_dir))
        trusted = trust_paths or os.environ.get(TRUST_CONFIG_PATHS_ENV, "") == "1"
        settings = confine_config_paths(settings, p.parent, trusted)
    given = {k: v for k, v in overrides.items() if v is not None}
    if given:
        settings = replace(
            settings, **{k: _coerce(k, v, get_type_hints(Settings)[k]) for k, v in given.items()}
        )
    if settings.batch_size < 1:
        raise SettingsError("batch_size: expected a positive number of pages per batch")
    if settings.workers < 1:
        raise SettingsError("workers: expected at least 1 worker process")
    _check_schedule(settings)
    return settings


def confined_path(
    path: str, base: str | Path, key: str, trusted: bool = False, also: Path | None = None
) -> str:
    """`path` from a config file, resolved against `base`; refused if it leads outside `base` (and
    outside `also`, a second folder it may lie in).

    A config file may come from elsewhere than the person running wenji (a shared repository, a
    scheduled job's template); it must not make a run write outside its data folder, e.g.
    `db_path = "../../home/x/.bashrc"` or an absolute path, nor read files from anywhere into the
    database (a user dictionary or a "file of URLs" of /etc/shadow ends up in tables and error rows).
    Symlinks are resolved before the check. CLI flags (`--db`, SOURCE arguments) are the operator's own
    choice and are not confined; with `trusted` (--trust-config-paths) the file's paths are not either.
    """
    joined = Path(base) / path  # an absolute `path` replaces `base` here
    if trusted:
        return str(joined)
    roots = [Path(base).resolve(), *([also.resolve()] if also is not None else [])]
    target = joined.resolve()
    if not any(target.is_relative_to(root) for root in roots):
        where = (
            f"data_dir ({roots[0]})"
            if also is None
            else f"the config file's folder ({roots[0]}) and data_dir ({roots[1]})"
        )
        raise SettingsError(
            f"{key}: {path!r} leads outside {where}; use a path inside it, set data_dir, or pass "
            "--trust-config-paths if you trust this config file"
        )
    return str(joined)


def _source_path(spec: str) -> str | None:
    """The local path of a source spec, or None for URLs (http(s), or schemes `wenji run` refuses)."""
    text = spec.strip()
    if text.lower().startswith("file://"):
        return urlsplit(text).path
    return None if "://" in text else text


def confine_config_paths(settings: Settings, folder: Path, trusted: bool = False) -> Settings:
    """Every file path of a config file (in `folder`) checked and resolved, its key named in a refusal:
    db_path under data_dir; segment.user_dicts[i] and the local sources[i], relative to the config
    file's folder (as a folder source always was), inside it or data_dir. data_dir itself is the root
    the file declares: review it in a config from elsewhere."""
    data_dir = Path(settings.data_dir)
    dicts = tuple(
        confined_path(p, folder, f"segment.user_dicts[{i}]", trusted, data_dir)
        for i, p in enumerate(settings.segment.user_dicts)
    )
    sources = []
    for i, spec in enumerate(settings.sources):
        local = _source_path(spec)
        sources.append(
            spec if local is None else confined_path(local, folder, f"sources[{i}]", trusted, data_dir)
        )
    return replace(
        settings,
        db_path=confined_path(settings.db_path, data_dir, "db_path", trusted),
        segment=replace(settings.segment, user_dicts=dicts),
        sources=tuple(sources),
    )


# Dask's scheduler protocols; an address without one (host:port) is a common mistake worth naming.
DASK_SCHEMES = ("tcp://", "tls://", "inproc://", "ucx://", "ws://", "wss://")


def _check_schedule(settings: Settings) -> None:
    """Refuse schedule and cluster settings that would only fail later, inside a scheduled run.

    The cron check counts fields only (minute hour day month weekday); Prefect checks the values when
    `wenji serve` registers the schedule.
    """
    if len(settings.schedule_cron.split()) != 5:
        raise SettingsError(
            "schedule_cron: expected 5 fields (minute hour day month weekday), "
            f"got {settings.schedule_cron!r}"
        )
    try:
        ZoneInfo(settings.schedule_timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"schedule_timezone: expected an IANA time zone such as Asia/Shanghai, "
            f"got {settings.schedule_timezone!r}"
        ) from None
    if settings.dask_address and not settings.dask_address.startswith(DASK_SCHEMES):
        raise SettingsError(
            f"dask_address: expected a scheduler address such as tcp://127.0.0.1:8786, "
            f"got {settings.dask_address!r}"
        )


def with_fetch(settings: Settings, **changes: Any) -> Settings:
    """`settings` with some fetch settings changed, e.g. `with_fetch(s, allow_private=True)` on loopback."""
    return replace(settings, fetch=replace(settings.fetch, **changes))
