"""The `devdiscourse` spider: discover article URLs, fetch each article once, extract it.

Discovery (SITE.md §3): the Google News sitemap, the server-rendered listings of PTI, News Desk
and agency stories, and the `/stories/<label>` listings, paginated up to `max_pages`; article
links on every page (sidebars, ALSO READ) are followed too. Extraction is newsbot/extract.py.
"""

from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response
from scrapy.utils.sitemap import Sitemap

from newsbot import selectors as css
from newsbot import urls
from newsbot.arguments import parse_arguments
from newsbot.extract import extract_article, is_article_page
from newsbot.items import Article

NEWS_SITEMAP = "/RSS/GoogleNews"
# Server-rendered listings with `?page=N` and a `Page X of Y` pager.
PAGED_LISTINGS = ("/pti-stories", "/devdiscourse-stories", "/AgencyWire")
# `/stories/<label>` renders page 1; later pages come as HTML fragments from this endpoint.
LABEL_FRAGMENTS = "/Home/GetNewsItems"


class DevdiscourseSpider(scrapy.Spider):
    name = "devdiscourse"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.arguments = parse_arguments(kwargs)
        self.base_url = self.arguments.base_url
        self.max_pages = self.arguments.max_pages

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(self.site_url(NEWS_SITEMAP), callback=self.parse_sitemap)
        for path in PAGED_LISTINGS:
            yield self.listing_request(path, page=1)
        for label in self.arguments.sections:
            yield scrapy.Request(
                self.site_url(f"/stories/{label}"),
                callback=self.parse_label_listing,
                cb_kwargs={"label": label, "page": 1},
            )

    def site_url(self, path: str) -> str:
        return self.base_url + path

    def listing_request(self, path: str, page: int) -> scrapy.Request:
        return scrapy.Request(
            self.site_url(f"{path}?page={page}"),
            callback=self.parse_listing,
            cb_kwargs={"path": path, "page": page},
        )

    def label_fragment_request(self, label: str, page: int) -> scrapy.Request:
        query = {"sector": "", "region": "", "country": "", "tag": "", "page": page, "cat": ""}
        query["label"] = label
        return scrapy.Request(
            self.site_url(f"{LABEL_FRAGMENTS}?{urlencode(query)}"),
            callback=self.parse_label_listing,
            cb_kwargs={"label": label, "page": page},
        )

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        entries = list(Sitemap(response.body)) if response.body.strip() else []
        self.crawler.stats.inc_value("newsbot/discovery/sitemap_entries", len(entries))
        for entry in entries:
            if request := self.article_request(response, entry.get("loc", "")):
                yield request

    def parse_listing(self, response: Response, path: str, page: int) -> Iterator[scrapy.Request]:
        found = list(self.follow_articles(response, "listing"))
        yield from found
        if found and page < self.max_pages:
            yield self.listing_request(path, page + 1)

    def parse_label_listing(
        self, response: Response, label: str, page: int
    ) -> Iterator[scrapy.Request]:
        found = list(self.follow_articles(response, "listing"))
        yield from found
        if found and page < self.max_pages:
            yield self.label_fragment_request(label, page + 1)

    def parse_article(self, response: Response) -> Iterator[Article | scrapy.Request]:
        yield from self.follow_articles(response, "related")
        if not is_article_page(response):
            self.crawler.stats.inc_value("newsbot/skipped/not_article")
            return
        self.crawler.stats.inc_value("newsbot/articles/parsed")
        yield extract_article(response)

    def follow_articles(self, response: Response, origin: str) -> Iterator[scrapy.Request]:
        """Requests for every article link on a page (listing items, sidebars, ALSO READ)."""
        if not hasattr(response, "css"):  # not HTML: nothing to follow
            return
        for href in response.css(css.LINKS).getall():
            if request := self.article_request(response, href):
                self.crawler.stats.inc_value(f"newsbot/discovery/{origin}_links")
                yield request

    def article_request(self, response: Response, href: str) -> scrapy.Request | None:
        """A request for the desktop page of an article link, on base_url; None for other links."""
        url = urls.onto_base(response.urljoin(href.strip()), self.base_url)
        if urls.is_article_url(url):
            url = urls.desktop_url(url)  # `?amp` and tracking parameters name the same article
        elif not urls.is_legacy_article_url(url):
            return None
        return scrapy.Request(url, callback=self.parse_article)
