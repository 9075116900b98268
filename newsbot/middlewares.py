"""Downloader middlewares."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Self

from scrapy.exceptions import IgnoreRequest

from newsbot.urls import PRODUCTION_BASE_URL, onto_base, origin

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


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

    def base_url(self) -> str:
        # Read per request, not cached: a spider may settle base_url only in start(), and
        # a spider without one (scrapy shell) is held to the live site.
        return getattr(self.crawler.spider, "base_url", None) or PRODUCTION_BASE_URL

    def process_request(self, request: Request) -> Request | None:
        base_url = self.base_url()
        rewritten = onto_base(request.url, base_url)
        if rewritten != request.url:
            # Rescheduled through the dupe filter on purpose: the fingerprint includes the origin,
            # so the twin is new to it, yet still meets a mirror URL fetched before.
            return request.replace(url=rewritten)
        if origin(request.url) != origin(base_url):
            self.crawler.stats.inc_value("newsbot/offsite/blocked")
            logger.debug("Blocked request outside %s: %s", base_url, request)
            raise IgnoreRequest(f"outside {base_url}")
        return None
