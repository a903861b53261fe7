"""fetch.connect_to: public URLs fetched from a local server whose port changes, as `wenji demo` does.

The pages must keep their URLs (so their page ids) whatever port serves them, and the address policy must
still refuse a loopback target unless fetch.allow_private is on.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from wenji.tasks.connect_to import parse_connect_to
from wenji.tasks.crawler import fetch_batch
from wenji.tasks.records import page_id_for
from wenji.tasks.settings import FetchConfig, SettingsError
from wenji.tasks.site_server import CANONICAL_ORIGIN, serve
from wenji.tasks.sources import resolve_sources

SAMPLE_SITE = Path(__file__).resolve().parents[2] / "examples" / "site"


def _pages_via(base_url: str, allow_private: bool = True) -> tuple[list[str], list[str]]:
    cfg = FetchConfig(allow_private=allow_private, connect_to=(f"{CANONICAL_ORIGIN}={base_url}",), retries=0)
    resolved = resolve_sources([f"{CANONICAL_ORIGIN}/sitemap.xml"], cfg)
    fetched = fetch_batch(resolved.items, cfg)
    return [p.url for p in fetched.items], [e.kind for e in [*resolved.errors, *fetched.errors]]


def test_pages_keep_their_public_urls_whatever_port_serves_them() -> None:
    with serve(SAMPLE_SITE, rewrite_origin=False) as first:
        urls_first, errors_first = _pages_via(first)
    with serve(SAMPLE_SITE, rewrite_origin=False) as second:
        urls_second, errors_second = _pages_via(second)
    assert first != second  # a new port each time
    assert errors_first == errors_second == []
    assert len(urls_first) == 25
    assert all(u.startswith(f"{CANONICAL_ORIGIN}/") for u in urls_first)
    assert [page_id_for(u) for u in urls_first] == [page_id_for(u) for u in urls_second]


def test_a_loopback_target_is_refused_without_allow_private() -> None:
    with serve(SAMPLE_SITE, rewrite_origin=False) as base_url:
        urls, errors = _pages_via(base_url, allow_private=False)
    assert urls == []
    assert errors == ["resolve_forbidden_address"]


def test_the_served_sitemap_is_the_stored_one_without_rewriting() -> None:
    import httpx

    stored = (SAMPLE_SITE / "sitemap.xml").read_bytes()
    with serve(SAMPLE_SITE, rewrite_origin=False) as base_url:
        assert httpx.get(f"{base_url}/sitemap.xml").content == stored
    with serve(SAMPLE_SITE) as base_url:
        assert base_url.encode() in httpx.get(f"{base_url}/sitemap.xml").content


@pytest.mark.parametrize(
    "entry",
    ["https://a.cn", "https://a.cn=", "ftp://a.cn=http://127.0.0.1:1", "https://a.cn/x=http://127.0.0.1:1"],
)
def test_bad_connect_to_entries_are_refused_with_the_key(entry: str) -> None:
    with pytest.raises(ValueError):
        parse_connect_to([entry])
    with pytest.raises(SettingsError, match=r"fetch\.connect_to"):
        FetchConfig(connect_to=(entry,))
