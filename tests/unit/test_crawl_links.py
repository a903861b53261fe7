"""page_links / skip_reason on literal pages: link resolution and filters, no network."""

from __future__ import annotations

from datetime import UTC, datetime

from wenji.tasks.crawl import page_links, site_of, skip_reason
from wenji.tasks.records import Page
from wenji.tasks.settings import CrawlConfig


def page(html: str, final_url: str = "http://www.gov.cn/zhengce/index.htm") -> Page:
    return Page(
        url=final_url,
        final_url=final_url,
        status=200,
        content_type="text/html",
        body=html.encode(),
        text=html,
        encoding="utf-8",
        encoding_source="meta",
        bad_bytes=0,
        content_hash="",
        fetched_at=datetime.now(UTC),
    )


LIST = """<html><head><title>政策文件_中国政府网</title></head><body>
<ul>
<li><a href="content_6942.htm">国务院关于印发《2024年政府工作报告》重点工作分工的意见</a></li>
<li><a href="../xinwen/2024-03/29/content_1.htm#top">李强主持召开国务院常务会议</a></li>
<li><a href="
   /zhengce/content_6943.htm">关于进一步优化支付服务的意见</a></li>
<li><a href="/zhengce/附件/目录.pdf">附件：目录</a></li>
<li><a href="content_6942.htm?utm_source=wx">国务院关于印发《2024年政府工作报告》重点工作分工的意见</a></li>
</ul>
<a href="javascript:goPage(2)">下一页</a> <a href="#">顶部</a> <a href="mailto:zfwz@gov.cn">联系我们</a>
<map><area href="http://english.gov.cn/" alt="English"></map>
</body></html>"""


def test_links_resolved_normalised_and_deduplicated() -> None:
    assert page_links(page(LIST)) == [
        "http://www.gov.cn/zhengce/content_6942.htm",
        "http://www.gov.cn/xinwen/2024-03/29/content_1.htm",
        "http://www.gov.cn/zhengce/content_6943.htm",
        "http://www.gov.cn/zhengce/%E9%99%84%E4%BB%B6/%E7%9B%AE%E5%BD%95.pdf",
        "http://english.gov.cn/",
    ]


def test_base_href_and_redirected_final_url_are_the_base() -> None:
    html = '<html><head><base href="/wenjian/"></head><body><a href="1.html">通知</a></body></html>'
    assert page_links(page(html)) == ["http://www.gov.cn/wenjian/1.html"]
    moved = page('<a href="2.html">公告</a>', final_url="https://www.gov.cn/new/list.html")
    assert page_links(moved) == ["https://www.gov.cn/new/2.html"]


def test_skip_reasons() -> None:
    sites = {site_of("http://www.gov.cn/zhengce/")}
    cfg = CrawlConfig(follow_links=True, include=(r"/zhengce/",), exclude=(r"content_6943",))
    assert skip_reason("https://gov.cn/zhengce/content_1.htm", sites, cfg) is None  # www. and scheme ignored
    assert skip_reason("http://english.gov.cn/zhengce/", sites, cfg) == "offsite"
    assert skip_reason("http://www.gov.cn/zhengce/a.PDF", sites, cfg) == "file"
    assert skip_reason("http://www.gov.cn/xinwen/1.htm", sites, cfg) == "not_included"
    assert skip_reason("http://www.gov.cn/zhengce/content_6943.htm", sites, cfg) == "excluded"
    anywhere = CrawlConfig(follow_links=True, same_site=False)
    assert skip_reason("http://english.gov.cn/", sites, anywhere) is None
