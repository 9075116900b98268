"""`scrapy runs`: the last runs from runs.jsonl as a table, a failing streak obvious (issue 7 §6).

Lines of runs.jsonl are written here in the format docs/cron.md documents, and, end to end, by
real crawls (two healthy ones and one refused by the lock).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsbot.commands.runs import (
    Run,
    check_name,
    duration_text,
    read_history,
    render,
    status_word,
)
from newsbot.cron import ABORTED, DATA_ERROR, HEALTH_FAILED, LOCKED, OK, RUNS_NAME, USAGE
from newsbot.runlock import LOCK_NAME, RunLock
from tests.crawling import run_crawl

PROJECT = Path(__file__).resolve().parent.parent
START = datetime(2026, 11, 26, 10, 17, tzinfo=UTC)


def run_line(hour: int, status: int = OK, **fields: object) -> dict:
    """A line as newsbot.cron.run_record writes it (docs/cron.md)."""
    start = START + timedelta(hours=hour)
    return {
        "start": start.isoformat(timespec="seconds"),
        "end": (start + timedelta(seconds=41)).isoformat(timespec="seconds"),
        "duration_s": 41.2,
        "pid": 4242,
        "status": status,
        "finish_reason": "finished",
        "requests": 57,
        "new": 12,
        "revised": 3,
        "written": 15,
        "dropped": {},
        "errors": 0,
        "http_5xx": 0,
        "failed_checks": [],
        "aborted": None,
        "published": None,
        "log": "/var/lib/newsbot/logs/x.log",
        "counts": {},
        **fields,
    }


def refused_line(hour: int) -> dict:
    """What a run refused by the lock writes: fewer fields."""
    start = START + timedelta(hours=hour)
    return {
        "start": start.isoformat(timespec="seconds"),
        "end": (start + timedelta(seconds=1)).isoformat(timespec="seconds"),
        "pid": 4343,
        "status": LOCKED,
        "holder": {"pid": 4242, "started": "2026-11-26T10:17:00+00:00"},
    }


def write_runs(data_dir: Path, *lines: dict | bytes) -> Path:
    path = data_dir / RUNS_NAME
    path.write_bytes(
        b"".join(
            line if isinstance(line, bytes) else json.dumps(line).encode() + b"\n" for line in lines
        )
    )
    return path


# -- pure functions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "-"), (0, "0s"), (41.2, "41s"), (59.6, "1m00s"), (161, "2m41s"), (3725, "1h02m")],
)
def test_duration_text(seconds: float | None, text: str) -> None:
    assert duration_text(seconds) == text


@pytest.mark.parametrize(
    ("status", "word"),
    [
        (OK, "ok"),
        (HEALTH_FAILED, "CHECK FAILED"),
        (ABORTED, "ABORTED"),
        (LOCKED, "LOCKED OUT"),
        (99, "EXIT 99"),
    ],
)
def test_status_word_shouts_unless_healthy(status: int, word: str) -> None:
    assert status_word(status) == word


@pytest.mark.parametrize(
    ("message", "name"),
    [
        ("discovery: discovery found nothing: 0 sitemap entries and 0 listing links", "discovery"),
        ("field coverage: body 0.50 < 0.9", "field coverage"),
        (
            "health checks did not run (is SPIDERMON_ENABLED on?)",
            "health checks did not run (is SPIDERMON_ENABLED on?)",
        ),
    ],
)
def test_check_name(message: str, name: str) -> None:
    assert check_name(message) == name


def test_a_run_line_and_a_refused_line_are_read() -> None:
    run = Run.from_line(json.dumps(run_line(0, failed_checks=["errors: 30 %"])).encode())
    assert (run.status, run.duration, run.new, run.revised, run.requests) == (OK, 41.2, 12, 3, 57)
    assert run.failed_checks == ("errors: 30 %",)
    refused = Run.from_line(json.dumps(refused_line(1)).encode())
    assert (refused.status, refused.duration, refused.new, refused.requests) == (
        LOCKED,
        1.0,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (b"", "not a JSON record"),
        (b'{"start": "2026-11-26T10:17:00+00:00", "status": 0', "not a JSON record"),
        (b"[]", "not a JSON object"),
        (b'{"status": 0}', "no start time or status"),
        (b'{"start": "yesterday", "status": 0}', "no start time or status"),
        (b'{"start": "2026-11-26T10:17:00+00:00"}', "no start time or status"),
        (b'{"start": "2026-11-26T10:17:00+00:00", "status": "0"}', "status is not an integer"),
    ],
)
def test_a_line_that_is_not_a_run_says_why(raw: bytes, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        Run.from_line(raw)


def test_the_failing_streak_counts_over_the_whole_file(tmp_path: Path) -> None:
    path = write_runs(
        tmp_path,
        run_line(0),
        run_line(1),
        run_line(2, HEALTH_FAILED),
        refused_line(3),
        b"not json\n",
        run_line(4, ABORTED),
        run_line(5, HEALTH_FAILED),
    )
    history = read_history(path, 2)
    assert [run.status for run in history.runs] == [ABORTED, HEALTH_FAILED]
    assert history.skipped == []  # line 5 is outside the last two
    assert (history.streak, history.last_ok) == (4, START + timedelta(hours=1))
    shown = read_history(path, 3)
    assert shown.skipped == [(5, "not a JSON record (Expecting value: line 1 column 1 (char 0))")]
    assert read_history(write_runs(tmp_path, run_line(0, ABORTED), run_line(1)), 5).streak == 0


def test_render_is_a_table_with_totals_and_the_streak(tmp_path: Path) -> None:
    path = write_runs(
        tmp_path,
        run_line(0, new=1200, requests=1500),
        run_line(
            1,
            HEALTH_FAILED,
            duration_s=161,
            new=0,
            revised=0,
            failed_checks=["discovery: found nothing", "errors: 30 % of requests"],
        ),
        refused_line(2),
        run_line(3, ABORTED, aborted="stopped by a signal", duration_s=3725, new=7),
    )
    assert list(render(read_history(path, 20))) == [
        "start (UTC)          duration  status          new  revised  requests  failed checks",
        "2026-11-26 10:17:00       41s  ok            1,200        3     1,500",
        "2026-11-26 11:17:00     2m41s  CHECK FAILED      0        0        57  discovery, errors",
        "2026-11-26 12:17:00        1s  LOCKED OUT        -        -         -",
        "2026-11-26 13:17:00     1h02m  ABORTED           7        3        57"
        "  aborted: stopped by a signal",
        "-------------------  --------  ------------  -----  -------  --------"
        "  ----------------------------",
        "4 runs                  1h05m  1 ok, 3 not   1,207        6     1,614  2 failed",
        "last 3 runs failed; the last healthy run started 2026-11-26 10:17:00 UTC",
    ]


def test_render_without_a_healthy_run(tmp_path: Path) -> None:
    lines = list(render(read_history(write_runs(tmp_path, refused_line(0)), 20)))
    assert lines[-1] == "last 1 run failed; no run in runs.jsonl succeeded"


# -- the command line ---------------------------------------------------------------------------


def runs(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "runs", *args],
        cwd=PROJECT,
        env=os.environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_command_line_shows_the_last_n_and_reports_a_broken_line(tmp_path: Path) -> None:
    write_runs(
        tmp_path,
        *(run_line(hour) for hour in range(30)),
        b'{"start": "2026-11-27T16:17:00+00:00", "status": 0, "new": 1\n',  # cut short
        run_line(31, HEALTH_FAILED, failed_checks=["discovery: nothing"]),
    )
    done = runs("--data-dir", str(tmp_path), "-n", "5")
    assert done.returncode == DATA_ERROR
    (message,) = done.stderr.splitlines()
    assert message.startswith(f"newsbot: {tmp_path / RUNS_NAME}:31: skipped: not a JSON record")
    lines = done.stdout.splitlines()
    assert len(lines) == 1 + 4 + 2 + 1  # header, 4 runs, rule and totals, streak
    assert lines[1].startswith("2026-11-27 13:17:00")
    assert "CHECK FAILED" in lines[4] and lines[4].endswith("discovery")
    assert lines[-1] == "last 1 run failed; the last healthy run started 2026-11-27 15:17:00 UTC"
    default = runs("--data-dir", str(tmp_path))
    assert len(default.stdout.splitlines()) == 1 + 19 + 2 + 1


def test_command_line_without_runs_and_with_bad_options(tmp_path: Path) -> None:
    empty = runs("--data-dir", str(tmp_path))
    assert (empty.returncode, empty.stdout, empty.stderr) == (
        OK,
        f"no runs recorded in {tmp_path / RUNS_NAME}\n",
        "",
    )
    for bad in ("0", "-3", "many"):
        done = runs("--data-dir", str(tmp_path), "-n", bad)
        assert (done.returncode, done.stdout) == (USAGE, "")
        assert done.stderr == f"newsbot: error: -n '{bad}': give a positive number of runs\n"
    missing = runs("--data-dir", str(tmp_path / "nothing"))
    assert (missing.returncode, missing.stdout) == (USAGE, "")
    assert missing.stderr == f"newsbot: error: no data directory at {tmp_path / 'nothing'}\n"


@pytest.mark.e2e
def test_real_runs_and_a_run_refused_by_the_lock(two_crawls, tmp_path: Path) -> None:
    shutil.copy(two_crawls.data_dir / RUNS_NAME, tmp_path / RUNS_NAME)
    lock = RunLock(tmp_path / LOCK_NAME)
    lock.acquire(datetime.now(UTC))  # a crawl running now: the next one is refused
    try:
        refused = run_crawl("http://127.0.0.1:9", tmp_path)
    finally:
        lock.release()
    assert refused.status == LOCKED

    done = runs("--data-dir", str(tmp_path))
    assert (done.returncode, done.stderr) == (OK, "")
    header, first, second, third, rule, totals, streak = done.stdout.split("\n")[:-1]
    assert header.split() == [
        "start", "(UTC)", "duration", "status", "new", "revised", "requests", "failed", "checks"
    ]  # fmt: skip
    site = two_crawls.site
    first_new = len(site.ids()) - len(two_crawls.new)
    assert first.split()[3:6] == ["ok", f"{first_new:,}", "0"]
    assert second.split()[3:6] == ["ok", f"{len(two_crawls.new):,}", f"{len(two_crawls.updated):,}"]
    assert third.split()[3:] == ["LOCKED", "OUT", "-", "-", "-"]
    assert set(rule) == {"-", " "}
    assert totals.startswith("3 runs") and "1 ok" not in totals and "2 ok, 1 not" in totals
    assert streak.startswith("last 1 run failed; the last healthy run started ")
