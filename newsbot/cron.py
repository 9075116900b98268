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
from newsbot.arguments import BadArgument, CrawlArguments, check_labels, parse_arguments
from newsbot.configuration import setting_problems
from newsbot.datadir import data_dir, output_dir, run_stamp, warc_dir
from newsbot.filefaults import FileFault, RunLog, file_fault, probe_directory, probe_file
from newsbot.middlewares import SITE_UNREACHABLE
from newsbot.monitors import error_count, server_error_count
from newsbot.provenance import SITE_FILE, WrongSite, claim
from newsbot.runlock import LOCK_NAME, Holder, LockHeld, RunLock, iso
from newsbot.shared import RedisUnavailable, shared_settings
from newsbot.store import STORE_NAME, published_labels, store_files
from newsbot.urls import LABELS

logger = logging.getLogger(__name__)

OK = 0
HEALTH_FAILED = 1
USAGE = 2
ABORTED = 3
# The readers of a data directory and its archives (`scrapy corpus`, `scrapy runs`, `scrapy
# replay`): lines that are not records, or damaged WARC records, were skipped; the rest was
# written.
DATA_ERROR = 65  # EX_DATAERR
# EX_UNAVAILABLE: the site could not be reached at all, or a shared backfill's Redis went away
UNREACHABLE = 69
IO_ERROR = 74  # EX_IOERR: newsbot could not read or write one of its own files
LOCKED = 75  # EX_TEMPFAIL: cron may simply try again next time

# How `scrapy runs` names each status a run can record.
STATUS_WORDS = {
    OK: "ok",
    HEALTH_FAILED: "check failed",
    USAGE: "bad input",
    ABORTED: "aborted",
    DATA_ERROR: "damaged input",
    UNREACHABLE: "unreachable",
    IO_ERROR: "file fault",
    LOCKED: "locked out",
}

# What each status means, for `scrapy crawl -h`; the README's table says the same at length.
EXIT_STATUSES = {
    OK: "healthy: the crawl finished and every health check passed",
    HEALTH_FAILED: "a health check failed; the valid records are still published",
    USAGE: "bad arguments or configuration; nothing ran",
    ABORTED: "aborted: a crash, SIGTERM or Ctrl-C, or the run-time cap; what was written is"
    " published",
    UNREACHABLE: "the site could not be reached (name not resolved, connection refused,"
    " timeout); nothing was fetched. Or the Redis server of REDIS_URL could not be reached:"
    " what was not committed to it is fetched again by the next run",
    IO_ERROR: "newsbot could not read or write one of its own files (disk full, I/O error,"
    " corrupt store); what was whole is published",
    LOCKED: "another run holds the lock on the data directory; this one did nothing",
}

RUNS_NAME = "runs.jsonl"
LOGS_DIR = "logs"

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
    file_fault: str | None = None  # the line of the file fault that decided the status


def evaluate(
    stats: Mapping[str, Any],
    cap: float,
    crash: BaseException | None = None,
    fault: FileFault | None = None,
) -> Outcome:
    """The exit status of a finished crawl and the lines to print, from its stats.

    A file fault (recorded in the stats, the crash, or `fault`: one of the run's log) outranks
    everything: the run stopped at it, and the fix is on the machine. An abort (crash, signal,
    cap) outranks failed checks: its checks judged a partial run.
    """
    failed = stats.get(keys.HEALTH_FAILED)
    checks = list(failed or [])
    reason = stats.get(keys.FINISH_REASON)
    first_fault = stats.get(keys.FILE_FAULT) or (
        str(crash) if isinstance(crash, FileFault) else None
    )
    if first_fault or fault:
        line = first_fault or str(fault)
        return Outcome(IO_ERROR, [line], checks, line)
    if isinstance(crash, RedisUnavailable) or stats.get(keys.REDIS_LOST):
        return Outcome(UNREACHABLE, [str(stats.get(keys.REDIS_LOST) or crash)], checks)
    if isinstance(crash, Terminated):
        return Outcome(ABORTED, [f"aborted: {crash}"], checks)
    if crash is not None:
        return Outcome(ABORTED, [f"aborted: the crawl crashed: {_describe(crash)}"], checks)
    if reason == SITE_UNREACHABLE:
        return Outcome(UNREACHABLE, [f"site unreachable: {stats.get(keys.UNREACHABLE)}"], checks)
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
    """One line per run; a single O_APPEND write, so a concurrent refused run can't interleave.

    Raises FileFault when it can't be written."""
    line = json.dumps(record, ensure_ascii=False).encode() + b"\n"
    with file_fault(directory / RUNS_NAME):
        fd = os.open(directory / RUNS_NAME, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)


