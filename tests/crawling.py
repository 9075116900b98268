"""Run `scrapy crawl devdiscourse` in a subprocess, as a user would, and read what it published."""

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from newsbot.demo import LOOPBACK_SETTINGS, crawl_command

PROJECT_DIR = Path(__file__).resolve().parent.parent

# For tests/test_faults.py and benchmarks/fault_crawl.py (which must not need pytest).
# Fast and strict for a local server: a 1 s timeout (the slow pages take 3 s), two retries,
# a 2 MiB size cap (the huge pages are 10 MiB).
FAULT_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "DOWNLOAD_TIMEOUT": "1",
    "RETRY_TIMES": "2",
    "DOWNLOAD_MAXSIZE": str(2 * 1024 * 1024),
    "NEWSBOT_RETRY_AFTER_MAX": "5",
}


@dataclass
class CrawlResult:
    status: int
    stdout: str
    stderr: str
    records: list[dict]
    files: list[Path]


def read_records(data_dir: Path) -> tuple[list[dict], list[Path]]:
    files = sorted((data_dir / "devdiscourse").glob("*.jsonl"))
    records = []
    for path in files:
        with path.open(encoding="utf-8") as lines:
            records.extend(json.loads(line) for line in lines)
    return records, files


def run_crawl(
    base_url: str,
    data_dir: Path,
    *args: str,
    settings: dict[str, str] | None = None,
    timeout: float = 600,
) -> CrawlResult:
    """Crawl `base_url`; `settings` default to the loopback speed-ups, `{}` means as shipped."""
    settings = LOOPBACK_SETTINGS if settings is None else settings
    command = crawl_command(base_url, data_dir, settings, *args)
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}
    done = subprocess.run(
        command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=timeout
    )
    records, files = read_records(data_dir)
    return CrawlResult(done.returncode, done.stdout, done.stderr, records, files)


def field_differences(records: list[dict], expected: dict[str, dict]) -> list[str]:
    """One line per (id, field) whose value differs from the ground truth; crawled_at aside."""
    problems = []
    for record in records:
        truth = expected.get(record.get("id"))
        if truth is None:
            problems.append(f"{record.get('id')}: not an article of the replica ({record['url']})")
            continue
        for name, value in truth.items():
            if record.get(name) != value:
                problems.append(f"{record['id']}.{name}: got {record.get(name)!r}, want {value!r}")
    return problems
