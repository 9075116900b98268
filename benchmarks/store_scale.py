"""Does a run's start-up cost grow with the seen store? (issue 3, "done when" 6; `store` in
`python -m benchmarks`)

Seeds stores of each size in a temporary directory, then, side by side in one run, measures what
newsbot pays per run before crawling: open the store (and migrate), recover, `newest_id`, and a
few hundred lookups (what the spider asks of the store for one run's discoveries). Each
measurement runs in a fresh process, so its peak RSS is that of one start-up, not of the
seeding. Not a test: it prints a table, with ratios against the empty store.

    python benchmarks/store_scale.py [--sizes 0 100000 1000000] [--repeats 7]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from benchmarks import Figure, benchmark, ratio  # noqa: E402
from benchmarks._peak_rss import peak_kib  # noqa: E402
from newsbot.store import STORE_NAME, SeenStore, StoredArticle, recover  # noqa: E402

FIRST_ID = 1_000_000  # NewsIds on the live site are seven digits.
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def synthetic_rows(count: int) -> Iterator[StoredArticle]:
    """Rows shaped like real ones: ISO times with offsets, a 64-digit hex hash."""
    for news_id in range(FIRST_ID, FIRST_ID + count):
        digest = hashlib.sha256(str(news_id).encode()).hexdigest()
        seen = "2026-11-26T10:15:02Z"
        yield StoredArticle(
            news_id, "2020-03-02T17:29:00+05:30", "2020-03-02T17:54:00+05:30", digest, 1, seen, seen
        )


def seed_data_dir(root: Path, count: int) -> Path:
    data = root / f"ids-{count}"
    (data / "devdiscourse").mkdir(parents=True)
    store = SeenStore(data / STORE_NAME)
    store.seed(synthetic_rows(count))
    # Leave the file as a run finds it: checkpointed, no WAL left behind.
    store.close()
    return data


def current_rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE_SIZE


def start_up(data: Path, lookups: int) -> dict[str, float]:
    """One run's store work, timed; runs in the child process."""
    rss_before = current_rss()
    started = time.perf_counter()
    store = SeenStore(data / STORE_NAME)
    recover(store, data / "devdiscourse")
    newest = store.newest_id() or FIRST_ID
    opened = time.perf_counter()
    # Mostly known ids (re-discovered articles) and some above the newest (new ones).
    rng = random.Random(1)
    found = sum(
        store.get(rng.randint(FIRST_ID, newest + lookups // 4)) is not None for _ in range(lookups)
    )
    store.close()
    finished = time.perf_counter()
    peak = peak_kib() * 1024  # since exec: ru_maxrss would start at the parent's RSS
    return {
        "open": opened - started,
        "lookups": finished - opened,
        "total": finished - started,
        "peak": peak,
        "delta": peak - rss_before,
        "found": found,
    }


def measure_in_child(data: Path, lookups: int) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", str(data), "--lookups", str(lookups)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def report(sizes: list[int], files: dict[int, int], runs: dict[int, list[dict]]) -> None:
    def ms(size: int, part: str) -> float:
        return statistics.median(run[part] for run in runs[size]) * 1000

    def mb(size: int, part: str) -> float:
        return max(run[part] for run in runs[size]) / 2**20

    base = sizes[0]
    print(
        f"{'ids':>10} {'file MB':>8} {'open ms':>8} {'x':>5} {'lookups ms':>11} {'total ms':>9}"
        f" {'x':>5} {'peak RSS MB':>12} {'x':>5} {'store +RSS MB':>14} {'hits':>5}"
    )
    for size in sizes:
        print(
            f"{size:>10,} {files[size] / 2**20:>8.1f} {ms(size, 'open'):>8.2f}"
            f" {ms(size, 'open') / ms(base, 'open'):>5.2f} {ms(size, 'lookups'):>11.2f}"
            f" {ms(size, 'total'):>9.2f} {ms(size, 'total') / ms(base, 'total'):>5.2f}"
            f" {mb(size, 'peak'):>12.1f} {mb(size, 'peak') / mb(base, 'peak'):>5.2f}"
            f" {mb(size, 'delta'):>14.2f} {runs[size][0]['found']:>5}"
        )


def measure(
    sizes: list[int], repeats: int, lookups: int
) -> tuple[dict[int, int], dict[int, list[dict]]]:
    """Store file sizes, and `repeats` start-ups of each size, interleaved."""
    with tempfile.TemporaryDirectory(prefix="newsbot-store-scale-") as tmp:
        dirs = {}
        for size in sizes:
            started = time.perf_counter()
            dirs[size] = seed_data_dir(Path(tmp), size)
            print(f"seeded {size:,} ids in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        files = {size: (dirs[size] / STORE_NAME).stat().st_size for size in sizes}
        runs: dict[int, list[dict]] = {size: [] for size in sizes}
        # Interleaved, so drift on the machine spreads over every size alike.
        for _ in range(repeats):
            for size in sizes:
                runs[size].append(measure_in_child(dirs[size], lookups))
    return files, runs


@benchmark("store")
def store(quick: bool) -> list[Figure]:
    big, lookups = (20_000 if quick else 1_000_000), 300
    files, runs = measure([0, big], 2 if quick else 5, lookups)

    def ms(size: int, part: str) -> float:
        return statistics.median(run[part] for run in runs[size]) * 1000

    def mb(size: int) -> float:
        return max(run["peak"] for run in runs[size]) / 2**20

    return [
        Figure(
            f"start-up with {big:,} ids / empty store",
            ratio(ms(big, "total") / ms(0, "total")),
            f"open, recover, newest_id and {lookups} lookups: {ms(big, 'total'):.1f} ms vs"
            f" {ms(0, 'total'):.1f} ms; store {files[big] / 2**20:.0f} MB",
        ),
        Figure(
            f"peak RSS with {big:,} ids / empty store",
            ratio(mb(big) / mb(0)),
            f"{mb(big):.1f} MB vs {mb(0):.1f} MB (a process that only opens the store)",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[0, 100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--lookups", type=int, default=300)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        print(json.dumps(start_up(options.child, options.lookups)))
        return

    files, runs = measure(options.sizes, options.repeats, options.lookups)
    print(
        f"{options.repeats} fresh processes per size, {options.lookups} lookups each;"
        " open = open + migrate + recover + newest_id; total adds the lookups and close"
        " (medians); peak RSS = whole process (max); store +RSS = peak minus RSS before"
        " opening the store"
    )
    report(options.sizes, files, runs)


if __name__ == "__main__":
    main()
