"""`WarcArchiveMiddleware`: every response of a crawl into the run's WARC files (newsbot/warc.py).

It sits at the downloader end of the chain (DOWNLOADER_MIDDLEWARES 950, beyond Scrapy's 900),
so it sees each response first, as the download handler made it: before HttpCompression (590)
decodes the body, before Redirect (600) and Retry (550) consume 3xx and 5xx answers, and
including RobotsTxtMiddleware's robots.txt fetches, which pass through the same chain. It sees
each request last, with the headers every other middleware added.
"""

from __future__ import annotations

import logging
import socket
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from typing import TYPE_CHECKING, Self

from newsbot import statkeys as keys
from newsbot.datadir import warc_dir
from newsbot.extract import FETCHED_AT
from newsbot.state import RunState
from newsbot.warc import WARC_CONFORMS_TO, WARC_VERSION, WarcFiles

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


class WarcArchiveMiddleware:
    """Stamps each response with when it was fetched (`crawled_at`, the WARC-Date) and, unless
    NEWSBOT_WARC_ENABLED is off, archives the exchange.

    Only a crawl that publishes (it holds the run lock) archives: the files are published with
    the run's records, and recovered by the next run under the same lock.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.files: WarcFiles | None = None
        settings = crawler.settings
        state = crawler.get_extension(RunState)
        if settings.getbool("NEWSBOT_WARC_ENABLED") and state is not None and state.writable:
            max_bytes = settings.getint("NEWSBOT_WARC_MAX_BYTES")
            if max_bytes <= 0:
                raise ValueError("NEWSBOT_WARC_MAX_BYTES must be > 0")
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
        if self.files is not None:
            written = self.files.write_exchange(request, response, fetched_at)
            self.stats.inc_value(keys.WARC_BYTES, written)
            self.stats.inc_value(keys.WARC_RESPONSES)
        return response

    def close(self) -> None:
        assert self.files is not None
        published = self.files.close()
        if published:
            self.stats.set_value(keys.WARC_FILES, len(published))
            logger.info("Archived %d responses in %s", self.files.exchanges, published)


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
