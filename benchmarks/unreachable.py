"""How long an unreachable site takes to report: newsbot's early stop against crawling on (issue 7).

    python -m benchmarks unreachable

Each run is `scrapy crawl devdiscourse` with the shipped settings (paced, retried) against a port
of 127.0.0.1 nothing listens on, once as shipped and once with UnreachableSiteMiddleware off
(every root request then fails through its retries, as before it existed). Rounds alternate the
two so that machine noise falls on both. `--quick` runs both unpaced and without retries.
"""

import json
import os
import socket
import statistics
import tempfile
from pathlib import Path

from benchmarks import PROJECT_DIR, Figure, benchmark, ratio, run_module
from newsbot.cron import UNREACHABLE
from newsbot.demo import crawl_command

WITHOUT_STOP = {"DOWNLOADER_MIDDLEWARES": '{"newsbot.middlewares.UnreachableSiteMiddleware": null}'}
# --quick: no pacing and no retries, so that crawling on takes seconds, not minutes.
QUICK = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "RETRY_ENABLED": "False"}
# A run that stopped early exits UNREACHABLE; one that crawled on fails its health checks (1).
EXPECTED_STATUSES = (1, UNREACHABLE)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(settings: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and requests made, of one run."""
    with tempfile.TemporaryDirectory() as data_dir:
        command = crawl_command(f"http://127.0.0.1:{closed_port()}", Path(data_dir), settings)
        env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}
        cost = run_module(command[2:], PROJECT_DIR, env, ok=EXPECTED_STATUSES)
        line = (Path(data_dir) / "runs.jsonl").read_text().splitlines()[-1]
        return cost.wall, json.loads(line)["requests"]


@benchmark("unreachable")
def unreachable(quick: bool) -> list[Figure]:
    rounds, base, basis = (
        (1, QUICK, "unpaced, no retries") if quick else (2, {}, "shipped settings")
    )
    results: dict[str, list[tuple[float, int]]] = {"early stop": [], "crawling on": []}
    for _ in range(rounds):
        results["early stop"].append(run(base))
        results["crawling on"].append(run({**base, **WITHOUT_STOP}))
    seconds = {kind: statistics.median(wall for wall, _ in runs) for kind, runs in results.items()}
    requests = {kind: runs[-1][1] for kind, runs in results.items()}
    return [
        Figure(
            "refused port: crawling on / early stop, wall time",
            ratio(seconds["crawling on"] / seconds["early stop"]),
            f"{seconds['crawling on']:.1f} s ({requests['crawling on']} requests) vs"
            f" {seconds['early stop']:.1f} s ({requests['early stop']}); {basis},"
            f" median of {rounds}",
        )
    ]
