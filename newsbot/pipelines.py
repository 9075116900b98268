"""Item pipelines, in data-flow order: check required fields, drop duplicates, number revisions
(dropping unchanged articles), write JSON Lines and record what was published in the seen store."""

from __future__ import annotations

import logging
import os
import signal
from contextlib import suppress
from datetime import UTC, datetime
from io import BytesIO, FileIO
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.exporters import JsonLinesItemExporter

from newsbot import statkeys as keys
from newsbot.datadir import fsync_dir, output_dir
from newsbot.filefaults import FileFault, file_fault, record_fault
from newsbot.items import ARTICLE_FIELDS
from newsbot.state import publishing_store, seen_store
from newsbot.store import StoredArticle, content_hash, effective_updated, published_label

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

    A write that fails (full disk, I/O error) raises FileFault, which stops the crawl
    (newsbot/filefaults.py); records after it are dropped as `unwritten`. At close the part is
    cut back to its last whole record and those records are published as usual, so the next run
    fetches again exactly the articles that were not; a part that can't be published is deleted.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats
        self.final_path: Path | None = None
        # Unbuffered: a record is in the part file whole, or its tail is cut off at close. A
        # buffer could still hold part of a record that failed and write it later.
        self.file: FileIO | None = None
        self.size = 0  # bytes of whole records in the part file
        # Each record is serialised here first, then written to the part file.
        self.line = BytesIO()
        self.exporter = JsonLinesItemExporter(
            # Every field on every line, null when unknown (README: the record); non-ASCII kept.
            self.line,
            encoding="utf-8",
            fields_to_export=ARTICLE_FIELDS,
            export_empty_fields=True,
        )
        self.fault: FileFault | None = None
        self.store: SeenStore | None = None
        # What the store must learn at publication: one small row per record of this run, and
        # the labels the records show the site has.
        self.rows: list[StoredArticle] = []
        self.labels: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if crawler.settings.getbool("NEWSBOT_READ_ONLY"):
            # A read-only command publishes nothing (without a message: Scrapy would warn).
            raise NotConfigured
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
        self.exporter.start_exporting()

    def process_item(self, item: Any) -> Any:
        if self.fault is not None:
            self.stats.inc_value(keys.DROPPED_UNWRITTEN)
            raise DropItem(f"not written after {self.fault}", log_level="DEBUG")
        line = self._serialise(item)
        try:
            with file_fault(self.part_path):
                _write_all(self.file or self._open(), line)
        except FileFault as fault:
            self.fault = fault
            self.stats.inc_value(keys.DROPPED_UNWRITTEN)
            # Recorded now, as the cause: Scrapy logs the error before it signals it, and a log
            # on the same full disk would fail and be recorded first.
            record_fault(self.stats, fault)
            raise
        # A crash loses at most the record being written; everything before it is whole lines.
        self.size += len(line)
        adapter = ItemAdapter(item)
        self.rows.append(StoredArticle.from_record(adapter))
        if label := published_label(adapter):
            self.labels.add(label)
        self.stats.inc_value(keys.ITEMS_WRITTEN)
        _test_kill_point(f"after_records:{len(self.rows)}")
        return item

    def close_spider(self) -> None:
        self.exporter.finish_exporting()
        if self.file is None:
            return
        assert self.store is not None
        try:
            path = self._publish()
        except FileFault as fault:
            self._failed(fault)
            self._discard()
            return
        if path is None:  # not one whole record
            self._discard()
            return
        _test_kill_point("after_rename")
        self.stats.set_value(keys.OUTPUT_FILE, str(path))
        logger.info("Wrote %d records to %s", len(self.rows), path)
        try:
            self.store.record_publication(path.name, self.rows, self.labels)
        except FileFault as fault:
            # The file is published: the next run's recovery records it (store.recover).
            self._failed(fault)

    def _serialise(self, item: Any) -> bytes:
        self.exporter.export_item(item)
        line = self.line.getvalue()
        self.line.seek(0)
        self.line.truncate()
        return line

    def _open(self) -> FileIO:
        self.part_path.parent.mkdir(parents=True, exist_ok=True)
        self.file = FileIO(self.part_path, "w")
        return self.file

    def _publish(self) -> Path | None:
        """Rename the part into place with its whole records; None if it has none."""
        assert self.file is not None
        with file_fault(self.part_path):
            # A failed write may have left the start of a record behind the last whole one.
            self.file.truncate(self.size)
            os.fsync(self.file.fileno())
            self.file.close()
        if not self.rows:
            return None
        final_path = _unused(self.final_path)
        _test_kill_point("before_rename")
        with file_fault(final_path):
            os.replace(self.part_path, final_path)
            fsync_dir(final_path.parent)
        return final_path

    def _failed(self, fault: FileFault) -> None:
        logger.error("%s", fault, exc_info=fault)
        record_fault(self.stats, fault)

    def _discard(self) -> None:
        """Delete an unpublished part now: on a full disk, its space is what the next run needs.
        One that can't be deleted is deleted by the next run's recovery."""
        assert self.file is not None
        self.file.close()
        with suppress(OSError):
            self.part_path.unlink()


def _write_all(file: FileIO, data: bytes) -> None:
    """A system call may write only part of `data` (a disk filling up): write on until all of it
    is written or a write fails."""
    view = memoryview(data)
    while view:
        view = view[file.write(view) :]


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


def _test_kill_point(phase: str) -> None:
    """Tests only: SIGKILL this process at `phase` if NEWSBOT_TEST_KILL_AT names it.

    The marker file lets a test tell the kill it asked for from any other death.
    """
    if os.environ.get(KILL_AT_ENV) != phase:
        return
    if marker := os.environ.get(KILL_MARKER_ENV):
        Path(marker).write_text(f"killed at {phase}\n", encoding="utf-8")
    os.kill(os.getpid(), signal.SIGKILL)
