"""Re-extract records from archived pages (newsbot/warc.py) with the current code, no network.

Each archived response goes the way a fetched one does: Scrapy's HttpCompressionMiddleware
decodes the body, the spider's checks skip what is no article page, newsbot/extract.py extracts
it, and the crawl's own item pipelines validate, dedupe and (with `--publish`) number revisions
and publish. `crawled_at` is the capture's WARC-Date, the fetch time the crawl gave the record.

Which capture counts: an article fetched several times (runs after it changed, `-a full=1`,
retries of a truncated page) is re-extracted from its latest capture in the archives given,
the current state of the article as newsbot last saw it; older captures are counted, not
replayed. Finding the latest needs one pass over the archives before the replay: it keeps one
small row per article in a temporary SQLite file, so memory stays flat however large the
archives, and the replay then reads each chosen record by its offset, in capture order.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any, Protocol

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import DropItem, IgnoreRequest
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from newsbot import statkeys as keys
from newsbot import urls
from newsbot.extract import FETCHED_AT, extract_article, is_article_page
from newsbot.failures import is_html
from newsbot.filefaults import FileFault, record_fault
from newsbot.middlewares import is_truncated_page
from newsbot.pipelines import record_exporter
from newsbot.provenance import DESCRIPTIONS, WrongSite, site_kind
from newsbot.warc import Capture, Damage, capture_at, is_warc, read_archive

_INDEX = """
CREATE TABLE captures (key TEXT PRIMARY KEY, fetched_at TEXT, file INTEGER, offset INTEGER)
"""
# The latest capture of each article wins; of two in the same microsecond, the later one read.
_KEEP_LATEST = """
INSERT INTO captures VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE
SET fetched_at = excluded.fetched_at, file = excluded.file, offset = excluded.offset
WHERE excluded.fetched_at >= captures.fetched_at
"""
_IN_CAPTURE_ORDER = "SELECT file, offset FROM captures ORDER BY fetched_at, file, offset"


class Pipeline(Protocol):
    def process_item(self, item: Any) -> Any: ...


def archive_files(paths: Iterable[Path]) -> list[Path]:
    """The WARC files named, and those under the directories named (recursively), each once, in
    name order within a directory (newsbot's names sort by run, then by part)."""
    found: dict[Path, None] = {}
    for path in paths:
        if path.is_dir():
            found.update(dict.fromkeys(p for p in sorted(path.rglob("*")) if is_warc(p)))
        else:
            found[path] = None
    return list(found)


def article_key(url: str) -> str | None:
    """What identifies the article a response is for: its NewsId. (A legacy link answers only a
    redirect to an article URL, docs/site.md §1: its capture is skipped as one.)"""
    return urls.news_id(url)


def skip_reason(capture: Capture) -> str | None:
    """Why an archived response is not replayed before even reading its page; None if it is."""
    if 300 <= capture.status < 400:
        return "redirect"
    if capture.status != 200:
        return f"http_{capture.status}"
    return None if article_key(capture.url) else "not_article"


def page_skip_reason(response: Response) -> str | None:
    """What the crawl does with such a page instead of extracting it (the spider's
    parse_article, TruncatedPageMiddleware); None for an article page."""
    if not response.body.strip():
        return "empty"
    if not is_html(response):
        return "not_html"
    if is_truncated_page(response.body):
        return "truncated"
    return None if is_article_page(response) else "not_article"


class Replay:
    """One replay: the archives, the crawler whose stats and pipelines it uses, and `report`,
    called with each damaged stretch of a file (or page that could not be extracted) as it is
    found."""

    def __init__(
        self, crawler: Crawler, files: list[Path], report: Callable[[Damage | str], None]
    ) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.files = files
        self.report = report
        self.decoder = HttpCompressionMiddleware.from_crawler(crawler)

    def run(self, pipelines: list[Pipeline]) -> None:
        for pipeline in pipelines:
            if hasattr(pipeline, "open_spider"):
                pipeline.open_spider()
        for response in self.responses():
            self.stats.inc_value(keys.ARTICLES_PARSED)
            try:
                item: Any = extract_article(response, self.stats)
            except Exception as error:  # as the crawl does with a callback's error: go on
                self.stats.inc_value(keys.REPLAY_FAILED)
                self.report(f"could not extract {response.url}: {type(error).__name__}: {error}")
                continue
            item.reextracted = True
            try:
                for pipeline in pipelines:
                    item = pipeline.process_item(item)
            except DropItem:
                continue  # each pipeline counted why
            except FileFault as fault:
                # As a crawl does (newsbot/filefaults.py): stop at the first, then publish what
                # was written whole.
                record_fault(self.stats, fault)
                break
        for pipeline in pipelines:
            if hasattr(pipeline, "close_spider"):
                pipeline.close_spider()

    def responses(self) -> Iterator[Response]:
        """The latest capture of each archived article page, in capture order."""
        with tempfile.TemporaryDirectory(prefix="newsbot-replay-") as scratch:
            index = sqlite3.connect(Path(scratch) / "captures.sqlite3")
            try:
                index.execute(_INDEX)
                self._index(index)
                for number, offset in index.execute(_IN_CAPTURE_ORDER):
                    found = capture_at(self.files[number], offset)
                    if isinstance(found, Damage):  # changed since the first pass
                        self._damaged(found)
                    elif (response := self._response(found)) is not None:
                        yield response
            finally:
                index.close()

    def _index(self, index: sqlite3.Connection) -> None:
        candidates = 0
        for number, path in enumerate(self.files):
            self.stats.inc_value(keys.REPLAY_FILES)
            for found in read_archive(path):
                if isinstance(found, Damage):
                    self._damaged(found)
                    continue
                self.stats.inc_value(keys.REPLAY_RESPONSES)
                if reason := skip_reason(found):
                    self.stats.inc_value(keys.replay_skipped(reason))
                    continue
                key = article_key(found.url)
                # Fixed width, so that text order is time order.
                moment = found.fetched_at.strftime("%Y-%m-%dT%H:%M:%S.%f")
                index.execute(_KEEP_LATEST, (key, moment, number, found.offset))
                candidates += 1
        (chosen,) = index.execute("SELECT count(*) FROM captures").fetchone()
        if older := candidates - chosen:
            self.stats.inc_value(keys.REPLAY_OLDER_CAPTURES, older)

    def _damaged(self, damage: Damage) -> None:
        self.stats.inc_value(keys.REPLAY_DAMAGED)
        self.report(damage)

    def _response(self, capture: Capture) -> Response | None:
        """The response Scrapy would have handed the spider for this capture; None (counted)
        when the spider would not have extracted it."""
        headers = Headers()
        for name, value in capture.headers:
            headers.appendlist(name, value)
        request = Request(capture.url, meta={FETCHED_AT: capture.fetched_at})
        cls = responsetypes.from_args(headers=headers, url=capture.url, body=capture.body)
        response = cls(
            url=capture.url,
            status=capture.status,
            headers=headers,
            body=capture.body,
            request=request,
            protocol=capture.protocol,
        )
        try:
            response = self.decoder.process_response(request, response)
        except IgnoreRequest:  # larger than DOWNLOAD_MAXSIZE once decoded
            reason: str | None = "too_large"
        else:
            reason = page_skip_reason(response)
        if reason:
            self.stats.inc_value(keys.replay_skipped(reason))
            return None
        return response


def archive_site(files: Iterable[Path]) -> str | None:
    """The site the first readable archived response came from (`scheme://host[:port]`); None
    when there is none."""
    for path in files:
        for found in read_archive(path):
            if isinstance(found, Capture):
                return urls.site_root(found.url)
    return None


class SameSitePipeline:
    """`--publish` only: every record's site must be the kind the data directory holds, as a
    crawl's must (newsbot/provenance.py), so an archive of the replica is never published among
    the live site's records. The directory was claimed for the archive's first page; this
    refuses (WrongSite) a record of the other kind before it reaches the writer."""

    def __init__(self, directory: Path, kind: str) -> None:
        self.directory = directory
        self.kind = kind

    def process_item(self, item: Any) -> Any:
        if (kind := site_kind(item.fetched_from)) != self.kind:
            raise WrongSite(
                f"{self.directory} holds records of {DESCRIPTIONS[self.kind]}, not of"
                f" {DESCRIPTIONS[kind]} ({item.fetched_from}): replay those archives into"
                " another data directory"
            )
        return item


class OutputPipeline:
    """The records of a replay that publishes nothing, as JSON Lines to `file`."""

    def __init__(self, file: IO[bytes]) -> None:
        self.exporter = record_exporter(file)
        self.file = file

    def open_spider(self) -> None:
        self.exporter.start_exporting()

    def process_item(self, item: Any) -> Any:
        self.exporter.export_item(item)
        return item

    def close_spider(self) -> None:
        self.exporter.finish_exporting()
        self.file.flush()
