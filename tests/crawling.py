"""Run `scrapy crawl devdiscourse` in a subprocess, as a user would, and read what it published."""

import json
import os
import pty
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from newsbot.demo import LOOPBACK_SETTINGS, crawl_command

PROJECT_DIR = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}
# What a progress line starts with (newsbot/progress.py): return to the line start, clear it.
ERASE = "\r\x1b[K"

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
    "NEWSBOT_SITE_MAX_RATE": "0",
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


class Terminal:
    """A command run with its stderr on a pseudo-terminal, as a person at a terminal runs it;
    what it writes there is read as it comes (a full terminal buffer would block it)."""

    def __init__(self, command: list[str], **popen: object) -> None:
        controller, terminal = pty.openpty()
        self.process = subprocess.Popen(
            command, cwd=PROJECT_DIR, env=ENV, stdout=subprocess.PIPE, stderr=terminal, **popen
        )
        os.close(terminal)
        self._chunks: list[bytes] = []
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, args=(controller,), daemon=True)
        self._reader.start()

    def _read(self, controller: int) -> None:
        while True:
            try:
                data = os.read(controller, 4096)
            except OSError:  # EIO: the command has closed the terminal
                break
            if not data:
                break
            with self._lock:
                self._chunks.append(data)
        os.close(controller)

    @property
    def text(self) -> str:
        with self._lock:
            return b"".join(self._chunks).decode()

    def wait_for(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.text:
            assert self.process.poll() is None, f"ended without {text!r}: {self.text!r}"
            assert time.monotonic() < deadline, f"no {text!r} within {timeout} s: {self.text!r}"
            time.sleep(0.02)

    def finish(self, timeout: float = 300) -> tuple[int, str, str]:
        """The exit status, what went to stdout and what the terminal showed."""
        stdout, _ = self.process.communicate(timeout=timeout)
        self._reader.join(timeout=10)
        return self.process.returncode, stdout.decode(), self.text


def terminal_lines(shown: str) -> list[str]:
    """The lines a terminal is left showing: each progress line replaced by the next."""
    lines = []
    for line in shown.replace("\r\n", "\n").split("\n"):
        if ERASE in line:
            line = line.rsplit(ERASE, 1)[1]
        if line:
            lines.append(line)
    return lines
