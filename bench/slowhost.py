"""Slow-host benchmark (issue 15): do a few URLs that never answer hold back everybody else's pages?

For each size N: the synthetic corpus of bench/corpus.py is served by one separate process on four loopback
hosts (127.0.0.1-127.0.0.4, one HTTP server each, tasks/site_server.py), page i on host i mod 4. Then the
real `wenji run` command (a subprocess, `--allow-private`, default settings otherwise) loads a fresh DuckDB
file from a URL-list file twice:

- fault-free: the N pages;
- with hanging URLs: the same N pages plus ceil(N / 100) URLs on 127.0.0.1 whose server accepts the
  connection, reads the request and never sends a byte of answer; they are spread evenly over the list.

No robots.txt is served: its 404 means "allow all" (RFC 9309), for the hanging host too.

Reported per size (stdout table, bench/results/slowhost-<N>.json):
- the wall time of each `wenji run` process (including its temporary Prefect server), and the run's own
  time from the database (`runs.finished_at - runs.started_at`);
- with hanging URLs: the time by which the other hosts' (127.0.0.2-4) pages were all fetched,
  max(pages.fetched_at) per host minus `runs.started_at`;
- the extra time of the run with hanging URLs over the fault-free one (the runs' own times), next to the
  hanging host's unavoidable slot time, ceil(hanging / fetch.per_host_concurrency) x fetch.total_timeout
  (defaults read from wenji.tasks.settings.FetchConfig);
- the two acceptance figures of issue 15, pass/fail: the other hosts finish within
  1.2 x fault-free + GRACE_SECONDS, and the extra time is at most 1.25 x the slot time (unless the run gave
  the host up: a `fetch_host_unresponsive` error, or "given up" in its summary).

    python bench/slowhost.py                  # N = 800 (make bench-slowhost)
    python bench/slowhost.py --sizes 800 10000
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

import corpus  # noqa: E402

WORK = Path(os.environ.get("WENJI_BENCH_DIR", "/tmp/wenji-bench"))
RESULTS = REPO / "bench" / "results"
HOSTS = ("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4")
HANG_HOST = HOSTS[0]
HANG_SHARE = 0.01  # hanging URLs per good page
GRACE_SECONDS = 5.0  # "plus a few seconds" of the first acceptance figure
OTHERS_FACTOR = 1.2
EXTRA_FACTOR = 1.25
GIVEN_UP_KIND = "fetch_host_unresponsive"
_LOC_RE = re.compile(r"<loc>\s*(.*?)\s*</loc>")

# One process, one server per host; the hanging routes only on HANG_HOST. Prints {host: base URL} as JSON.
SERVER = """
import json, sys, threading, time
from contextlib import ExitStack
from pathlib import Path
from wenji.tasks.site_server import serve

root, hosts, hang_host, hang_paths = Path(sys.argv[1]), sys.argv[2].split(","), sys.argv[3], sys.argv[4:]
never = threading.Event()

def hang(handler):
    # The request has been read; no status line, no header, no byte ever follows. The connection stays
    # open until the client gives up (the thread is a daemon: it dies with the process).
    never.wait()

with ExitStack() as stack:
    bases = {}
    for host in hosts:
        routes = {p: hang for p in hang_paths} if host == hang_host else {}
        bases[host] = stack.enter_context(serve(root, routes=routes, host=host))
    print(json.dumps(bases), flush=True)
    while True:
        time.sleep(3600)
"""


def page_paths(site: Path) -> list[str]:
    """The corpus's page paths, in sitemap order."""
    paths = []
    for sitemap in sorted(site.glob("sitemap-*.xml"), key=lambda p: int(p.stem.split("-")[1])):
        text = sitemap.read_text(encoding="utf-8")
        paths += [loc.removeprefix(corpus.ORIGIN) for loc in _LOC_RE.findall(text)]
    return paths


def hang_paths(count: int) -> list[str]:
    return [f"/slowhost/never-{k}.html" for k in range(count)]


def url_lists(paths: list[str], bases: dict[str, str], hanging: list[str]) -> tuple[list[str], list[str]]:
    """(fault-free URLs, the same with the hanging URLs spread evenly among them)."""
    good = [f"{bases[HOSTS[i % len(HOSTS)]]}{p}" for i, p in enumerate(paths)]
    with_hangs = list(good)
    # Insert from the back so earlier positions stay put: hanging URL k sits near (k + 1/2) / count.
    for k in reversed(range(len(hanging))):
        at = round((k + 0.5) * len(good) / len(hanging))
        with_hangs.insert(at, f"{bases[HANG_HOST]}{hanging[k]}")
    return good, with_hangs


