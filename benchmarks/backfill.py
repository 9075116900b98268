"""A backfill's figures (`-a ids=LOW-HIGH`, newsbot/backfill.py, newsbot/shared.py), measured
side by side in one run:

    python benchmarks/backfill.py [--latency 0.2] [--ids 60] [--rounds 2]

1. Speed-up: one worker, then two on one Redis, each with one connection to a replica that
   answers after `--latency` seconds, under a budget they cannot reach; rounds alternate so
   machine noise falls on both. Rate = article requests per second at the server.
2. Rate held: two workers under a budget below what they could do (NEWSBOT_SITE_MAX_RATE):
   the rate at the server over the run, and the most requests in any one-second window.
3. Records per second of one worker without Redis, at loopback speed (no latency, no budget),
   and its peak RSS for ranges of growing length (mostly missing ids: the range, not the
   records, grows), which must stay flat.
4. Redis memory per 100,000 ids: the progress bitmaps, and the seen store's rows.

Needs `redis-server` (Debian's package). Every crawl is its own process, as a user runs it.
Figures, not pass/fail.
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from newsbot.demo import LOOPBACK_SETTINGS, crawl_command  # noqa: E402
from newsbot.replica import ReplicaSite, serve_in_thread  # noqa: E402
from newsbot.shared import RedisStore, connect  # noqa: E402
from newsbot.store import Progress, StoredArticle  # noqa: E402

ENV = {**os.environ, "PYTHONPATH": str(PROJECT)}
ONE_CONNECTION = {"CONCURRENT_REQUESTS": "1", "CONCURRENT_REQUESTS_PER_DOMAIN": "1"}
# Linux carries a process's peak RSS across exec: a small launcher reports the child's own.
LAUNCHER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(status, usage.ru_maxrss)
"""


class Redis:
    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.dir = tempfile.mkdtemp(prefix="bench-redis-")
        command = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port)]
        command += ["--dir", self.dir, "--save", ""]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        self.url = f"redis://127.0.0.1:{self.port}/0"
        deadline = time.monotonic() + 30
        while True:
            try:
                connect(self.url).ping()
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def flush(self) -> None:
        connect(self.url).flushall()

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def workers(server, ids: list[int], count: int, settings: dict[str, str]) -> list[float]:
    """Run `count` workers on the range to their end; the server's times of their requests."""
    since = len(server.requests)
    dirs = [Path(tempfile.mkdtemp(prefix="bench-backfill-")) for _ in range(count)]
    job = f"ids={ids[0]}-{ids[-1]}"
    crawls = [
        subprocess.Popen(
            crawl_command(server.base_url, d, {**LOOPBACK_SETTINGS, **settings}, "-a", job),
            cwd=PROJECT,
            env=ENV,
            stderr=subprocess.DEVNULL,
        )
        for d in dirs
    ]
    for crawl in crawls:
        if crawl.wait() != 0:
            raise SystemExit(f"a worker exited {crawl.returncode}")
    for d in dirs:
        shutil.rmtree(d, ignore_errors=True)
    return sorted(at for at, _, path, _ in server.requests.timed()[since:] if path != "/robots.txt")


def rate(times: list[float]) -> float:
    return (len(times) - 1) / (times[-1] - times[0])


def busiest_second(times: list[float]) -> int:
    return max(sum(1 for b in times if a <= b < a + 1) for a in times)


def speed_up(latency: float, per_run: int, rounds: int, redis: Redis) -> None:
    site = ReplicaSite(articles=per_run * 2 * rounds * 2 + 50, seed=4)
    site.latency_seconds = latency
    server = serve_in_thread(site)
    ids = sorted(int(i) for i in site.ids())[-per_run * 2 * rounds * 2 :]
    chunks = [ids[n : n + per_run] for n in range(0, len(ids), per_run)]
    lifted = {**ONE_CONNECTION, "REDIS_URL": redis.url, "NEWSBOT_SITE_MAX_RATE": "100"}
    one, two = [], []
    for n in range(rounds):
        one.append(rate(workers(server, chunks[4 * n], 1, lifted)))
        two.append(rate(workers(server, chunks[4 * n + 1], 2, lifted)))
    print(f"1. speed-up, {latency * 1000:.0f} ms latency, one connection per worker:")
    print(f"   one worker  {sum(one) / rounds:5.2f} requests/s  (rounds: {one})")
    print(f"   two workers {sum(two) / rounds:5.2f} requests/s  (rounds: {two})")
    print(f"   ratio {sum(two) / sum(one):.2f}x")
    for budget in ("3", "2"):
        held = {**ONE_CONNECTION, "REDIS_URL": redis.url, "NEWSBOT_SITE_MAX_RATE": budget}
        times = workers(server, chunks[4 * (rounds - 1) + 2 + int(budget == "2")], 2, held)
        print(
            f"2. budget {budget}/s, two workers: {rate(times):.2f} requests/s over the run,"
            f" at most {busiest_second(times)} in any one second at the server"
        )
    server.stop()


