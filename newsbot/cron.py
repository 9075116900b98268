"""One crawl as cron needs it: locked, capped, silent when healthy, with a meaningful exit status.

`scrapy crawl` (newsbot/commands/crawl.py) calls `run_crawl`; so can scripts, which then get the
same lock, checks and status. docs/cron.md documents the statuses and files.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy.crawler import AsyncCrawlerProcess
from scrapy.settings import BaseSettings, Settings
from scrapy.spiderloader import get_spider_loader

from newsbot import statkeys as keys
from newsbot.arguments import BadArgument, parse_arguments
from newsbot.datadir import data_dir
from newsbot.monitors import error_count, server_error_count
from newsbot.runlock import LOCK_NAME, Holder, LockHeld, RunLock, iso

logger = logging.getLogger(__name__)

OK = 0
HEALTH_FAILED = 1
USAGE = 2
ABORTED = 3
LOCKED = 75  # EX_TEMPFAIL: cron may simply try again next time
# The readers of a data directory and its archives (`scrapy replay`):
DATA_ERROR = 65  # EX_DATAERR: damaged input was skipped; everything else was processed
IO_ERROR = 74  # EX_IOERR: a file could not be read or written

RUNS_NAME = "runs.jsonl"
LOGS_DIR = "logs"
STAMP_FORMAT = "%Y-%m-%dT%H-%M-%SZ"

# Finish reasons of a crawl stopped before its end, whatever the health checks say.
ABORT_REASONS = {
    "shutdown": "stopped by a signal (SIGTERM or Ctrl-C) before the crawl finished",
    "closespider_timeout": "run-time cap of {cap:g} s reached (NEWSBOT_MAX_RUNTIME)",
}


def say(message: str) -> None:
    """The only output of a run: one line on stderr, which cron mails."""
    print(f"newsbot: {message}", file=sys.stderr, flush=True)


# -- what a run ends with ---------------------------------------------------------------------


@dataclass
class Outcome:
    status: int
    messages: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)


def evaluate(stats: Mapping[str, Any], cap: float, crash: BaseException | None = None) -> Outcome:
    """The exit status of a finished crawl and the lines to print, from its stats.

    An abort (crash, signal, cap) outranks failed checks: its checks judged a partial run.
    """
    failed = stats.get(keys.HEALTH_FAILED)
    checks = list(failed or [])
    reason = stats.get(keys.FINISH_REASON)
    if isinstance(crash, Terminated):
        return Outcome(ABORTED, [f"aborted: {crash}"], checks)
    if crash is not None:
        return Outcome(ABORTED, [f"aborted: the crawl crashed: {_describe(crash)}"], checks)
    if reason in ABORT_REASONS:
        return Outcome(ABORTED, ["aborted: " + ABORT_REASONS[reason].format(cap=cap)], checks)
    if reason is None:
        return Outcome(ABORTED, ["aborted: the crawl stopped without closing the spider"], checks)
    if failed is None:
        message = "health checks did not run (is SPIDERMON_ENABLED on?)"
        return Outcome(HEALTH_FAILED, [message], [message])
    if checks:
        return Outcome(HEALTH_FAILED, [f"health check failed: {c}" for c in checks], checks)
    return Outcome(OK)


def _describe(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


# -- runs.jsonl and logs ----------------------------------------------------------------------


def append_run(directory: Path, record: Mapping[str, Any]) -> None:
    """One line per run; a single O_APPEND write, so a concurrent refused run can't interleave."""
    line = json.dumps(record, ensure_ascii=False).encode() + b"\n"
    fd = os.open(directory / RUNS_NAME, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def run_record(
    started: datetime, stats: Mapping[str, Any], outcome: Outcome, log: Path
) -> dict[str, Any]:
    ended = datetime.now(UTC)
    return {
        "start": iso(started),
        "end": iso(ended),
        "duration_s": round((ended - started).total_seconds(), 3),
        "pid": os.getpid(),
        "status": outcome.status,
        "finish_reason": stats.get(keys.FINISH_REASON),
        "requests": stats.get(keys.REQUEST_COUNT, 0),
        "new": stats.get(keys.ITEMS_NEW, 0),
        "revised": stats.get(keys.ITEMS_REVISED, 0),
        "written": stats.get(keys.ITEMS_WRITTEN, 0),
        "dropped": {
            name.removeprefix(keys.DROPPED_PREFIX): count
            for name, count in sorted(stats.items())
            if name.startswith(keys.DROPPED_PREFIX)
        },
        "errors": error_count(stats),
        "http_5xx": server_error_count(stats),
        "failed_checks": outcome.failed_checks,
        "aborted": outcome.messages[0].removeprefix("aborted: ")
        if outcome.status == ABORTED
        else None,
        "published": stats.get(keys.OUTPUT_FILE),
        "log": str(log),
        # Everything newsbot counted (drops by reason, discovery, retries it caused, oddities).
        "counts": {
            name.removeprefix(keys.PREFIX): value
            for name, value in sorted(stats.items())
            if name.startswith(keys.PREFIX) and isinstance(value, int | float)
        },
    }


def new_log(directory: Path, started: datetime, keep: int) -> Path:
    """`<data dir>/logs/<run start>.log`, deleting all but the newest `keep` - 1 older logs."""
    logs = directory / LOGS_DIR
    logs.mkdir(parents=True, exist_ok=True)
    # The stamp sorts chronologically by name.
    for old in sorted(logs.glob("*.log"), reverse=True)[max(keep - 1, 0) :]:
        old.unlink(missing_ok=True)
    stamp = started.strftime(STAMP_FORMAT)
    path, n = logs / f"{stamp}.log", 1
    while path.exists():  # two runs started in one second: keep both logs
        path, n = logs / f"{stamp}.{n}.log", n + 1
    return path


# -- the run ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CronSettings:
    max_runtime: float
    hard_stop_grace: float
    logs_kept: int

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> CronSettings:
        """Raises ValueError on a value that can't be used."""
        values = cls(
            settings.getfloat("NEWSBOT_MAX_RUNTIME"),
            settings.getfloat("NEWSBOT_HARD_STOP_GRACE"),
            settings.getint("NEWSBOT_LOGS_KEPT"),
        )
        if values.max_runtime <= 0 or values.hard_stop_grace <= 0 or values.logs_kept < 1:
            raise ValueError(
                "NEWSBOT_MAX_RUNTIME and NEWSBOT_HARD_STOP_GRACE must be > 0 and "
                "NEWSBOT_LOGS_KEPT >= 1"
            )
        return values


def run_crawl(settings: Settings, spider_name: str, spider_args: Mapping[str, str]) -> int:
    """Crawl once under the data directory's lock; returns the exit status (module constants).

    Prints nothing when healthy, else one line per failed check or one line for an abort.
    """
    try:
        parse_arguments(spider_args)
        cron = CronSettings.from_settings(settings)
        spidercls = get_spider_loader(settings).load(spider_name)
        directory = data_dir(settings)
        directory.mkdir(parents=True, exist_ok=True)
    except (BadArgument, ValueError, KeyError, OSError) as error:
        # KeyError's str() quotes its message; the others read as they are.
        say(f"error: {error.args[0] if isinstance(error, KeyError) else error}")
        return USAGE
    started = datetime.now(UTC)
    lock = RunLock(directory / LOCK_NAME)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _terminate)
    try:
        # Before the crawler exists: building it recovers the seen store from a killed run.
        lock.acquire(started)
    except LockHeld as held:
        return _refused(directory, started, held.holder)
    try:
        return _locked_run(settings, spidercls, spider_args, directory, started, cron)
    except Terminated as stop:  # before the crawl began: nothing to record
        say(f"aborted: {stop}")
        return ABORTED
    finally:
        lock.release()


