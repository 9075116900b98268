"""`scrapy runs`: the last runs of a data directory, from its runs.jsonl, as a table.

One row per run (start, duration, status in words, new, revised, requests, failed checks), a
totals line, and, when the newest runs did not succeed, a line saying how many in a row and
when the last healthy run was. docs/cron.md documents runs.jsonl; newsbot/cron.py writes it.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from scrapy.commands import ScrapyCommand

from newsbot.cron import DATA_ERROR, IO_ERROR, OK, RUNS_NAME, STATUS_WORDS, USAGE, say
from newsbot.datadir import data_dir

if TYPE_CHECKING:
    import argparse

DEFAULT_COUNT = 20
MISSING = "-"


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[-n N] [--data-dir DIR]"

    def short_desc(self) -> str:
        return "Show the last runs of the crawl (from runs.jsonl) as a table"

    def long_desc(self) -> str:
        return (
            "Shows the last N runs recorded in <data dir>/runs.jsonl, oldest first: start "
            "(UTC), duration, status, new and revised records, requests and failed health "
            "checks, then the totals; when the newest runs did not succeed, a last line says "
            "how many in a row. Needs no lock. Exit status: 0, or "
            f"{DATA_ERROR} when a line of runs.jsonl was not a run's record (it is reported "
            "and skipped)."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "-n",
            dest="count",
            default=str(DEFAULT_COUNT),
            metavar="N",
            help=f"how many runs to show (default: {DEFAULT_COUNT})",
        )
        parser.add_argument(
            "--data-dir",
            metavar="DIR",
            help="the data directory (default: NEWSBOT_DATA_DIR, as for the crawl)",
        )

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        problem = f"unexpected argument {args[0]!r}" if args else None
        if not opts.count.isdigit() or int(opts.count) < 1:
            problem = f"-n {opts.count!r}: give a positive number of runs"
        if problem:
            say(f"error: {problem}")
            raise SystemExit(USAGE)
        opts.count = int(opts.count)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        directory = Path(opts.data_dir).expanduser() if opts.data_dir else data_dir(self.settings)
        if not directory.is_dir():
            say(f"error: no data directory at {directory}")
            self.exitcode = USAGE
            return
        path = directory / RUNS_NAME
        try:
            history = read_history(path, opts.count)
        except FileNotFoundError:
            print(f"no runs recorded in {path}")
            return
        except OSError as error:
            say(f"could not read {path}: {error.strerror or error}")
            self.exitcode = IO_ERROR
            return
        for number, why in history.skipped:
            say(f"{path}:{number}: skipped: {why}")
            self.exitcode = DATA_ERROR
        for line in render(history):
            print(line)


@dataclass
class History:
    """The last runs of runs.jsonl, and what the whole file says about the newest ones."""

    runs: list[Run]
    # (line number, why) of the lines among the last N that are not a run's record.
    skipped: list[tuple[int, str]]
    # How many of the newest runs in a row did not succeed, and when the last one that did
    # started; over the whole file, not only the runs shown.
    streak: int
    last_ok: datetime | None


def read_history(path: Path, count: int) -> History:
    """One pass over runs.jsonl, keeping only the last `count` lines: memory stays flat however
    long the history (a year of hourly runs is 8,760 lines)."""
    window: deque[tuple[int, Run | str]] = deque(maxlen=count)
    streak, last_ok = 0, None
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, 1):
            try:
                run: Run | str = Run.from_line(raw)
            except ValueError as why:
                run = str(why)
            else:
                streak, last_ok = (0, run.start) if run.ok else (streak + 1, last_ok)
            window.append((number, run))
    return History(
        runs=[run for _, run in window if isinstance(run, Run)],
        skipped=[(number, run) for number, run in window if isinstance(run, str)],
        streak=streak,
        last_ok=last_ok,
    )


@dataclass(frozen=True)
class Run:
    """One line of runs.jsonl, as the table shows it; None where the line has no such field
    (a run refused by the lock records only its start, end, pid, status and holder)."""

    start: datetime
    duration: float | None
    status: int
    new: int | None
    revised: int | None
    requests: int | None
    failed_checks: tuple[str, ...]
    aborted: str | None

    @classmethod
    def from_line(cls, raw: bytes) -> Run:
        """Raises ValueError, saying why, for a line that is not a run's record."""
        try:
            record = json.loads(raw)
        except ValueError as error:
            raise ValueError(f"not a JSON record ({error})") from None
        if not isinstance(record, dict):
            raise ValueError("not a JSON object")
        try:
            start = datetime.fromisoformat(record["start"])
            status = record["status"]
        except (KeyError, TypeError, ValueError):
            raise ValueError("no start time or status") from None
        if type(status) is not int:
            raise ValueError(f"status is not an integer: {status!r}")
        return cls(
            start=start,
            duration=_duration(record, start),
            status=status,
            new=_count(record.get("new")),
            revised=_count(record.get("revised")),
            requests=_count(record.get("requests")),
            failed_checks=tuple(str(check) for check in record.get("failed_checks") or ()),
            aborted=record.get("aborted") if isinstance(record.get("aborted"), str) else None,
        )

    @property
    def ok(self) -> bool:
        return self.status == OK