def host_of(url: str) -> str:
    return urlsplit(url).hostname or ""


def run_cli(urls: list[str], work: Path, name: str, config: Path | None) -> dict:
    """`wenji run URLFILE --db FRESH --allow-private`; its wall time, its summary, and what it stored."""
    import duckdb

    url_file = work / f"urls-{name}.txt"
    url_file.write_text("".join(f"{u}\n" for u in urls), encoding="utf-8")
    db = work / f"{name}.duckdb"
    for stale in work.glob(f"{name}.duckdb*"):
        stale.unlink()
    env = dict(os.environ, PREFECT_HOME=str(work / "prefect-home"))
    env.pop("PREFECT_API_URL", None)  # each run starts its own temporary server, as `wenji run` does
    wenji = Path(sys.executable).with_name("wenji")
    cmd = [str(wenji), "run", str(url_file), "--db", str(db), "--allow-private"]
    if config is not None:
        cmd += ["--config", str(config)]
    print(f"  {name}: {len(urls):,} URLs ...", flush=True)
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    (work / f"{name}.out.txt").write_text(proc.stdout + "\n--- stderr ---\n" + proc.stderr, encoding="utf-8")
    print(f"  {name}: exit {proc.returncode} after {wall:.1f} s", flush=True)
    if proc.returncode != 0:
        raise SystemExit(f"wenji run failed ({name}); see {work / f'{name}.out.txt'}\n{proc.stderr[-2000:]}")
    con = duckdb.connect(str(db), read_only=True)
    try:
        run_id, started_at, finished_at, status = con.execute(
            "SELECT run_id, started_at, finished_at, status FROM runs ORDER BY started_at DESC LIMIT 1"
        ).fetchone()
        last_fetch: dict[str, float] = {}
        pages_by_host: dict[str, int] = {}
        for url, fetched_at in con.execute("SELECT url, fetched_at FROM pages").fetchall():
            host = host_of(url)
            pages_by_host[host] = pages_by_host.get(host, 0) + 1
            since_start = (fetched_at - started_at).total_seconds()
            last_fetch[host] = max(last_fetch.get(host, 0.0), since_start)
        errors = dict(con.execute("SELECT kind, count(*) FROM errors GROUP BY kind ORDER BY kind").fetchall())
        documents = con.execute("SELECT count(*) FROM documents").fetchone()[0]
    finally:
        con.close()
    summary_says = re.search(r"given up|gave up the host", proc.stdout, re.I) is not None
    given_up = errors.get(GIVEN_UP_KIND, 0) > 0 or summary_says
    return {
        "urls": len(urls),
        "wall_s": round(wall, 1),
        "run_s": round((finished_at - started_at).total_seconds(), 1),
        "run_id": run_id,
        "status": status,
        "pages_by_host": dict(sorted(pages_by_host.items())),
        "last_fetch_s_by_host": {h: round(s, 1) for h, s in sorted(last_fetch.items())},
        "documents": documents,
        "errors_by_kind": errors,
        "host_given_up": given_up,
    }


