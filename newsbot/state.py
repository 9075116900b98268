"""`RunState`: the extension that owns the seen store for one crawl.

Extensions are built before the engine, the spider's `start()` and the pipelines'
`open_spider`, so by then the store is open and already recovered from any killed run. Both reach
it with `seen_store(crawler)` (`crawler.get_extension(RunState).store`).

It also carries the spider's discovery marks to the writer, which stores them with the run's
publication (`run_marks`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Self

from scrapy import signals

from newsbot import statkeys as keys
from newsbot.datadir import data_dir, output_dir
from newsbot.runlock import LOCK_NAME, LockHeld, RunLock
from newsbot.store import SeenStore, default_path, recover

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class RunState:
    def __init__(self, crawler: Crawler) -> None:
        directory = data_dir(crawler.settings)
        self.store = SeenStore(default_path(crawler.settings))
        self.lock: RunLock | None = None
        # Set by the spider: the marks (newsbot/discovery.py) to store when the run publishes.
        self.marks_source: Callable[[], dict[str, str | None]] | None = None
        # Whether this crawl may publish: it holds the run lock, so no other run is writing here
        # and every part file is a dead run's. The cron runner took the lock already; a crawl
        # started some other way takes it here. Failing that (`scrapy parse` or `shell` while a
        # cron run works) the store is only read, and the writer refuses to publish.
        self.writable = RunLock.held_here(directory / LOCK_NAME) or self._take_lock(directory)
        if self.writable:
            # The spider class is known before the spider instance exists; it names the
            # output directory (see the writer).
            recovery = recover(self.store, output_dir(crawler.settings, crawler.spidercls.name))
            assert crawler.stats is not None
            for name, count in vars(recovery).items():
                if count:
                    crawler.stats.set_value(keys.recovery(name), count)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def _take_lock(self, directory: Path) -> bool:
        lock = RunLock(directory / LOCK_NAME)
        try:
            lock.acquire(datetime.now(UTC))
        except LockHeld as held:
            logger.warning("Read-only crawl: %s", held)
            return False
        self.lock = lock
        return True

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def spider_closed(self) -> None:
        # spider_closed follows the pipelines' close_spider, so the writer's last publication is
        # already recorded.
        self.store.close()
        if self.lock is not None:
            self.lock.release()


def seen_store(crawler: Crawler) -> SeenStore:
    """The crawl's store; usable from the spider's `start()` or a pipeline's `open_spider` on."""
    state = crawler.get_extension(RunState)
    if state is None:
        # Without it nothing would be recorded and every run would republish everything.
        raise RuntimeError("newsbot.state.RunState must be enabled in EXTENSIONS")
    return state.store


def run_marks(crawler: Crawler) -> dict[str, str | None]:
    """The marks the crawl's spider asks to store with its publication; {} if it has none."""
    state = crawler.get_extension(RunState)
    source = state.marks_source if state is not None else None
    return source() if source is not None else {}


def publishing_store(crawler: Crawler) -> SeenStore:
    """The crawl's store, for a component that publishes: only under the run lock."""
    state = crawler.get_extension(RunState)
    if state is None or not state.writable:
        raise RuntimeError(
            f"another newsbot run holds the lock on {data_dir(crawler.settings)}: "
            "this crawl must not publish"
        )
    return state.store