def _duration(record: dict[str, Any], start: datetime) -> float | None:
    if isinstance(record.get("duration_s"), int | float):
        return float(record["duration_s"])
    try:
        return (datetime.fromisoformat(record["end"]) - start).total_seconds()
    except (KeyError, TypeError, ValueError):
        return None


def _count(value: Any) -> int | None:
    return value if type(value) is int else None


def status_word(status: int) -> str:
    """Lower case when the run was healthy, upper case otherwise: failures stand out."""
    word = STATUS_WORDS.get(status, f"exit {status}")
    return word if status == OK else word.upper()


def check_name(message: str) -> str:
    """`discovery: discovery found nothing: …` → `discovery`."""
    return message.split(":", 1)[0]


def utc_text(moment: datetime) -> str:
    """runs.jsonl's times are UTC already; another offset (a hand-edited line) is converted."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%d %H:%M:%S}"


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return MISSING
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def _number(value: int | None) -> str:
    return MISSING if value is None else f"{value:,}"


def _notes(run: Run) -> str:
    notes = [check_name(check) for check in run.failed_checks]
    if run.aborted:
        notes.append(f"aborted: {run.aborted}")
    return ", ".join(notes)


HEADER = ("start (UTC)", "duration", "status", "new", "revised", "requests", "failed checks")
# Left-aligned columns; the others are numbers, right-aligned.
LEFT = frozenset({0, 2, 6})


def render(history: History) -> Iterator[str]:
    """The table's lines: header, one row per run (oldest first), totals, the streak line."""
    runs = history.runs
    if not runs:
        yield "no runs recorded"
        return
    rows = [HEADER]
    for run in runs:
        rows.append(
            (
                utc_text(run.start),
                duration_text(run.duration),
                status_word(run.status),
                _number(run.new),
                _number(run.revised),
                _number(run.requests),
                _notes(run),
            )
        )
    healthy = sum(run.ok for run in runs)
    checks = sum(len(run.failed_checks) for run in runs)
    rows.append(
        (
            f"{len(runs)} runs",
            duration_text(sum(run.duration or 0 for run in runs)),
            f"{healthy} ok, {len(runs) - healthy} not",
            _number(sum(run.new or 0 for run in runs)),
            _number(sum(run.revised or 0 for run in runs)),
            _number(sum(run.requests or 0 for run in runs)),
            f"{checks} failed" if checks else "",
        )
    )
    widths = [max(len(row[column]) for row in rows) for column in range(len(HEADER))]
    for index, row in enumerate(rows):
        if index == len(rows) - 1:
            yield "  ".join("-" * width for width in widths).rstrip()
        cells = (
            cell.ljust(width) if column in LEFT else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        yield "  ".join(cells).rstrip()
    if history.streak:
        since = (
            f"the last healthy run started {utc_text(history.last_ok)} UTC"
            if history.last_ok
            else "no run in runs.jsonl succeeded"
        )
        plural = "s" if history.streak > 1 else ""
        yield f"last {history.streak} run{plural} failed; {since}"
