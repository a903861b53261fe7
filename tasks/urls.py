"""URL normalisation: one spelling per page, so that `page_id` (a hash of it) is stable across runs.

Only rewrites that cannot change which document a server returns: case of scheme and host, default
ports, the fragment, percent-encoding spelling, and query parameters that only feed analytics.
Path case, trailing slashes and the order of the remaining query parameters are kept: servers differ
on whether they matter.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote, urlsplit, urlunsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}

# Query parameters that only say where a click came from. `spm` is Alibaba/Taobao's tracker, common on
# Chinese portals; the rest are the usual ad-network and mail-campaign click ids.
_TRACKING_PARAMS = frozenset(
    {"spm", "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid"}
)
_TRACKING_PREFIXES = ("utm_", "_hs")
# `from` is a real parameter on some CMSs, so it is only dropped with the values WeChat adds to shared
# links (…?from=singlemessage&isappinstalled=0).
_WECHAT_SHARE_FROM = frozenset({"singlemessage", "groupmessage", "timeline", "message"})
_WECHAT_SHARE_EXTRA = frozenset({"isappinstalled"})

# Characters left as they are when re-quoting: RFC 3986 reserved and unreserved ones, and `%` so that
# existing escapes are not escaped twice.
_SAFE_PATH = "/%:@!$&'()*+,;=-._~"
_SAFE_QUERY = _SAFE_PATH + "?"
_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")


def _is_tracking(name: str, value: str) -> bool:
    key = unquote(name).lower()
    if key in _TRACKING_PARAMS or key in _WECHAT_SHARE_EXTRA or key.startswith(_TRACKING_PREFIXES):
        return True
    return key == "from" and unquote(value).lower() in _WECHAT_SHARE_FROM


def _clean_query(query: str) -> str:
    kept = []
    for piece in query.split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        if not _is_tracking(name, value):
            kept.append(piece)
    return "&".join(kept)


def _requote(part: str, safe: str) -> str:
    """Percent-encode raw non-ASCII and spaces as UTF-8 (as browsers do) and upper-case escapes."""
    return _ESCAPE.sub(lambda m: m.group(0).upper(), quote(part, safe=safe))


def percent_encode(path_and_query: str) -> str:
    """A path (with query) spelled as `normalize_url` spells it: raw non-ASCII as UTF-8 escapes."""
    return _requote(path_and_query, _SAFE_QUERY)


def _ascii_host(host: str) -> str:
    """Chinese domain names (政府.中国) become their punycode form, which is what goes over the wire."""
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def normalize_url(url: str) -> str:
    """The canonical spelling of `url`; input that is not a URL comes back stripped but otherwise as is."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return urlunsplit((scheme, parts.netloc, parts.path, parts.query, ""))
    host = _ascii_host(parts.hostname.lower())
    if ":" in host:
        host = f"[{host}]"  # IPv6 literal
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    if parts.username is not None:
        userinfo = parts.netloc.rpartition("@")[0]
        netloc = f"{userinfo}@{netloc}"
    path = _requote(parts.path, _SAFE_PATH) or "/"
    query = _requote(_clean_query(parts.query), _SAFE_QUERY)
    return urlunsplit((scheme, netloc, path, query, ""))
