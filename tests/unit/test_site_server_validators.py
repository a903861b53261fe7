"""Validators on served files: ETag and Last-Modified, and 304 answers to conditional GETs."""

from __future__ import annotations

import os
from email.utils import formatdate
from pathlib import Path

import httpx

from wenji.tasks.site_server import serve

PAGE = "<html><body><p>关于做好2024年春节期间安全生产工作的通知</p></body></html>"


def _site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    root.mkdir()
    (root / "tongzhi.html").write_bytes(PAGE.encode("gbk"))
    os.utime(root / "tongzhi.html", (1_700_000_000, 1_700_000_000))
    return root


def test_file_answers_carry_etag_and_last_modified(tmp_path: Path) -> None:
    with serve(_site(tmp_path)) as url:
        response = httpx.get(url + "/tongzhi.html")
    assert response.status_code == 200
    assert response.headers["etag"].startswith('"') and response.headers["etag"].endswith('"')
    assert response.headers["last-modified"] == formatdate(1_700_000_000, usegmt=True)


def test_matching_etag_gets_bodiless_304_and_changed_file_gets_200(tmp_path: Path) -> None:
    root = _site(tmp_path)
    with serve(root) as url, httpx.Client() as client:
        etag = client.get(url + "/tongzhi.html").headers["etag"]
        again = client.get(url + "/tongzhi.html", headers={"If-None-Match": etag})
        weak = client.get(url + "/tongzhi.html", headers={"If-None-Match": f'"other", W/{etag}'})
        (root / "tongzhi.html").write_bytes(PAGE.replace("春节", "国庆").encode("gbk"))
        edited = client.get(url + "/tongzhi.html", headers={"If-None-Match": etag})
    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["etag"] == etag
    assert weak.status_code == 304
    assert edited.status_code == 200
    assert "国庆" in edited.content.decode("gbk")
    assert edited.headers["etag"] != etag


def test_if_modified_since_compares_with_mtime_unless_if_none_match_is_sent(tmp_path: Path) -> None:
    with serve(_site(tmp_path)) as url, httpx.Client() as client:
        page = url + "/tongzhi.html"
        same = client.get(page, headers={"If-Modified-Since": formatdate(1_700_000_000, usegmt=True)})
        older = client.get(page, headers={"If-Modified-Since": formatdate(1_600_000_000, usegmt=True)})
        garbled = client.get(page, headers={"If-Modified-Since": "yesterday"})
        stale_tag = client.get(
            page,
            headers={"If-None-Match": '"old"', "If-Modified-Since": formatdate(1_700_000_000, usegmt=True)},
        )
    assert same.status_code == 304
    assert older.status_code == 200
    assert garbled.status_code == 200
    assert stale_tag.status_code == 200  # If-None-Match wins over the date (RFC 9110 §13.2.2)
