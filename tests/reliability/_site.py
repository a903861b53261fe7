"""The sample site behind a counting, deliberately slow server: how many times was each page requested?"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from _corpus import SAMPLE_SITE

from wenji.tasks.site_server import CANONICAL_ORIGIN, Handler, serve

_LOC_RE = re.compile(r"<loc>\s*(.*?)\s*</loc>")


def sitemap_paths(site: Path = SAMPLE_SITE) -> list[str]:
    text = (site / "sitemap.xml").read_text(encoding="utf-8")
    return [loc.removeprefix(CANONICAL_ORIGIN) or "/" for loc in _LOC_RE.findall(text)]


class CountingSite:
    """Serves every page of the sitemap through a handler that counts requests and answers slowly."""

    def __init__(self, delay: float, site: Path = SAMPLE_SITE):
        self.delay = delay
        self.site = site
        self.hits: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._headers = json.loads((site / "_headers.json").read_text(encoding="utf-8"))

    def _handler(self, path: str) -> Handler:
        file = self.site / path.lstrip("/")
        if path.endswith("/"):
            file = file / "index.html"
        body = file.read_bytes()
        headers = {"Content-Type": "text/html", **self._headers.get(path, {})}

        def answer(h: BaseHTTPRequestHandler) -> None:
            with self._lock:
                self.hits[path] += 1
            time.sleep(self.delay)
            h.send_response(200)
            for name, value in {**headers, "Content-Length": str(len(body))}.items():
                h.send_header(name, value)
            h.end_headers()
            h.wfile.write(body)

        return answer

    def snapshot(self) -> Counter[str]:
        with self._lock:
            return Counter(self.hits)

    @contextmanager
    def serving(self) -> Iterator[str]:
        routes = {p: self._handler(p) for p in sitemap_paths(self.site)}
        with serve(self.site, routes=routes) as base:
            yield base
