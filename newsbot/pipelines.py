"""Item pipelines, in data-flow order: check required fields, drop duplicates, number revisions
(dropping unchanged articles), write JSON Lines and record what was published in the seen store."""

from __future__ import annotations

import logging
import os
import signal
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem
from scrapy.exporters import JsonLinesItemExporter

from newsbot import statkeys as keys
from newsbot.datadir import output_dir
from newsbot.items import ARTICLE_FIELDS
from newsbot.newsids import NewsIdSet
from newsbot.state import publishing_store, seen_store
from newsbot.store import StoredArticle, content_hash, effective_updated, read_rows

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

    from newsbot.store import SeenStore

logger = logging.getLogger(__name__)

# the README's record table: a record without any of these is useless downstream.
REQUIRED_FIELDS: tuple[str, ...] = ("id", "url", "title", "source", "created")
RUN_STAMP_FORMAT = "%Y-%m-%dT%H-%M-%SZ"
# Tests only (tests/test_revisions.py): the process kills itself at the named phase.
KILL_AT_ENV = "NEWSBOT_TEST_KILL_AT"
KILL_MARKER_ENV = "NEWSBOT_TEST_KILL_MARKER"


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
        self.seen = NewsIdSet()

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


def _changed(stored: StoredArticle, record: ItemAdapter) -> bool:
    if stored.updated != effective_updated(record):
        return True
    return stored.content_hash != content_hash(record)


class JsonLinesWriterPipeline:
    """Writes `<data dir>/<spider>/<run start>.jsonl`, published only when complete.

    Records go to a hidden `.<name>.part` beside it, renamed at close, so a reader globbing
    `*.jsonl` never sees a half-written file, and a killed run leaves only the hidden part.
    After the rename the seen store records the file and its records in one transaction, read
    back from the file itself as recovery would (so the writer holds nothing per record);
    a kill between the two is repaired by store.recover on the next start.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats
        self.final_path: Path | None = None
        self.file: IO[bytes] | None = None
        self.exporter: JsonLinesItemExporter | None = None
        self.store: SeenStore | None = None
        self.written = 0

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
        directory = output_dir(self.crawler.settings, self.crawler.spider.name)
        self.final_path = directory / f"{stamp}.jsonl"
        self.store = publishing_store(self.crawler)

    def process_item(self, item: Any) -> Any:
        exporter = self.exporter or self._start()
        exporter.export_item(item)
        assert self.file is not None
        # A crash loses at most the record being written; everything before it is whole lines.
        self.file.flush()
        self.written += 1
        self.stats.inc_value(keys.ITEMS_WRITTEN)
        _test_kill_point(f"after_records:{self.written}")
        return item

    def close_spider(self) -> None:
        if self.file is None:
            return
        assert self.store is not None
        path = self._publish()
        _test_kill_point("after_rename")
        self.store.record_publication(path.name, read_rows(path))
        self.stats.set_value(keys.OUTPUT_FILE, str(path))
        logger.info("Wrote %d records to %s", self.written, path)

    def _start(self) -> JsonLinesItemExporter:
        self.part_path.parent.mkdir(parents=True, exist_ok=True)
        self.file = self.part_path.open("wb")
        # Every field on every line, null when unknown (README: the record); non-ASCII kept.
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
        _test_kill_point("before_rename")
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


def _test_kill_point(phase: str) -> None:
    """Tests only: SIGKILL this process at `phase` if NEWSBOT_TEST_KILL_AT names it.

    The marker file lets a test tell the kill it asked for from any other death.
    """
    if os.environ.get(KILL_AT_ENV) != phase:
        return
    if marker := os.environ.get(KILL_MARKER_ENV):
        Path(marker).write_text(f"killed at {phase}\n", encoding="utf-8")
    os.kill(os.getpid(), signal.SIGKILL)
