"""The `devdiscourse` spider: discover article URLs, fetch what is new or changed, extract it.

Discovery follows how the site works (docs/site.md §3, §8; the rules are newsbot/discovery.py):
- `/api/Search/GetAllNews`, every published article newest created first, when robots.txt allows
  it: an ordinary run pages it back until it meets the store (and through any gap an earlier run
  left), and requests each new article at its labelled URL straight away;
- the Google News sitemap: new articles and exact modification times of the last 36-60 hours;
- listings ordered by modification, for updates of older articles: `/news-analysis`'s fragments
  (relative times), `/devdiscourse-stories` (order against the store), and page 1 of each label's
  fragment (`region=Global Edition`: an empty region answers nothing);
- when GetAllNews is disallowed, fails or changes shape, `/pti-stories` and `/AgencyWire` (by
  creation) stand in for it, paged back while new: counted and logged once.
An article is fetched when its id is unknown, or when a source says it was modified after what
the store holds; `-a full=1` fetches everything it finds. A live blog's record is completed by
its updates, read from the updates API after its page (newsbot/liveblog.py); the news sitemap's
lastmod and `/news-analysis` follow its updates, so a live blog that gained some is fetched
again like any modified article. Links on article pages (sidebars,
ALSO READ, the story's own links) are not followed: they name articles the sources above list
anyway, or old ones outside this run's reach, so on an ordinary run they are only revisits.
Extraction is newsbot/extract.py.
"""

import re
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import scrapy
from lxml import etree
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.sitemap import Sitemap
from twisted.python.failure import Failure

from newsbot import statkeys as keys
from newsbot import urls
from newsbot.arguments import parse_arguments
from newsbot.backfill import MISSING_STATUSES, Backfill, IdWalk, backfill_batch, plain_path
from newsbot.discovery import (
    AllNewsItem,
    AllNewsWalk,
    Gap,
    HeldPages,
    ListingItem,
    ListingWalk,
    Order,
    ShapeChanged,
    Stored,
    read_all_news,
    relative_span,
    server_time,
)
from newsbot.extract import Page, extract_article, stated_url
from newsbot.failures import failure_reason, is_html
from newsbot.items import LIVE_BLOG, Article
from newsbot.layouts import LISTING_LAYOUTS
from newsbot.liveblog import SUB_BLOGS, UpdatesWalk, read_updates
from newsbot.newsids import NewsIdSet
from newsbot.processors import IST, parse_datetime
from newsbot.shared import SharedBackfill
from newsbot.state import RunState
from newsbot.store import SeenStore

NEWS_SITEMAP = "/RSS/GoogleNews"
ALL_NEWS = "/api/Search/GetAllNews/{page}"
ALL_NEWS_RE = re.compile(r"^/api/Search/GetAllNews/(?P<page>\d+)$")
# The sitemap holds at most 500 entries, created since 12:00 IST two days before today; two old
# articles sort in by their own (old) modification before the cut, so they show only when fewer
# than 500 newer exist, and say nothing about the window (docs/site.md §3).
SITEMAP_CAP = 500
SITEMAP_START = (2, 12)  # days before today, hour (IST)
PINNED_SITEMAP_IDS = frozenset({809210, 806669})
# The region the fragments are asked for: the edition a client without a cookie sees.
REGION = quote("Global Edition")
# Page 1 of `/news-analysis` is drawn from 2 days and later pages from 15 (docs/site.md §3).
ANALYSIS_PAGE_SIZE = 25
# GetAllNews's later pages are left to `/news-analysis` only for a last run this recent: a day
# inside its window, which the site may count in whole days.
ANALYSIS_REACH = timedelta(days=14)
# A failing GetAllNews is not worth three retries: the run falls back, and a 5xx answer retried
# three times would weigh on the health check's 5xx share.
ALL_NEWS_RETRIES = 1
MARK_GAP = "allnews_gap"
MARK_SINCE = "listings_since"


@dataclass(frozen=True)
class Listing:
    """An HTML listing: its name, the URL of page N, and how it is ordered."""

    name: str
    page_path: str
    order: Order

    def path(self, page: int) -> str:
        return self.page_path.format(page=page)


PTI_STORIES = Listing("/pti-stories", "/pti-stories?page={page}", Order.CREATED)
AGENCY_WIRE = Listing("/AgencyWire", "/AgencyWire?page={page}", Order.CREATED)
# Its pager links /pti-stories by mistake (docs/site.md §3): page URLs are built here.
NEWS_DESK = Listing("/devdiscourse-stories", "/devdiscourse-stories?page={page}", Order.MODIFIED)
NEWS_ANALYSIS = Listing(
    "/news-analysis",
    f"/AgencyWire/GetNewsAnalysisItems?region={REGION}&type=&page={{page}}",
    Order.MODIFIED,
)

# A label's items come as HTML fragments from this endpoint (`/stories/<label>` shows only 5).
LABEL_FRAGMENTS = "/Home/GetNewsItems"


