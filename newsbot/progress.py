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
        self.task.start(REFRESH, now=False)

    def draw(self) -> None:
        elapsed = time.monotonic() - self.started
        if elapsed < SHOW_AFTER:
            return
        # Wider than the terminal, the line would wrap and no longer be replaced in place.
        width = terminal_columns(self.stream) - 1
        self.stream.write(ERASE + progress_line(self.stats.get_stats(), elapsed)[:width])
        self.stream.flush()
        self.shown = True

    def spider_closed(self) -> None:
        if self.task.running:
            self.task.stop()
        if self.shown:
            self.stream.write(ERASE)
            self.stream.flush()
