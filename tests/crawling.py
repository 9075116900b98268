"""Run `scrapy crawl devdiscourse` in a subprocess, as a user would, and read what it published."""

import json
import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from newsbot.demo import LOOPBACK_SETTINGS, crawl_command

PROJECT_DIR = Path(__file__).resolve().parent.parent


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


def start_crawl(base_url: str, data_dir: Path, **settings: str) -> subprocess.Popen[str]:
    """`run_crawl` without waiting: the loopback speed-ups and `settings`, stdout and stderr
    piped."""
    command = crawl_command(base_url, data_dir, {**LOOPBACK_SETTINGS, **settings})
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}
    return subprocess.Popen(
        command, cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def wait_for(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def part_lines(data_dir: Path) -> int:
    """Records written so far to the hidden part files of runs under way."""
    return sum(len(p.read_bytes().splitlines()) for p in data_dir.glob("devdiscourse/.*.part"))


def runs(data_dir: Path) -> list[dict]:
    """The lines of runs.jsonl."""
    return [json.loads(line) for line in (data_dir / "runs.jsonl").read_text().splitlines()]


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
