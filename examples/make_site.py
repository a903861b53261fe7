# ruff: noqa: E501  (HTML template lines stay whole so they read like the pages they produce)
"""Build the sample 范文 site in examples/site/ from the source texts in examples/articles/.

Run from anywhere: `python examples/make_site.py`. The output is deterministic (no clocks, no randomness),
so re-running it on an unchanged tree changes nothing and the generated files are checked in.

Each examples/articles/*.txt is UTF-8: a `key: value` header, a line `---`, then the body, one paragraph
per line, kept exactly (leading spaces, stray `。` lines and paragraphs split mid-word on purpose).
A body line starting with `## ` is a heading and is rendered bold. Header keys:

  id, category, title           -- page is /fanwen/<category>/<id>.html; `title` is the <h1>
  page_title                    -- optional <title> text before the site suffix (defaults to title)
  date                          -- `YYYY-MM-DD HH:MM:SS`
  encoding                      -- utf-8 | utf-8-sig (with BOM) | gbk | gb18030: the bytes on disk
  declare                       -- meta-charset | meta-http-equiv | http-header | none: where the charset
                                   is declared (only there); `declared_as` is the label (e.g. gb2312)
  template                      -- dede | article | table: three unrelated HTML structures
  body                          -- p (one <p> per line) | br (one <div>, lines joined by <br />)
  indent                        -- none | nbsp (&nbsp; x4) | fullwidth (two U+3000)
  crumb_sep                     -- the breadcrumb separator as written in the HTML (>, &gt;, &raquo;, /)
  tags, keywords, description   -- tag line words (space separated) and <meta> contents (optional)
  source, author                -- for the 来源/作者 line of the article template
  copyright                     -- optional site name/years override in the footer (the seed page)

Characters a legacy encoding cannot hold in the page chrome (©, ») become character references, as
GBK CMSes emit them; the article body itself must encode strictly so its bytes are real GBK/GB18030.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ARTICLES = HERE / "articles"
SITE = HERE / "site"
ORIGIN = "https://www.fanwen-demo.cn"
SITE_NAME = "博文范文网"
LIST_PAGE_SIZE = 3  # small so that the 讲话稿 list has a second page with pagination links
RELATED_COUNT = 8
LATEST_COUNT = 8

CATEGORIES = {
    "jianghua": "讲话稿",
    "zongjie": "工作总结",
    "xinde": "心得体会",
    "fangan": "工作方案",
    "tongzhi": "通知",
    "qihuashu": "企划书",
}


@dataclass(frozen=True)
class Article:
    id: str
    category: str
    title: str
    page_title: str
    date: datetime
    encoding: str
    declare: str
    declared_as: str
    template: str
    body: str
    indent: str
    crumb_sep: str
    tags: list[str]
    keywords: str
    description: str
    source: str
    author: str
    copyright: str
    lines: list[str]

    @property
    def url(self) -> str:
        return f"/fanwen/{self.category}/{self.id}.html"

    @property
    def path(self) -> Path:
        return SITE / "fanwen" / self.category / f"{self.id}.html"


def load_article(path: Path) -> Article:
    head, _, body = path.read_text(encoding="utf-8").partition("\n---\n")
    meta = dict(line.split(": ", 1) for line in head.splitlines() if line.strip())
    lines = [line for line in body.split("\n") if line.strip()]
    return Article(
        id=meta["id"],
        category=meta["category"],
        title=meta["title"],
        page_title=meta.get("page_title", meta["title"]),
        date=datetime.strptime(meta["date"], "%Y-%m-%d %H:%M:%S"),
        encoding=meta["encoding"],
        declare=meta["declare"],
        declared_as=meta.get("declared_as", meta["encoding"].removesuffix("-sig")),
        template=meta["template"],
        body=meta.get("body", "p"),
        indent=meta.get("indent", "none"),
        crumb_sep=meta.get("crumb_sep", ">"),
        tags=meta.get("tags", "").split(),
        keywords=meta.get("keywords", ""),
        description=meta.get("description", ""),
        source=meta.get("source", "本站原创"),
        author=meta.get("author", "佚名"),
        copyright=meta.get("copyright", f"2008 - 2024 版权所有 {SITE_NAME}"),
        lines=lines,
    )


# ---------------------------------------------------------------- shared page parts


def charset_head(a: Article) -> str:
    if a.declare == "meta-charset":
        return f'<meta charset="{a.declared_as}">'
    if a.declare == "meta-http-equiv":
        return f'<meta http-equiv="Content-Type" content="text/html; charset={a.declared_as}" />'
    return ""


def seo_head(a: Article) -> str:
    parts = []
    if a.keywords:
        parts.append(f'<meta name="keywords" content="{html.escape(a.keywords)}" />')
    if a.description:
        parts.append(f'<meta name="description" content="{html.escape(a.description)}" />')
    return "\n".join(parts)


def nav_links() -> list[str]:
    items = ['<a href="/">首页</a>', '<a href="/fanwen/">范文大全</a>']
    items += [f'<a href="/fanwen/{slug}/">{name}</a>' for slug, name in CATEGORIES.items()]
    return items


def breadcrumb(a: Article) -> str:
    sep = f" {a.crumb_sep} "
    name = CATEGORIES[a.category]
    return sep.join(
        [
            '<a href="/">首页</a>',
            '<a href="/fanwen/">范文大全</a>',
            f'<a href="/fanwen/{a.category}/">{name}</a>',
            "正文",
        ]
    )


def meta_line(a: Article) -> str:
    d = a.date
    if a.template == "dede":
        return f'发布时间:{d:%Y-%m-%d %H:%M:%S} 影响了:<script src="/plus/count.php?view=yes&amp;aid={a.id}"></script>'
    if a.template == "article":
        return f"来源: {a.source} 作者: {a.author} 时间: {d.year}年{d.month}月{d.day}日"
    return (
        f'发布日期:{d:%Y/%m/%d}　来源:{a.source}　点击数:<script src="/plus/count.php?aid={a.id}"></script>'
    )


def paragraph_text(line: str, indent: str) -> str:
    heading = line.startswith("## ")
    text = html.escape(line[3:] if heading else line, quote=False)
    if heading:
        text = f"<strong>{text}</strong>"
    prefix = {"none": "", "nbsp": "&nbsp;&nbsp;&nbsp;&nbsp;", "fullwidth": "\u3000\u3000"}[indent]
    return prefix + text


def body_html(a: Article) -> str:
    texts = [paragraph_text(line, a.indent) for line in a.lines]
    if a.body == "br":
        return "<div>" + "<br />\n<br />\n".join(texts) + "<br />\n</div>"
    return "\n".join(f"<p>{t}</p>" for t in texts)


def tag_line(a: Article) -> str:
    links = " ".join(f'<a href="/plus/search.php?keyword={t}" target="_blank">{t}</a>' for t in a.tags)
    return f"相关热词搜索:{links}"


def link_list(articles: list[Article], shorten: int = 0, dates: bool = False) -> str:
    rows = []
    for o in articles:
        text = o.title if not shorten or len(o.title) <= shorten else o.title[:shorten] + "..."
        date = f"<span>{o.date:%m-%d}</span>" if dates else ""
        rows.append(
            f'<li>{date}<a href="{o.url}" title="{html.escape(o.title)}">{html.escape(text)}</a></li>'
        )
    return "<ul>\n" + "\n".join(rows) + "\n</ul>"


def prev_next(a: Article, site: list[Article]) -> tuple[str, str]:
    same = [o for o in site if o.category == a.category]
    i = same.index(a)
    prev = f'<a href="{same[i - 1].url}">{same[i - 1].title}</a>' if i > 0 else "没有了"
    nxt = f'<a href="{same[i + 1].url}">{same[i + 1].title}</a>' if i + 1 < len(same) else "没有了"
    return f"上一篇:{prev}", f"下一篇:{nxt}"


def related(a: Article, site: list[Article]) -> list[Article]:
    """Same category first, then the oldest of the rest, so the list differs from 最新文章 (as on real sites)."""
    others = [o for o in site if o is not a]
    others.sort(key=lambda o: (o.category != a.category, o.date))
    return others[:RELATED_COUNT]


def latest(a: Article, site: list[Article]) -> list[Article]:
    return sorted((o for o in site if o is not a), key=lambda o: o.date, reverse=True)[:LATEST_COUNT]


SHARE = (
    '分享到:<a href="javascript:void(0)" class="s-qzone">QQ空间</a> '
    '<a href="javascript:void(0)" class="s-weibo">新浪微博</a> '
    '<a href="javascript:void(0)" class="s-weixin">微信</a> '
    '<a href="javascript:void(0)" class="s-more">更多</a>'
)
AD = (
    '<script type="text/javascript">document.write(\'<a href="/vip/">\');</script>'
    "【范文下载】本站会员可免费下载全站范文Word文档,开通VIP立享8折优惠,"
    '<a href="/vip/" rel="nofollow">点击开通</a>'
)
STATS_SCRIPT = '<script src="/js/tongji.js" type="text/javascript"></script>'


def footer_lines(a: Article | None) -> list[str]:
    rights = a.copyright if a else f"2008 - 2024 版权所有 {SITE_NAME}"
    return [
        f"Copyright © {rights}",
        '<a href="https://beian.miit.gov.cn/" rel="nofollow" target="_blank">工业和信息化部</a> 湘ICP备09005888号-2',
    ]


def title_tag(a: Article) -> str:
    suffix = {"dede": f" - {SITE_NAME}", "article": f"_{SITE_NAME}", "table": f"|{SITE_NAME}"}[a.template]
    return f"<title>{html.escape(a.page_title)}{suffix}</title>"


# ---------------------------------------------------------------- three unrelated templates


def render_dede(a: Article, site: list[Article]) -> str:
    """DedeCMS-style: div.content inside div.article, related list under it, latest in the right column."""
    prev, nxt = prev_next(a, site)
    nav = "\n".join(f"<li>{x}</li>" for x in nav_links())
    foot = "</p>\n<p>".join(footer_lines(a))
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
{charset_head(a)}
{title_tag(a)}
{seo_head(a)}
<link href="/templets/default/style/dedecms.css" rel="stylesheet" media="screen" type="text/css" />
<style type="text/css">.content p{{line-height:28px;margin:10px 0}}.ad{{border:1px dashed #ccc}}</style>
<script language="javascript" type="text/javascript" src="/include/dedeajax2.js"></script>
</head>
<body class="articleview">
<div class="header">
<div class="top w960 center"><div class="title"><h2><a href="/">{SITE_NAME}</a></h2></div>
<form name="formsearch" action="/plus/search.php"><input type="text" name="q" class="search-keyword" value="输入关键词" /><button type="submit" class="search-submit">搜索</button></form></div>
<div class="module blue mT10 wrapper w963"><div id="navMenu"><ul>
{nav}
</ul></div></div>
</div>
<div class="w960 center clear mt1">
<div class="pleft">
<div class="place">当前位置:{breadcrumb(a)}</div>
<div class="viewbox">
<div class="title"><h1>{html.escape(a.title)}</h1></div>
<div class="info"><small>{meta_line(a)}</small></div>
<div class="ad">{AD}</div>
<div class="content">
{body_html(a)}
</div>
<div class="tags">{tag_line(a)}</div>
<div class="share">{SHARE}</div>
<div class="boxoff"><strong>------分隔线----------------------------</strong></div>
<div class="handle"><div class="context"><ul><li>{prev}</li><li>{nxt}</li></ul></div></div>
</div>
<div class="xiangguan"><dl class="tbox"><dt><strong>相关文章</strong></dt><dd>
{link_list(related(a, site))}
</dd></dl></div>
</div>
<div class="pright">
<div class="commend"><dl class="tbox light"><dt class="light"><strong>最新文章</strong></dt><dd class="light">
{link_list(latest(a, site))}
</dd></dl></div>
<div class="ad">{AD}</div>
</div>
</div>
<div class="footer w960 center mt1 clear">
<p>{foot}</p>
</div>
{STATS_SCRIPT}
</body>
</html>
"""


