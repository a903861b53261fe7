"""Turn the user's source specs into a de-duplicated list of things to fetch.

A spec is one of:
- an http(s) URL of a page;
- an http(s) URL of a sitemap: its path ends in .xml or .xml.gz, or its last segment mentions "sitemap"
  (/sitemap, /sitemap.php) and the body turns out to be a <urlset> or <sitemapindex>. Other page URLs
  are not downloaded here just to see whether they are sitemaps: that would fetch every page twice;
- a local file of URLs, one per line (blank lines and # comments are skipped; lines may be sitemaps);
- a local folder of saved pages (*.html, *.htm, *.shtml, recursively) or one saved .html file;
- a local sitemap file (.xml or .xml.gz).

Items keep first-seen order; duplicates (same normalised URL) are dropped and counted. A spec that
can't be resolved becomes an ErrorRecord with stage "resolve". Error kinds (closed set):
resolve_not_found, resolve_bad_spec, resolve_bad_url, resolve_io_error, resolve_bad_sitemap,
resolve_empty, resolve_out_of_scope (a sitemap's URLs on another host, see `_Scope`), and for sitemaps
downloaded over HTTP the fetch kinds renamed (resolve_http_<status>,
resolve_timeout, resolve_connection_error, resolve_forbidden_address, resolve_too_large,
resolve_robots_disallowed, …): sitemaps are fetched by the same fetcher as pages.
"""

from __future__ import annotations

import re
import zlib
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html import unescape
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit
from xml.etree import ElementTree

from selectolax.lexbor import LexborHTMLParser

from wenji.tasks.crawler import blocking_fetcher
from wenji.tasks.decode import decode_html
from wenji.tasks.fetch import FetchFailure
from wenji.tasks.records import SourceItem, StepResult
from wenji.tasks.settings import FetchConfig
from wenji.tasks.urls import normalize_url

# The sitemap protocol caps one sitemap at 50 MB uncompressed; more than that from a .gz is a bomb.
MAX_SITEMAP_BYTES = 50 * 1024 * 1024
# Index → index → urlset is the deepest nesting seen in the wild; deeper is a loop or a trap.
MAX_SITEMAP_DEPTH = 3
# canonical / og:url live in <head>; 8 KB covers a head with a few inline scripts.
CANONICAL_SCAN_BYTES = 8192
_COMMENT_OR_SCRIPT = re.compile(
    rb"<!--.*?(?:-->|$)|<script\b.*?(?:</script\s*>|$)", re.IGNORECASE | re.DOTALL
)
_LINK_OR_META = re.compile(rb"<(?:link|meta)\b[^>]*>", re.IGNORECASE)
_NAMES_PAGE_URL = re.compile(rb"canonical|og:url", re.IGNORECASE)
SAVED_PAGE_SUFFIXES = frozenset({".html", ".htm", ".shtml"})
_SITEMAP_SUFFIXES = (".xml", ".xml.gz")
_GZIP_MAGIC = b"\x1f\x8b"
_LOC = re.compile(rb"<loc>\s*(.*?)\s*</loc>", re.IGNORECASE | re.DOTALL)
_URL_ENTRY = re.compile(rb"<url>(.*?)</url>", re.IGNORECASE | re.DOTALL)
_LASTMOD = re.compile(rb"<lastmod>\s*(.*?)\s*</lastmod>", re.IGNORECASE | re.DOTALL)
# A date without a time, or a time without a zone, could be in any time zone: the page may have changed up
# to the end of that day anywhere (UTC-12), so the bound is pushed that far; a little re-fetching is cheaper
# than a missed change.
_ZONELESS_MARGIN = timedelta(hours=12)


# A sitemap may send us to this many other hosts' robots.txt, to see whether they name it; past that, its
# URLs on further hosts are refused unread. Cross-submission is for a site's few sister domains; a sitemap
# listing hundreds of hosts is not a site's sitemap, and each robots.txt costs a request to a stranger.
MAX_ROBOTS_CHECKS_PER_SITEMAP = 20


