"""What faults cost: a clean crawl and a mixed-fault crawl of the same replica, side by side.

    python -m benchmarks faults      (--quick: 300 articles, one round)

Each crawl is `scrapy crawl devdiscourse` in its own process against a replica served from this
one (every fault mode at a few percent for the faulty site, as in tests/test_faults.py). Rounds
alternate clean and faulty so that machine noise falls on both; the table gives each crawl's
wall time and peak RSS and the faulty/clean ratios (issue 4 asks for at most 3x the time and
1.5x the memory). Figures, not pass/fail.
"""

import os
import statistics
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from benchmarks import Figure, benchmark, ratio, run_module  # noqa: E402
from newsbot.demo import crawl_command  # noqa: E402
from newsbot.replica import ReplicaSite, serve_in_thread  # noqa: E402
from newsbot.replica.faults import every_mode  # noqa: E402
from tests.crawling import FAULT_SETTINGS  # noqa: E402

RATE = 0.008


def crawl(base_url: str, data_dir: Path) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MiB, and records written, of one crawl process."""
    command = crawl_command(base_url, data_dir, FAULT_SETTINGS, "-a", "max_pages=120")
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    # A faulty crawl may fail a health check (exit 1) or be judged aborted (3): figures hold.
    cost = run_module(command[2:], PROJECT, env, ok=(0, 1, 3))
    records = sum(1 for path in (data_dir / "devdiscourse").glob("*.jsonl") for _ in path.open())
    return cost.wall, cost.peak_mb, records


@benchmark("faults")
def faults(quick: bool) -> list[Figure]:
    articles, rounds = (300, 1) if quick else (2000, 2)
    results: dict[str, list[tuple[float, float, int]]] = {"clean": [], "faulty": []}
    for _ in range(rounds):
        for kind in results:
            faults = every_mode(RATE) if kind == "faulty" else None
            site = ReplicaSite(articles=articles, seed=21, faults=faults)
            site.junk_link_count = 200
            server = serve_in_thread(site)
            try:
                with tempfile.TemporaryDirectory() as data_dir:
                    results[kind].append(crawl(server.base_url, Path(data_dir)))
            finally:
                server.stop()
    medians = {
        kind: (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs))
        for kind, runs in results.items()
    }
    (clean_s, clean_mb), (faulty_s, faulty_mb) = medians["clean"], medians["faulty"]
    basis = f"{articles:,} articles, every fault mode at {RATE:.1%}, median of {rounds}"
    return [
        Figure(
            "mixed-fault crawl / clean crawl, wall time",
            ratio(faulty_s / clean_s),
            f"{faulty_s:.1f} s vs {clean_s:.1f} s (bound 3x); {basis}",
        ),
        Figure(
            "mixed-fault crawl / clean crawl, peak RSS",
            ratio(faulty_mb / clean_mb),
            f"{faulty_mb:.0f} MB vs {clean_mb:.0f} MB (bound 1.5x)",
        ),
    ]
