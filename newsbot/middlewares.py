"""Downloader middlewares, and the spider middleware that frees parsed pages."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Self
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.http import TextResponse
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import deferred_from_coro
from twisted.internet.error import ConnectError

from newsbot import statkeys as keys
from newsbot.urls import onto_base, origin

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable, Iterator

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


class OffBaseUrl(IgnoreRequest):
    """A request for anything but `base_url`'s scheme, host and port, refused."""


class TruncatedPage(IgnoreRequest):
    """A page that kept arriving cut short, given up after the retries."""


class SameOriginMiddleware:
    """Lets requests go only to the spider's `base_url` origin: scheme, host and port.

    Scrapy's OffsiteMiddleware compares host names only and waves through `dont_filter`
    requests, which include every retry; this checks every request that reaches the
    downloader: redirects, retries and RobotsTxtMiddleware's robots.txt fetches alike.
    Production devdiscourse.com links (a mirror prints them, like the site) are first moved
    onto `base_url`.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> Request | None:
        # Read per request, not cached: a spider may settle base_url only in start(). A spider
        # without one (`scrapy shell`'s) is not newsbot's crawl: the user asked for that URL.
        base_url = getattr(self.crawler.spider, "base_url", None)
        if base_url is None:
            return None
        rewritten = onto_base(request.url, base_url)
        if rewritten != request.url:
            # Rescheduled through the dupe filter on purpose: the fingerprint includes the origin,
            # so the twin is new to it, yet still meets a mirror URL fetched before.
            return request.replace(url=rewritten)
        if origin(request.url) != origin(base_url):
            self.crawler.stats.inc_value(keys.OFFSITE_BLOCKED)
            logger.debug("Blocked request outside %s: %s", base_url, request)
            raise OffBaseUrl(f"outside {base_url}")
        return None


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """The wait a `Retry-After` header asks for: delay-seconds or an HTTP date; None if unusable."""
    text = (value or "").strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:  # RFC 9110 dates are GMT
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


class RetryAfterMiddleware:
    """Makes the crawl wait as long as a 429 or 503 answer's `Retry-After` asks, capped by
    NEWSBOT_RETRY_AFTER_MAX, before the next request to that host.

    Scrapy's RetryMiddleware retries such answers but ignores the header, and AutoThrottle does
    not react to 429. This runs before RetryMiddleware (a higher order number: responses travel
    the chain backwards) and only pauses the host's download slot; the retry stays Scrapy's.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.max_wait = crawler.settings.getfloat("NEWSBOT_RETRY_AFTER_MAX")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status not in (429, 503):
            return response
        wait = retry_after_seconds(response.headers.get("Retry-After", b"").decode("latin-1"))
        if wait is None:
            return response
        wait = min(wait, self.max_wait)
        downloader = self.crawler.engine.downloader
        slot = downloader.slots.get(downloader.get_slot_key(request))
        if slot is not None:
            # The downloader's own pause: while `latercall` is pending it sends nothing from
            # this slot, then resumes the queue (a pending shorter pause is replaced).
            if slot.latercall:
                slot.latercall.cancel()
            slot.latercall = call_later(wait, downloader._latercall, slot)
        self.crawler.stats.inc_value(keys.RETRY_AFTER)
        self.crawler.stats.max_value(keys.RETRY_AFTER_MAX_WAIT, wait)
        logger.info("%s asked to retry after %.0f s: pausing that host", request, wait)
        return response


class TruncatedPageMiddleware:
    """Retries a whole page that arrived cut short (200, no `</html>`), then drops it.

    A truncated article would otherwise become a record with half a body. HTML fragments (the
    `/Home/GetNewsItems` listings) have no `</html>` by design and are left alone.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status != 200 or not is_truncated_page(response.body):
            return response
        retry = get_retry_request(request, spider=self.crawler.spider, reason="truncated")
        if retry is not None:
            return retry
        # The request's errback counts it (newsbot/dropped/truncated for an article).
        raise TruncatedPage(f"truncated page: {request.url}")


_PAGE_START_RE = re.compile(rb"^\s*(?:<!doctype\s+html|<html)", re.IGNORECASE)
_PAGE_END_RE = re.compile(rb"</html\s*>", re.IGNORECASE)


def is_truncated_page(body: bytes) -> bool:
    """A document that opens as a whole HTML page but never closes."""
    return bool(_PAGE_START_RE.match(body[:512])) and not _PAGE_END_RE.search(body[-4096:])


# The finish reason of a crawl stopped because the site could not be reached at all.
SITE_UNREACHABLE = "site_unreachable"
# What each download error says about reaching the site, for the one line a person reads.
UNREACHABLE_ERRORS: tuple[tuple[type[Exception], str], ...] = (
    (CannotResolveHostError, "host name not resolved"),
    (DownloadConnectionRefusedError, "connection refused"),
    (DownloadTimeoutError, "timed out"),
    (ConnectError, "could not connect"),
    (DownloadFailedError, "connection lost before any answer"),
)


class UnreachableSiteMiddleware:
    """Stops the crawl as soon as one request has failed for good, after its retries, on a
    connection error while no response at all has been received: the site cannot be reached
    (a wrong host, a refused port, a network down). The run then ends in seconds with one line
    saying what happened and where, instead of failing every root request slowly.

    Its order is just below RetryMiddleware (550): exceptions travel the chain backwards, so it
    sees only those RetryMiddleware gave up on. Any response (a 5xx too) means the site is
    reachable, and the health checks judge the rest.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.decided = False
        crawler.signals.connect(self.response_downloaded, signal=signals.response_downloaded)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def response_downloaded(self) -> None:
        self.decided = True

    def process_exception(self, request: Request, exception: Exception) -> None:
        what = unreachable_reason(exception)
        if self.decided or what is None:
            return
        self.decided = True
        attempts = request.meta.get("retry_times", 0) + 1
        message = f"{urlsplit(request.url).netloc}: {what} ({attempts} attempts at {request.url})"
        self.crawler.stats.set_value(keys.UNREACHABLE, message)
        logger.error("Site unreachable, stopping: %s: %s", message, exception)
        deferred_from_coro(self.crawler.engine.close_spider_async(reason=SITE_UNREACHABLE))


def unreachable_reason(error: Exception) -> str | None:
    """How a download error says the site could not be reached; None when it does not."""
    for kind, what in UNREACHABLE_ERRORS:
        if isinstance(error, kind):
            return what
    return None


class ParsedPageReleaseMiddleware:
    """Frees each page's parsed tree as soon as its callback's output is consumed.

    Scrapy caches a response's `Selector` on the response, and the selector points back at the
    response: a reference cycle, which only Python's cyclic garbage collector frees. Pages are
    parsed while in use, so they have outlived a few collections and wait for a full one, which
    comes rarely: dozens of pages (body, text and lxml tree, about 0.5 MB each) pile up, a third
    of a crawl's peak memory. Dropping the cached selector breaks the cycle, so each page is freed
    by its last reference, like a page nobody parsed. A later use would only parse it again.
    """

    def process_spider_output(
        self, response: Response, result: Iterable[object]
    ) -> Iterator[object]:
        yield from result
        _release(response)

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[object]
    ) -> AsyncIterator[object]:
        async for output in result:
            yield output
        _release(response)


def _release(response: Response) -> None:
    if isinstance(response, TextResponse):
        response._cached_selector = None  # Scrapy 2.19's cache (TextResponse.selector)
