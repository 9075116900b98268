"""The `devdiscourse` spider: discover article URLs, fetch what is new or changed, extract it.

Discovery (SITE.md §3) starts from fixed roots: the Google News sitemap, the first page of the
PTI, News Desk and agency listings, and `/stories/<label>` for each watched label. With a seen
store (newsbot/state.py), an article is fetched only when its id is unknown or its sitemap
`lastmod` is later than the stored `updated`, and a listing's next page only while the current
page has not yet reached a stored article; so an unchanged re-run costs one request per root.
`-a full=1` ignores the store for discovery. Extraction is newsbot/extract.py.
"""

from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from urllib.parse import urlencode

import scrapy
from lxml import etree
from scrapy import signals
from scrapy.http import Response
from scrapy.utils.sitemap import Sitemap
from twisted.python.failure import Failure

from newsbot import layouts as css
from newsbot import statkeys as keys
from newsbot import urls
from newsbot.arguments import parse_arguments
from newsbot.extract import extract_article, is_article_page
from newsbot.failures import failure_reason, is_html
from newsbot.items import Article
from newsbot.newsids import NewsIdSet
from newsbot.processors import parse_datetime
from newsbot.state import RunState
from newsbot.store import SeenStore

NEWS_SITEMAP = "/RSS/GoogleNews"
# Server-rendered listings with `?page=N` and a `Page X of Y` pager.
PAGED_LISTINGS = ("/pti-stories", "/devdiscourse-stories", "/AgencyWire")
# `/stories/<label>` renders page 1; later pages come as HTML fragments from this endpoint.
LABEL_FRAGMENTS = "/Home/GetNewsItems"
# Always in the news sitemap, whatever their age (SITE.md §3): not a sign of its window.
PINNED_SITEMAP_IDS = frozenset({809210, 806669})