def _refused(directory: Path, started: datetime, holder: Holder) -> int:
    say(f"another run holds {directory / LOCK_NAME}: pid {holder.pid}, started {holder.started}")
    append_run(
        directory,
        {
            "start": iso(started),
            "end": iso(datetime.now(UTC)),
            "pid": os.getpid(),
            "status": LOCKED,
            "holder": {"pid": holder.pid, "started": holder.started},
        },
    )
    return LOCKED


def _locked_run(
    settings: Settings,
    spidercls: type,
    spider_args: Mapping[str, str],
    directory: Path,
    started: datetime,
    cron: CronSettings,
) -> int:
    log = new_log(directory, started, cron.logs_kept)
    run_settings = settings.copy()
    # The whole log goes to the file, nothing to the terminal: cron mails whatever is printed.
    run_settings.set("LOG_FILE", str(log), priority="cmdline")
    run_settings.set("LOG_FILE_APPEND", False, priority="cmdline")
    run_settings.set("LOG_INSTALL_ROOT_HANDLER", True, priority="cmdline")
    run_settings.set("CLOSESPIDER_TIMEOUT", cron.max_runtime, priority="cmdline")

    def hard_stop() -> None:
        outcome = Outcome(ABORTED, [_hard_stop_message(cron)])
        append_run(directory, run_record(started, {}, outcome, log))
        say(outcome.messages[0])
        os._exit(ABORTED)  # the reactor is stuck: no clean way out from this thread

    with Watchdog(cron.max_runtime + cron.hard_stop_grace, hard_stop):
        stats, crash = _crawl(run_settings, spidercls, spider_args)
    outcome = evaluate(stats, cron.max_runtime, crash)
    record = run_record(started, stats, outcome, log)
    append_run(directory, record)
    for message in outcome.messages:
        say(message)
    if outcome.status == OK and sys.stderr.isatty():
        # Someone is watching (cron never is): tell them what happened, in one line.
        say(summary(record))
    return outcome.status


