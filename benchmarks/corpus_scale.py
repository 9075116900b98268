"""Does `scrapy corpus` stay flat in memory as the corpus grows? (issue 7 §6)

Builds synthetic data directories of increasing size in a temporary directory, shaped like a
long cron history: one published file per hourly run (a year is 8,760 files), records of a real
article's weight (the replica's, about 3 KB), and a quarter of the articles republished as a
second revision in a later file. Then, side by side in one run, `scrapy corpus` (the current
view) and `scrapy corpus --all-revisions` each run in a fresh process writing to /dev/null; the
table gives wall time per record and the process's peak RSS, with ratios to the smallest corpus,
beside an empty data directory (what Scrapy's start-up alone costs). Figures, not pass/fail.

    python benchmarks/corpus_scale.py [--sizes 10000 100000 1000000] [--repeats 1] [--quick]

Measured on the project's 2-core machine (shared with other test runs, so times are noisy;
`--repeats 2`, medians), 2026-12:

       records  files    MiB  mode           seconds  µs/record  peak RSS MiB  +RSS MiB
             0      0      0  current view       1.9                     67.7
        10,000     88     18  current view       2.1       20.7          67.7       0.0
       100,000    871    185  current view       8.0       61.4          69.0       1.3
     1,000,000  8,697  1,848  current view      66.9       65.0          70.0       2.4
             0      0      0  all revisions      1.7                     67.3
        10,000     88     18  all revisions      2.0       25.6          67.3       0.0
       100,000    871    185  all revisions      6.7       49.7          67.3       0.0
     1,000,000  8,697  1,848  all revisions     49.7       48.0          68.5       1.2

A hundred times the records costs 2.4 MiB more at peak (the current view) over Scrapy's own
start-up, and about the same time per record (at 10,000 records start-up noise dominates).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from newsbot.replica import ReplicaSite  # noqa: E402

FIRST_ID = 3_000_000
RECORDS_PER_RUN = 115  # ~1,000,000 records over a year of hourly runs
REVISED_SHARE = 4  # one article in four gets a second revision
MODES = {"current view": (), "all revisions": ("--all-revisions",)}


def templates(count: int = 50) -> list[dict]:
    """Real records of the replica (its ground truth), to copy the weight and shape of."""
    site = ReplicaSite(articles=count, seed=11)
    return [
        {**site.expected_record(news_id), "revision": 1, "crawled_at": "2026-11-26T10:15:02Z"}
        for news_id in site.ids()[:count]
    ]


def build(root: Path, records: int, shapes: list[dict]) -> tuple[Path, int, int]:
    """A data directory of about `records` records; (its path, files, bytes)."""
    data = root / f"records-{records}"
    published = data / "devdiscourse"
    published.mkdir(parents=True)
    articles = records * REVISED_SHARE // (REVISED_SHARE + 1)
    files = size = 0
    pending_revisions: list[int] = []
    hour = 0
    written = 0
    next_id = FIRST_ID
    while written < records:
        lines = []
        # Revisions of articles published a few runs ago, then new articles.
        for news_id in pending_revisions[: RECORDS_PER_RUN // 5]:
            lines.append(_line(shapes, news_id, 2))
        pending_revisions = pending_revisions[RECORDS_PER_RUN // 5 :]
        while len(lines) < RECORDS_PER_RUN and next_id - FIRST_ID < articles:
            lines.append(_line(shapes, next_id, 1))
            if next_id % REVISED_SHARE == 0:
                pending_revisions.append(next_id)
            next_id += 1
        if not lines:  # only revisions were left, and they are written
            break
        lines = lines[: records - written]
        stamp = f"2026-{1 + hour // 744:02d}-{1 + hour // 24 % 31:02d}T{hour % 24:02d}-17-00Z"
        path = published / f"{stamp}-{hour}.jsonl"
        path.write_bytes(b"".join(lines))
        files += 1
        size += path.stat().st_size
        written += len(lines)
        hour += 1
    return data, files, size


def _line(shapes: list[dict], news_id: int, revision: int) -> bytes:
    record = {**shapes[news_id % len(shapes)], "id": str(news_id), "revision": revision}
    return json.dumps(record, ensure_ascii=False).encode() + b"\n"


def run_corpus(data: Path, extra: tuple[str, ...]) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MiB, and exit status of one `scrapy corpus` process."""
    command = [sys.executable, "-m", "scrapy", "corpus", "--data-dir", str(data), *extra]
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    started = time.monotonic()
    with open(os.devnull, "wb") as sink:
        process = subprocess.Popen(command, cwd=PROJECT, env=env, stdout=sink)
        _, status, usage = os.wait4(process.pid, 0)
    return time.monotonic() - started, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    options = parser.parse_args()
    sizes = [2_000, 20_000] if options.quick else sorted(options.sizes)

    shapes = templates()
    with tempfile.TemporaryDirectory(prefix="newsbot-corpus-scale-") as tmp:
        empty = Path(tmp) / "empty"
        (empty / "devdiscourse").mkdir(parents=True)
        built = {0: (empty, 0, 0)}
        for size in sizes:
            started = time.monotonic()
            built[size] = build(Path(tmp), size, shapes)
            _, files, nbytes = built[size]
            print(
                f"built {size:,} records in {files:,} files ({nbytes / 2**20:,.0f} MiB)"
                f" in {time.monotonic() - started:.1f} s",
                flush=True,
            )
        results: dict[tuple[int, str], list[tuple[float, float, int]]] = {}
        # Interleaved, so that drift on the machine falls on every size alike.
        for _ in range(options.repeats):
            for size in [0, *sizes]:
                for mode, extra in MODES.items():
                    results.setdefault((size, mode), []).append(run_corpus(built[size][0], extra))
    report(sizes, built, results, options.repeats)


