"""`RunState`: the extension that owns the seen store for one crawl, its lock and its stamp.

Extensions are built before the engine, the spider's `start()` and the pipelines'
`open_spider`, so by then the store is open and already recovered from any killed run (its
unpublished JSON Lines deleted, its WARC parts published, newsbot/warc.py). Both reach
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
from scrapy.utils.asyncio import create_looping_call

from newsbot import statkeys as keys
from newsbot.arguments import CrawlArguments
from newsbot.backfill import Backfill, backfill_batch
from newsbot.datadir import data_dir, output_dir, run_stamp, warc_dir
from newsbot.runlock import LOCK_NAME, LockHeld, RunLock
from newsbot.shared import RedisStore, SharedBackfill, lose_redis, redis_url, worker_name
from newsbot.store import SeenStore, default_path, recover
from newsbot.warc import recover_warc_parts

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class RunState:
    def __init__(self, crawler: Crawler) -> None:
        directory = data_dir(crawler.settings)
        self.stamp = run_stamp(datetime.now(UTC))
        # A command that only looks (`scrapy parse`, `shell`, …; newsbot/commands/), maybe
        # beside a running crawl, takes no lock, recovers nothing and writes not a byte.
        read_only = crawler.settings.getbool("NEWSBOT_READ_ONLY")
        # Workers sharing a Redis (newsbot/shared.py) share the store there too.
        url = redis_url(crawler.settings) if not read_only else None
        self.store: SeenStore | RedisStore = (
            RedisStore(url, worker_name(directory), lambda message: lose_redis(crawler, message))
            if url
            else SeenStore(default_path(crawler.settings), read_only=read_only)
        )
        self.lock: RunLock | None = None
        # What components must finish while the lock is still held (the WARC archive publishes
        # its last file), in spider_closed, which runs after the pipelines' close_spider.
        self.closers: list[Callable[[], None]] = []
        # Set by the spider: the marks (newsbot/discovery.py) to store when the run publishes.
        self.marks_source: Callable[[], dict[str, str | None]] | None = None
        # The spider's backfill job (`-a ids=…`), its progress read from the store; None for an
        # ordinary run or a crawl that may not publish.
        self.backfill: Backfill | None = None
        # Set by the spider: when the site served each article page of this run, by its clock
        # (news id -> ISO time), for the store (StoredArticle.served).
        self.served: dict[str, str] = {}
        # Whether this crawl may publish: it holds the run lock, so no other run is writing here
        # and every part file is a dead run's. The cron runner took the lock already; a crawl
        # started some other way takes it here. Failing that (a second crawl started beside a
        # running one, not through `scrapy crawl`) the store is only read, and the writer
        # refuses to publish.
        self.writable = not read_only and (
            RunLock.held_here(directory / LOCK_NAME) or self._take_lock(directory)
        )
        if self.writable:
            # The spider class is known before the spider instance exists; it names the
            # output directory (see the writer).
            recovery = recover(self.store, output_dir(crawler.settings, crawler.spidercls.name))
            assert crawler.stats is not None
            for name, count in vars(recovery).items():
                if count:
                    crawler.stats.set_value(keys.recovery(name), count)
            if salvaged := recover_warc_parts(warc_dir(crawler.settings)):
                crawler.stats.set_value(keys.WARC_PARTS_SALVAGED, salvaged)
            # The spider is built before the extensions, its arguments checked.
            arguments = getattr(crawler.spider, "arguments", None)
            if arguments is not None and arguments.backfill is not None:
                self.backfill = self._backfill(crawler, arguments)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def _backfill(self, crawler: Crawler, arguments: CrawlArguments) -> Backfill:
        assert arguments.backfill is not None
        # A job by creation time walks one listing: its progress may be shared, not its pages.
        if not isinstance(self.store, RedisStore) or arguments.ids is None:
            return Backfill(arguments.backfill, arguments.ids, self.store, crawler.stats)
        settings = crawler.settings
        job = SharedBackfill(
            arguments.backfill,
            arguments.ids,
            self.store,
            crawler.stats,
            lease_seconds=settings.getfloat("NEWSBOT_LEASE_SECONDS"),
            batch=backfill_batch(settings),
        )
        # Leases are renewed three times per lease: a live worker never loses one.
        renewal = create_looping_call(job.renew)
        crawler.signals.connect(
            lambda: renewal.start(settings.getfloat("NEWSBOT_LEASE_SECONDS") / 3, now=False),
            signal=signals.spider_opened,
            weak=False,
        )
        self.closers.append(lambda: renewal.running and renewal.stop())
        return job

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
        try:
            for close in self.closers:
                close()
        finally:
            self.store.close()
            if self.lock is not None:
                self.lock.release()


def _state(crawler: Crawler) -> RunState:
    state = crawler.get_extension(RunState)
    if state is None:
        # Without it nothing would be recorded and every run would republish everything.
        raise RuntimeError("newsbot.state.RunState must be enabled in EXTENSIONS")
    return state


def seen_store(crawler: Crawler) -> SeenStore | RedisStore:
    """The crawl's store; usable from the spider's `start()` or a pipeline's `open_spider` on."""
    return _state(crawler).store


def crawl_stamp(crawler: Crawler) -> str:
    """The crawl's start, UTC, as its published files are named (datadir.run_stamp)."""
    return _state(crawler).stamp


def run_marks(crawler: Crawler) -> dict[str, str | None]:
    """The marks the crawl's spider asks to store with its publication; {} if it has none."""
    state = crawler.get_extension(RunState)
    source = state.marks_source if state is not None else None
    return source() if source is not None else {}


def backfill_of(crawler: Crawler) -> Backfill | None:
    """The crawl's backfill job; None for an ordinary run."""
    state = crawler.get_extension(RunState)
    return state.backfill if state is not None else None


def publishing_store(crawler: Crawler) -> SeenStore | RedisStore:
    """The crawl's store, for a component that publishes: only under the run lock."""
    state = crawler.get_extension(RunState)
    if state is None or not state.writable:
        raise RuntimeError(
            f"another newsbot run holds the lock on {data_dir(crawler.settings)}: "
            "this crawl must not publish"
        )
    return state.store