def summary(record: Mapping[str, Any]) -> str:
    """One line on a healthy run, for a person at a terminal."""
    published = record["published"] or "nothing new to publish"
    return (
        f"{record['new']} new and {record['revised']} revised records, {published}; "
        f"{record['requests']} requests in {record['duration_s']:.0f} s; log: {record['log']}"
    )


def _hard_stop_message(cron: CronSettings) -> str:
    return (
        f"aborted: run-time cap of {cron.max_runtime:g} s reached and the crawl did not close"
        f" within {cron.hard_stop_grace:g} s more; killed"
    )


def _crawl(
    settings: Settings, spidercls: type, spider_args: Mapping[str, str]
) -> tuple[Mapping[str, Any], BaseException | None]:
    """Run the crawl to its end; its stats, and the exception that aborted it if any."""
    global _process
    crawler = None
    try:
        process = _process = AsyncCrawlerProcess(settings)
        crawler = process.create_crawler(spidercls)
        task = process.crawl(crawler, **spider_args)
        process.start()
        # Retrieving the exception also keeps asyncio from printing it at exit.
        crash = task.exception() if task.done() and not task.cancelled() else None
    except Terminated:
        raise
    except Exception as error:  # anything that kills the crawl is an abort, not a traceback
        crash = error
    finally:
        _process = None
    if crash is not None:  # stderr gets one line; the traceback belongs in the run's log
        logger.error("The crawl crashed", exc_info=crash)
    # Scrapy's documented way to read a late attribute that may never have been set.
    stats = crawler._stats.get_stats() if crawler is not None and crawler._stats else {}
    return stats, crash


class Terminated(Exception):
    """SIGTERM or SIGINT before Scrapy's graceful-shutdown handler replaced ours: while the
    crawler is built (and the seen store recovered)."""


# The crawler process of the run under way, once built: a signal then stops it gracefully.
_process: AsyncCrawlerProcess | None = None


def _terminate(signum: int, frame: object) -> None:
    """Ours until Scrapy installs its own handler, which happens only once the reactor runs.

    Before the crawler process exists, abort the start; after, do what Scrapy's handler will
    do (its graceful shutdown; a second signal forces it), since raising inside the running
    reactor would be swallowed by it and the crawl would go on.
    """
    if _process is not None:
        _process._signal_shutdown(signum, frame)
        return
    raise Terminated(f"stopped by {signal.Signals(signum).name} while starting")


class Watchdog:
    """Calls `action` from a daemon thread unless the block ends within `seconds`."""

    def __init__(self, seconds: float, action: Callable[[], None]) -> None:
        self._timer = threading.Timer(seconds, action)
        self._timer.daemon = True

    def __enter__(self) -> Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()
