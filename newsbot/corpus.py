"""The corpus as a consumer reads it: the published files of a data directory, as one stream.

`scrapy corpus` (newsbot/commands/corpus.py) writes either every published record or the current
view, the highest revision of each article. Published files are never changed once renamed into
place (newsbot/pipelines.py), so the list of them taken at the start is a consistent snapshot,
whatever a crawl running meanwhile publishes; nothing here writes to the data directory or needs
the run lock.

Memory stays flat in the size of the corpus: records are streamed line by line, and the current
view is found in two passes through a temporary SQLite index (id → highest revision and where it
lies) on disk, never in a Python dict; the second pass copies the chosen lines byte for byte.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fnmatch import fnmatch
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import IO, Any

from newsbot.processors import IST
from newsbot.store import PUBLISHED_GLOB

_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_DIGITS_RE = re.compile(r"[0-9]{1,18}")  # a NewsId; 18 digits still fit SQLite's INTEGER
# The temporary index's page cache: its b-tree's upper levels and the pages being written (ids
# arrive mostly in ascending order) fit; the rest lives in its file, and SQLite's sorter spills
# to temporary files too. A constant, so memory does not grow with the corpus; a larger cache
# only cost memory (benchmarks/corpus_scale.py: 16 MiB added 30 MiB at 1 M records, no speed).
_INDEX_CACHE_KIB = 512


class BrokenLine(ValueError):
    """A published line that is not a record newsbot could have written; says why."""


class UnreadableFile(OSError):
    """A published file that could not be read (its OS error is the cause)."""


# -- the selection: which records a consumer asked for ------------------------------------------


def parse_instant(text: str, *, end_of_day: bool = False) -> datetime:
    """An aware instant from `2026-01-01` or an ISO 8601 time; raises ValueError otherwise.

    Without an offset a time is IST, the records' own zone (`+05:30`, no daylight saving). A
    bare date is that day's midnight in IST, or the next midnight with `end_of_day` (so that
    `--until 2026-01-31` includes the 31st).
    """
    text = text.strip()
    if _DATE_RE.fullmatch(text):
        day = date.fromisoformat(text)
        if end_of_day:
            day += timedelta(days=1)
        return datetime(day.year, day.month, day.day, tzinfo=IST)
    if not _TIME_RE.match(text):  # fromisoformat also takes 20260101 or 2026-W01: too loose
        raise ValueError(f"not a date or an ISO 8601 time: {text!r}")
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=IST)


def split_values(values: Iterable[str]) -> frozenset[str]:
    """`["business,health", "PTI"]` → `{"business", "health", "pti"}`: repeatable options and
    comma lists alike, compared case-insensitively; empty items ignored."""
    return frozenset(
        part.strip().casefold() for value in values for part in value.split(",") if part.strip()
    )


@dataclass(frozen=True)
class Selection:
    """Which records are wanted: `created` in [since, until), and the section and source among
    the given ones (case-insensitive; an empty set lets every value through)."""

    since: datetime | None = None
    until: datetime | None = None
    sections: frozenset[str] = frozenset()
    sources: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.since or self.until or self.sections or self.sources)

    def matches(self, record: dict[str, Any]) -> bool:
        """Raises BrokenLine when a time bound needs a `created` that is not an ISO instant."""
        if self.sections and _folded(record.get("section")) not in self.sections:
            return False
        if self.sources and _folded(record.get("source")) not in self.sources:
            return False
        if self.since is None and self.until is None:
            return True
        created = _created(record)
        if self.since is not None and created < self.since:
            return False
        return self.until is None or created < self.until


def _folded(value: Any) -> str | None:
    return value.casefold() if isinstance(value, str) else None


def _created(record: dict[str, Any]) -> datetime:
    value = record.get("created")
    try:
        moment = datetime.fromisoformat(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise BrokenLine(f"created is not an ISO time: {value!r}") from None
    if moment.tzinfo is None:
        raise BrokenLine(f"created has no UTC offset: {value!r}")
    return moment


# -- reading published files --------------------------------------------------------------------


def published_files(directory: Path) -> list[str]:
    """The published files' paths, oldest run first (names are run-start stamps); never a hidden
    part. Plain strings: a year of hourly runs is 8,760 files, and a Path costs five times more.
    """
    try:
        entries = os.scandir(directory)
    except (FileNotFoundError, NotADirectoryError):
        return []
    with entries:
        return sorted(
            entry.path
            for entry in entries
            if fnmatch(entry.name, PUBLISHED_GLOB) and entry.is_file()
        )


@dataclass(frozen=True, slots=True)
class Line:
    """One published line: where it is (1-based number, byte offset) and its bytes."""

    number: int
    offset: int
    raw: bytes


def read_lines(path: str) -> Iterator[Line]:
    """Every line of a published file, in order, with its byte offset; raises UnreadableFile."""
    try:
        with open(path, "rb") as lines:
            offset = 0
            for number, raw in enumerate(lines, 1):
                yield Line(number, offset, raw)
                offset += len(raw)
    except OSError as error:
        raise UnreadableFile(f"{path}: {error.strerror or error}") from error


def parse_record(raw: bytes) -> dict[str, Any]:
    """The record on a published line, with the two fields the corpus relies on checked: `id`
    (digits) and `revision` (a positive integer). Raises BrokenLine."""
    try:
        record = json.loads(raw)
    except ValueError as error:  # UnicodeDecodeError too
        raise BrokenLine(f"not a JSON record ({error})") from None
    if not isinstance(record, dict):
        raise BrokenLine("not a JSON object")
    news_id = record.get("id")
    if not isinstance(news_id, str) or not _DIGITS_RE.fullmatch(news_id):
        raise BrokenLine(f"id is not a NewsId: {news_id!r}")
    revision = record.get("revision")
    if type(revision) is not int or revision < 1:  # bool is an int subclass: not a revision
        raise BrokenLine(f"revision is not a positive integer: {revision!r}")
    return record


@dataclass
class Tally:
    """What one pass over the corpus did."""

    files: int = 0
    lines: int = 0
    written: int = 0
    broken: int = 0
    unreadable: list[str] = field(default_factory=list)


# Called once per skipped line: (path, line number, why).
OnBroken = Callable[[str, int, str], None]


def _records(
    files: list[str], selection: Selection, tally: Tally, on_broken: OnBroken
) -> Iterator[tuple[int, Line, dict[str, Any], bool]]:
    """(file number, line, record, selected) for every valid line; skips and reports the rest."""
    for number, path in enumerate(files):
        tally.files += 1
        try:
            for line in read_lines(path):
                tally.lines += 1
                try:
                    record = parse_record(line.raw)
                    selected = selection.matches(record)
                except BrokenLine as why:
                    tally.broken += 1
                    on_broken(path, line.number, str(why))
                    continue
                yield number, line, record, selected
        except UnreadableFile as error:
            tally.unreadable.append(str(error))


def _write_line(out: IO[bytes], raw: bytes) -> None:
    out.write(raw if raw.endswith(b"\n") else raw + b"\n")


def write_all_revisions(
    files: list[str], selection: Selection, out: IO[bytes], on_broken: OnBroken
) -> Tally:
    """Every selected record of every published file, in publication order, as published."""
    tally = Tally()
    for _, line, _, selected in _records(files, selection, tally, on_broken):
        if selected:
            _write_line(out, line.raw)
            tally.written += 1
    return tally


def write_current_view(
    files: list[str], selection: Selection, out: IO[bytes], on_broken: OnBroken
) -> Tally:
    """The highest revision of each article, if it is selected, in the order it was published.

    A selection applies to that current record: an article whose latest revision moved out of
    the selection is not written at all, not as an older revision.
    """
    tally = Tally()
    with closing(_LatestIndex()) as index:
        index.fill(
            (int(record["id"]), record["revision"], number, line.offset, len(line.raw), selected)
            for number, line, record, selected in _records(files, selection, tally, on_broken)
        )
        for raw in read_back(files, index.selected(), tally):
            _write_line(out, raw)
            tally.written += 1
    return tally


def read_back(
    files: list[str], places: Iterable[tuple[int, int, int]], tally: Tally
) -> Iterator[bytes]:
    """The bytes at each (file number, offset, length), in the given order, each file opened
    once; a file that can no longer be read is reported and the rest of its places skipped."""
    for number, group in groupby(places, key=itemgetter(0)):
        path = files[number]
        try:
            with open(path, "rb") as published:
                for _, offset, length in group:
                    published.seek(offset)
                    yield published.read(length)
        except OSError as error:
            tally.unreadable.append(f"{path}: {error.strerror or error}")


class _LatestIndex:
    """id → (revision, file, offset, length, selected) of the highest revision seen so far.

    A private temporary database on disk (SQLite's empty file name), deleted when closed. On a
    tie of revisions (the same record published twice, which newsbot never does) the later
    file wins.
    """

    def __init__(self) -> None:
        self.db = sqlite3.connect("", isolation_level=None)
        self.db.execute(f"PRAGMA cache_size = -{_INDEX_CACHE_KIB}")
        # Throwaway data: no journal, no syncs.
        self.db.execute("PRAGMA journal_mode = OFF")
        self.db.execute("PRAGMA synchronous = OFF")
        self.db.execute(
            "CREATE TABLE latest (id INTEGER PRIMARY KEY, revision INTEGER NOT NULL,"
            " file INTEGER NOT NULL, offset INTEGER NOT NULL, length INTEGER NOT NULL,"
            " selected INTEGER NOT NULL)"
        )

    def fill(self, rows: Iterable[tuple[int, int, int, int, int, bool]]) -> None:
        self.db.execute("BEGIN")
        self.db.executemany(
            "INSERT INTO latest VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
            " revision = excluded.revision, file = excluded.file, offset = excluded.offset,"
            " length = excluded.length, selected = excluded.selected"
            " WHERE excluded.revision >= latest.revision",
            rows,
        )
        self.db.execute("COMMIT")

    def selected(self) -> Iterator[tuple[int, int, int]]:
        """(file, offset, length) of each selected current record, in file order; SQLite sorts
        on disk when the corpus outgrows its cache."""
        yield from self.db.execute(
            "SELECT file, offset, length FROM latest WHERE selected ORDER BY file, offset"
        )

    def close(self) -> None:
        self.db.close()
