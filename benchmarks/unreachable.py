"""How long an unreachable site takes to report: newsbot's early stop against crawling on.

    python benchmarks/unreachable.py [--rounds 1]

Each run is `scrapy crawl devdiscourse` with the shipped settings (paced, retried) against a port
of 127.0.0.1 nothing listens on, once as shipped and once with UnreachableSiteMiddleware off
(every root request then fails through its retries, as before it existed). Rounds alternate the
two so that machine noise falls on both. Figures, not pass/fail.
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from newsbot.demo import crawl_command  # noqa: E402

WITHOUT_STOP = {"DOWNLOADER_MIDDLEWARES": '{"newsbot.middlewares.UnreachableSiteMiddleware": null}'}


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(settings: dict[str, str]) -> tuple[float, int, int]:
    """Wall seconds, exit status and requests made, of one run."""
    with tempfile.TemporaryDirectory() as data_dir:
        command = crawl_command(f"http://127.0.0.1:{closed_port()}", Path(data_dir), settings)
        env = {**os.environ, "PYTHONPATH": str(PROJECT)}
        started = time.monotonic()
        done = subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, check=False)
        seconds = time.monotonic() - started
        line = (Path(data_dir) / "runs.jsonl").read_text().splitlines()[-1]
        return seconds, done.returncode, json.loads(line)["requests"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    options = parser.parse_args()
    results: dict[str, list[tuple[float, int, int]]] = {"early stop": [], "crawling on": []}
    for _ in range(options.rounds):
        results["early stop"].append(run({}))
        results["crawling on"].append(run(WITHOUT_STOP))
    print(f"refused port, shipped settings, {options.rounds} round(s)")
    print(f"{'run':<12}{'seconds':>10}{'status':>8}{'requests':>10}")
    medians = {}
    for kind, runs in results.items():
        medians[kind] = statistics.median(seconds for seconds, _, _ in runs)
        print(f"{kind:<12}{medians[kind]:>10.1f}{runs[-1][1]:>8}{runs[-1][2]:>10}")
    print(f"crawling on / early stop: {medians['crawling on'] / medians['early stop']:.1f}x")


if __name__ == "__main__":
    main()