def run_size(n: int, config: Path | None = None) -> dict:
    from wenji.tasks.settings import load_settings

    cfg = load_settings(config).fetch  # FetchConfig's defaults, unless a --config file changes them
    site = corpus.generate(n, WORK / f"corpus-{n}")
    work = WORK / f"slowhost-{n}"
    work.mkdir(parents=True, exist_ok=True)
    paths = page_paths(site)[:n]
    hanging = hang_paths(math.ceil(n * HANG_SHARE))
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(site), ",".join(HOSTS), HANG_HOST, *hanging],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = server.stdout.readline()
        if not line:
            raise SystemExit("the site server did not start (can it bind 127.0.0.2-127.0.0.4?)")
        bases = json.loads(line)
        good, with_hangs = url_lists(paths, bases, hanging)
        print(f"N = {n:,}: {len(hanging)} hanging URLs on {HANG_HOST}", flush=True)
        clean = run_cli(good, work, "fault-free", config)
        hang = run_cli(with_hangs, work, "hanging", config)
    finally:
        server.kill()
        server.wait()
    others = [h for h in HOSTS if h != HANG_HOST]
    others_done = max(hang["last_fetch_s_by_host"].get(h, math.inf) for h in others)
    others_done_clean = max(clean["last_fetch_s_by_host"].get(h, math.inf) for h in others)
    slot_s = math.ceil(len(hanging) / cfg.per_host_concurrency) * cfg.total_timeout
    # The runs' own times: each process's wall time also holds its temporary Prefect server's start, which
    # varies by several seconds from one process to the next on a shared machine.
    extra_s = hang["run_s"] - clean["run_s"]
    extra_wall_s = hang["wall_s"] - clean["wall_s"]
    others_limit = OTHERS_FACTOR * clean["run_s"] + GRACE_SECONDS
    extra_limit = EXTRA_FACTOR * slot_s
    all_good_loaded = sum(hang["pages_by_host"].values()) == n == sum(clean["pages_by_host"].values())
    return {
        "pages": n,
        "config": str(config) if config else None,
        "hanging_urls": len(hanging),
        "hang_host": HANG_HOST,
        "hosts": list(HOSTS),
        "fetch_config": {
            "per_host_concurrency": cfg.per_host_concurrency,
            "concurrency": cfg.concurrency,
            "total_timeout": cfg.total_timeout,
            "read_timeout": cfg.read_timeout,
            "retries": cfg.retries,
        },
        "fault_free": clean,
        "with_hanging": hang,
        "others_done_s": others_done,
        "others_done_fault_free_s": others_done_clean,
        "others_limit_s": round(others_limit, 1),
        "others_pass": others_done <= others_limit,
        "extra_s": round(extra_s, 1),
        "extra_wall_s": round(extra_wall_s, 1),
        "slot_s": slot_s,
        "extra_limit_s": round(extra_limit, 1),
        "extra_pass": extra_s <= extra_limit or hang["host_given_up"],
        "host_given_up": hang["host_given_up"],
        "all_good_pages_loaded": all_good_loaded,
    }


def _verdict(ok: bool) -> str:
    return "pass" if ok else "FAIL"


def table(rows: list[dict]) -> str:
    head = (
        "| pages | hanging | fault-free wall (run) | with hanging wall (run) | other hosts fetched by "
        "| limit 1.2× + 5 s | extra time | slot time | limit 1.25× slot | host given up "
        "| other hosts | extra time |\n" + "|---:" * 10 + "|---|---|"
    )
    lines = [
        f"| {r['pages']:,} | {r['hanging_urls']} "
        f"| {r['fault_free']['wall_s']} s ({r['fault_free']['run_s']} s) "
        f"| {r['with_hanging']['wall_s']} s ({r['with_hanging']['run_s']} s) "
        f"| {r['others_done_s']} s | {r['others_limit_s']} s | {r['extra_s']} s | {r['slot_s']:g} s "
        f"| {r['extra_limit_s']} s | {'yes' if r['host_given_up'] else 'no'} "
        f"| {_verdict(r['others_pass'])} | {_verdict(r['extra_pass'])} |"
        for r in rows
    ]
    return "\n".join([head, *lines])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[800])
    parser.add_argument(
        "--config",
        type=Path,
        help="TOML settings for both runs (e.g. small timeouts for a quick check); default: none, defaults",
    )
    args = parser.parse_args()
    load_before = os.getloadavg()
    RESULTS.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in args.sizes:
        row = run_size(n, args.config)
        row["machine"] = (
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
            f"load average before/after: {load_before[0]:.1f} / {os.getloadavg()[0]:.1f}"
        )
        out = RESULTS / f"slowhost-{n}.json"
        out.write_text(json.dumps(row, ensure_ascii=False, indent=1), encoding="utf-8")
        rows.append(row)
        print(f"  wrote {out.relative_to(REPO)}", flush=True)
    print()
    print(table(rows))
    for r in rows:
        print(
            f"\nN = {r['pages']:,}: last fetch per host (s after run start), with hanging URLs: "
            f"{r['with_hanging']['last_fetch_s_by_host']}; "
            f"fault-free: {r['fault_free']['last_fetch_s_by_host']}"
        )
        print(f"  errors with hanging URLs: {r['with_hanging']['errors_by_kind']}")
        if not r["all_good_pages_loaded"]:
            print("  WARNING: not every good page was loaded in both runs")


if __name__ == "__main__":
    main()
