"""Checks on the sources a user typed, before anything slow starts (Prefect takes seconds to start).

`source_problems` catches what can be told without the network: a path that does not exist or cannot be
read, a URL that does not parse, a scheme other than http(s). It knowingly lets through what only a
request can tell (an unknown domain, a 404, a folder without saved pages): those become `errors` rows of
the run, as in `tasks.sources`, whose rules (what a spec may be) this follows.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

import httpx

HTTP_SCHEMES = ("http://", "https://")
# A host name as httpx gives it (IDNA already applied: 政府.中国 is xn--mxtq1m.xn--fiqs8s): LDH labels.
_LABEL = r"[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?"
_HOST = re.compile(rf"{_LABEL}(\.{_LABEL})*\.?")


def url_problem(url: str) -> str | None:
    """None if `url` is an http(s) URL with a host that httpx can request, else why not."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as e:
        return f"{url!r} is no valid URL ({e})"
    if not parsed.host:
        return f"{url!r} has no host name; write it as https://www.example.cn/path"
    try:
        _ = urlsplit(url).port  # raises for a port out of range
    except ValueError as e:
        return f"{url!r} is no valid URL ({e})"
    host = parsed.raw_host.decode("ascii", errors="replace")
    if ":" not in host and not _HOST.fullmatch(host):  # IPv6 literals were checked by httpx
        return f"{url!r}: {host!r} is no host name (letters, digits, '-' and '.' only)"
    return None


def source_problem(spec: str) -> str | None:
    """None if `spec` may be a source (see `tasks.sources`), else a sentence saying what is wrong."""
    spec = spec.strip()
    if not spec:
        return "an empty source was given; remove it"
    if spec.lower().startswith(HTTP_SCHEMES):
        return url_problem(spec)
    if "://" in spec and not spec.lower().startswith("file://"):
        scheme = spec.split("://", 1)[0]
        return f"{spec!r}: {scheme}:// is not supported; sources are http(s) URLs, local files and folders"
    path = Path(urlsplit(spec).path if spec.lower().startswith("file://") else spec).expanduser()
    if not path.exists():
        hint = " (a URL needs http:// or https://)" if "." in spec.split("/")[0] and "/" in spec else ""
        return f"{spec!r} is neither an http(s) URL nor an existing file or folder{hint}"
    if not os.access(path, os.R_OK | (os.X_OK if path.is_dir() else 0)):
        return f"{spec!r}: permission denied; wenji cannot read it"
    return None


def source_problems(specs: Sequence[str]) -> list[str]:
    """The problems of every spec that has one, in order (empty: all may be sources)."""
    return [problem for spec in specs if (problem := source_problem(spec))]


def database_problem(db_path: str | Path) -> str | None:
    """None if a run can create or write the database file `db_path`, else why not.

    Creates the missing folders, as the writer would a moment later. Knowingly misses a disk that fills
    during the run and a file held by another process (`tasks.db` waits for that one, then says who).
    """
    path = Path(db_path).expanduser()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        return f"database {path}: cannot create the folder {e.filename or path.parent} ({e.strerror})"
    if path.is_dir():
        return f"database {path} is a folder; give a file name, e.g. {path / 'wenji.duckdb'}"
    target = path if path.exists() else path.parent
    if not os.access(target, os.W_OK):
        return f"database {path}: permission denied, wenji cannot write {target}"
    return None
