"""`TerminalProgress`: one line of progress on stderr, refreshed in place, for a person watching.

Only when stderr is a terminal and NEWSBOT_PROGRESS is on: under cron stderr is not a terminal,
and anything printed there would be mailed. The run's log goes to its file meanwhile
(newsbot/cron.py), so nothing else writes to the terminal until the run's closing line.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping
from typing import IO, TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call

from newsbot import statkeys as keys
from newsbot.monitors import error_count

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

# A run shorter than this says nothing until its closing line.
SHOW_AFTER = 2.0
REFRESH = 1.0
# Back to the start of the line and clear it: the next line replaces this one.
ERASE = "\r\x1b[K"
# When the terminal does not say its width (a fresh pseudo-terminal says 0).
DEFAULT_COLUMNS = 80


def clock(seconds: float) -> str:
    """`m:ss`, or `h:mm:ss` past an hour."""
    minutes, seconds = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def backfill_line(stats: Mapping[str, Any], elapsed: float, settled_at_start: int) -> str:
    """A backfill's progress over the whole job: done / missing / left, this run's rate of
    settled ids, and the time left at that rate."""
    done, missing = stats.get(keys.BACKFILL_DONE, 0), stats.get(keys.BACKFILL_MISSING, 0)
    left = stats.get(keys.BACKFILL_LEFT, "?")  # unknown for a job by creation time
    rate = (done + missing - settled_at_start) / max(elapsed, 1e-9)
    eta = clock(left / rate) if rate > 0 and left != "?" else "?"
    return (
        f"newsbot: backfill {stats.get(keys.BACKFILL_JOB)}: {done} done, {missing} missing,"
        f" {left} left, {rate:.1f} ids/s, {eta} left, {clock(elapsed)}"
    )


def progress_line(stats: Mapping[str, Any], elapsed: float) -> str:
    pages = int(stats.get(keys.RESPONSE_COUNT, 0))
    minutes, seconds = divmod(int(elapsed), 60)
    return (
        f"newsbot: {pages} pages ({pages / max(elapsed, 1e-9):.1f}/s),"
        f" {stats.get(keys.ITEMS_WRITTEN, 0)} records, {error_count(stats)} errors,"
        f" {minutes}:{seconds:02d}"
    )


def terminal_columns(stream: IO[str]) -> int:
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except OSError:
        columns = 0
    return columns or DEFAULT_COLUMNS


class TerminalProgress:
    def __init__(self, stats: StatsCollector, stream: IO[str]) -> None:
        self.stats = stats
        self.stream = stream
        self.started = time.monotonic()
        self.shown = False
        self.settled_at_start = 0
        self.task = create_looping_call(self.draw)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("NEWSBOT_PROGRESS") or not sys.stderr.isatty():
            raise NotConfigured
        assert crawler.stats is not None
        progress = cls(crawler.stats, sys.stderr)
        crawler.signals.connect(progress.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(progress.spider_closed, signal=signals.spider_closed)
        return progress

    def spider_opened(self) -> None:
        self.started = time.monotonic()
        stats = self.stats.get_stats()
        self.settled_at_start = stats.get(keys.BACKFILL_DONE, 0) + stats.get(
            keys.BACKFILL_MISSING, 0
        )
        self.task.start(REFRESH, now=False)

    def draw(self) -> None:
        elapsed = time.monotonic() - self.started
        if elapsed < SHOW_AFTER:
            return
        # Wider than the terminal, the line would wrap and no longer be replaced in place.
        width = terminal_columns(self.stream) - 1
        stats = self.stats.get_stats()
        if stats.get(keys.BACKFILL_JOB):
            line = backfill_line(stats, elapsed, self.settled_at_start)
        else:
            line = progress_line(stats, elapsed)
        self.stream.write(ERASE + line[:width])
        self.stream.flush()
        self.shown = True

    def spider_closed(self) -> None:
        if self.task.running:
            self.task.stop()
        if self.shown:
            self.stream.write(ERASE)
            self.stream.flush()