def run_record(
    started: datetime, stats: Mapping[str, Any], outcome: Outcome, log: Path | None
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
        "file_fault": outcome.file_fault,
        "unreachable": stats.get(keys.UNREACHABLE) or stats.get(keys.REDIS_LOST),
        "published": stats.get(keys.OUTPUT_FILE),
        # A backfill's job (`ids=…`); its progress is in "counts" (backfill/done, missing, left).
        "backfill": stats.get(keys.BACKFILL_JOB),
        "log": str(log) if log is not None else None,
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
    with file_fault(logs):
        logs.mkdir(parents=True, exist_ok=True)
        # The stamp sorts chronologically by name.
        for old in sorted(logs.glob("*.log"), reverse=True)[max(keep - 1, 0) :]:
            old.unlink(missing_ok=True)
    stamp = run_stamp(started)
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
        """From settings already checked (newsbot/configuration.py)."""
        return cls(
            settings.getfloat("NEWSBOT_MAX_RUNTIME"),
            settings.getfloat("NEWSBOT_HARD_STOP_GRACE"),
            settings.getint("NEWSBOT_LOGS_KEPT"),
        )


def run_crawl(settings: Settings, spider_name: str, spider_args: Mapping[str, str]) -> int:
    """Crawl once under the data directory's lock; returns the exit status (module constants).

    Prints nothing when healthy, else one line per failed check or one line for an abort; the
    last line of a run that failed names its log.
    """
    global _signalled
    try:
        # Every input, before anything is built or fetched: arguments, then settings (all of
        # them, one line each), the spider, the data directory and the site it holds.
        arguments = parse_arguments(spider_args)
        if problems := setting_problems(settings):
            raise ValueError("\n".join(problems))
        cron = CronSettings.from_settings(settings)
        spidercls = get_spider_loader(settings).load(spider_name)
        directory = data_dir(settings)
        check_labels(arguments, known_labels(arguments, directory))
    except (BadArgument, ValueError, KeyError, OSError) as error:
        return _usage(error)
    started = datetime.now(UTC)
    lock = RunLock(directory / LOCK_NAME)
    _signalled = None
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _terminate)
    try:
        # Created if need be, and written to, before anything else: a directory newsbot may
        # not write is named as such, not by the first file it fails to create there.
        probe_directory(directory)
        with file_fault(directory / SITE_FILE):
            claim(directory, arguments.base_url)
        # Before the crawler exists: building it recovers the seen store from a killed run.
        lock.acquire(started)
    except WrongSite as error:
        return _usage(error)
    except LockHeld as held:
        return _refused(directory, started, held.holder)
    except FileFault as fault:
        return _unusable(directory, started, fault)
    try:
        return _locked_run(settings, spidercls, arguments, spider_args, directory, started, cron)
    except Terminated as stop:  # before the crawl began: nothing to record
        say(f"aborted: {stop}")
        return ABORTED
    finally:
        lock.release()


def _usage(error: Exception) -> int:
    """A bad input: one line per problem, status 2; nothing ran, so no run line either."""
    # KeyError's str() quotes its message; the others read as they are.
    for line in str(error.args[0] if isinstance(error, KeyError) else error).splitlines():
        say(f"error: {line}")
    return USAGE


def known_labels(arguments: CrawlArguments, directory: Path) -> set[str]:
    """newsbot's own labels, and when `sections` asks for others, those the data directory
    has published articles of."""
    known = set(LABELS)
    if set(arguments.sections) - known - arguments.new_sections:
        known |= published_labels(directory / STORE_NAME)
    return known


def _refused(directory: Path, started: datetime, holder: Holder) -> int:
    message = (
        f"another run holds {directory / LOCK_NAME}: pid {holder.pid}, started {holder.started}"
    )
    record = {
        "start": iso(started),
        "end": iso(datetime.now(UTC)),
        "pid": os.getpid(),
        "status": LOCKED,
        "holder": {"pid": holder.pid, "started": holder.started},
    }
    return _conclude(directory, Outcome(LOCKED, [message]), record)


def _unusable(directory: Path, started: datetime, fault: FileFault) -> int:
    """A file newsbot can't write, found before the crawl: 2 if it may not write there at all (a
    configuration that can never work), else 74 (a full disk, an I/O error)."""
    if fault.refused:
        outcome = Outcome(USAGE, [f"error: {fault}"], file_fault=str(fault))
    else:
        outcome = Outcome(IO_ERROR, [str(fault)], file_fault=str(fault))
    return _conclude(directory, outcome, run_record(started, {}, outcome, None))


def _conclude(
    directory: Path, outcome: Outcome, record: Mapping[str, Any], log: Path | None = None
) -> int:
    """Append the run's line to runs.jsonl, print the outcome, return the exit status.

    A line that can't be appended is a file fault of its own (printed, exit 74), unless the run
    already failed on one: the same disk, most likely, and one line says it. Its traceback goes
    to the run's log if the run has one: without a handler, Python's logging would print it on
    stderr. The last line of a failed run that has a log names it, where the detail is.
    """
    messages, status = list(outcome.messages), outcome.status
    try:
        append_run(directory, record)
    except FileFault as fault:
        if log is not None:
            logger.error("%s", fault, exc_info=fault)
        if outcome.file_fault is None:
            messages.append(str(fault))
            status = IO_ERROR
    if status != OK and log is not None and messages:
        messages[-1] = f"{messages[-1]}; log: {log}"
    for message in messages:
        say(message)
    return status


