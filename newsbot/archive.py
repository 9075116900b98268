"""`WarcArchiveMiddleware`: every response of a crawl into the run's WARC files (newsbot/warc.py).

It sits at the downloader end of the chain (DOWNLOADER_MIDDLEWARES 950, beyond Scrapy's 900),
so it sees each response first, as the download handler made it: before HttpCompression (590)
decodes the body, before Redirect (600) and Retry (550) consume 3xx and 5xx answers, and
including RobotsTxtMiddleware's robots.txt fetches, which pass through the same chain. It sees
each request last, with the headers every other middleware added.

A file fault while archiving (a full disk) stops the crawl like any other (newsbot/filefaults.py,
exit 74): the response it could not archive, and every one after it, is dropped (`Unarchived`,
counted as `newsbot/dropped/unarchived`), so that no record is published without its page in
the archive and the next run fetches those pages again. The exchanges archived whole before the
fault are published at the end of the run as usual.
"""

from __future__ import annotations

import logging
import socket
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from typing import TYPE_CHECKING, Self

from scrapy.exceptions import IgnoreRequest

from newsbot import statkeys as keys
from newsbot.datadir import warc_dir
from newsbot.extract import FETCHED_AT
from newsbot.filefaults import FileFault, StopOnFileFault, record_fault
from newsbot.state import RunState
from newsbot.warc import WARC_CONFORMS_TO, WARC_VERSION, WarcFiles

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


class Unarchived(IgnoreRequest):
    """A response the archive could not keep, after a file fault: not extracted either."""


class WarcArchiveMiddleware:
    """Stamps each response with when it was fetched (`crawled_at`, the WARC-Date) and, unless
    NEWSBOT_WARC_ENABLED is off, archives the exchange.

    Only a crawl that publishes (it holds the run lock) archives: the files are published with
    the run's records, and recovered by the next run under the same lock.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.stopper = crawler.get_extension(StopOnFileFault)
        self.files: WarcFiles | None = None
        settings = crawler.settings
        state = crawler.get_extension(RunState)
        # Never in a read-only command (NEWSBOT_READ_ONLY): its RunState is not writable.
        if settings.getbool("NEWSBOT_WARC_ENABLED") and state is not None and state.writable:
            # Checked with every setting before the run (newsbot/configuration.py).
            max_bytes = settings.getint("NEWSBOT_WARC_MAX_BYTES")
            self.files = WarcFiles(warc_dir(settings), state.stamp, max_bytes, warcinfo(crawler))
            # Published before the run lock is released, so no next run takes it for a dead one.
            state.closers.append(self.close)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        # download_latency runs from sending the request to the answer's headers: the capture
        # began when the request went out.
        latency = request.meta.get("download_latency") or 0.0
        fetched_at = datetime.now(UTC) - timedelta(seconds=latency)
        request.meta[FETCHED_AT] = fetched_at
        if self.files is None:
            return response
        if self.files.fault is not None:
            raise Unarchived(f"not archived after {self.files.fault}")
        try:
            written = self.files.write_exchange(request, response, fetched_at)
        except FileFault as fault:
            self._failed(fault)
            raise Unarchived(str(fault)) from fault
        self.stats.inc_value(keys.WARC_BYTES, written)
        self.stats.inc_value(keys.WARC_RESPONSES)
        return response

    def close(self) -> None:
        assert self.files is not None
        try:
            published = self.files.close()
        except FileFault as fault:
            self._failed(fault)
            published = self.files.published
        if published:
            self.stats.set_value(keys.WARC_FILES, len(published))
            logger.info("Archived %d responses in %s", self.files.exchanges, published)

    def _failed(self, fault: FileFault) -> None:
        """Stop the crawl at this fault (StopOnFileFault), recorded before it is logged: a log
        on the same full disk would fail and be recorded first."""
        if self.stopper is not None:
            self.stopper.fault(fault)
        else:
            record_fault(self.stats, fault)
        logger.error("%s", fault, exc_info=fault)


def warcinfo(crawler: Crawler) -> dict[str, str]:
    """The `warcinfo` record's fields (WARC 1.1 §6.1's recommended ones) for this crawl."""
    settings = crawler.settings
    return {
        "software": f"newsbot (Scrapy {version('scrapy')}, warcio {version('warcio')})",
        "format": f"WARC File Format {WARC_VERSION}",
        "conformsTo": WARC_CONFORMS_TO,
        "hostname": socket.gethostname(),
        "isPartOf": f"newsbot {crawler.get_extension(RunState).stamp}",
        "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
        "http-header-user-agent": settings.get("USER_AGENT"),
    }