def render_article(a: Article, site: list[Article]) -> str:
    """HTML5 theme: <article id=post-N> with <section id=entry-content>, sidebar <aside> with sections."""
    prev, nxt = prev_next(a, site)
    nav = " | ".join(nav_links())
    foot = "<br />\n".join(footer_lines(a))
    return f"""<!doctype html>
<html lang="zh-CN">
<head>
{charset_head(a)}
<meta name="viewport" content="width=device-width, initial-scale=1">
{title_tag(a)}
{seo_head(a)}
<link rel="stylesheet" href="/static/css/theme.min.css?v=2.3.1">
</head>
<body class="post-template single">
<header class="site-header"><div class="logo"><a href="/" rel="home">{SITE_NAME}</a><span class="slogan">免费范文 一站搞定</span></div>
<nav id="site-nav" class="menu">{nav}</nav></header>
<div id="wrapper" class="container">
<nav class="crumbs" aria-label="breadcrumb">当前位置:{breadcrumb(a)}</nav>
<main id="primary">
<article id="post-{a.id}" class="post type-post">
<header class="entry-header">
<h1 class="entry-title">{html.escape(a.title)}</h1>
<div class="entry-meta">{meta_line(a)}</div>
</header>
<section id="entry-content" class="entry-content">
{body_html(a)}
</section>
<footer class="entry-footer">
<p class="post-tags">{tag_line(a)}</p>
<div class="bdsharebuttonbox">{SHARE}</div>
<nav class="post-navigation"><div class="nav-previous">{prev}</div><div class="nav-next">{nxt}</div></nav>
</footer>
</article>
<section id="related-posts" class="widget"><h3 class="widget-title">相关文章</h3>
{link_list(related(a, site), dates=True)}
</section>
</main>
<aside id="secondary" class="sidebar">
<section id="ad-side" class="widget adbox">{AD}</section>
<section id="recent-posts" class="widget"><h3 class="widget-title">最新文章</h3>
{link_list(latest(a, site))}
</section>
</aside>
</div>
<footer id="colophon" class="site-footer"><p>{foot}</p></footer>
{STATS_SCRIPT}
</body>
</html>
"""


