"""Item pipelines, in data-flow order: check required fields, drop duplicates, write JSON Lines."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem
from scrapy.exporters import JsonLinesItemExporter

from newsbot.datadir import data_dir
from newsbot.items import ARTICLE_FIELDS

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

# docs/record.md: a record without any of these is useless downstream.
REQUIRED_FIELDS: tuple[str, ...] = ("id", "url", "title", "source", "created")
RUN_STAMP_FORMAT = "%Y-%m-%dT%H-%M-%SZ"


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
                self.stats.inc_value(f"newsbot/dropped/missing_{name}")
                raise DropItem(f"missing {name}")
        self.stats.inc_value("newsbot/items/valid")
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
            self.stats.inc_value("newsbot/dropped/duplicate")
            # Expected, not a fault: the count in the stats is what matters, not a warning each.
            raise DropItem(f"duplicate id {news_id}", log_level="DEBUG")
        self.seen.add(news_id)
        return item


class JsonLinesWriterPipeline:
    """Writes `<data dir>/<spider>/<run start>.jsonl`, published only when complete.

    Records go to a hidden `.<name>.part` beside it, renamed at close, so a reader globbing
    `*.jsonl` never sees a half-written file, and a killed run leaves only the hidden part.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats
        self.final_path: Path | None = None
        self.file: IO[bytes] | None = None
        self.exporter: JsonLinesItemExporter | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    @property
    def part_path(self) -> Path:
        assert self.final_path is not None
        return self.final_path.with_name(f".{self.final_path.name}.part")

    def open_spider(self) -> None:
        assert self.crawler.spider is not None
        stamp = datetime.now(UTC).strftime(RUN_STAMP_FORMAT)
        directory = data_dir(self.crawler.settings) / self.crawler.spider.name
        self.final_path = directory / f"{stamp}.jsonl"

    def process_item(self, item: Any) -> Any:
        exporter = self.exporter or self._start()
        exporter.export_item(item)
        assert self.file is not None
        # A crash loses at most the record being written; everything before it is whole lines.
        self.file.flush()
        self.stats.inc_value("newsbot/items/written")
        return item

    def close_spider(self) -> None:
        if self.file is None:
            return
        path = self._publish()
        count = self.stats.get_value("newsbot/items/written", 0)
        self.stats.set_value("newsbot/output_file", str(path))
        logger.info("Wrote %d records to %s", count, path)

    def _start(self) -> JsonLinesItemExporter:
        self.part_path.parent.mkdir(parents=True, exist_ok=True)
        self.file = self.part_path.open("wb")
        # Every field on every line, null when unknown (docs/record.md); non-ASCII kept as is.
        self.exporter = JsonLinesItemExporter(
            self.file, encoding="utf-8", fields_to_export=ARTICLE_FIELDS, export_empty_fields=True
        )
        self.exporter.start_exporting()
        return self.exporter

    def _publish(self) -> Path:
        assert self.file is not None and self.exporter is not None
        self.exporter.finish_exporting()
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        final_path = _unused(self.final_path)
        os.replace(self.part_path, final_path)
        _fsync_dir(final_path.parent)
        return final_path


def _unused(path: Path | None) -> Path:
    """`path`, or `<stem>-N.jsonl` if a run that started in the same second already published it.

    os.replace would silently overwrite that earlier run's records.
    """
    assert path is not None
    candidate, n = path, 1
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        n += 1
    return candidate


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable, not just the file's contents."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
