"""Does `scrapy corpus` stay flat in memory as the corpus grows? (issue 7 §6; `corpus` in
`python -m benchmarks`)

Builds synthetic data directories in a temporary directory, shaped like a long cron history: one
published file per hourly run (a year is 8,760 files), records of a real article's weight (the
replica's, about 3 KB), and a quarter of the articles republished as a second revision in a later
file. Then, side by side in one run, `scrapy corpus` (the current view) and `scrapy corpus
--all-revisions` each run in a fresh process writing to /dev/null: time per record beyond an
empty data directory's (Scrapy's start-up), large corpus against small, and peak RSS against the
empty data directory's.
"""

import json
import os
import tempfile
from pathlib import Path

from benchmarks import PROJECT_DIR, Figure, Process, benchmark, median, ratio, run_module
from newsbot.replica import ReplicaSite

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


def run_corpus(data: Path, extra: tuple[str, ...]) -> Process:
    """One `scrapy corpus` process (its output goes to /dev/null), measured by the harness."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}
    return run_module(["scrapy", "corpus", "--data-dir", str(data), *extra], PROJECT_DIR, env)


@benchmark("corpus")
def corpus(quick: bool) -> list[Figure]:
    sizes = (1_000, 5_000) if quick else (10_000, 1_000_000)
    rounds = 1
    shapes = templates()
    results: dict[tuple[int, str], list[Process]] = {}
    built = {}
    with tempfile.TemporaryDirectory(prefix="newsbot-bench-corpus-") as tmp:
        empty = Path(tmp) / "empty"
        (empty / "devdiscourse").mkdir(parents=True)
        built[0] = (empty, 0, 0)
        for size in sizes:
            built[size] = build(Path(tmp), size, shapes)
        # Interleaved, so that drift on the machine falls on every size alike.
        for _ in range(rounds):
            for size in (0, *sizes):
                for mode, extra in MODES.items():
                    results.setdefault((size, mode), []).append(run_corpus(built[size][0], extra))
    small, large = sizes
    _, files, nbytes = built[large]
    figures = []
    for mode in MODES:
        wall = {size: median(p.wall for p in results[(size, mode)]) for size in (0, *sizes)}
        peak = {size: median(p.peak_mb for p in results[(size, mode)]) for size in (0, *sizes)}
        # Time per record beyond an empty data directory's (Scrapy's start-up).
        per_record = {size: max(wall[size] - wall[0], 0) / size * 1e6 for size in sizes}
        figures += [
            Figure(
                f"{mode}: time per record, {large:,} / {small:,} records",
                ratio(per_record[large] / per_record[small]) if per_record[small] else "-",
                f"{per_record[large]:.1f} µs vs {per_record[small]:.1f} µs ({large:,} records in"
                f" {files:,} files, {nbytes / 2**20:,.0f} MiB: {wall[large]:.1f} s)",
            ),
            Figure(
                f"{mode}: peak RSS, {large:,} records / empty data directory",
                ratio(peak[large] / peak[0]),
                f"{peak[large]:.1f} MB vs {peak[0]:.1f} MB (Scrapy's start-up)",
            ),
        ]
    return figures
