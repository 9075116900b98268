"""`scrapy replay`'s arguments and the lock, without a crawl."""

import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pytest

from newsbot.cron import LOCKED, USAGE
from newsbot.runlock import LOCK_NAME

PROJECT = Path(__file__).resolve().parent.parent


def replay(data: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "replay", *arguments],
        cwd=PROJECT,
        env={**os.environ, "NEWSBOT_DATA_DIR": str(data)},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        ((), "name a WARC file"),
        (("{tmp}/nowhere",), "no such file or directory"),
        (("{tmp}", "-o", "{tmp}/data/out.jsonl"), "inside the data directory"),
        (("{tmp}", "--publish", "-o", "{tmp}/out.jsonl"), "exclude each other"),
    ],
)
def test_bad_arguments_are_one_line_and_status_2(
    tmp_path: Path, arguments: tuple[str, ...], says: str
) -> None:
    done = replay(tmp_path / "data", *(a.format(tmp=tmp_path) for a in arguments))
    assert (done.returncode, done.stdout) == (USAGE, "")
    (line,) = done.stderr.splitlines()
    assert line.startswith("newsbot: error: ") and says in line


def test_publish_waits_for_no_one_when_a_run_holds_the_lock(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    lock = data / LOCK_NAME
    lock.write_text('{"pid": 4242, "started": "2026-01-01T00:00:00+00:00"}\n')
    fd = os.open(lock, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        done = replay(data, str(tmp_path), "--publish")
    finally:
        os.close(fd)
    assert done.returncode == LOCKED
    assert (
        done.stderr
        == f"newsbot: another run holds {lock}: pid 4242, started 2026-01-01T00:00:00+00:00\n"
    )
    assert sorted(p.name for p in data.iterdir()) == [LOCK_NAME]


def test_an_empty_directory_replays_nothing(tmp_path: Path) -> None:
    done = replay(tmp_path / "data", str(tmp_path))
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