def report(sizes, built, results, repeats: int) -> None:
    print(
        f"\n`scrapy corpus` to /dev/null, fresh process each, {repeats} repeat(s), medians."
        "\nµs/record = (wall time - the empty corpus's) / records; +RSS = peak RSS - the empty"
        " corpus's (Scrapy's start-up); x = ratio to the smallest corpus"
    )
    print(
        f"{'records':>10} {'files':>6} {'MiB':>6}  {'mode':<14}{'seconds':>8} {'µs/record':>10}"
        f" {'x':>5} {'peak RSS MiB':>13} {'x':>5} {'+RSS MiB':>9} {'status':>7}"
    )
    for mode in MODES:
        empty_time, empty_rss = medians(results[(0, mode)])
        print(f"{0:>10} {0:>6} {0:>6}  {mode:<14}{empty_time:>8.1f}{'':>17} {empty_rss:>13.1f}")
        base_time = base_rss = None
        for size in sizes:
            seconds, rss = medians(results[(size, mode)])
            per_record = max(seconds - empty_time, 0) / size * 1e6
            base_time = base_time or per_record
            base_rss = base_rss or rss
            _, files, nbytes = built[size]
            print(
                f"{size:>10,} {files:>6,} {nbytes / 2**20:>6,.0f}  {mode:<14}{seconds:>8.1f}"
                f" {per_record:>10.1f} {ratio(per_record, base_time):>5} {rss:>13.1f}"
                f" {rss / base_rss:>5.2f} {rss - empty_rss:>9.1f}"
                f" {results[(size, mode)][-1][2]:>7}"
            )


def ratio(value: float, base: float) -> str:
    # Start-up noise can swallow a small corpus's whole cost.
    return f"{value / base:.2f}" if base > 0 else "-"


def medians(runs: list[tuple[float, float, int]]) -> tuple[float, float]:
    return statistics.median(run[0] for run in runs), statistics.median(run[1] for run in runs)


if __name__ == "__main__":
    main()
