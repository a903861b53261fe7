"""Scale the sample site up to N article pages with varied text, deterministically (same seed, same bytes).

Each page takes a base article from examples/articles/, keeps its opening (title, salutation) and mixes in
paragraphs of other articles, with a new title, date and place name, then renders it with the sample site's
own templates (three HTML structures, GBK/GB18030/UTF-8, charset in meta or only in the HTTP header).
Pages are written one at a time, so memory stays flat whatever N is. Sitemaps are split at the protocol's
50,000-URL limit under a sitemap index.

    python bench/corpus.py 1000 /tmp/wenji-corpus-1000
"""

from __future__ import annotations

import json
import random
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "examples"))

import make_site  # noqa: E402  (the sample site's generator: its templates render the synthetic pages)

ORIGIN = make_site.ORIGIN
SITEMAP_MAX_URLS = 50_000  # sitemaps.org protocol limit per file
NEIGHBOURS = 16  # articles offered to the related/latest lists of a page: enough for realistic boilerplate
PLACES = ("全市", "全县", "全区", "全镇", "全乡", "全局", "全系统", "全校", "全公司", "全行业")


def _base_articles() -> list[make_site.Article]:
    return [make_site.load_article(p) for p in sorted(make_site.ARTICLES.glob("*.txt"))]


def _mixed(i: int, rng: random.Random, base: list[make_site.Article]) -> make_site.Article:
    a = rng.choice(base)
    donors = rng.sample(base, 3)
    head, rest = a.lines[:2], a.lines[2:]
    pool = rest + [line for d in donors for line in d.lines[2:]]
    body = rng.sample(pool, k=min(len(pool), max(8, len(rest) + rng.randint(-4, 8))))
    place = rng.choice(PLACES)
    title = a.title.replace("全县", place).replace("全市", place)
    lines = [line.replace("全县", place) for line in head + body]
    encoding, declare = a.encoding, a.declare
    try:
        for line in lines:
            line.encode("utf-8" if encoding == "utf-8-sig" else encoding)
    except UnicodeEncodeError:  # a donor paragraph holds a character the base page's legacy charset lacks
        encoding, declare = "utf-8", "meta-charset"
    return replace(
        a,
        id=str(100000 + i),
        title=f"{title}（{i}）",
        page_title=f"{title}（{i}）",
        date=a.date - timedelta(days=rng.randint(0, 900), minutes=rng.randint(0, 1440)),
        encoding=encoding,
        declare=declare,
        declared_as="utf-8" if encoding == "utf-8" and a.encoding != "utf-8" else a.declared_as,
        lines=lines,
    )


def generate(n: int, out: Path, seed: int = 20241125) -> Path:
    """Write N article pages, their sitemap(s) and `_headers.json` under `out`; returns `out`."""
    done = out / ".complete"
    marker = f"{n} {seed} lastmod"  # corpora written before sitemaps carried <lastmod> are rewritten
    if done.exists() and done.read_text() == marker:
        return out
    rng = random.Random(seed)
    base = _base_articles()
    recent: list[make_site.Article] = []
    headers: dict[str, dict[str, str]] = {}
    urls: list[tuple[str, str]] = []
    for i in range(n):
        a = _mixed(i, rng, base)
        recent = [*recent[-(NEIGHBOURS - 1) :], a]
        html = make_site.TEMPLATES[a.template](a, recent)
        codec = "utf-8" if a.encoding == "utf-8-sig" else a.encoding
        data = html.encode(codec, errors="xmlcharrefreplace")
        if a.encoding == "utf-8-sig":
            data = b"\xef\xbb\xbf" + data
        path = out / a.url.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        if a.declare == "http-header":
            headers[a.url] = {"Content-Type": f"text/html; charset={a.declared_as}"}
        urls.append((a.url, f"{a.date:%Y-%m-%d}"))
    (out / "_headers.json").write_text(json.dumps(headers), encoding="utf-8")
    _write_sitemaps(out, urls)
    done.write_text(marker)
    return out


def _write_sitemaps(out: Path, urls: list[tuple[str, str]]) -> None:
    """Sitemaps of (path, lastmod) pairs; lastmod is the article's date, as CMSs write it."""
    chunks = [urls[i : i + SITEMAP_MAX_URLS] for i in range(0, len(urls), SITEMAP_MAX_URLS)]
    names = []
    for k, chunk in enumerate(chunks):
        name = f"sitemap-{k + 1}.xml"
        body = "".join(f"<url><loc>{ORIGIN}{u}</loc><lastmod>{d}</lastmod></url>\n" for u, d in chunk)
        (out / name).write_text(
            f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{body}</urlset>\n',
            encoding="utf-8",
        )
        names.append(name)
    index = "".join(f"<sitemap><loc>{ORIGIN}/{name}</loc></sitemap>\n" for name in names)
    (out / "sitemap.xml").write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{index}</sitemapindex>\n',
        encoding="utf-8",
    )


if __name__ == "__main__":
    print(generate(int(sys.argv[1]), Path(sys.argv[2])))
