"""Item pipelines, in data-flow order: check required fields, drop duplicates, number revisions
(dropping unchanged articles), write JSON Lines and record what was published in the seen store."""

from __future__ import annotations

import logging
from typing import IO, TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem
from scrapy.exporters import JsonLinesItemExporter

from newsbot import statkeys as keys
from newsbot.datadir import output_dir
from newsbot.items import ARTICLE_FIELDS
from newsbot.publish import PartFile, kill_point
from newsbot.state import publishing_store, run_stamp, seen_store
from newsbot.store import StoredArticle, content_hash, effective_updated

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

    Records go to a hidden `.<name>.part` beside it, renamed at close, so a reader globbing
    `*.jsonl` never sees a half-written file, and a killed run leaves only the hidden part.
    After the rename the seen store records the file and its records in one transaction;
    a kill between the two is repaired by store.recover on the next start.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats
        self.output: PartFile | None = None
        self.exporter: JsonLinesItemExporter | None = None
        self.store: SeenStore | None = None
        # What the store must learn at publication: one small row per record of this run.
        self.rows: list[StoredArticle] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def open_spider(self) -> None:
        assert self.crawler.spider is not None
        directory = output_dir(self.crawler.settings, self.crawler.spider.name)
        self.output = PartFile(directory / f"{run_stamp(self.crawler)}.jsonl")
        self.store = publishing_store(self.crawler)

    def process_item(self, item: Any) -> Any:
        exporter = self.exporter or self._start()
        exporter.export_item(item)
        assert self.output is not None and self.output.file is not None
        # A crash loses at most the record being written; everything before it is whole lines.
        self.output.file.flush()
        self.rows.append(StoredArticle.from_record(ItemAdapter(item)))
        self.stats.inc_value(keys.ITEMS_WRITTEN)
        kill_point(f"after_records:{len(self.rows)}")
        return item

    def close_spider(self) -> None:
        if self.exporter is None:
            return
        assert self.store is not None and self.output is not None
        self.exporter.finish_exporting()
        path = self.output.publish()
        kill_point("after_rename")
        self.store.record_publication(path.name, self.rows)
        self.stats.set_value(keys.OUTPUT_FILE, str(path))
        logger.info("Wrote %d records to %s", len(self.rows), path)

    def _start(self) -> JsonLinesItemExporter:
        assert self.output is not None
        self.exporter = record_exporter(self.output.open())
        self.exporter.start_exporting()
        return self.exporter


def record_exporter(file: IO[bytes]) -> JsonLinesItemExporter:
    """JSON Lines as the README's record table says: every field on every line, null when
    unknown, in the table's order; non-ASCII kept."""
    return JsonLinesItemExporter(
        file, encoding="utf-8", fields_to_export=ARTICLE_FIELDS, export_empty_fields=True
    )