class Download(Protocol):
    """The crawl's fetcher (tasks.crawler.BlockingFetcher): a URL's body, or FetchFailure raised."""

    def __call__(self, url: str) -> bytes: ...

    def robots_sitemaps(self, url: str) -> tuple[str, ...]: ...


class _Unresolvable(Exception):
    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(slots=True, frozen=True)
class _Sitemap:
    is_index: bool  # <sitemapindex>: `locs` are more sitemaps; <urlset>: `locs` are pages
    locs: list[str]
    lastmods: dict[str, datetime] = field(default_factory=dict)  # page loc -> lastmod_bound, when given


def _is_http(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


def _may_be_sitemap(url: str) -> bool:
    path = urlsplit(url).path.lower()
    return path.endswith(_SITEMAP_SUFFIXES) or "sitemap" in path.rsplit("/", 1)[-1]


def is_page_url_spec(spec: str) -> bool:
    """True for a source spec that names one web page (an http(s) URL not taken for a sitemap): the
    specs whose links `tasks.crawl` follows."""
    spec = spec.strip()
    return _is_http(spec) and not _may_be_sitemap(spec)


# --- sitemaps -------------------------------------------------------------------------------------


def _gunzip(data: bytes, where: str) -> bytes:
    try:
        inflater = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
        out = inflater.decompress(data, MAX_SITEMAP_BYTES + 1)
    except zlib.error as exc:
        raise _Unresolvable("resolve_bad_sitemap", f"{where} is not valid gzip ({exc})") from None
    if len(out) > MAX_SITEMAP_BYTES:
        raise _Unresolvable(
            "resolve_too_large", f"{where} unpacks to more than {MAX_SITEMAP_BYTES} bytes; split the sitemap"
        )
    return out


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def lastmod_bound(value: str) -> datetime | None:
    """The latest moment (UTC) a sitemap <lastmod> (W3C datetime) says the page can have changed, or None.

    "2024-03-29" → 2024-03-30 12:00 UTC (the end of that day in the last time zone); a zoned time is taken
    as is. Unparseable values (and year-month only) give None: the page is then checked as usual.
    """
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1) + _ZONELESS_MARGIN
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC) + _ZONELESS_MARGIN
    return moment.astimezone(UTC)


def _lastmods_by_pattern(data: bytes) -> dict[str, datetime]:
    found: dict[str, datetime] = {}
    for entry in _URL_ENTRY.findall(data):
        loc, lastmod = _LOC.search(entry), _LASTMOD.search(entry)
        bound = lastmod_bound(lastmod.group(1).decode("ascii", "replace")) if loc and lastmod else None
        if loc and bound:
            found[unescape(loc.group(1).decode("utf-8", "replace"))] = bound
    return found


def _lastmods_of(root: ElementTree.Element) -> dict[str, datetime]:
    found: dict[str, datetime] = {}
    for entry in root:
        if _local_name(entry.tag) != "url":
            continue
        fields = {_local_name(child.tag): (child.text or "").strip() for child in entry}
        bound = lastmod_bound(fields.get("lastmod", ""))
        if fields.get("loc") and bound:
            found[fields["loc"]] = bound
    return found