class DevdiscourseSpider(scrapy.Spider):
    name = "devdiscourse"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.arguments = parse_arguments(kwargs)
        self.base_url = self.arguments.base_url
        self.max_pages = self.arguments.max_pages
        self.store: SeenStore | None = None
        # Ids (or legacy URLs) requested in this run: each once, and no more than the budget.
        self.requested = NewsIdSet()
        self.article_budget = 0
        # A full re-crawl, or a first run (nothing stored): every root is walked to max_pages.
        self.walks_everything = True

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.request_dropped, signal=signals.request_dropped)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.article_budget = self.crawler.settings.getint("NEWSBOT_MAX_ARTICLES")
        state = self.crawler.get_extension(RunState)
        self.store = state.store if state is not None else None
        self.walks_everything = (
            self.arguments.full or self.store is None or self.store.newest_id() is None
        )
        yield scrapy.Request(
            self.site_url(NEWS_SITEMAP), callback=self.parse_sitemap, errback=self.request_failed
        )
        for path in PAGED_LISTINGS:
            yield self.listing_request(path, page=1)
        for label in self.arguments.sections:
            yield scrapy.Request(
                self.site_url(f"/stories/{label}"),
                callback=self.parse_label_listing,
                errback=self.request_failed,
                cb_kwargs={"label": label, "page": 1},
            )

    # -- what to fetch ---------------------------------------------------------------------------

    def is_known(self, news_id: str) -> bool:
        return self.store is not None and self.store.get(news_id) is not None

    def wants(self, news_id: str, lastmod: datetime | None = None) -> bool:
        """Fetch an article unless the store has it and no later modification is announced.

        `lastmod` is compared to the minute: the byline, which `updated` comes from, has none.
        """
        if self.arguments.full or self.store is None:
            return True
        stored = self.store.get(news_id)
        if stored is None:
            return True
        known = parse_datetime(stored.updated)
        if lastmod is None or known is None:
            return False
        return lastmod.replace(second=0, microsecond=0) > known.replace(second=0, microsecond=0)

    # -- callbacks -------------------------------------------------------------------------------

    def site_url(self, path: str) -> str:
        return self.base_url + path

    def listing_request(self, path: str, page: int) -> scrapy.Request:
        return scrapy.Request(
            self.site_url(f"{path}?page={page}"),
            callback=self.parse_listing,
            errback=self.request_failed,
            cb_kwargs={"path": path, "page": page},
        )

    def label_fragment_request(self, label: str, page: int) -> scrapy.Request:
        query = {"sector": "", "region": "", "country": "", "tag": "", "page": page, "cat": ""}
        query["label"] = label
        return scrapy.Request(
            self.site_url(f"{LABEL_FRAGMENTS}?{urlencode(query)}"),
            callback=self.parse_label_listing,
            errback=self.request_failed,
            cb_kwargs={"label": label, "page": page},
        )

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        entries = self.sitemap_entries(response)
        self.crawler.stats.inc_value(keys.SITEMAP_ENTRIES, len(entries))
        modified = []
        for entry in entries:
            url = urls.onto_base(response.urljoin(entry.get("loc", "")), self.base_url)
            news_id = urls.news_id(url)
            if news_id is None:
                continue
            lastmod = parse_datetime(entry.get("lastmod") or "")
            if int(news_id) not in PINNED_SITEMAP_IDS and lastmod is not None:
                modified.append(lastmod)
            wanted = self.wants(news_id, lastmod)
            if wanted and (request := self.article_request(urls.desktop_url(url), news_id)):
                self.crawler.stats.inc_value(keys.discovery_requests("sitemap"))
                yield request
        self.check_sitemap_window(modified)

    def sitemap_entries(self, response: Response) -> list[dict]:
        """The news sitemap's `<url>` entries; none when it is not one. Scrapy's parser neither
        expands entities nor reads external ones, so a hostile sitemap cannot blow up memory or
        read a file; a broken one leaves discovery to the listings."""
        try:
            entries = list(Sitemap(response.body)) if response.body.strip() else []
        except (etree.XMLSyntaxError, ValueError, StopIteration) as error:  # no root element
            entries, problem = [], str(error) or "no XML"
        else:
            # libxml2 gives up quietly on some documents (an entity bomb): entries were there.
            problem = "no entry could be read" if not entries and b"<url" in response.body else ""
        if problem:
            self.crawler.stats.inc_value(keys.SITEMAP_MALFORMED)
            self.logger.warning("Unreadable news sitemap %s: %s", response.url, problem)
        return entries

    def check_sitemap_window(self, modified: list[datetime]) -> None:
        """Notice when more changed since the last run than the sitemap's 500 entries hold.

        The sitemap lists the most recently modified articles. If even its oldest modification
        is later than the creation of the newest stored article, articles created in between
        may have been pushed out of it. The listings are then walked back until they reach stored
        articles, which the paging rule in `listing_pages_on` already does; this makes the gap
        visible in the log and the stats.
        """
        newest_id = self.store.newest_id() if self.store is not None else None
        newest = self.store.get(newest_id) if newest_id is not None else None
        newest_created = parse_datetime(newest.created or "") if newest is not None else None
        if modified and newest_created is not None and min(modified) > newest_created:
            self.crawler.stats.set_value(keys.SITEMAP_OVERRUN, 1)
            self.logger.warning(
                "News sitemap window overrun: its oldest entry was modified %s, after the newest "
                "stored article %s was created; paging back through the listings",
                min(modified).isoformat(),
                newest_id,
            )

    def parse_listing(self, response: Response, path: str, page: int) -> Iterator[scrapy.Request]:
        if self.listing_pages_on(response, page):
            yield self.listing_request(path, page + 1)
        yield from self.follow_articles(response, "listing")

    def parse_label_listing(
        self, response: Response, label: str, page: int
    ) -> Iterator[scrapy.Request]:
        if self.listing_pages_on(response, page):
            yield self.label_fragment_request(label, page + 1)
        yield from self.follow_articles(response, "listing")

    def listing_pages_on(self, response: Response, page: int) -> bool:
        """Whether to fetch the next page: items left, pages left, and no stored article met yet.

        Listings run newest first, so once a page holds an article the store knows, every later
        page holds older, known ones.
        """
        items = [urls.news_id(response.urljoin(href)) for href in self.listing_items(response)]
        items = [news_id for news_id in items if news_id]
        self.crawler.stats.inc_value(keys.LISTING_LINKS, len(items))
        if not items or page >= self.max_pages:
            return False
        return self.walks_everything or not any(self.is_known(news_id) for news_id in items)

    def listing_items(self, response: Response) -> list[str]:
        if not hasattr(response, "xpath"):
            return []
        return response.xpath(css.LISTING_ITEMS).getall()

    def parse_article(self, response: Response) -> Iterator[Article | scrapy.Request]:
        # Every article page tried, answered or lost for good (`request_failed`): the health
        # check's denominator for "yielded no valid record".
        self.crawler.stats.inc_value(keys.ARTICLES_ATTEMPTED)
        if not response.body.strip() or not is_html(response):
            # A PDF, an image or an empty 200 where an article should be.
            reason = "empty" if not response.body.strip() else "not_html"
            self.crawler.stats.inc_value(keys.dropped(reason))
            self.logger.warning("Dropped %s: %s", response.url, reason.replace("_", " "))
            return
        yield from self.follow_articles(response, "related")
        if not is_article_page(response):
            self.crawler.stats.inc_value(keys.SKIPPED_NOT_ARTICLE)
            return
        self.crawler.stats.inc_value(keys.ARTICLES_PARSED)
        yield extract_article(response, self.crawler.stats)

    def request_failed(self, failure: Failure) -> None:
        """Count a request that failed for good (after Scrapy's retries), by reason."""
        self.count_loss(failure.request, failure_reason(failure))

    def request_dropped(self, request: scrapy.Request) -> None:
        """A redirect back to a request of its own chain (the same URL, or the same article under
        another slug) is a loop: the duplicate filter drops it without a word, so it is counted
        here. Other dropped duplicates were fetched under another URL: no loss."""
        chain = request.meta.get("redirect_urls", ())
        fingerprint = self.crawler.request_fingerprinter.fingerprint
        visited = {fingerprint(request.replace(url=url)) for url in chain}
        if fingerprint(request) in visited:
            self.count_loss(request, "redirect")

    def count_loss(self, request: scrapy.Request, reason: str) -> None:
        """A lost article (its id known from the link) under `newsbot/dropped/<reason>`; a lost
        listing, or a link that named no article, under `newsbot/discovery/failed/<reason>`."""
        link = request.meta.get("redirect_urls", [request.url])[0]
        if request.callback == self.parse_article and urls.news_id(link):
            self.crawler.stats.inc_value(keys.ARTICLES_ATTEMPTED)
            self.crawler.stats.inc_value(keys.dropped(reason))
        else:
            self.crawler.stats.inc_value(keys.discovery_failed(reason))
        self.logger.info("Lost %s: %s", link, reason)

    def follow_articles(self, response: Response, origin: str) -> Iterator[scrapy.Request]:
        """Requests for the article links on a page (listing items, sidebars, ALSO READ) that are
        worth fetching."""
        if not hasattr(response, "css"):  # not HTML: nothing to follow
            return
        for href in response.css(css.LINKS).getall():
            url = self.followable(urls.onto_base(response.urljoin(href.strip()), self.base_url))
            if url is not None and (request := self.article_request(url)):
                self.crawler.stats.inc_value(keys.discovery_requests(origin))
                yield request

    def followable(self, url: str) -> str | None:
        """The URL to request for a link, or None when it is not an article worth fetching."""
        if urls.origin(url) != urls.origin(self.base_url):
            return None  # another site's link (SameOriginMiddleware guards redirects too)
        news_id = urls.news_id(url)
        if news_id is not None:
            # `?amp` and tracking parameters name the same article as the desktop page.
            return urls.desktop_url(url) if self.wants(news_id) else None
        # Legacy `/Home/Detail/<GUID>` links name no id: only a run that walks everything
        # follows them, or an unchanged re-run would fetch them every time.
        if self.walks_everything and urls.is_legacy_article_url(url):
            return url
        return None

    def article_request(self, url: str, news_id: str | None = None) -> scrapy.Request | None:
        """A request for an article page, once per id per run, within NEWSBOT_MAX_ARTICLES."""
        key = news_id or urls.news_id(url) or url
        if key in self.requested:
            return None
        if len(self.requested) >= self.article_budget:
            self.crawler.stats.inc_value(keys.OVER_BUDGET)
            return None
        self.requested.add(key)
        return scrapy.Request(url, callback=self.parse_article, errback=self.request_failed)