def _locked_run(
    settings: Settings,
    spidercls: type,
    arguments: CrawlArguments,
    spider_args: Mapping[str, str],
    directory: Path,
    started: datetime,
    cron: CronSettings,
) -> int:
    try:
        # Every directory and file the run will write, before its first request.
        used = [output_dir(settings, spidercls.name), directory / LOGS_DIR]
        if settings.getbool("NEWSBOT_WARC_ENABLED"):
            used.append(warc_dir(settings))
        for directory_used in used:
            probe_directory(directory_used)
        for file_used in (directory / RUNS_NAME, *store_files(settings)):
            probe_file(file_used)
        log_path = new_log(directory, started, cron.logs_kept)
        log = RunLog(log_path, settings)
    except FileFault as fault:
        return _unusable(directory, started, fault)
    if sys.stderr.isatty():
        # Someone is watching (cron never is): where to follow the run, before it starts.
        say(f"crawling {arguments.base_url} into {directory}; log: {log_path}")
    run_settings = settings.copy()
    # The whole log goes to the run's log file (RunLog), nothing to the terminal: cron mails
    # whatever is printed. Scrapy's own handler would print a traceback for a failed write.
    run_settings.set("LOG_ENABLED", False, priority="cmdline")
    run_settings.set("LOG_FILE", None, priority="cmdline")
    run_settings.set("LOG_INSTALL_ROOT_HANDLER", True, priority="cmdline")
    run_settings.set("CLOSESPIDER_TIMEOUT", cron.max_runtime, priority="cmdline")
    # Workers sharing a Redis (REDIS_URL): the shared store, and a backfill's shared frontier.
    run_settings.update(shared_settings(settings, arguments), priority="cmdline")

    def hard_stop() -> None:
        outcome = Outcome(ABORTED, [_hard_stop_message(cron)])
        record = run_record(started, {}, outcome, log_path)
        status = _conclude(directory, outcome, record, log_path)
        os._exit(status)  # the reactor is stuck: no clean way out from this thread

    logging.root.addHandler(log)
    try:
        with Watchdog(cron.max_runtime + cron.hard_stop_grace, hard_stop):
            stats, crash = _crawl(run_settings, spidercls, spider_args)
        outcome = evaluate(stats, cron.max_runtime, crash, log.fault)
        record = run_record(started, stats, outcome, log_path)
        status = _conclude(directory, outcome, record, log_path)
    finally:
        logging.root.removeHandler(log)
        log.close()
    if status == OK and sys.stderr.isatty():
        # Someone is watching (cron never is): tell them what happened, in one line.
        say(summary(record))
    return status


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
        process = _process = SignalNotingProcess(settings)
        # Only now, with the process whole: a signal raised inside its construction would
        # leave asyncio's event loop half made, and its finalizer prints a traceback at exit.
        # One that comes from here on is the process's graceful shutdown (`_terminate`).
        if _signalled is not None:
            raise Terminated(_stopped_while_starting(_signalled))
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
    if crash is None and _signalled is not None and keys.FINISH_REASON not in stats:
        # The graceful shutdown came before the engine ran, so nothing closed the spider.
        crash = Terminated(_stopped_while_starting(_signalled))
    return stats, crash


class Terminated(Exception):
    """SIGTERM or SIGINT before the spider was open: the start is abandoned."""


def _stopped_while_starting(signum: int) -> str:
    return f"stopped by {signal.Signals(signum).name} while starting"


# The crawler process of the run under way, once built: a signal then stops it gracefully.
_process: AsyncCrawlerProcess | None = None
# The signal the run got, if any. One that came before the process was whole ends the start as
# soon as it is; one that stopped it before the spider was open is the reason it ended (`_crawl`).
_signalled: int | None = None


def _terminate(signum: int, frame: object) -> None:
    """Ours until Scrapy installs its own handler, which happens only once the reactor runs.

    Before the crawler process exists, note the signal: raising here would break off whatever
    code was running, a library's constructor included. After, do what Scrapy's handler will
    do (its graceful shutdown; a second signal forces it), since raising inside the running
    reactor would be swallowed by it and the crawl would go on.
    """
    global _signalled
    if _process is not None:
        _process._signal_shutdown(signum, frame)
    else:
        _signalled = signum


class SignalNotingProcess(AsyncCrawlerProcess):
    """Scrapy's crawler process, noting the signal that stops it: one that comes while the
    engine starts stops the reactor without closing the spider (Crawler.stop_async stops only a
    running engine), and the run must still say why it ended."""

    def _signal_shutdown(self, signum: int, frame: Any) -> None:
        global _signalled
        _signalled = signum
        super()._signal_shutdown(signum, frame)


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
        # Let its thread end: a daemon thread still winding down when the interpreter exits
        # prints "Exception ignored in thread started by …" to stderr (a run stopped while
        # starting exits at once). Cancelled, it ends at once; firing, it never returns.
        self._timer.join()
