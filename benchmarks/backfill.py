"""A backfill's figures (`-a ids=LOW-HIGH`, newsbot/backfill.py, newsbot/shared.py), measured
side by side in one run:

    python -m benchmarks backfill      (--quick: a few ids, 50 ms latency, one round)

1. Speed-up: one worker, then two on one Redis, each with one connection to a replica that
   answers after a latency (200 ms), under a budget they cannot reach; rounds alternate so
   machine noise falls on both. Rate = article requests per second at the server.
2. Budget held: two workers under a budget below what they could do (NEWSBOT_SITE_MAX_RATE):
   the rate at the server over the run, and the most requests in any one-second window.
3. Records per second of one worker without Redis, at loopback speed (no latency, no budget),
   and its peak RSS for ranges of growing length (mostly missing ids: the range, not the
   records, grows), which must stay flat.
4. Redis memory per 100,000 ids: the progress bitmaps, and the seen store's rows.

Needs `redis-server` (Debian's package); without it the table says so. Every crawl is its own
process, as a user runs it, measured by the harness (`run_module`: peak RSS from VmHWM).
"""

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import redis

from benchmarks import PROJECT_DIR, Figure, benchmark, ratio, run_module
from benchmarks.unreachable import closed_port
from newsbot.demo import LOOPBACK_SETTINGS, crawl_command
from newsbot.replica import ReplicaSite, serve_in_thread
from newsbot.shared import RedisStore, connect
from newsbot.store import Progress, StoredArticle
from tests.crawling import read_records

ENV = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}
ONE_CONNECTION = {"CONCURRENT_REQUESTS": "1", "CONCURRENT_REQUESTS_PER_DOMAIN": "1"}
UNREACHABLE_BUDGET = "100"  # requests per second: far above what two workers at 200 ms can do
# Ids past the newest are missing, asked once each (no retries): the range grows, not the
# records; a range with no article in it fails the `backfill` health check (exit 1).
MISSING_RANGE_SETTINGS = {**LOOPBACK_SETTINGS, "RETRY_TIMES": "0"}
REDIS_IDS = 100_000


@contextmanager
def redis_server() -> Iterator[str]:
    """A `redis-server` of this benchmark's own on 127.0.0.1, without persistence: its URL."""
    port = closed_port()
    with tempfile.TemporaryDirectory(prefix="newsbot-bench-redis-") as directory:
        command = ["redis-server", "--bind", "127.0.0.1", "--port", str(port)]
        process = subprocess.Popen(
            [*command, "--dir", directory, "--save", ""], stdout=subprocess.DEVNULL
        )
        url = f"redis://127.0.0.1:{port}/0"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    connect(url).ping()
                    break
                except redis.ConnectionError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
            yield url
        finally:
            process.kill()
            process.wait()


def workers(server, ids: list[int], count: int, settings: dict[str, str]) -> list[float]:
    """Run `count` workers at once on the range to its end; the server's times of their
    requests (robots.txt left out)."""
    since = len(server.requests)
    job = f"ids={ids[0]}-{ids[-1]}"
    with tempfile.TemporaryDirectory(prefix="newsbot-bench-backfill-") as scratch:
        settings = {**LOOPBACK_SETTINGS, **settings}
        commands = [
            crawl_command(server.base_url, Path(scratch) / f"worker-{n}", settings, "-a", job)[2:]
            for n in range(count)
        ]
        # Exit status 1: a health check failed (in a small range a worker may draw only missing
        # ids and fetch no article); the server's log, the figures rest on, still holds.
        with ThreadPoolExecutor(count) as pool:
            list(pool.map(lambda argv: run_module(argv, PROJECT_DIR, ENV, ok=(0, 1)), commands))
    return sorted(at for at, _, path, _ in server.requests.timed()[since:] if path != "/robots.txt")


def rate(times: list[float]) -> float:
    return (len(times) - 1) / (times[-1] - times[0])


def busiest_second(times: list[float]) -> int:
    return max(sum(1 for b in times if a <= b < a + 1) for a in times)


def speed_up_and_budget(
    latency: float, per_run: int, rounds: int, budgets: tuple[int, ...], redis_url: str
) -> list[Figure]:
    # Four ranges per round: one worker, two workers, and (in the last) one per budget (two).
    site = ReplicaSite(articles=4 * per_run * rounds + 50, seed=4)
    site.latency_seconds = latency
    server = serve_in_thread(site)
    ids = sorted(int(i) for i in site.ids())[-4 * per_run * rounds :]
    chunks = [ids[n : n + per_run] for n in range(0, len(ids), per_run)]
    shared = {**ONE_CONNECTION, "REDIS_URL": redis_url}
    lifted = {**shared, "NEWSBOT_SITE_MAX_RATE": UNREACHABLE_BUDGET}
    one, two, held = [], [], {}
    try:
        for n in range(rounds):
            one.append(rate(workers(server, chunks[4 * n], 1, lifted)))
            two.append(rate(workers(server, chunks[4 * n + 1], 2, lifted)))
        for offset, budget in enumerate(budgets, start=2):
            budgeted = {**shared, "NEWSBOT_SITE_MAX_RATE": str(budget)}
            held[budget] = workers(server, chunks[4 * (rounds - 1) + offset], 2, budgeted)
    finally:
        server.stop()
    figures = [
        Figure(
            "speed-up: two workers' rate / one worker's",
            ratio(sum(two) / sum(one)),
            f"{sum(two) / rounds:.2f} vs {sum(one) / rounds:.2f} article requests/s at the server;"
            f" {latency * 1000:.0f} ms latency, one connection each, {per_run} ids per run,"
            f" rounds: two {', '.join(f'{r:.2f}' for r in two)};"
            f" one {', '.join(f'{r:.2f}' for r in one)}",
        )
    ]
    for budget, times in held.items():
        figures.append(
            Figure(
                f"budget held, NEWSBOT_SITE_MAX_RATE={budget}: rate over the run / budget",
                ratio(rate(times) / budget),
                f"two workers, {rate(times):.2f} requests/s over {len(times)} requests, at most"
                f" {busiest_second(times)} in any one second at the server",
            )
        )
    return figures