def render_table(a: Article, site: list[Article]) -> str:
    """Old table layout with <font> tags; the text sits in td#zoom, latest titles are cut with "..."."""
    prev, nxt = prev_next(a, site)
    nav = "&nbsp;|&nbsp;".join(nav_links())
    foot = "<br>\n".join(footer_lines(a))
    return f"""<html>
<head>
{charset_head(a)}
{title_tag(a)}
{seo_head(a)}
<link rel="stylesheet" type="text/css" href="/css/main.css">
</head>
<body topmargin="0" leftmargin="0">
<table width="960" border="0" align="center" cellpadding="0" cellspacing="0" class="top">
<tr><td height="80"><img src="/images/logo.gif" alt="{SITE_NAME}" width="300" height="80"></td><td class="topad">{AD}</td></tr>
<tr><td colspan="2" class="nav" height="32">{nav}</td></tr>
</table>
<table width="960" border="0" align="center" cellpadding="0" cellspacing="0">
<tr><td class="dh" height="30">当前位置:{breadcrumb(a)}</td></tr>
</table>
<table width="960" border="0" align="center" cellpadding="0" cellspacing="0">
<tr>
<td width="700" valign="top">
<table width="100%" border="0" cellpadding="0" cellspacing="0" class="wz">
<tr><td align="center" class="title"><h1><font color="#000000">{html.escape(a.title)}</font></h1></td></tr>
<tr><td align="center" class="time"><font color="#666666">{meta_line(a)}</font></td></tr>
<tr><td class="f14" id="zoom">
{body_html(a)}
</td></tr>
<tr><td class="keyword">{tag_line(a)}</td></tr>
<tr><td class="fx">{SHARE}</td></tr>
<tr><td class="sxp">{prev}<br>{nxt}</td></tr>
<tr><td class="xgwz"><b>相关文章</b>
{link_list(related(a, site))}
</td></tr>
</table>
</td>
<td width="10"></td>
<td width="250" valign="top" class="right">
<table width="100%" border="0" cellpadding="0" cellspacing="0"><tr><td class="rtit"><b>最新文章</b></td></tr>
<tr><td>{link_list(latest(a, site), shorten=14)}</td></tr>
<tr><td class="rad">{AD}</td></tr></table>
</td>
</tr>
</table>
<table width="960" border="0" align="center" cellpadding="0" cellspacing="0" class="bottom">
<tr><td align="center">{foot}</td></tr>
</table>
{STATS_SCRIPT}
</body>
</html>
"""


