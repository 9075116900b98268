"""When newsbot cannot read or write one of its own files: a full disk, a read-only or unwritable
directory, a corrupt seen store, a log that can no longer be written.

Such a fault is a `FileFault`: one line naming the path and the system's reason, printed by the
cron runner (the traceback goes to the run's log, when that can be written). The first one of a
crawl stops it at once (`StopOnFileFault`, close reason `file_fault`) and the run exits 74
(newsbot/cron.py). The writer and the seen store make sure that nothing partial is published and
that the store never claims a record that was not (newsbot/pipelines.py, newsbot/store.py).
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Self

from scrapy import signals
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.log import TopLevelFormatter

from newsbot import statkeys as keys

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from scrapy.statscollectors import StatsCollector
    from twisted.python.failure import Failure

# The spider's close reason when a file fault stopped the crawl.
REASON = "file_fault"

# The system refuses newsbot the path itself (permissions, a read-only file system, a file where
# a directory should be, a file system without locks), rather than a write failing: found before
# the crawl starts, such a fault is a configuration that can never work (exit 2, not 74).
REFUSALS = frozenset(
    {
        errno.EACCES,
        errno.EPERM,
        errno.EROFS,
        errno.ENOTDIR,
        errno.EISDIR,
        errno.EEXIST,
        errno.ENOLCK,
    }
)

# SQLite's primary result codes that are about the database file, not about newsbot's SQL.
SQLITE_FILE_CODES = frozenset(
    {
        sqlite3.SQLITE_PERM,
        sqlite3.SQLITE_READONLY,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_CORRUPT,
        sqlite3.SQLITE_FULL,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_NOTADB,
    }
)


class FileFault(Exception):
    """newsbot could not `doing` (read, write, open, …) `path`: `error` says why."""

    def __init__(self, path: Path, error: BaseException, doing: str = "write") -> None:
        super().__init__(f"could not {doing} {path}: {describe(error)}")
        self.path = path
        self.error = error

    @property
    def refused(self) -> bool:
        """The system refuses newsbot this path whatever is tried (REFUSALS)."""
        return isinstance(self.error, OSError) and self.error.errno in REFUSALS


def describe(error: BaseException) -> str:
    """The system's reason in one line: `No space left on device (ENOSPC)`,
    `file is not a database (SQLITE_NOTADB)`."""
    if isinstance(error, OSError) and error.errno is not None:
        return f"{error.strerror} ({errno.errorcode.get(error.errno, error.errno)})"
    name = getattr(error, "sqlite_errorname", None)
    return f"{error} ({name})" if name else " ".join(str(error).split())


def is_file_error(error: BaseException) -> bool:
    """An OSError, or an SQLite error about the database file (full, read-only, corrupt, …)."""
    if isinstance(error, sqlite3.Error):
        return (getattr(error, "sqlite_errorcode", 0) & 0xFF) in SQLITE_FILE_CODES
    return isinstance(error, OSError)


@contextmanager
def file_fault(
    path: Path, doing: str = "write", kinds: tuple[type[Exception], ...] = (OSError, sqlite3.Error)
) -> Iterator[None]:
    """Turn an OSError or an SQLite file error raised inside (of `kinds`) into a FileFault
    about `path`."""
    try:
        yield
    except kinds as error:
        if not is_file_error(error):
            raise
        raise FileFault(path, error, doing) from error


def probe_directory(directory: Path) -> None:
    """Create `directory` if needed and write a few bytes in it, or raise FileFault.

    A run checks its directories before its first request, so a directory it may not write (or
    a full disk) is one line and no crawl, rather than a crawl whose every record fails.
    """
    probe = directory / f".probe-{os.getpid()}"
    with file_fault(directory):
        directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            # A full disk still grants the name; it refuses the data.
            os.write(fd, b"newsbot\n")
        finally:
            os.close(fd)
            probe.unlink()


def probe_file(path: Path) -> None:
    """Open an existing file newsbot will write (no data written), or raise FileFault."""
    with file_fault(path):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        except FileNotFoundError:
            return  # created when first needed, in a directory already probed
        os.close(fd)


def record_fault(stats: StatsCollector, fault: FileFault) -> None:
    """Keep the run's first fault in the stats: the one the run reports (keys.FILE_FAULT)."""
    if stats.get_value(keys.FILE_FAULT) is None:
        stats.set_value(keys.FILE_FAULT, str(fault))