def parse_sitemap(data: bytes, where: str) -> _Sitemap | None:
    """The entries of a sitemap (gzipped or not), or None if `data` is not a sitemap at all.

    Sitemaps with unescaped `&` in URLs are common and are not well-formed XML; for those the <loc>
    elements are read with a pattern instead of failing the whole sitemap.
    """
    if data.startswith(_GZIP_MAGIC):
        data = _gunzip(data, where)
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        head = data[:2048].lower()
        if b"<urlset" not in head and b"<sitemapindex" not in head:
            raise _Unresolvable("resolve_bad_sitemap", f"{where} is not valid XML ({exc})") from None
        locs = [unescape(m.decode("utf-8", "replace")) for m in _LOC.findall(data)]
        is_index = b"<sitemapindex" in head
        return _Sitemap(is_index, locs, {} if is_index else _lastmods_by_pattern(data))
    kind = _local_name(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        return None
    locs = [(el.text or "").strip() for el in root.iter() if _local_name(el.tag) == "loc"]
    is_index = kind == "sitemapindex"
    return _Sitemap(is_index, [loc for loc in locs if loc], {} if is_index else _lastmods_of(root))


# What a page fetch calls the failure, as a resolve error: fetch_http_404 → resolve_http_404, …
def _resolve_kind(fetch_kind: str) -> str:
    return "resolve_" + fetch_kind.removeprefix("fetch_")


def _download(download: Download, url: str) -> bytes:
    try:
        return download(url)
    except FetchFailure as failure:
        raise _Unresolvable(_resolve_kind(failure.kind), failure.message) from None


def _read_sitemap_source(source: str, download: Download) -> bytes:
    if _is_http(source):
        return _download(download, source)
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        raise _Unresolvable("resolve_io_error", f"cannot read {source}: {exc.strerror}") from None


def scope_host(url: str) -> str:
    """The host a sitemap's scope is judged by: lower case, without one leading `www.` (a site's sitemap
    at example.cn listing www.example.cn pages is one site), without the port."""
    return (urlsplit(url).hostname or "").removeprefix("www.")


@dataclass(slots=True)
class _Scope:
    """Sitemaps.org's rule: a sitemap lists URLs of its own host only; another host's URLs only when that
    host's robots.txt names the sitemap (`Sitemap:` line). A hostile or careless sitemap could otherwise
    make a run fetch and store any host on the web (or of the intranet, with allow_private). Google and
    Bing enforce the same. Local sitemap files are the user's own and have no host: not judged."""

    download: Download
    same_host: bool  # fetch.sitemap_same_host; off: every host's URLs are kept

    def split(self, sitemap: str, locs: list[str]) -> tuple[set[str], dict[str, list[str]]]:
        """The `locs` in scope, and the others grouped by their host (in the sitemap's order)."""
        if not self.same_host or not _is_http(sitemap):
            return set(locs), {}
        own = scope_host(sitemap)
        foreign: defaultdict[str, list[str]] = defaultdict(list)
        for loc in locs:
            if scope_host(loc) != own:
                foreign[scope_host(loc)].append(loc)
        checked = list(foreign)[:MAX_ROBOTS_CHECKS_PER_SITEMAP]
        vouching = {host for host in checked if self._names(foreign[host][0], sitemap)}
        refused = {host: urls for host, urls in foreign.items() if host not in vouching}
        return {loc for loc in locs if scope_host(loc) not in refused}, refused

    def _names(self, url: str, sitemap: str) -> bool:
        """Whether the robots.txt of `url`'s site names `sitemap`."""
        wanted = normalize_url(sitemap)
        try:
            named = self.download.robots_sitemaps(url)
        except FetchFailure:
            return False
        return any(_is_http(line) and normalize_url(line) == wanted for line in named)


def _reject_out_of_scope(sitemap: str, foreign: dict[str, list[str]], result: StepResult[SourceItem]) -> None:
    """One error row per other host, on its first URL, with the number of its URLs left out."""
    checked = list(foreign)[:MAX_ROBOTS_CHECKS_PER_SITEMAP]
    for host, urls in foreign.items():
        n = len(urls)
        why = (
            f"the robots.txt of {host} does not name this sitemap"
            if host in checked
            else f"its robots.txt was not read (more than {MAX_ROBOTS_CHECKS_PER_SITEMAP} other hosts listed)"
        )
        result.counters["sitemap_urls_out_of_scope"] += n
        result.reject(
            urls[0],
            "resolve",
            "resolve_out_of_scope",
            f"{sitemap} lists {n} URL{'s' if n != 1 else ''} on {host}, not its own host ({urls[0]}"
            f"{' …' if n > 1 else ''}), and {why}: not requested. A sitemap may list only its own host's "
            "URLs (sitemaps.org); if you trust it, set fetch.sitemap_same_host = false or pass "
            "--sitemap-any-host",
        )


def _walk_sitemap(
    root: str, download: Download, result: StepResult[SourceItem], page_if_not: bool, scope: _Scope
) -> Iterator[SourceItem]:
    """Pages from a sitemap and the sitemaps it indexes, with their <lastmod>. A child that fails is one
    error row; its siblings still count. With `page_if_not` (a URL only suspected of being a sitemap by
    its name), a root whose body is not a sitemap is yielded as a page instead of reported."""
    queue: list[tuple[str, int]] = [(root, 0)]
    visited: set[str] = set()
    while queue:
        source, depth = queue.pop(0)
        if source in visited:
            continue
        visited.add(source)
        as_page = page_if_not and source == root
        try:
            sitemap = parse_sitemap(_read_sitemap_source(source, download), source)
        except _Unresolvable as exc:
            if as_page and exc.kind == "resolve_bad_sitemap":
                yield SourceItem(url=root)
            else:
                result.reject(source, "resolve", exc.kind, exc.message)
            continue
        if sitemap is None:
            if as_page:
                yield SourceItem(url=root)
            else:
                result.reject(
                    source,
                    "resolve",
                    "resolve_bad_sitemap",
                    f"{source} is XML but neither <urlset> nor <sitemapindex>; pass a sitemap or page URLs",
                )
            continue
        result.counters["sitemaps_read"] += 1
        if not sitemap.locs:
            result.reject(source, "resolve", "resolve_empty", f"sitemap {source} lists no URLs")
        # Checked before anything listed is requested: index children are sitemaps on hosts too.
        kept, foreign = scope.split(source, [loc for loc in sitemap.locs if _is_http(loc)])
        _reject_out_of_scope(source, foreign, result)
        for loc in sitemap.locs:
            if _is_http(loc) and loc not in kept:
                continue
            if not _is_http(loc):
                result.reject(
                    loc, "resolve", "resolve_bad_url", f"{source} lists {loc!r}, not an http(s) URL"
                )
            elif not sitemap.is_index:
                yield SourceItem(url=normalize_url(loc), changed_by=sitemap.lastmods.get(loc))
            elif depth + 1 < MAX_SITEMAP_DEPTH:
                queue.append((normalize_url(loc), depth + 1))
            else:
                result.reject(
                    loc,
                    "resolve",
                    "resolve_bad_sitemap",
                    f"{loc} is nested more than {MAX_SITEMAP_DEPTH} sitemap indexes deep; not followed",
                )


# --- saved pages ----------------------------------------------------------------------------------


def recovered_url(html_head: bytes) -> str | None:
    """The page's own URL as stated in a saved copy: <link rel="canonical"> or <meta property="og:url">.

    Catches pages saved from a browser or by wget, which keep their head. Knowingly misses relative
    canonical links (a saved file has no base URL to resolve them against) and URLs stated only in
    the body (a "本文链接:" line).

    Only the <link> and <meta> tags that can name the URL are parsed, outside comments and scripts: when
    they are ASCII (nearly always), their bytes read the same in every charset a page can be in, so the
    head is decoded (charset detection, ~1 ms) only for the rare non-ASCII URL or a UTF-16 page.
    """
    if b"\0" not in html_head:
        outside = _COMMENT_OR_SCRIPT.sub(b" ", html_head)
        tags = b"".join(tag for tag in _LINK_OR_META.findall(outside) if _NAMES_PAGE_URL.search(tag))
        if not tags:
            return None
        text = tags.decode("ascii") if tags.isascii() else decode_html(html_head, None).text
    else:
        text = decode_html(html_head, None).text
    tree = LexborHTMLParser(text)
    for node in tree.css('link[rel="canonical" i], meta[property="og:url" i]'):
        value = (node.attributes.get("href") or node.attributes.get("content") or "").strip()
        if _is_http(value):
            return value
    return None


def _saved_page(path: Path, real_dirs: dict[Path, Path]) -> SourceItem:
    """A saved page as a source item: its canonical URL, or else its file:// URL (symlinks resolved).

    `real_dirs` caches resolved directories across a folder's pages (see `_real_path`)."""
    try:
        with path.open("rb") as f:
            head = f.read(CANONICAL_SCAN_BYTES)
    except OSError:
        head = b""  # unreadable: fetch reports it with the file's path
    url = recovered_url(head) if head else None
    return SourceItem(url=normalize_url(url) if url else _real_path(path, real_dirs).as_uri(), path=str(path))


def _real_path(path: Path, real_dirs: dict[Path, Path]) -> Path:
    """`path.resolve()`, resolving each directory once: realpath costs an lstat per component of the
    path, six per page of a folder three levels deep (0.66 of the 1.6 s that resolving a 6,000-page folder
    took in a cProfiled run, before the first page could be fetched). A file that is no symlink lies
    where its resolved directory says."""
    if path.is_symlink():
        return path.resolve()
    parent = real_dirs.get(path.parent)
    if parent is None:
        parent = real_dirs[path.parent] = path.parent.resolve()
    return parent / path.name


def _saved_pages(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in SAVED_PAGE_SUFFIXES and p.is_file())


# --- specs ----------------------------------------------------------------------------------------


def _read_url_list(path: Path) -> list[tuple[int, str]]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030", errors="replace")  # saved by Notepad on a Chinese Windows
    lines = ((n, line.strip()) for n, line in enumerate(text.splitlines(), start=1))
    return [(n, line) for n, line in lines if line and not line.startswith("#")]


def _from_url(url: str, scope: _Scope, result: StepResult[SourceItem]) -> Iterator[SourceItem]:
    if _may_be_sitemap(url):
        named_xml = urlsplit(url).path.lower().endswith(_SITEMAP_SUFFIXES)
        yield from _walk_sitemap(normalize_url(url), scope.download, result, not named_xml, scope)
    else:
        yield SourceItem(url=normalize_url(url))


def _from_spec(spec: str, scope: _Scope, result: StepResult[SourceItem]) -> Iterator[SourceItem]:
    if not spec:
        raise _Unresolvable("resolve_bad_spec", "an empty source was given; remove it")
    if _is_http(spec):
        yield from _from_url(spec, scope, result)
        return
    if "://" in spec and not spec.lower().startswith("file://"):
        raise _Unresolvable(
            "resolve_bad_spec", f"{spec!r}: only http(s) URLs, local files and folders can be sources"
        )
    path = Path(urlsplit(spec).path if spec.lower().startswith("file://") else spec).expanduser()
    if path.is_dir():
        pages = _saved_pages(path)
        if not pages:
            raise _Unresolvable("resolve_empty", f"folder {path} holds no .html/.htm/.shtml files")
        real_dirs: dict[Path, Path] = {}
        yield from (_saved_page(p, real_dirs) for p in pages)
    elif not path.exists():
        raise _Unresolvable(
            "resolve_not_found", f"{spec!r} is neither an http(s) URL nor an existing file or folder"
        )
    elif path.suffix.lower() in SAVED_PAGE_SUFFIXES:
        yield _saved_page(path, {})
    elif path.name.lower().endswith(_SITEMAP_SUFFIXES):
        yield from _walk_sitemap(str(path), scope.download, result, False, scope)
    else:
        try:
            lines = _read_url_list(path)
        except OSError as exc:
            raise _Unresolvable("resolve_io_error", f"cannot read {path}: {exc.strerror}") from None
        if not lines:
            raise _Unresolvable("resolve_empty", f"{path} lists no URLs (one per line, # for comments)")
        for number, line in lines:
            if _is_http(line):
                yield from _from_url(line, scope, result)
            else:
                result.reject(
                    line,
                    "resolve",
                    "resolve_bad_url",
                    f"{path}, line {number}: {line!r} is not an http(s) URL; write it with http:// or https://",
                )


def resolve_sources(specs: Sequence[str], cfg: FetchConfig) -> StepResult[SourceItem]:
    """Expand specs into SourceItems in first-seen order, without duplicates; see the module docstring."""
    result: StepResult[SourceItem] = StepResult()
    seen: set[str] = set()
    with blocking_fetcher(cfg) as download:
        scope = _Scope(download, cfg.sitemap_same_host)
        for spec in specs:
            spec = spec.strip()
            try:
                for item in _from_spec(spec, scope, result):
                    if item.url in seen:
                        result.counters["duplicates"] += 1
                        continue
                    seen.add(item.url)
                    result.items.append(item)
            except _Unresolvable as exc:
                result.reject(spec, "resolve", exc.kind, exc.message)
    result.counters["sources"] = len(result.items)
    return result
