"""Item pipelines, in data-flow order: check required fields, drop duplicates, number revisions
(dropping unchanged articles), write JSON Lines and record what was published in the seen store."""

from __future__ import annotations

import logging
from dataclasses import replace
from io import BytesIO
from typing import IO, TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.exporters import JsonLinesItemExporter

from newsbot import statkeys as keys
from newsbot.datadir import output_dir
from newsbot.filefaults import FileFault, record_fault
from newsbot.items import ARTICLE_FIELDS
from newsbot.publish import PartFile, kill_point
from newsbot.state import RunState, crawl_stamp, publishing_store, run_marks, seen_store
from newsbot.store import StoredArticle, content_hash, effective_updated, published_label

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

    from newsbot.store import SeenStore

logger = logging.getLogger(__name__)

# the README's record table: a record without any of these is useless downstream.
REQUIRED_FIELDS: tuple[str, ...] = ("id", "url", "title", "source", "created")


class RequiredFieldsPipeline:
    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        for name in REQUIRED_FIELDS:
            if adapter.get(name) in (None, ""):
                self.stats.inc_value(keys.missing(name))
                raise DropItem(f"missing {name}")
        self.stats.inc_value(keys.ITEMS_VALID)
        return item


class DuplicatesPipeline:
    """Drops a second record of one NewsId in a run: the site serves an article under many URLs."""

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats
        self.seen: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        news_id = ItemAdapter(item).get("id")
        if news_id in self.seen:
            self.stats.inc_value(keys.DROPPED_DUPLICATE)
            # Expected, not a fault: the count in the stats is what matters, not a warning each.
            raise DropItem(f"duplicate id {news_id}", log_level="DEBUG")
        self.seen.add(news_id)
        return item


class RevisionPipeline:
    """Numbers each record's revision against the seen store; drops an unchanged article.

    An article is changed when its `updated` time or its content hash differs from its last
    published revision, so an edit that leaves `Updated:` alone is published too.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats
        self.store: SeenStore | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def open_spider(self) -> None:
        self.store = seen_store(self.crawler)

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
            # The normal fate of most re-fetched articles (e.g. under `-a full=1`).
            raise DropItem("unchanged", log_level="DEBUG")
        return item


class SupersededPipeline:
    """`scrapy replay --publish` only: drops a record re-extracted from a capture older than the
    article's latest published revision, which it would roll back.

    A replayed record's `crawled_at` is its capture's WARC-Date, and a crawled one's is the same
    fetch time (archive.WarcArchiveMiddleware), so the capture a revision came from is not older
    than it: it is re-extracted, the older ones are not.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats
        self.store: SeenStore | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def open_spider(self) -> None:
        self.store = seen_store(self.crawler)

    def process_item(self, item: Any) -> Any:
        assert self.store is not None
        adapter = ItemAdapter(item)
        stored = self.store.get(adapter["id"])
        if stored is not None and adapter["crawled_at"] < stored.last_seen:
            self.stats.inc_value(keys.DROPPED_SUPERSEDED)
            raise DropItem(f"captured before revision {stored.revision}", log_level="DEBUG")
        return item


def _changed(stored: StoredArticle, record: ItemAdapter) -> bool:
    if stored.updated != effective_updated(record):
        return True
    return stored.content_hash != content_hash(record)


class JsonLinesWriterPipeline:
    """Writes `<data dir>/<spider>/<run start>.jsonl`, published only when complete.

    Records go to a hidden `.<name>.part` beside it, renamed at close (newsbot/publish.py), so a
    reader globbing `*.jsonl` never sees a half-written file, and a killed run leaves only the
    hidden part. After the rename the seen store records the file and its records in one
    transaction; a kill between the two is repaired by store.recover on the next start.

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
        # What the store must learn at publication: one small row per record of this run, and
        # the labels the records show the site has.
        self.rows: list[StoredArticle] = []
        self.labels: set[str] = set()
        self.served: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if crawler.settings.getbool("NEWSBOT_READ_ONLY"):
            # A read-only command publishes nothing (without a message: Scrapy would warn).
            raise NotConfigured
        return cls(crawler)

    def open_spider(self) -> None:
        assert self.crawler.spider is not None
        directory = output_dir(self.crawler.settings, self.crawler.spider.name)
        self.output = PartFile(directory / f"{crawl_stamp(self.crawler)}.jsonl")
        self.store = publishing_store(self.crawler)
        state = self.crawler.get_extension(RunState)
        self.served = state.served if state is not None else {}
        self.exporter.start_exporting()

    def process_item(self, item: Any) -> Any:
        assert self.output is not None
        if self.fault is not None:
            self.stats.inc_value(keys.DROPPED_UNWRITTEN)
            raise DropItem(f"not written after {self.fault}", log_level="DEBUG")
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
        adapter = ItemAdapter(item)
        row = StoredArticle.from_record(adapter)
        self.rows.append(replace(row, served=self.served.get(adapter["id"])))
        if label := published_label(adapter):
            self.labels.add(label)
        self.stats.inc_value(keys.ITEMS_WRITTEN)
        kill_point(f"after_records:{len(self.rows)}")
        return item

    def close_spider(self) -> None:
        self.exporter.finish_exporting()
        if self.output is None:
            return
        assert self.store is not None
        marks = run_marks(self.crawler)
        if self.output.file is None or not self.rows:  # not one whole record
            if self.output.file is not None:
                self.output.discard()
            self._save_marks(marks)
            return
        try:
            path = self.output.publish()
        except FileFault as fault:
            # Nothing published: the marks stay as they were, which never claim too much.
            self._failed(fault)
            self.output.discard()
            return
        kill_point("after_rename")
        self.stats.set_value(keys.OUTPUT_FILE, str(path))
        logger.info("Wrote %d records to %s", len(self.rows), path)
        try:
            self.store.record_publication(path.name, self.rows, self.labels, marks)
        except FileFault as fault:
            # The file is published: the next run's recovery records it (store.recover), and
            # the marks stay as they were.
            self._failed(fault)

    def _save_marks(self, marks: dict[str, str | None]) -> None:
        """A run that published nothing still moves its discovery marks on."""
        if not marks:
            return
        assert self.store is not None
        try:
            self.store.save_marks(marks)
        except FileFault as fault:
            self._failed(fault)

    def _serialise(self, item: Any) -> bytes:
        self.exporter.export_item(item)
        line = self.line.getvalue()
        self.line.seek(0)
        self.line.truncate()
        return line

    def _failed(self, fault: FileFault) -> None:
        logger.error("%s", fault, exc_info=fault)
        record_fault(self.stats, fault)


def record_exporter(file: IO[bytes]) -> JsonLinesItemExporter:
    """JSON Lines as the README's record table says: every field on every line, null when
    unknown, in the table's order; non-ASCII kept."""
    return JsonLinesItemExporter(
        file, encoding="utf-8", fields_to_export=ARTICLE_FIELDS, export_empty_fields=True
    )