TEMPLATES = {"dede": render_dede, "article": render_article, "table": render_table}


# ---------------------------------------------------------------- list pages, sitemap, robots


def simple_page(title: str, crumb: str, main: str) -> str:
    nav = "\n".join(f"<li>{x}</li>" for x in nav_links())
    foot = "</p>\n<p>".join(footer_lines(None))
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{title}</title>
<meta name="keywords" content="范文,讲话稿,工作总结,心得体会,工作方案,通知,{SITE_NAME}" />
</head>
<body class="listview">
<div class="header"><h2><a href="/">{SITE_NAME}</a></h2><div id="navMenu"><ul>
{nav}
</ul></div></div>
<div class="w960 center">
<div class="place">当前位置:{crumb}</div>
{main}
</div>
<div class="footer"><p>{foot}</p></div>
</body>
</html>
"""


def summary(a: Article, length: int = 60) -> str:
    text = "".join(line.strip().removeprefix("## ") for line in a.lines)
    return html.escape(text[:length]) + "..."


def list_entries(articles: list[Article]) -> str:
    rows = [
        f'<li><h3><a href="{a.url}">{html.escape(a.title)}</a></h3><p>{summary(a)}</p>'
        f'<span class="date">{a.date:%Y-%m-%d}</span></li>'
        for a in articles
    ]
    return '<ul class="e2">\n' + "\n".join(rows) + "\n</ul>"


def list_page_name(page_no: int) -> str:
    return "index.html" if page_no == 1 else f"list_{page_no}.html"


def pagination(page_no: int, pages: int) -> str:
    links = [f"<li>共{pages}页</li>"]
    if page_no > 1:
        links.append(f'<li><a href="{list_page_name(page_no - 1)}">上一页</a></li>')
    for n in range(1, pages + 1):
        links.append(
            f'<li class="thisclass">{n}</li>'
            if n == page_no
            else f'<li><a href="{list_page_name(n)}">{n}</a></li>'
        )
    if page_no < pages:
        links.append(f'<li><a href="{list_page_name(page_no + 1)}">下一页</a></li>')
    return '<div class="dede_pages"><ul class="pagelist">' + "".join(links) + "</ul></div>"


def write_list_pages(site: list[Article]) -> list[str]:
    urls = []
    for slug, name in CATEGORIES.items():
        items = sorted((a for a in site if a.category == slug), key=lambda a: a.date, reverse=True)
        pages = max(1, -(-len(items) // LIST_PAGE_SIZE))
        for page_no in range(1, pages + 1):
            chunk = items[(page_no - 1) * LIST_PAGE_SIZE : page_no * LIST_PAGE_SIZE]
            crumb = f'<a href="/">首页</a> &gt; <a href="/fanwen/">范文大全</a> &gt; {name}'
            main = f'<div class="listbox"><h1>{name}</h1>\n{list_entries(chunk)}\n{pagination(page_no, pages)}</div>'
            out = SITE / "fanwen" / slug / list_page_name(page_no)
            out.write_text(simple_page(f"{name}_第{page_no}页_{SITE_NAME}", crumb, main), encoding="utf-8")
            urls.append(f"/fanwen/{slug}/" + ("" if page_no == 1 else list_page_name(page_no)))
    return urls


def category_blocks(site: list[Article], per_category: int) -> str:
    blocks = []
    for slug, name in CATEGORIES.items():
        items = sorted((a for a in site if a.category == slug), key=lambda a: a.date, reverse=True)
        blocks.append(
            f'<div class="catbox"><h2><a href="/fanwen/{slug}/">{name}</a></h2>\n'
            f"{link_list(items[:per_category], dates=True)}</div>"
        )
    return "\n".join(blocks)


def write_hubs(site: list[Article]) -> None:
    newest = sorted(site, key=lambda a: a.date, reverse=True)
    home = f'<div class="hot"><h2>最新范文</h2>\n{link_list(newest[:10], dates=True)}</div>\n{category_blocks(site, 5)}'
    (SITE / "index.html").write_text(
        simple_page(f"{SITE_NAME}_免费范文大全_讲话稿_工作总结_心得体会", "首页", home), encoding="utf-8"
    )
    hub = f"<h1>范文大全</h1>\n{category_blocks(site, 10)}"
    (SITE / "fanwen" / "index.html").write_text(
        simple_page(f"范文大全_{SITE_NAME}", '<a href="/">首页</a> &gt; 范文大全', hub), encoding="utf-8"
    )


def write_sitemap(site: list[Article], list_urls: list[str]) -> None:
    newest = max(a.date for a in site)
    entries = [("/", newest, "daily"), ("/fanwen/", newest, "daily")]
    for url in list_urls:
        cat = url.split("/")[2]
        entries.append((url, max(a.date for a in site if a.category == cat), "weekly"))
    entries += [(a.url, a.date, "monthly") for a in sorted(site, key=lambda a: a.url)]
    rows = [
        f"  <url>\n    <loc>{ORIGIN}{url}</loc>\n    <lastmod>{when:%Y-%m-%d}</lastmod>\n"
        f"    <changefreq>{freq}</changefreq>\n  </url>"
        for url, when, freq in entries
    ]
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + "\n".join(rows) + "\n</urlset>\n"
    )
    (SITE / "sitemap.xml").write_text(xml, encoding="utf-8")
    robots = f"User-agent: *\nDisallow: /plus/\nDisallow: /vip/\n\nSitemap: {ORIGIN}/sitemap.xml\n"
    (SITE / "robots.txt").write_text(robots, encoding="utf-8")


def write_article(a: Article, site: list[Article]) -> None:
    for line in a.lines:
        line.encode(a.encoding)  # the body must be real bytes of the page's encoding, never references
    text = TEMPLATES[a.template](a, site)
    codec = "utf-8" if a.encoding == "utf-8-sig" else a.encoding
    data = text.encode(codec, errors="xmlcharrefreplace")
    if a.encoding == "utf-8-sig":
        data = b"\xef\xbb\xbf" + data
    a.path.parent.mkdir(parents=True, exist_ok=True)
    a.path.write_bytes(data)


def main() -> None:
    site = sorted(
        (load_article(p) for p in sorted(ARTICLES.glob("*.txt"))), key=lambda a: (a.category, a.date)
    )
    for a in site:
        write_article(a, site)
    headers = {
        a.url: {"Content-Type": f"text/html; charset={a.declared_as}"}
        for a in site
        if a.declare == "http-header"
    }
    (SITE / "_headers.json").write_text(
        json.dumps(headers, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    list_urls = write_list_pages(site)
    write_hubs(site)
    write_sitemap(site, list_urls)
    print(
        f"wrote {len(site)} articles, {len(list_urls)} list pages, index, sitemap.xml, robots.txt to {SITE}"
    )


if __name__ == "__main__":
    main()