def records_and_memory(records_ids: int, ranges: tuple[int, int]) -> list[Figure]:
    site = ReplicaSite(articles=records_ids + 100, seed=6)
    server = serve_in_thread(site)
    ids = sorted(int(i) for i in site.ids())[-records_ids:]
    newest = ids[-1]
    peaks, walls = {}, {}
    try:
        with tempfile.TemporaryDirectory(prefix="newsbot-bench-backfill-") as scratch:
            data = Path(scratch) / "records"
            job = f"ids={ids[0]}-{ids[-1]}"
            command = crawl_command(server.base_url, data, LOOPBACK_SETTINGS, "-a", job)
            records_run = run_module(command[2:], PROJECT_DIR, ENV)
            records = len(read_records(data)[0])
            for length in ranges:
                data = Path(scratch) / f"range-{length}"
                job = f"ids={newest + 1}-{newest + length}"
                command = crawl_command(server.base_url, data, MISSING_RANGE_SETTINGS, "-a", job)
                cost = run_module(command[2:], PROJECT_DIR, ENV, ok=(0, 1))
                peaks[length], walls[length] = cost.peak_mb, cost.wall
    finally:
        server.stop()
    short, long = ranges
    return [
        Figure(
            "records per second, one worker without Redis",
            f"{records / records_run.wall:.1f}",
            f"{records} records in {records_run.wall:.1f} s; loopback, no budget, each page"
            " archived to WARC, process start-up included",
        ),
        Figure(
            f"peak RSS, a range of {long:,} / {short:,} ids",
            ratio(peaks[long] / peaks[short]),
            f"{peaks[long]:.1f} MiB vs {peaks[short]:.1f} MiB; missing ids past the newest"
            f" (the range grows, not the records), {walls[long]:.0f} s vs {walls[short]:.0f} s",
        ),
    ]


def redis_memory(redis_url: str) -> list[Figure]:
    """Redis's used memory for the progress and seen-store rows of REDIS_IDS ids."""
    db = connect(redis_url)
    db.flushall()
    base = db.info("memory")["used_memory"]
    store = RedisStore(redis_url, "bench:/data")
    first = 3_900_000  # near the live site's newest ids: the bitmaps' size is set by the id
    ids = range(first, first + REDIS_IDS)
    store.save_progress(Progress(f"ids={ids[0]}-{ids[-1]}", tuple(ids), ()))
    bitmaps = db.info("memory")["used_memory"] - base
    seen = "2026-12-01T00:00:00Z"
    for start in range(0, REDIS_IDS, 10_000):
        store.seed(
            StoredArticle(
                i, "2026-11-30T10:00:00+05:30", "2026-11-30T11:00:00+05:30", "f" * 64, 1, seen, seen
            )
            for i in ids[start : start + 10_000]
        )
    rows = db.info("memory")["used_memory"] - base - bitmaps
    return [
        Figure(
            f"Redis memory per {REDIS_IDS:,} ids: seen store rows",
            f"{rows / 2**20:.1f} MiB",
            f"{rows / REDIS_IDS:.0f} bytes per published article (one hash field each)",
        ),
        Figure(
            f"Redis memory per {REDIS_IDS:,} ids: progress bitmaps",
            f"{bitmaps / 1024:.0f} KiB",
            f"done + missing, ids from {first:,}: sized by the highest id, not the range",
        ),
    ]


@benchmark("backfill")
def backfill(quick: bool) -> list[Figure]:
    if not shutil.which("redis-server"):
        return [Figure("skipped: needs redis-server", "-", "apt-get install -y redis-server")]
    # Budgets in requests per second, below what two workers can do.
    latency, per_run, rounds, budgets = (0.05, 4, 1, (3,)) if quick else (0.2, 60, 2, (3, 2))
    records_ids, ranges = (20, (20, 200)) if quick else (300, (2_000, 20_000))
    with redis_server() as redis_url:
        figures = speed_up_and_budget(latency, per_run, rounds, budgets, redis_url)
        figures += records_and_memory(records_ids, ranges)
        figures += redis_memory(redis_url)
    return figures
