"""normalize_url: one spelling per page, without rewrites that could change the page a server returns."""

from __future__ import annotations

import pytest

from wenji.tasks.urls import normalize_url


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTP://WWW.GOV.CN/Zhengce/Index.htm", "http://www.gov.cn/Zhengce/Index.htm"),  # path case kept
        ("http://www.gov.cn:80/a.html", "http://www.gov.cn/a.html"),
        ("https://www.gov.cn:443/a.html", "https://www.gov.cn/a.html"),
        ("https://www.gov.cn:8443/a.html", "https://www.gov.cn:8443/a.html"),
        ("http://www.gov.cn", "http://www.gov.cn/"),
        ("http://www.gov.cn/a.html#content", "http://www.gov.cn/a.html"),
        ("  http://www.gov.cn/a.html \n", "http://www.gov.cn/a.html"),
        ("http://www.gov.cn/a/", "http://www.gov.cn/a/"),  # trailing slash kept
        ("http://[::1]:80/x", "http://[::1]/x"),
    ],
)
def test_scheme_host_port_fragment(raw: str, expected: str) -> None:
    assert normalize_url(raw) == expected


def test_tracking_params_dropped_others_keep_order() -> None:
    url = "https://news.sina.com.cn/c/2024-03-29/doc.shtml?utm_source=wx&id=9&spm=a2c4.1&page=2&fbclid=X&a=1"
    assert normalize_url(url) == "https://news.sina.com.cn/c/2024-03-29/doc.shtml?id=9&page=2&a=1"


def test_only_tracking_query_leaves_no_question_mark() -> None:
    assert normalize_url("http://x.cn/a.html?utm_medium=email&gclid=1") == "http://x.cn/a.html"


def test_wechat_share_from_dropped_but_cms_from_kept() -> None:
    assert normalize_url("http://x.cn/a?from=singlemessage&isappinstalled=0") == "http://x.cn/a"
    assert normalize_url("http://x.cn/a?from=list&id=3") == "http://x.cn/a?from=list&id=3"


def test_chinese_path_and_query_are_percent_encoded_as_utf8() -> None:
    raw = "http://www.fanwen.cn/讲话稿/决胜 大会.html?q=文明城市"
    expected = (
        "http://www.fanwen.cn/%E8%AE%B2%E8%AF%9D%E7%A8%BF/%E5%86%B3%E8%83%9C%20%E5%A4%A7%E4%BC%9A.html"
        "?q=%E6%96%87%E6%98%8E%E5%9F%8E%E5%B8%82"
    )
    assert normalize_url(raw) == expected
    assert normalize_url(expected) == expected  # existing escapes are not escaped twice
    assert normalize_url(expected.lower().replace("http://www.fanwen.cn", "http://WWW.fanwen.cn")) == expected


def test_idn_host_becomes_punycode() -> None:
    assert normalize_url("http://政府.中国/新闻") == normalize_url("http://xn--mxtq1m.xn--fiqs8s/新闻")
    assert normalize_url("http://政府.中国/").startswith("http://xn--mxtq1m.xn--fiqs8s/")


def test_not_a_url_comes_back_stripped() -> None:
    assert normalize_url(" 不是网址 ") == "不是网址"
    assert normalize_url("file:///tmp/saved%20page.html#x") == "file:///tmp/saved%20page.html"


def test_idempotent() -> None:
    for url in ("HTTP://A.cn:80/x?utm_id=1&b=2#f", "https://政府.中国/讲话?a=1&from=timeline"):
        once = normalize_url(url)
        assert normalize_url(once) == once
