"""Item pipelines, in data-flow order: check required fields, drop duplicates, number revisions
(dropping unchanged articles), write JSON Lines and record what was published in the seen store."""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from io import BytesIO
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.exporters import JsonLinesItemExporter
from scrapy.utils.asyncio import create_looping_call

from newsbot import statkeys as keys
from newsbot.datadir import output_dir
from newsbot.filefaults import FileFault, file_fault, record_fault
from newsbot.items import ARTICLE_FIELDS, LIVE_BLOG
from newsbot.newsids import NewsIdSet
from newsbot.publish import PartFile, kill_point, part_path, rename_into_place, unused
from newsbot.shared import RedisUnavailable
from newsbot.state import (
    RunState,
    backfill_of,
    crawl_stamp,
    publishing_store,
    run_marks,
    seen_store,
)
from newsbot.store import (
    Progress,
    StoredArticle,
    content_hash,
    effective_updated,
    read_rows,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector
    from scrapy.utils.asyncio import AsyncioLoopingCall
    from twisted.internet.task import LoopingCall

    from newsbot.backfill import Backfill
    from newsbot.store import SeenStore

logger = logging.getLogger(__name__)

# the README's record table: a record without any of these is useless downstream.
REQUIRED_FIELDS: tuple[str, ...] = ("id", "url", "title", "source", "created")


class RequiredFieldsPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        for name in REQUIRED_FIELDS:
            if adapter.get(name) in (None, ""):
                self.stats.inc_value(keys.missing(name))
                job = backfill_of(self.crawler)
                if job is not None and str(adapter.get("id") or "").isdigit():
                    job.fail(int(adapter["id"]))
                raise DropItem(f"missing {name}")
        self.stats.inc_value(keys.ITEMS_VALID)
        return item


class DuplicatesPipeline:
    """Drops a second record of one NewsId in a run: the site serves an article under many URLs.

    Not in a backfill: it requests each id once, under one URL."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats
        self.seen = NewsIdSet()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if backfill_of(self.crawler) is not None:
            return item
        news_id = ItemAdapter(item).get("id")
        if news_id in self.seen:
            self.stats.inc_value(keys.DROPPED_DUPLICATE)
            # Expected, not a fault: the count in the stats is what matters, not a warning each.
            raise DropItem(f"duplicate id {news_id}", log_level="DEBUG")
        self.seen.add(news_id)
        return item


class _StorePipeline:
    """A pipeline that reads the seen store: the crawl's store, from `open_spider` on."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats
        self.store: SeenStore | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def open_spider(self) -> None:
        self.store = seen_store(self.crawler)


class RevisionPipeline(_StorePipeline):
    """Numbers each record's revision against the seen store; drops an unchanged article.

    An article is changed when its `updated` time or its content hash differs from its last
    published revision, so an edit that leaves `Updated:` alone is published too.
    """

    def process_item(self, item: Any) -> Any:
        assert self.store is not None
        adapter = ItemAdapter(item)
        stored = self.store.get(adapter["id"])
        if stored is None:
            adapter["revision"] = 1
            self.stats.inc_value(keys.ITEMS_NEW)
        elif _changed(stored, adapter):
            adapter["revision"] = stored.revision + 1
            self.stats.inc_value(keys.ITEMS_REVISED)
        else:
            self.stats.inc_value(keys.DROPPED_UNCHANGED)
            if (job := backfill_of(self.crawler)) is not None:
                job.settle(int(adapter["id"]))  # published before: done
            # The normal fate of most re-fetched articles (e.g. under `-a full=1`).
            raise DropItem("unchanged", log_level="DEBUG")
        return item


class SupersededPipeline(_StorePipeline):
    """`scrapy replay --publish` only: drops a record re-extracted from a capture older than the
    article's latest published revision, which it would roll back.

    A replayed record's `crawled_at` is its capture's WARC-Date, and a crawled one's is the same
    fetch time (archive.WarcArchiveMiddleware), so the capture a revision came from is not older
    than it: it is re-extracted, the older ones are not.
    """

    def process_item(self, item: Any) -> Any:
        assert self.store is not None
        adapter = ItemAdapter(item)
        stored = self.store.get(adapter["id"])
        if stored is not None and adapter["crawled_at"] < stored.last_seen:
            self.stats.inc_value(keys.DROPPED_SUPERSEDED)
            raise DropItem(f"captured before revision {stored.revision}", log_level="DEBUG")
        return item


class StoredUpdatesPipeline(_StorePipeline):
    """`scrapy replay --publish` only: a live blog re-extracted from its archived page keeps the
    updates of its last publication. The replay reads pages, not the updates API, so its record
    knows none; without this it would publish a revision that merely forgot them.
    """

    def process_item(self, item: Any) -> Any:
        assert self.store is not None
        adapter = ItemAdapter(item)
        if adapter.get("kind") == LIVE_BLOG and adapter.get("updates") is None:
            stored = self.store.get(adapter["id"])
            adapter["updates"] = stored.stored_updates() if stored is not None else None
        return item


def _changed(stored: StoredArticle, record: ItemAdapter) -> bool:
    if stored.updated != effective_updated(record):
        return True
    return stored.content_hash != content_hash(record)


class JsonLinesWriterPipeline:
    """Writes `<data dir>/<spider>/<run start>.jsonl`, published only when complete.

    Records go to a hidden `.<name>.part` beside it, renamed at close (newsbot/publish.py), so a
    reader globbing `*.jsonl` never sees a half-written file, and a killed run leaves only the
    hidden part. After the rename the seen store records the file, its records and their labels
    in one transaction, read back from the file itself as recovery would (so the writer holds
    nothing per record); a kill between the two is repaired by store.recover on the next start.

    A backfill (newsbot/backfill.py) runs for days: it publishes at checkpoints instead, every
    NEWSBOT_CHECKPOINT_RECORDS records or NEWSBOT_CHECKPOINT_SECONDS, as
    `<run start>-NNNNN.jsonl`, each with the progress it settled, so a kill loses at most one
    checkpoint's worth of fetches and never publishes an article twice.

    A write that fails (full disk, I/O error) raises FileFault, which stops the crawl
    (newsbot/filefaults.py); records after it are dropped as `unwritten`. At close the part is
    cut back to its last whole record and those records are published as usual, so the next run
    fetches again exactly the articles that were not; a part that can't be published is deleted.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats
        self.output: PartFile | None = None
        # Each record is serialised here first, then written to the part file whole.
        self.line = BytesIO()
        self.exporter = record_exporter(self.line)
        self.fault: FileFault | None = None
        self.store: SeenStore | None = None
        self.job: Backfill | None = None
        # The shared store went away (newsbot/shared.py): nothing more is written or published.
        self.redis_lost = False
        self.chunks = 0
        self.checkpoints: AsyncioLoopingCall | LoopingCall | None = None
        # When the site served each article of this run (newsbot/spiders: RunState.served).
        self.served: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if crawler.settings.getbool("NEWSBOT_READ_ONLY"):
            # A read-only command publishes nothing (without a message: Scrapy would warn).
            raise NotConfigured
        return cls(crawler)

    def open_spider(self) -> None:
        self.store = publishing_store(self.crawler)
        self.job = backfill_of(self.crawler)
        state = self.crawler.get_extension(RunState)
        self.served = state.served if state is not None else {}
        self.output = PartFile(self._next_path())
        self.exporter.start_exporting()
        if self.job is not None:
            # Also when no record comes: missing and unchanged ids are progress too.
            self.checkpoints = create_looping_call(self.checkpoint)
            seconds = self.crawler.settings.getfloat("NEWSBOT_CHECKPOINT_SECONDS")
            self.checkpoints.start(seconds, now=False)
            # Nothing in flight: what is settled is committed now (a shared backfill's other
            # workers wait for its leases to go).
            self.crawler.signals.connect(self.checkpoint, signal=signals.spider_idle)

    def _next_path(self) -> Path:
        assert self.crawler.spider is not None
        directory = output_dir(self.crawler.settings, self.crawler.spider.name)
        if self.job is None:
            return directory / f"{crawl_stamp(self.crawler)}.jsonl"
        self.chunks += 1
        return directory / f"{crawl_stamp(self.crawler)}-{self.chunks:05d}.jsonl"

    def process_item(self, item: Any) -> Any:
        assert self.output is not None
        if self.fault is not None or self.redis_lost:
            self.stats.inc_value(keys.DROPPED_UNWRITTEN)
            raise DropItem(
                f"not written after {self.fault or 'Redis went away'}", log_level="DEBUG"
            )
        try:
            self.output.write(self._serialise(item))
        except FileFault as fault:
            self.fault = fault
            self.stats.inc_value(keys.DROPPED_UNWRITTEN)
            # Recorded now, as the cause: Scrapy logs the error before it signals it, and a log
            # on the same full disk would fail and be recorded first.
            record_fault(self.stats, fault)
            raise
        # A crash loses at most the record being written; everything before it is whole lines.
        self.stats.inc_value(keys.ITEMS_WRITTEN)
        adapter = ItemAdapter(item)
        if adapter.get("kind") == LIVE_BLOG:
            self.stats.inc_value(keys.ITEMS_WRITTEN_LIVE_BLOG)
        # Counted over the run, not the file: a backfill's kill can land past its first chunk.
        kill_point(f"after_records:{self.stats.get_value(keys.ITEMS_WRITTEN)}")
        if self.job is not None:
            self.job.settle(int(adapter["id"]))  # committed with this file
            if self.output.records >= self.crawler.settings.getint("NEWSBOT_CHECKPOINT_RECORDS"):
                self.checkpoint()
        return item

    def checkpoint(self) -> None:
        """A backfill's checkpoint: publish what is written, with the progress settled."""
        if self.fault is not None or self.redis_lost:  # the crawl is stopping
            return
        if self._publish({}):
            self.output = PartFile(self._next_path())

    def close_spider(self) -> None:
        if self.checkpoints is not None and self.checkpoints.running:
            self.checkpoints.stop()
        self.exporter.finish_exporting()
        if self.output is None or self.redis_lost:
            return
        self._publish(run_marks(self.crawler))

    def _publish(self, marks: dict[str, str | None]) -> bool:
        """Publish the part, and have the store learn its records with `marks` and a backfill's
        progress; whether a file was published."""
        assert self.output is not None and self.store is not None
        progress = self.job.take() if self.job is not None else None
        if self.output.file is None or not self.output.records:  # not one whole record
            if self.output.file is not None:
                self.output.discard()
            self._save(marks, progress)
            return False
        if self.store.commits_before_rename:
            return self._publish_committed_first(marks, progress)
        try:
            path = self.output.publish()
        except FileFault as fault:
            # Nothing published: the marks and progress stay as they were, which never claim
            # too much.
            self._failed(fault)
            self.output.discard()
            return False
        kill_point("after_rename")
        self.stats.set_value(keys.OUTPUT_FILE, str(path))
        logger.info("Wrote %d records to %s", self.output.records, path)
        try:
            labels: set[str] = set()
            rows = self._rows(path, labels)
            self.store.record_publication(path.name, rows, labels, marks, progress)
        except FileFault as fault:
            # The file is published: the next run's recovery records it (store.recover), and
            # the marks and progress stay as they were (its ids are fetched again, unchanged).
            self._failed(fault)
        return True

    def _publish_committed_first(
        self, marks: dict[str, str | None], progress: Progress | None
    ) -> bool:
        """Workers sharing a store (newsbot/shared.py): commit the records, then rename the file.
        Renamed first, a worker killed before its commit would leave its ids unsettled, and
        another worker would publish them again before this one's restart absorbed the file.
        Killed in between, the next start completes the rename (store.recover)."""
        assert self.output is not None and self.store is not None
        # The name is committed before the rename: a run of the same second may have taken it.
        path, part = unused(self.output.path), self.output.part
        try:
            self.output.seal()
            if path != self.output.path:
                part = part_path(path)
                with file_fault(part, "rename"):
                    os.replace(self.output.part, part)
            labels: set[str] = set()
            rows = self._rows(part, labels)
            self.store.record_publication(path.name, rows, labels, marks, progress)
        except FileFault as fault:
            self._failed(fault)
            self.output.discard()
            return False
        except RedisUnavailable:
            # Maybe committed before the connection dropped: the part stays for the next
            # start to decide (store.recover), and this crawl stops (shared.lose_redis).
            self.redis_lost = True
            return False
        kill_point("after_commit")
        try:
            published = rename_into_place(part, path)
        except OSError as error:
            # Committed: the next start renames it (store.recover).
            self._failed(FileFault(path, error, "rename"))
            return False
        self.stats.set_value(keys.OUTPUT_FILE, str(published))
        logger.info("Wrote %d records to %s", self.output.records, published)
        return True

    def _rows(self, path: Path, labels: set[str]) -> Iterator[StoredArticle]:
        """The store rows of the file's records (`read_rows`), each with when the site served
        its page."""
        for row in read_rows(path, labels):
            yield replace(row, served=self.served.get(str(row.id)))

    def _save(self, marks: dict[str, str | None], progress: Progress | None) -> None:
        """A run (or checkpoint) that published nothing still moves its marks and progress on."""
        assert self.store is not None
        try:
            if marks:
                self.store.save_marks(marks)
            if progress:
                self.store.save_progress(progress)
        except FileFault as fault:
            self._failed(fault)

    def _serialise(self, item: Any) -> bytes:
        self.exporter.export_item(item)
        line = self.line.getvalue()
        self.line.seek(0)
        self.line.truncate()
        return line

    def _failed(self, fault: FileFault) -> None:
        self.fault = self.fault or fault
        logger.error("%s", fault, exc_info=fault)
        record_fault(self.stats, fault)


def record_exporter(file: IO[bytes]) -> JsonLinesItemExporter:
    """JSON Lines as the README's record table says: every field on every line, null when
    unknown, in the table's order; non-ASCII kept."""
    return JsonLinesItemExporter(
        file, encoding="utf-8", fields_to_export=ARTICLE_FIELDS, export_empty_fields=True
    )