def label_listing(label: str) -> Listing:
    """A label's fragment, page 1 included: `/stories/<label>` itself shows only 5 items."""
    query = f"sector=&region={REGION}&country=&tag=&page={{page}}&cat=&label={quote(label)}"
    return Listing(f"/stories/{label}", f"{LABEL_FRAGMENTS}?{query}", Order.DAY_THEN_RANKING)


def listing_of(path: str, query: dict[str, list[str]]) -> Listing | None:
    """The listing a page at `path` (with `query`) belongs to: the page itself or a fragment of
    it; None for no listing. For `scrapy parse`, which names a page, not a callback."""
    for listing in (PTI_STORIES, AGENCY_WIRE, NEWS_DESK, NEWS_ANALYSIS):
        if path in (listing.name, urlsplit(listing.page_path).path):
            return listing
    label = path.removeprefix("/stories/") if path.startswith("/stories/") else ""
    if path == LABEL_FRAGMENTS:
        label = query.get("label", [""])[0]
    return label_listing(label) if urls.LABEL_RE.match(label) else None


class DevdiscourseSpider(scrapy.Spider):
    name = "devdiscourse"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.arguments = parse_arguments(kwargs)
        self.base_url = self.arguments.base_url
        self.max_pages = self.arguments.max_pages
        self.store: SeenStore | None = None
        # Ids requested in this run: each once, and no more than the budget; and those answered
        # (or lost for good) so far. Bits, not a set: memory flat in the run's length.
        self.requested = NewsIdSet()
        self.answered = NewsIdSet()
        self.article_budget = 0
        # A full re-crawl, or a first run (nothing stored): every source walked to max_pages.
        self.walks_everything = True
        self.all_news = AllNewsWalk(gap=None, floor=None, walks_everything=True)
        # When the last finished run began (server time): listings are read back to it.
        self.since: datetime | None = None
        # Ids whose modification time the news sitemap stated.
        self.announced: set[str] = set()
        # Why the run discovers without GetAllNews, once it does.
        self.fallen_back: str | None = None
        # GetAllNews's later pages, held for `/news-analysis` (an ordinary run without a gap).
        self.held: HeldPages | None = None
        # The server's clock when this run's first page came, and whether the run got to its
        # end with every modification-ordered listing read: what the next run reads back to.
        self.began: datetime | None = None
        self.listings_read_back: datetime | None = None
        self.listing_failed = False
        # When the site served each article page (news id -> ISO time, its clock): the store
        # keeps it with the revision (RunState.served).
        self.served: dict[str, str] = {}
        # A walk the article budget cut short, or articles it refused: the next run reads the
        # listings back to where this one's reading began, not to this run's start.
        self.cut_short = False
        self.finished = False
        self.robots = None
        # A backfill's job (newsbot/backfill.py): no discovery, exactly its ids.
        self.backfill: Backfill | None = None
        self.since_walk = IdWalk()

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        # Here, not in start(): `scrapy parse` replaces start() and still follows links.
        spider.article_budget = crawler.settings.getint("NEWSBOT_MAX_ARTICLES")
        spider.since_walk.batch = backfill_batch(crawler.settings)
        crawler.signals.connect(spider.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(spider.robots_parsed, signal=signals.robots_parsed)
        crawler.signals.connect(spider.idle, signal=signals.spider_idle)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        state = self.crawler.get_extension(RunState)
        self.store = state.store if state is not None else None
        self.served = state.served if state is not None else {}
        if state is not None and state.backfill is not None:
            self.backfill = state.backfill
            if self.arguments.since is not None:
                yield self.since_page(1)
                return
            async for request in self.backfill_requests(self.backfill):
                yield request
            return
        self.walks_everything = (
            self.arguments.full or self.store is None or self.store.newest_id() is None
        )
        marks = self.store.marks() if self.store is not None else {}
        floor = self.newest_stored_creation()
        self.all_news = AllNewsWalk(
            gap=Gap.parse(marks.get(MARK_GAP)), floor=floor, walks_everything=self.walks_everything
        )
        if not self.walks_everything:
            # A store kept before the mark existed: the last run began after its newest article
            # was created, so reading back to that creation reads back far enough.
            self.since = _moment(marks.get(MARK_SINCE)) or floor
            if self.since is not None and self.all_news.gap is None:
                self.held = HeldPages(self.since)
        if state is not None:
            state.marks_source = self.final_marks
        yield scrapy.Request(
            self.site_url(NEWS_SITEMAP), callback=self.parse_sitemap, errback=self.sitemap_failed
        )
        yield self.all_news_request(1)
        yield self.listing_request(NEWS_DESK, 1, self.walk(NEWS_DESK))

    async def backfill_requests(self, job: Backfill) -> AsyncIterator[scrapy.Request]:
        """The ids the job has left, newest first, a batch at a time: the next batch only once
        the scheduler has handed out the last, so it never holds more than one batch (a range
        may be millions of ids; Scrapy's engine would otherwise take all of start() at once)."""
        batch = backfill_batch(self.crawler.settings)
        for count, news_id in enumerate(job.left(), 1):
            yield self.backfill_request(job, news_id)
            if count % batch == 0:
                await self.crawler.signals.wait_for(signals.scheduler_empty)

    def backfill_request(self, job: Backfill, news_id: int, check: bool = False) -> scrapy.Request:
        """`check`: the plain form, for an id the short form called missing (newsbot/backfill.py).
        Not through the duplicate filter: each id comes once (from the store's progress), and
        the filter would keep millions of fingerprints."""
        self.crawler.stats.inc_value(keys.BACKFILL_REQUESTED)
        path = plain_path(news_id) if check else job.path(news_id)
        return scrapy.Request(
            self.site_url(path),
            callback=self.parse_article,
            errback=self.backfill_failed,
            dont_filter=True,
            meta={"news_id": str(news_id), "backfill": "check" if check else "range"},
        )

    def backfill_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        """An id lost for good: missing when the site says there is no such article (checked in
        the plain form while the short form has not proven itself), else a loss the next run
        retries."""
        job, request = self.backfill, failure.request
        assert job is not None
        news_id = int(request.meta["news_id"])
        status = failure.value.response.status if failure.check(HttpError) else None
        if status not in MISSING_STATUSES:
            self.request_failed(failure)
            job.fail(news_id)
            yield from self.since_walked(news_id)
            return
        if request.meta["backfill"] == "range" and not (job.plain_form or job.short_form_served):
            self.crawler.stats.inc_value(keys.BACKFILL_CHECKED_PLAIN)
            yield self.backfill_request(job, news_id, check=True)
            return
        if status >= 500:
            answers = request.meta.get("retry_times", 0) + 1
            self.crawler.stats.inc_value(keys.BACKFILL_MISSING_5XX, answers)
        job.settle(news_id, missing=True)
        yield from self.since_walked(news_id)

    # -- a backfill by creation time (`-a since=…`) ----------------------------------------------

    def since_page(self, page: int) -> scrapy.Request:
        """A page of GetAllNews (docs/site.md §3): every article, newest created first, with its
        label; pages are asked for one after another, after the articles already found."""
        return scrapy.Request(
            self.site_url(ALL_NEWS.format(page=page)),
            callback=self.parse_since,
            errback=self.since_failed,
            cb_kwargs={"page": page},
            priority=-1,
            meta={"max_retry_times": ALL_NEWS_RETRIES},
        )

    def parse_since(self, response: Response, page: int) -> Iterator[scrapy.Request]:
        """Each article created since the moment, at its labelled URL (one request, no
        redirect), unless the job settled it; the next page while none is older."""
        job, since = self.backfill, self.arguments.since
        assert job is not None and since is not None
        try:
            items = read_all_news(response.body)
        except ShapeChanged as error:
            yield from self.since_by_ids("api_shape", f"{response.url} changed shape: {error}")
            return
        self.crawler.stats.inc_value(keys.ALLNEWS_ITEMS, len(items))
        newer = [item for item in items if item.created >= since]
        ids = [int(item.news_id) for item in newer]
        settled = job.store.settled(job.name, min(ids), max(ids)) if ids else set()
        for item in newer:
            news_id = int(item.news_id)
            self.since_walk.floor = min(self.since_walk.floor or news_id, news_id)
            if news_id not in settled:
                self.crawler.stats.inc_value(keys.BACKFILL_REQUESTED)
                yield scrapy.Request(
                    self.all_news_url(item),
                    callback=self.parse_article,
                    errback=self.backfill_failed,
                    dont_filter=True,
                    meta={"news_id": item.news_id, "backfill": "listed"},
                )
        if items and len(newer) == len(items):
            yield self.since_page(page + 1)

    def since_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        if failure.check(IgnoreRequest) and self.disallowed(failure.request.url):
            yield from self.since_by_ids("api_disallowed", "robots.txt disallows it")
            return
        self.count_loss(failure.request, failure_reason(failure))
        yield from self.since_by_ids("api_failed", f"{failure.request.url}: {failure.value}")

    def since_by_ids(self, reason: str, why: str) -> Iterator[scrapy.Request]:
        """Without GetAllNews: ids walked downward, from below the last one it listed (else
        from the newest stored), until an article older than the moment comes back."""
        self.crawler.stats.inc_value(keys.fallback(reason))
        walk = self.since_walk
        start = walk.floor - 1 if walk.floor else (self.store.newest_id() if self.store else None)
        if start is None:
            self.logger.error(
                "Not using GetAllNews (%s), and no article stored to walk ids down from:"
                " run a cron run first, or give ids=LOW-HIGH",
                why,
            )
            return
        self.logger.warning("Not using GetAllNews (%s): walking ids down from %d", why, start)
        walk.next_id = start
        yield from self.since_batch()

    def since_batch(self) -> Iterator[scrapy.Request]:
        """The next batch of ids of the walk, once the last one is all answered."""
        job, walk = self.backfill, self.since_walk
        assert job is not None
        if walk.outstanding or walk.older or walk.next_id is None:
            return
        settled = job.store.settled(job.name, walk.next_id - walk.batch + 1, walk.next_id)
        for news_id in range(walk.next_id, walk.next_id - walk.batch, -1):
            if news_id > 0 and news_id not in settled:
                walk.outstanding.add(news_id)
                yield self.backfill_request(job, news_id)
        walk.next_id -= walk.batch
        if walk.next_id <= 0:
            walk.next_id = None

    def since_walked(
        self, news_id: int, created: datetime | None = None
    ) -> Iterator[scrapy.Request]:
        """An id of the walk answered: older than the moment, the walk stops there."""
        walk, since = self.since_walk, self.arguments.since
        if news_id not in walk.outstanding or since is None:
            return
        walk.outstanding.discard(news_id)
        if created is not None and created < since:
            walk.older = True
        yield from self.since_batch()

    def backfill_answered(self, response: Response, article: bool) -> Iterator[scrapy.Request]:
        """What a page under the short or the plain form says about the short form."""
        job = self.backfill
        assert job is not None
        kind = response.meta.get("backfill")
        if article and kind == "range" and not job.plain_form:
            job.short_form_served = True
        elif article and kind == "check" and not job.plain_form:
            job.plain_form = True
            self.crawler.stats.set_value(keys.BACKFILL_PLAIN_FORM, 1)
            self.logger.warning(
                "%s is served under the plain form but was missing under the short one:"
                " requesting %s from now on",
                response.meta["news_id"],
                plain_path(int(response.meta["news_id"])),
            )
        elif not article and kind == "range" and not (job.plain_form or job.short_form_served):
            # The short form answered something other than an article: ask the plain one.
            self.crawler.stats.inc_value(keys.BACKFILL_CHECKED_PLAIN)
            yield self.backfill_request(job, int(response.meta["news_id"]), check=True)

    def after_sitemap(self) -> Iterator[scrapy.Request]:
        """The listings with relative times, once the sitemap's exact times are known."""
        yield self.listing_request(NEWS_ANALYSIS, 1, self.walk(NEWS_ANALYSIS))
        for label in self.arguments.sections:
            listing = label_listing(label)
            yield self.listing_request(listing, 1, self.walk(listing))

    # -- what the store knows ---------------------------------------------------------------------

    def stored(self, news_id: str) -> Stored | None:
        """What the store holds for an article (None: unknown; everything is, under `full=1`)."""
        if self.arguments.full or self.store is None:
            return None
        row = self.store.get(news_id)
        updated = parse_datetime(row.updated) if row is not None else None
        if updated is None:
            return None
        return Stored(updated, _moment(row.served))

    def is_known(self, news_id: str) -> bool:
        return self.stored(news_id) is not None

    def newest_stored_creation(self) -> datetime | None:
        newest_id = self.store.newest_id() if self.store is not None else None
        newest = self.store.get(newest_id) if newest_id is not None else None
        return parse_datetime(newest.created or "") if newest is not None else None

    def wants(self, news_id: str, lastmod: datetime | None = None) -> bool:
        """Fetch an article unless the store has it and no later modification is announced.

        `lastmod` is compared to the minute: the byline, which `updated` comes from, has none.
        """
        stored = self.stored(news_id)
        if stored is None:
            return True
        if lastmod is None:
            return False
        minute = lastmod.replace(second=0, microsecond=0)
        return minute > stored.updated.replace(second=0, microsecond=0)

    # -- requests --------------------------------------------------------------------------------

    def site_url(self, path: str) -> str:
        return self.base_url + path

    def all_news_request(self, page: int) -> scrapy.Request:
        return scrapy.Request(
            self.site_url(ALL_NEWS.format(page=page)),
            callback=self.parse_all_news,
            errback=self.all_news_failed,
            cb_kwargs={"page": page},
            # Deeper pages wait for the articles already found: the queue stays short.
            priority=0 if page == 1 else -1,
            meta={"max_retry_times": ALL_NEWS_RETRIES},
        )

    def walk(self, listing: Listing) -> ListingWalk:
        return ListingWalk(
            listing.order,
            lookup=self.stored,
            since=self.since,
            announced=frozenset(self.announced),
            everything=self.walks_everything,
        )

    def listing_request(self, listing: Listing, page: int, walk: ListingWalk) -> scrapy.Request:
        return scrapy.Request(
            self.site_url(listing.path(page)),
            callback=self.parse_listing,
            errback=self.listing_failed_for_good,
            cb_kwargs={"listing": listing, "page": page, "walk": walk},
            priority=0 if page == 1 else -1,
        )

    def budget_left(self) -> bool:
        return len(self.requested) < self.article_budget

    def article_request(self, url: str, news_id: str, origin: str) -> scrapy.Request | None:
        """A request for an article page, once per id per run, within NEWSBOT_MAX_ARTICLES."""
        if news_id in self.requested:
            return None
        if not self.budget_left():
            self.crawler.stats.inc_value(keys.OVER_BUDGET)
            self.cut_short = True
            return None
        self.requested.add(news_id)
        self.crawler.stats.inc_value(keys.discovery_requests(origin))
        return scrapy.Request(
            url, callback=self.parse_article, errback=self.request_failed, meta={"news_id": news_id}
        )

    def listed_article_request(self, item: ListingItem) -> scrapy.Request | None:
        return self.article_request(urls.requestable_url(item.url), item.news_id, "listing")

    def note_server_time(self, response: Response) -> datetime:
        """The server's clock for this response (ours if it sent none)."""
        moment = server_time(response.headers.get("Date")) or datetime.now(UTC)
        self.began = moment if self.began is None else min(self.began, moment)
        return moment

    # -- callbacks -------------------------------------------------------------------------------

    def parse(self, response: Response, **kwargs: Any) -> Iterable[Article | scrapy.Request]:
        """The callback for a page requested without one (`scrapy parse <URL>` without `-c`):
        the one the crawl itself would use for that kind of URL."""
        parts = urlsplit(response.url)
        path, query = parts.path, parse_qs(parts.query)
        pages = query.get("page", ["1"])
        page = int(pages[0]) if pages[0].isdigit() else 1
        if urls.news_id(response.url):
            return self.parse_article(response)
        if path.lower() == NEWS_SITEMAP.lower():  # the site matches it in any case
            return self.parse_sitemap(response)
        if match := ALL_NEWS_RE.match(path):
            return self.parse_all_news(response, page=int(match["page"]))
        if (listing := listing_of(path, query)) is not None:
            return self.parse_listing(response, listing=listing, page=page, walk=self.walk(listing))
        self.logger.warning("No callback for %s: not an article, listing or sitemap", response.url)
        return ()

    # -- the news sitemap ------------------------------------------------------------------------

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        now = self.note_server_time(response)
        entries = self.sitemap_entries(response)
        self.crawler.stats.inc_value(keys.SITEMAP_ENTRIES, len(entries))
        modified = []
        for entry in entries:
            url = urls.onto_base(response.urljoin(entry.get("loc", "")), self.base_url)
            news_id = urls.news_id(url)
            if news_id is None:
                continue
            lastmod = parse_datetime(entry.get("lastmod") or "")
            if lastmod is not None:
                self.announced.add(news_id)
                if int(news_id) not in PINNED_SITEMAP_IDS:
                    modified.append(lastmod)
            if self.wants(news_id, lastmod) and (
                request := self.article_request(urls.requestable_url(url), news_id, "sitemap")
            ):
                yield request
        self.check_sitemap_window(modified, len(entries), now)
        yield from self.after_sitemap()

    def sitemap_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        self.request_failed(failure)
        yield from self.after_sitemap()

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

    def check_sitemap_window(self, modified: list[datetime], count: int, now: datetime) -> None:
        """Notice when the sitemap no longer reaches back to the newest stored article.

        It lists articles created since 12:00 IST two days before today, newest modified first,
        cut to 500. A new article (created after the newest stored one) is missing from it if it
        was created before that window opened, or, when the cut was reached, if it was last
        modified before the oldest entry left. New articles then come from GetAllNews, or from
        the creation-ordered listings paged back while new; this makes the overrun visible.
        """
        floor = self.all_news.floor
        if floor is None:
            return
        today = now.astimezone(IST).date() - timedelta(days=SITEMAP_START[0])
        covered = datetime(today.year, today.month, today.day, SITEMAP_START[1], tzinfo=IST)
        if count >= SITEMAP_CAP and modified:
            covered = max(covered, min(modified))
        if covered > floor:
            self.crawler.stats.set_value(keys.SITEMAP_OVERRUN, 1)
            self.logger.warning(
                "News sitemap window overrun: it covers articles since %s, after the newest "
                "stored article was created (%s); new articles come from %s",
                covered.isoformat(),
                floor.isoformat(),
                "the listings, paged back" if self.fallen_back else "GetAllNews",
            )

    # -- the complete listing: GetAllNews ----------------------------------------------------------

    def parse_all_news(self, response: Response, page: int) -> Iterator[scrapy.Request]:
        now = self.note_server_time(response)
        try:
            items = read_all_news(response.body)
        except ShapeChanged as error:
            yield from self.fall_back("api_shape", f"{response.url} changed shape: {error}", page)
            return
        self.crawler.stats.inc_value(keys.ALLNEWS_ITEMS, len(items))
        walk, met_store = self.all_news, False
        for item in items:
            if self.is_known(item.news_id):
                met_store = True
            elif not self.budget_left() and item.news_id not in self.requested:
                self.crawler.stats.inc_value(keys.OVER_BUDGET)
                self.cut_short = True
                walk.stop_at(item.created)
                break
            else:
                request = self.article_request(self.all_news_url(item), item.news_id, "allnews")
                if request is not None:
                    yield request
                if item.news_id not in self.answered:  # by whichever source asked for it
                    walk.pending[item.news_id] = item.created
            walk.reached = item.created
        more = walk.pages_on(items, met_store)
        held = self.held
        if more and held is not None and page == 1 and now - held.since < ANALYSIS_REACH:
            held.hold(page + 1, items)
            yield from self.release_held()
        elif more and (not self.walks_everything or page < self.max_pages):
            yield self.all_news_request(page + 1)
        else:
            walk.finished = walk.stopped_at is None

    def release_held(self) -> Iterator[scrapy.Request]:
        """Once both GetAllNews's page 1 and the walk down `/news-analysis` are read: leave the
        later pages unread if the walk listed what page 1 showed, else page on the plain way."""
        held = self.held
        covered = held.covered(self.is_known) if held is not None else None
        if held is None or covered is None or held.page is None:
            return
        self.held = None
        if covered:
            self.crawler.stats.inc_value(keys.ALLNEWS_LEFT_TO_ANALYSIS)
            self.all_news.finished = self.all_news.stopped_at is None
            return
        self.crawler.stats.inc_value(keys.ALLNEWS_PAGED_ON)
        yield self.all_news_request(held.page)

    def all_news_url(self, item: AllNewsItem) -> str:
        """The labelled URL, so that the site need not redirect (no label: `agency-wire`)."""
        return self.site_url(urls.article_path(item.news_id, item.label, item.title))

    def all_news_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        page = failure.request.cb_kwargs["page"]
        if failure.check(IgnoreRequest) and self.disallowed(failure.request.url):
            yield from self.fall_back("api_disallowed", "robots.txt disallows it", page)
            return
        self.count_loss(failure.request, failure_reason(failure))
        yield from self.fall_back("api_failed", f"{failure.request.url}: {failure.value}", page)

    def robots_parsed(self, robotparser, request) -> None:
        """Scrapy's RobotsTxtMiddleware parsed robots.txt: keep its parser to tell why a request
        was refused."""
        self.robots = robotparser

    def disallowed(self, url: str) -> bool:
        settings = self.crawler.settings
        agent = settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT")
        return self.robots is not None and not self.robots.allowed(url, agent)

    def fall_back(self, reason: str, why: str, page: int) -> Iterator[scrapy.Request]:
        """Discover without GetAllNews: the sitemap and the listings by creation stand in."""
        if page > 1:
            self.all_news.stop_at(self.all_news.reached)
        self.crawler.stats.inc_value(keys.fallback(reason))
        if self.fallen_back is not None:
            return
        self.fallen_back = reason
        log = self.logger.info if reason == "api_disallowed" else self.logger.warning
        log("Not using GetAllNews (%s): discovering from the sitemap and the HTML listings", why)
        for listing in (PTI_STORIES, AGENCY_WIRE):
            yield self.listing_request(listing, 1, self.walk(listing))

    # -- HTML listings ---------------------------------------------------------------------------

    def parse_listing(
        self, response: Response, listing: Listing, page: int, walk: ListingWalk
    ) -> Iterator[scrapy.Request]:
        now = self.note_server_time(response)
        items = self.listing_items(response, now)
        self.crawler.stats.inc_value(keys.LISTING_LINKS, len(items))
        disagreed, ruled_out = walk.disagreed, walk.ruled_out
        wanted, more = walk.consider(items)
        if walk.disagreed > disagreed:
            self.crawler.stats.inc_value(keys.LISTING_TIME_DISAGREES, walk.disagreed - disagreed)
        if walk.ruled_out > ruled_out:
            self.crawler.stats.inc_value(keys.LISTING_RULED_OUT, walk.ruled_out - ruled_out)
        for item in wanted:
            if self.is_known(item.news_id):
                self.crawler.stats.inc_value(keys.LISTING_CHANGED)
            request = self.listed_article_request(item)
            if request is not None:
                yield request
        yield from self.probe(walk)
        if listing is NEWS_ANALYSIS and page == 1 and len(items) >= ANALYSIS_PAGE_SIZE:
            self.read_analysis_back_to(items[-1])
        if more and self.walks_everything:
            if page < self.max_pages:
                yield self.listing_request(listing, page + 1, walk)
            return
        if more and self.budget_left():
            # As deep as the site changed since the last run: a page per 20-40 changes.
            yield self.listing_request(listing, page + 1, walk)
            return
        if more:
            self.cut_short = True
            self.crawler.stats.inc_value(keys.LISTING_CUT)
            self.logger.info(
                "%s read to page %d: the article budget is spent; the next run reads on",
                listing.name,
                page,
            )
        if listing is NEWS_ANALYSIS and self.held is not None:
            # Read back to the last run, or cut short of it.
            self.held.walk_ended(None if more else walk.listed)
            yield from self.release_held()

    def read_analysis_back_to(self, last: ListingItem) -> None:
        """Page 1 of `/news-analysis` is drawn from 2 days, later pages from 15: what would be
        the first 25 of those 15 days shows on no page. The next run reads back to page 1's last
        item, by when those have moved below the 25th place."""
        if last.modified is not None:
            self.listings_read_back = last.modified.earliest

    def listing_items(self, response: Response, now: datetime) -> list[ListingItem]:
        """The listing's own items (not its sidebars'), in either item markup, with the times
        they show; links to other sites or to no article are left out."""
        if not isinstance(response, TextResponse):
            return []
        root = response.selector.root
        for layout in LISTING_LAYOUTS:
            if nodes := layout.ITEMS(root):
                break
        else:
            return []
        items = []
        for node in nodes:
            href = next(iter(layout.LINK(node)), "").strip()
            url = urls.onto_base(response.urljoin(href), self.base_url) if href else ""
            news_id = urls.news_id(url)
            if news_id is None or urls.origin(url) != urls.origin(self.base_url):
                continue
            time = " ".join("".join(layout.TIME(node)).split())
            items.append(ListingItem(news_id, url, relative_span(time, now) if time else None))
        return items

    def listing_failed_for_good(self, failure: Failure) -> Iterator[scrapy.Request]:
        listing = failure.request.cb_kwargs["listing"]
        if listing.order is not Order.CREATED:
            self.listing_failed = True  # the next run reads it back further
        self.request_failed(failure)
        if listing is NEWS_ANALYSIS and self.held is not None:
            self.held.walk_ended(None)
            yield from self.release_held()

    # -- articles --------------------------------------------------------------------------------

    def parse_article(self, response: Response) -> Iterator[Article | scrapy.Request]:
        # Every article page tried, answered or lost for good (`request_failed`): the health
        # check's denominator for "yielded no valid record".
        self.crawler.stats.inc_value(keys.ARTICLES_ATTEMPTED)
        # Parsed once, here: the backfill's check and the extraction read the same Page.
        page = Page(response) if response.body.strip() and is_html(response) else None
        if self.backfill is not None:
            # The page must state the id asked for: a short form that answered with some other
            # page would otherwise pass for one that works.
            stated = urls.news_id(stated_url(page.head) or "") if page is not None else None
            if checks := list(self.backfill_answered(response, stated == response.meta["news_id"])):
                yield from checks  # the plain form decides
                return
        else:
            news_id = response.meta.get("news_id", "")
            self.article_answered(news_id)
            # Not in a backfill, which pages no listing (and would hold one per id of its range).
            if news_id and (served := server_time(response.headers.get("Date"))) is not None:
                self.served[news_id] = served.isoformat()
        if page is None:
            # A PDF, an image or an empty 200 where an article should be.
            reason = "empty" if not response.body.strip() else "not_html"
            self.crawler.stats.inc_value(keys.dropped(reason))
            self.logger.warning("Dropped %s: %s", response.url, reason.replace("_", " "))
            yield from self.backfill_lost(response)
            yield from self.probe_lost(response)
            return
        if not page.is_article:
            self.crawler.stats.inc_value(keys.SKIPPED_NOT_ARTICLE)
            yield from self.backfill_lost(response)
            yield from self.probe_lost(response)
            return
        self.crawler.stats.inc_value(keys.ARTICLES_PARSED)
        article = extract_article(response, self.crawler.stats, page)
        if (walk := response.meta.get("probe")) is not None:
            yield from self.probe_answered(walk, parse_datetime(article.updated or ""))
        if article.kind == LIVE_BLOG and article.id:
            self.crawler.stats.inc_value(keys.LIVEBLOG_PAGES)
            if self.disallowed(self.site_url(SUB_BLOGS.format(news_id=article.id, page=1))):
                # Not asked at all: robots.txt's refusal would count as a download error, one
                # per live blog (found by the month's simulation: a fifth of an hourly run's
                # requests, failing its health check).
                yield self.without_updates(article, "disallowed")
            else:
                walk = UpdatesWalk(self.stored_updates(article.id))
                yield self.updates_request(article, walk, 1)
        else:
            yield article
        if self.since_walk.outstanding:  # walking ids by creation time: when was this one
            created = parse_datetime(article.created or "")
            yield from self.since_walked(int(response.meta["news_id"]), created)

    # -- probes: a held listing item's page, ruling out those below it (ListingWalk) --------------

    def probe(self, walk: ListingWalk) -> Iterator[scrapy.Request]:
        """The middle item the walk holds, fetched unless one is under way already."""
        while (item := walk.next_probe()) is not None:
            if item.news_id in self.requested:  # listed twice, or asked for by another source
                walk.skip()
                continue
            self.crawler.stats.inc_value(keys.LISTING_PROBES)
            request = self.listed_article_request(item)
            if request is not None:
                meta = {**request.meta, "probe": walk}
                yield request.replace(errback=self.probe_failed, meta=meta)
                return
            # Over the budget (the run is cut short): the plain way, which the budget refuses too.
            yield from self.probe_answered(walk, None)

    def probe_answered(
        self, walk: ListingWalk, updated: datetime | None
    ) -> Iterator[scrapy.Request]:
        ruled_out, gave_up = walk.ruled_out, walk.gave_up
        released = walk.probed(updated)
        if walk.ruled_out > ruled_out:
            self.crawler.stats.inc_value(keys.LISTING_RULED_OUT, walk.ruled_out - ruled_out)
        if walk.gave_up > gave_up:
            self.crawler.stats.inc_value(keys.LISTING_PROBES_GAVE_UP)
        for item in released:
            request = self.listed_article_request(item)
            if request is not None:
                yield request
        yield from self.probe(walk)

    def probe_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        self.request_failed(failure)
        yield from self.probe_answered(failure.request.meta["probe"], None)

    def probe_lost(self, response: Response) -> Iterator[scrapy.Request]:
        """A probe that gave no article (an empty page, not an article): the plain way."""
        if (walk := response.meta.get("probe")) is not None:
            yield from self.probe_answered(walk, None)

    def backfill_lost(self, response: Response) -> Iterator[scrapy.Request]:
        """A backfill's id that gave no record this run: the next pass or run tries it again."""
        if self.backfill is not None:
            self.backfill.fail(int(response.meta["news_id"]))
            yield from self.since_walked(int(response.meta["news_id"]))

    # -- live blogs: the updates API -------------------------------------------------------------

    def stored_updates(self, news_id: str) -> list[dict] | None:
        """The updates of the live blog's last publication (None: none, or `full=1`)."""
        if self.arguments.full or self.store is None:
            return None
        row = self.store.get(news_id)
        return row.stored_updates() if row is not None else None

    def updates_request(self, article: Article, walk: UpdatesWalk, page: int) -> scrapy.Request:
        """A page of the live blog's updates. The item waits in the request until its last page:
        a run's pending live blogs are few, and each holds only its own record."""
        self.crawler.stats.inc_value(keys.LIVEBLOG_API_REQUESTS)
        return scrapy.Request(
            self.site_url(SUB_BLOGS.format(news_id=article.id, page=page)),
            callback=self.parse_updates,
            errback=self.updates_failed,
            cb_kwargs={"article": article, "walk": walk, "page": page},
            # Ahead of new pages: the record is done and published sooner, memory stays flat.
            priority=1,
        )

    def parse_updates(
        self, response: Response, article: Article, walk: UpdatesWalk, page: int
    ) -> Iterator[Article | scrapy.Request]:
        try:
            more = walk.consider(read_updates(response.body, article.url or ""))
        except ShapeChanged as error:
            self.logger.warning("Updates of live blog %s unreadable: %s", article.id, error)
            yield self.without_updates(article, "shape")
            return
        if more:
            yield self.updates_request(article, walk, page + 1)
            return
        article.updates = walk.updates()
        yield article

    def updates_failed(self, failure: Failure) -> Iterator[Article]:
        """The updates API refused or failed (after retries): the record is published all the
        same, its `updates` unknown."""
        request = failure.request
        if failure.check(IgnoreRequest) and self.disallowed(request.url):
            reason = "disallowed"
        else:
            reason = failure_reason(failure)
        self.logger.info("Updates of %s not read: %s", request.url, reason)
        yield self.without_updates(request.cb_kwargs["article"], reason)

    def without_updates(self, article: Article, reason: str) -> Article:
        article.updates = None
        self.crawler.stats.inc_value(keys.updates_unknown(reason))
        return article

    def article_answered(self, news_id: str) -> None:
        self.answered.add(news_id)
        self.all_news.answered(news_id)

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
            if self.backfill is None:
                self.article_answered(request.meta.get("news_id", ""))
            self.crawler.stats.inc_value(keys.ARTICLES_ATTEMPTED)
            self.crawler.stats.inc_value(keys.dropped(reason))
        else:
            self.crawler.stats.inc_value(keys.discovery_failed(reason))
        self.logger.info("Lost %s: %s", link, reason)

    # -- what the next run starts from -----------------------------------------------------------

    def idle(self) -> None:
        """Nothing left to fetch: the run reached its end (not a signal, the cap or a crash).

        A worker of a shared backfill first queues again the ids whose lease expired (their
        worker died), stays while other workers hold leases (they may die too), then sweeps
        the range once for ids still left (newsbot/shared.py SharedBackfill.sweep)."""
        job = self.backfill
        if isinstance(job, SharedBackfill) and not self.crawler.stats.get_value(keys.REDIS_LOST):
            if reclaimed := job.reclaim():
                self.crawler.stats.inc_value(keys.BACKFILL_RECLAIMED, len(reclaimed))
                for news_id in reclaimed:
                    self.crawler.engine.crawl(self.backfill_request(job, news_id))
                raise DontCloseSpider
            if job.held_elsewhere():
                raise DontCloseSpider
            swept = job.sweep()
            for news_id in swept or ():
                self.crawler.engine.crawl(self.backfill_request(job, news_id))
            if swept is None or swept:
                raise DontCloseSpider
        self.finished = True

    def final_marks(self) -> dict[str, str | None]:
        """The marks to store with this run's publication (newsbot/state.run_marks)."""
        marks: dict[str, str | None] = {}
        # A file fault (newsbot/filefaults.py) stopped the run, and records of articles it got
        # may be unwritten: nothing this run walked counts as checked.
        faulted = self.crawler.stats.get_value(keys.FILE_FAULT) is not None
        if not self.walks_everything:
            if faulted:
                self.all_news.stop_at(None)
            gap = self.all_news.next_gap()
            marks[MARK_GAP] = gap.text() if gap is not None else None
            if gap is not None:
                self.crawler.stats.set_value(keys.ALLNEWS_GAP, 1)
        complete = not (faulted or self.listing_failed or self.cut_short)
        if self.finished and complete and self.began is not None:
            since = min(filter(None, (self.began, self.listings_read_back)))
            marks[MARK_SINCE] = since.isoformat()
        return marks


def _moment(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None
