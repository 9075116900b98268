"""The offline demo: serve the replica on 127.0.0.1, crawl it with `scrapy crawl`, report.

`python -m newsbot.demo` (or `make demo`). The crawl is the real command line a user runs, with
the politeness delays lifted because the replica is a local process, not someone's site.

The demo keeps its own data directory, `demo-data/` in the working directory: never `data/` nor
NEWSBOT_DATA_DIR, since the replica's records look like the live site's and must not mix with
them (newsbot/provenance.py refuses a directory of live records). The first demo publishes the
whole replica; each later one sets the replica's clock CLOCK_STEP after the newest article it
has, so it publishes what appeared or changed since, as a later cron run would.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from newsbot.cron import RUNS_NAME, USAGE
from newsbot.processors import parse_datetime
from newsbot.provenance import WrongSite, claim
from newsbot.replica import DEFAULT_NOW, ReplicaSite, serve_in_thread
from newsbot.store import STORE_NAME, SeenStore

DEFAULT_DIR = "demo-data"
CLOCK_STEP = timedelta(hours=3)
MAX_PAGES = 50

# For a server on this machine only: the shipped settings pace a crawl for the live site.
LOOPBACK_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "NEWSBOT_SITE_MAX_RATE": "0",
}


def crawl_command(base_url: str, data_dir: Path, settings: dict[str, str], *args: str) -> list[str]:
    """`scrapy crawl devdiscourse` against `base_url`, writing under `data_dir`."""
    command = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "devdiscourse",
        "-a",
        f"base_url={base_url}",
    ]
    command += [*args, "-s", f"NEWSBOT_DATA_DIR={data_dir}"]
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    return command


def replica_clock(data_dir: Path) -> datetime:
    """The replica's initial clock for a new directory; else CLOCK_STEP after the creation of
    the newest article the directory has."""
    try:
        store = SeenStore(data_dir / STORE_NAME, read_only=True)
    except sqlite3.Error:  # the crawl will say what is wrong with it
        return DEFAULT_NOW
    try:
        newest = store.newest_id()
        stored = store.get(newest) if newest is not None else None
    finally:
        store.close()
    created = parse_datetime(stored.created or "") if stored is not None else None
    return max(DEFAULT_NOW, created + CLOCK_STEP) if created is not None else DEFAULT_NOW


def run_line(data_dir: Path, pid: int) -> dict[str, Any] | None:
    """The crawl's line in runs.jsonl (None if it wrote none: refused before it ran)."""
    try:
        lines = (data_dir / RUNS_NAME).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return None
    runs = [json.loads(line) for line in lines]
    return next((run for run in reversed(runs) if run.get("pid") == pid), None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m newsbot.demo",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--articles", type=int, default=300, help="articles of the replica at its first clock"
    )
    parser.add_argument("--seed", type=int, default=1, help="the replica's seed")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(DEFAULT_DIR),
        help="the demo's own data directory (never one that holds live records)",
    )
    options = parser.parse_args(argv)
    data_dir = options.data_dir.resolve()

    site = ReplicaSite(articles=options.articles, seed=options.seed)
    server = serve_in_thread(site)
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        claim(data_dir, server.base_url)
    except (WrongSite, OSError) as error:
        server.stop()
        print(f"demo: {error}", file=sys.stderr)
        return USAGE
    site.now = replica_clock(data_dir)
    print(
        f"demo: replica of {len(site.ids())} articles serving at {server.base_url},"
        f" its clock at {site.now:%Y-%m-%d %H:%M} UTC",
        flush=True,
    )
    started = time.monotonic()
    try:
        command = crawl_command(server.base_url, data_dir, LOOPBACK_SETTINGS)
        # The project's settings by name, so that the demo runs from any directory.
        env = {"SCRAPY_SETTINGS_MODULE": "newsbot.settings", **os.environ}
        crawl = subprocess.Popen([*command, "-a", f"max_pages={MAX_PAGES}"], env=env)
        status = crawl.wait()
    finally:
        server.stop()
    run = run_line(data_dir, crawl.pid)
    if status != 0 or run is None:
        log = f"; its log: {run['log']}" if run is not None else ""
        print(f"demo: the crawl failed with exit status {status}{log}", file=sys.stderr)
        return status or 1
    seconds = time.monotonic() - started
    if run["published"] is None:
        print(f"demo: nothing new to publish in {data_dir} ({seconds:.0f} s); log: {run['log']}")
        return 0
    print(
        f"demo: wrote {run['written']} records ({run['new']} new, {run['revised']} revised)"
        f" to {run['published']} in {seconds:.0f} s; log: {run['log']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