def records_and_memory(redis: Redis) -> None:
    site = ReplicaSite(articles=400, seed=6)
    server = serve_in_thread(site)
    ids = sorted(int(i) for i in site.ids())[-300:]
    data = Path(tempfile.mkdtemp(prefix="bench-backfill-"))
    started = time.monotonic()
    subprocess.run(
        crawl_command(server.base_url, data, LOOPBACK_SETTINGS, "-a", f"ids={ids[0]}-{ids[-1]}"),
        cwd=PROJECT,
        env=ENV,
        stderr=subprocess.DEVNULL,
        check=True,
    )
    elapsed = time.monotonic() - started
    records = sum(len(p.read_bytes().splitlines()) for p in data.glob("devdiscourse/*.jsonl"))
    print(f"3. one worker, no Redis, loopback: {records} records in {elapsed:.1f} s,")
    print(f"   {records / elapsed:.1f} records/s (process start-up included)")
    shutil.rmtree(data, ignore_errors=True)
    newest = ids[-1]
    for length in (2_000, 20_000):
        data = Path(tempfile.mkdtemp(prefix="bench-backfill-"))
        settings = {**LOOPBACK_SETTINGS, "RETRY_TIMES": "0"}  # missing ids: one answer each
        command = crawl_command(
            server.base_url, data, settings, "-a", f"ids={newest + 1}-{newest + length}"
        )
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-c", LAUNCHER, *command],
            cwd=PROJECT,
            env=ENV,
            capture_output=True,
            text=True,
            check=True,
        )
        _, peak_kib = done.stdout.split()
        print(
            f"   a range of {length:,} (missing) ids: {time.monotonic() - started:.0f} s,"
            f" peak RSS {int(peak_kib) / 1024:.1f} MiB"
        )
        shutil.rmtree(data, ignore_errors=True)
    server.stop()
    redis_memory(redis)


def redis_memory(redis: Redis) -> None:
    redis.flush()
    db = connect(redis.url)
    base = db.info("memory")["used_memory"]
    store = RedisStore(redis.url, "bench:/data")
    first = 3_900_000
    ids = range(first, first + 100_000)
    store.save_progress(Progress(f"ids={first}-{first + 99_999}", tuple(ids), ()))
    bitmaps = db.info("memory")["used_memory"] - base
    seen = "2026-12-01T00:00:00Z"
    for start in range(0, 100_000, 10_000):
        rows = [
            StoredArticle(
                i, "2026-11-30T10:00:00+05:30", "2026-11-30T11:00:00+05:30", "f" * 64, 1, seen, seen
            )
            for i in ids[start : start + 10_000]
        ]
        store.seed(rows)
    articles = db.info("memory")["used_memory"] - base - bitmaps
    print("4. Redis memory per 100,000 ids:")
    print(f"   progress bitmaps (done + missing): {bitmaps / 1024:.0f} KiB")
    print(f"   seen store rows (one per published article): {articles / 1024 / 1024:.1f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--ids", type=int, default=60, help="ids per run")
    parser.add_argument("--rounds", type=int, default=2)
    options = parser.parse_args()
    if not shutil.which("redis-server"):
        raise SystemExit("needs redis-server (apt-get install -y redis-server)")
    redis = Redis()
    try:
        speed_up(options.latency, options.ids, options.rounds, redis)
        records_and_memory(redis)
    finally:
        redis.stop()


if __name__ == "__main__":
    main()
