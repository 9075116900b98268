"""What faults cost: a clean crawl and a mixed-fault crawl of the same replica, side by side.

    python benchmarks/fault_crawl.py [--articles 2000] [--rounds 2]

Each crawl is `scrapy crawl devdiscourse` in its own process against a replica served from this
one (every fault mode at a few percent for the faulty site, as in tests/test_faults.py). Rounds
alternate clean and faulty so that machine noise falls on both; the table gives each crawl's
wall time and peak RSS and the faulty/clean ratios (issue 4 asks for at most 3x the time and
1.5x the memory). Figures, not pass/fail.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from newsbot.demo import crawl_command  # noqa: E402
from newsbot.replica import ReplicaSite, serve_in_thread  # noqa: E402
from newsbot.replica.faults import every_mode  # noqa: E402
from tests.crawling import FAULT_SETTINGS  # noqa: E402

RATE = 0.008


def crawl(base_url: str, data_dir: Path) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MiB, and records written, of one crawl process."""
    command = crawl_command(base_url, data_dir, FAULT_SETTINGS, "-a", "max_pages=120")
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    started = time.monotonic()
    process = subprocess.Popen(
        command, cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, _, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    records = sum(1 for path in (data_dir / "devdiscourse").glob("*.jsonl") for _ in path.open())
    return seconds, usage.ru_maxrss / 1024, records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    options = parser.parse_args()
    results: dict[str, list[tuple[float, float, int]]] = {"clean": [], "faulty": []}
    for _ in range(options.rounds):
        for kind in results:
            faults = every_mode(RATE) if kind == "faulty" else None
            site = ReplicaSite(articles=options.articles, seed=21, faults=faults)
            site.junk_link_count = 200
            server = serve_in_thread(site)
            try:
                with tempfile.TemporaryDirectory() as data_dir:
                    results[kind].append(crawl(server.base_url, Path(data_dir)))
            finally:
                server.stop()
    print(f"{options.articles} articles, every fault mode at {RATE:.1%}, {options.rounds} rounds")
    print(f"{'crawl':<8}{'seconds':>10}{'peak RSS MiB':>15}{'records':>10}")
    medians = {}
    for kind, runs in results.items():
        seconds = statistics.median(run[0] for run in runs)
        memory = statistics.median(run[1] for run in runs)
        medians[kind] = (seconds, memory)
        print(f"{kind:<8}{seconds:>10.1f}{memory:>15.1f}{runs[-1][2]:>10}")
    time_ratio = medians["faulty"][0] / medians["clean"][0]
    memory_ratio = medians["faulty"][1] / medians["clean"][1]
    print(
        f"faulty/clean: time {time_ratio:.2f}x (bound 3x), peak memory {memory_ratio:.2f}x "
        "(bound 1.5x)"
    )


if __name__ == "__main__":
    main()