class StopOnFileFault:
    """The extension that stops a crawl at its first file fault, wherever it is raised: a
    pipeline (item_error), a spider callback or `start()` (spider_error), the run's log."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.opened = self.stopping = False
        crawler.signals.connect(self.item_error, signal=signals.item_error)
        crawler.signals.connect(self.spider_error, signal=signals.spider_error)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        # The cron runner's log reports its own failed writes (a full disk under logs/).
        for handler in logging.root.handlers:
            if isinstance(handler, RunLog):
                handler.on_fault = self.fault

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def item_error(self, failure: Failure) -> None:
        if isinstance(failure.value, FileFault):
            self.fault(failure.value)

    def spider_error(self, failure: Failure) -> None:
        if isinstance(failure.value, FileFault):
            self.fault(failure.value)

    def fault(self, fault: FileFault) -> None:
        """Record the fault and close the spider. Never logs: it may be called by the log."""
        assert self.crawler.stats is not None
        record_fault(self.crawler.stats, fault)
        if self.opened and not self.stopping:
            self.stopping = True
            # Imported here: importing the reactor at module level would install Twisted's
            # default one before Scrapy installs the asyncio reactor.
            from twisted.internet import reactor

            # The log may call from any thread, and from inside the engine's own code: close
            # from the reactor's next turn.
            reactor.callFromThread(self._close)

    def spider_opened(self) -> None:
        self.opened = True
        assert self.crawler.stats is not None
        if self.crawler.stats.get_value(keys.FILE_FAULT) is not None and not self.stopping:
            self.stopping = True
            self._close()

    def spider_closed(self) -> None:
        self.opened = False

    def _close(self) -> None:
        if self.opened:  # not closed meanwhile for another reason
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=REASON))


class RunLog(logging.FileHandler):
    """The run's log file, configured from Scrapy's LOG_* settings as Scrapy's own would be.

    A write that fails is a file fault of the run (`fault`, and `on_fault` once a crawl is
    listening), never a "--- Logging error ---" traceback on stderr, which is what
    `logging.Handler.handleError` prints. Opening it raises FileFault.
    """

    def __init__(self, path: Path, settings: BaseSettings) -> None:
        with file_fault(path):
            # Appending: Scrapy's logging set-up (dictConfig) closes every existing handler, and
            # a FileHandler opened for appending reopens itself at its next record.
            super().__init__(path, mode="a", encoding=settings.get("LOG_ENCODING"))
        formatter = logging.Formatter(settings.get("LOG_FORMAT"), settings.get("LOG_DATEFORMAT"))
        self.setFormatter(formatter)
        self.setLevel(settings.get("LOG_LEVEL"))
        if settings.getbool("LOG_SHORT_NAMES"):
            self.addFilter(TopLevelFormatter(["scrapy"]))
        self.fault: FileFault | None = None
        self.on_fault: Callable[[FileFault], None] | None = None

    def handleError(self, record: logging.LogRecord) -> None:
        error = sys.exc_info()[1]
        if error is None or not is_file_error(error):
            super().handleError(record)  # a bad logging call is a bug: say so
            return
        self._failed(error)

    def close(self) -> None:
        try:
            super().close()  # flushes what is left
        except OSError as error:
            self._failed(error)

    def _failed(self, error: BaseException) -> None:
        if self.fault is None:
            self.fault = FileFault(Path(self.baseFilename), error)
        if self.on_fault is not None:
            self.on_fault(self.fault)
