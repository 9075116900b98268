"""Discovery decisions (newsbot/discovery.py and the spider), in-process: built responses from the
replica's own pages and a temporary store, no crawl. What the site does comes from docs/site.md and
the replica's ground truth."""

import asyncio
import errno
import math
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, TextResponse
from scrapy.robotstxt import ProtegoRobotParser
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from newsbot import extract, urls
from newsbot import settings as shipped
from newsbot import statkeys as keys
from newsbot.discovery import (
    PROBES_IN_VAIN,
    AllNewsItem,
    AllNewsWalk,
    Gap,
    HeldPages,
    ListingItem,
    ListingWalk,
    Order,
    ShapeChanged,
    Span,
    Stored,
    read_all_news,
    relative_span,
    server_time,
)
from newsbot.extract import read_head
from newsbot.filefaults import FileFault, record_fault
from newsbot.processors import IST
from newsbot.replica import ReplicaSite
from newsbot.replica.routes import handle
from newsbot.spiders.devdiscourse import (
    AGENCY_WIRE,
    NEWS_ANALYSIS,
    NEWS_DESK,
    PTI_STORIES,
    DevdiscourseSpider,
    label_listing,
)
from newsbot.state import RunState
from newsbot.store import StoredArticle

BASE = "http://127.0.0.1:8800"
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"


# -- relative times and the server's clock ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "earliest", "latest"),
    [
        ("0 Seconds ago", timedelta(seconds=1), timedelta(0)),
        ("42 Seconds ago", timedelta(seconds=43), timedelta(seconds=42)),
        ("About a minute ago", timedelta(minutes=2), timedelta(minutes=1)),
        ("About 7 minutes ago", timedelta(minutes=8), timedelta(minutes=7)),
        ("About an hour ago", timedelta(hours=2), timedelta(hours=1)),
        ("About 3 hours ago", timedelta(hours=4), timedelta(hours=3)),
        ("  about   23 hours  ago ", timedelta(hours=24), timedelta(hours=23)),
        ("Yesterday", timedelta(days=2), timedelta(days=1)),
        ("About 3 days ago", timedelta(days=4), timedelta(days=3)),
    ],
)
def test_relative_times_are_whole_units_elapsed(text, earliest, latest):
    assert relative_span(text, NOW) == Span(NOW - earliest, NOW - latest)


def test_a_date_is_that_day_in_ist_or_utc():
    span = relative_span("21 November 2026", NOW)
    assert span.earliest == datetime(2026, 11, 21, tzinfo=IST)
    assert span.latest == datetime(2026, 11, 22, tzinfo=UTC)


@pytest.mark.parametrize("text", ["", "soon", "About many hours ago", "31 Foo 2026", "3 hours"])
def test_other_texts_name_no_time(text):
    assert relative_span(text, NOW) is None


def test_the_replicas_relative_times_fall_in_their_spans():
    from newsbot.replica.text import relative_time

    for age in (0, 59, 60, 61, 3599, 3600, 7199, 7200, 86_399, 86_400, 172_800, 345_599, 400_000):
        moment = NOW - timedelta(seconds=age)
        span = relative_span(relative_time(age, moment), NOW)
        assert span.earliest <= moment <= span.latest, age


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (b"Thu, 26 Nov 2026 10:00:00 GMT", NOW),
        ("Thu, 26 Nov 2026 15:30:00 +0530", NOW),
        (None, None),
        (b"yesterday", None),
    ],
)
def test_server_time_is_the_date_header(header, expected):
    assert server_time(header) == expected


# -- GetAllNews ------------------------------------------------------------------------------------


def test_all_news_items_are_read_with_utc_creation_times():
    body = (
        b'[{"id":"5f1c","title":"A \\u0027quoted\\u0027 title","createdOn":"2026-11-26T09:58:12",'
        b'"imageUrl":null,"newId":3992443,"label":"politics","country":"India"},'
        b'{"id":"5f1d","title":"B","createdOn":"2026-11-26T09:57:01.5166667","imageUrl":null,'
        b'"newId":3992441,"label":null,"country":null}]'
    )
    assert read_all_news(body) == [
        AllNewsItem(
            "3992443", "politics", "A 'quoted' title", datetime(2026, 11, 26, 9, 58, 12, tzinfo=UTC)
        ),
        AllNewsItem("3992441", None, "B", datetime(2026, 11, 26, 9, 57, 1, 516666, tzinfo=UTC)),
    ]
    assert read_all_news(b"[]") == []


@pytest.mark.parametrize(
    "body",
    [
        b"<html>Error</html>",
        b'{"data": [], "page": 1}',
        b'[{"newId": 1, "label": null, "title": "x"}]',
        b'[{"newId": "1", "label": null, "title": "x", "createdOn": "2026-11-26T09:58:12"}]',
        b'[{"newId": 1, "label": 7, "title": "x", "createdOn": "2026-11-26T09:58:12"}]',
        b'[{"newId": 1, "label": null, "title": "x", "createdOn": "yesterday"}]',
        b"[1, 2]",
    ],
    ids=["html", "object", "no-time", "string-id", "number-label", "bad-time", "not-objects"],
)
def test_any_other_shape_is_refused(body):
    with pytest.raises(ShapeChanged):
        read_all_news(body)


def item(news_id: int, minutes_ago: int) -> AllNewsItem:
    return AllNewsItem(str(news_id), "business", "T", NOW - timedelta(minutes=minutes_ago))


def test_gaps_round_trip_and_widen():
    gap = Gap(NOW - timedelta(days=3), NOW - timedelta(days=1))
    assert Gap.parse(gap.text()) == gap
    assert Gap.parse(Gap(None, NOW).text()) == Gap(None, NOW)
    assert Gap.parse("") is None and Gap.parse("nonsense") is None
    assert gap.widened(NOW - timedelta(days=5), NOW) == Gap(NOW - timedelta(days=5), NOW)
    assert gap.widened(NOW - timedelta(days=2), NOW - timedelta(days=2)) == gap
    assert gap.widened(None, NOW).low is None


def test_an_ordinary_walk_pages_on_while_new_and_through_a_gap():
    walk = AllNewsWalk(gap=None, floor=NOW - timedelta(hours=5))
    assert walk.pages_on([item(3, 1), item(2, 2)], met_store=False)
    assert not walk.pages_on([item(3, 1), item(2, 2)], met_store=True)
    assert not walk.pages_on([], met_store=False)
    gap = Gap(NOW - timedelta(days=9), NOW - timedelta(days=2))
    walk = AllNewsWalk(gap=gap, floor=NOW - timedelta(hours=5))
    above = [item(3, 60 * 24 * 3), item(2, 60 * 24 * 4)]
    assert walk.pages_on(above, met_store=True), "still above the gap's bottom"
    below = [item(3, 60 * 24 * 9), item(2, 60 * 24 * 10)]
    assert not walk.pages_on(below, met_store=True)
    everything = AllNewsWalk(gap=gap, floor=None, walks_everything=True)
    assert everything.pages_on(below, met_store=True)


def test_the_gap_left_for_the_next_run():
    floor = NOW - timedelta(days=7)
    walk = AllNewsWalk(gap=None, floor=floor)
    walk.finished = True
    assert walk.next_gap() is None, "reached the store with everything answered"
    cut = AllNewsWalk(gap=None, floor=floor)
    cut.stop_at(NOW - timedelta(days=2))
    assert cut.next_gap() == Gap(floor, NOW - timedelta(days=2))
    stopped = AllNewsWalk(gap=None, floor=floor)
    stopped.pending = {"5": NOW - timedelta(hours=1), "4": NOW - timedelta(hours=2)}
    stopped.answered("5")
    assert stopped.next_gap() == Gap(floor, NOW - timedelta(hours=2)), "unanswered requests"
    old = Gap(NOW - timedelta(days=30), NOW - timedelta(days=20))
    resumed = AllNewsWalk(gap=old, floor=floor)
    resumed.stop_at(NOW - timedelta(days=25))
    assert resumed.next_gap() == Gap(old.low, old.high), "part of the old gap remains"
    never = AllNewsWalk(gap=old, floor=floor)
    assert never.next_gap() == old, "a walk that never got an answer keeps the old gap"


# -- HTML listings ---------------------------------------------------------------------------------


def stored_lookup(updated: dict[str, datetime]):
    return lambda news_id: Stored(updated[news_id]) if news_id in updated else None


def listing_item(news_id: int, ago: timedelta | None = None) -> ListingItem:
    span = Span(NOW - ago - timedelta(minutes=1), NOW - ago) if ago is not None else None
    return ListingItem(str(news_id), f"{BASE}/article/business/{news_id}-x", span)


def test_a_creation_ordered_listing_pages_on_while_new():
    walk = ListingWalk(Order.CREATED, stored_lookup({"1": NOW}))
    wanted, more = walk.consider([listing_item(3), listing_item(2)])
    assert [i.news_id for i in wanted] == ["3", "2"] and more
    wanted, more = walk.consider([listing_item(2), listing_item(1)])
    assert [i.news_id for i in wanted] == ["2"] and not more


def test_an_edited_old_story_on_top_of_a_modification_ordered_listing_stops_nothing():
    """The issue's case on /devdiscourse-stories (no times): an old story edited since the last
    run sits on top, new stories below it; "page on while no stored article was seen" would stop
    at once. Here the new stories keep the walk going, and the old story is fetched as soon as a
    stored article last updated after it shows below it."""
    old, before = NOW - timedelta(days=40), NOW - timedelta(hours=3)
    lookup = stored_lookup(
        {
            "100": old,
            "200": before,
            "199": before - timedelta(minutes=9),
            "198": before - timedelta(minutes=20),
            "197": before - timedelta(minutes=31),
        }
    )
    walk = ListingWalk(Order.MODIFIED, lookup)
    page_1 = [listing_item(100)] + [listing_item(n) for n in range(320, 301, -1)]
    wanted, more = walk.consider(page_1)
    assert [i.news_id for i in wanted] == [str(n) for n in range(320, 301, -1)] and more
    page_2 = [listing_item(n) for n in (301, 300, 200, 199)]
    wanted, more = walk.consider(page_2)
    assert [i.news_id for i in wanted] == ["301", "300", "100"], "100 shown changed by 200"
    assert more
    wanted, more = walk.consider([listing_item(198), listing_item(197)])
    assert wanted == [] and not more, "stored, in order: nothing below changed since"


def test_a_stored_article_below_one_updated_later_to_the_minute_is_not_a_change():
    same_minute = NOW.replace(second=10)
    lookup = stored_lookup({"2": same_minute, "1": NOW.replace(second=50)})
    wanted, more = ListingWalk(Order.MODIFIED, lookup).consider([listing_item(2), listing_item(1)])
    assert wanted == [] and not more


# The last run's day as a date (past 3 days): a span from before that run to after it.
LAST_RUNS_DAY = Span(NOW - timedelta(hours=12), NOW + timedelta(hours=12))


@pytest.mark.parametrize(
    ("answer", "fetched", "still_held", "ruled_out"),
    [
        # Modified after the held items were served: those above changed too.
        (NOW + timedelta(hours=3), ["1", "2", "3", "4"], ["6", "7", "8", "9"], 0),
        # Unchanged since before they were served: those below are unchanged too.
        (NOW - timedelta(hours=2), [], ["1", "2", "3", "4"], 4),
        # No answer: the plain way, every held item fetched.
        (None, ["1", "2", "3", "4", "6", "7", "8", "9"], [], 0),
    ],
)
def test_a_probe_decides_the_held_items_above_and_below_it(answer, fetched, still_held, ruled_out):
    """Stored items the last run's day straddles (docs/site.md §3: ordered by modification)."""
    lookup = lambda news_id: Stored(NOW - timedelta(hours=6), served=NOW)  # noqa: E731
    walk = ListingWalk(Order.MODIFIED, lookup, since=NOW - timedelta(minutes=5))
    items = [
        ListingItem(str(n), f"{BASE}/article/business/{n}-x", LAST_RUNS_DAY) for n in range(1, 10)
    ]
    assert walk.consider(items) == ([], True)
    assert walk.next_probe().news_id == "5" and walk.next_probe() is None, "one at a time"
    assert [item.news_id for item in walk.probed(answer)] == fetched
    assert [item.news_id for item, _ in walk.held] == still_held
    assert walk.ruled_out == ruled_out


def test_below_a_probe_unchanged_since_the_last_run_nothing_is_fetched_or_read():
    lookup = lambda news_id: Stored(NOW - timedelta(hours=6), served=NOW)  # noqa: E731
    walk = ListingWalk(Order.MODIFIED, lookup, since=NOW - timedelta(minutes=5))
    items = [ListingItem(str(n), f"{BASE}/article/business/{n}-x", LAST_RUNS_DAY) for n in range(9)]
    walk.consider(items[:3])
    walk.next_probe()
    walk.probed(NOW - timedelta(hours=6))
    assert walk.consider(items[3:]) == ([], False), "ruled out as they come, and the walk ends"
    assert walk.ruled_out == 1 + 6


def test_probes_that_decide_nothing_give_way_to_the_plain_way():
    """A listing whose order is not the pages' `updated`: each probe answers a time that
    decides none of the others. After PROBES_IN_VAIN of them every held item is fetched."""
    lookup = lambda news_id: Stored(NOW - timedelta(hours=6), served=NOW)  # noqa: E731
    walk = ListingWalk(Order.MODIFIED, lookup, since=NOW - timedelta(minutes=5))
    items = [ListingItem(str(n), f"{BASE}/article/business/{n}-x", LAST_RUNS_DAY) for n in range(9)]
    walk.consider(items)
    fetched = []
    for _ in range(PROBES_IN_VAIN):
        fetched.append(walk.next_probe().news_id)
        released = walk.probed(NOW)  # served in the same minute: neither above nor below
    assert walk.gave_up and len(released) == 9 - PROBES_IN_VAIN and walk.held == []
    wanted, _ = walk.consider([ListingItem("x", f"{BASE}/article/business/x-x", LAST_RUNS_DAY)])
    assert [item.news_id for item in wanted] == ["x"], "held no more"


def test_news_analysis_reads_back_to_the_last_run_by_its_times():
    since = NOW - timedelta(hours=1)
    lookup = stored_lookup(
        {"9": NOW - timedelta(hours=5), "8": NOW - timedelta(minutes=50), "7": since}
    )
    walk = ListingWalk(Order.MODIFIED, lookup, since=since)
    page = [
        listing_item(10, timedelta(minutes=2)),  # new
        listing_item(9, timedelta(minutes=5)),  # stored 5 h ago, modified minutes ago
        listing_item(8, timedelta(minutes=50)),  # stored as it is
        listing_item(7, timedelta(minutes=55)),  # modified after the last run began
    ]
    wanted, more = walk.consider(page)
    assert [i.news_id for i in wanted] == ["10", "9", "7"] and more
    older = [listing_item(6, timedelta(hours=2)), listing_item(5, timedelta(hours=3))]
    assert walk.consider(older) == (older, False), "new to the store, but the last run began later"


def test_news_analysis_stops_once_the_page_ends_before_the_last_run():
    since = NOW - timedelta(hours=1)
    lookup = stored_lookup({"6": NOW - timedelta(hours=2), "5": NOW - timedelta(hours=3)})
    walk = ListingWalk(Order.MODIFIED, lookup, since=since)
    page = [listing_item(6, timedelta(hours=2)), listing_item(5, timedelta(hours=3))]
    assert walk.consider(page) == ([], False)
    unknown_since = ListingWalk(Order.MODIFIED, lookup, since=None)
    assert unknown_since.consider(page)[1], "without a finished run to go by, read on"


def test_an_article_whose_time_the_sitemap_stated_is_not_asked_about_again():
    lookup = stored_lookup({"9": NOW - timedelta(hours=5)})
    item_9 = listing_item(9, timedelta(minutes=5))
    assert ListingWalk(Order.MODIFIED, lookup).consider([item_9])[0] == [item_9]
    walk = ListingWalk(Order.MODIFIED, lookup, announced=frozenset({"9"}))
    assert walk.consider([item_9])[0] == []


def test_label_fragments_are_read_one_page_deep_unless_everything_is():
    lookup = stored_lookup({})
    page = [listing_item(n, timedelta(minutes=n)) for n in range(20)]
    wanted, more = ListingWalk(Order.DAY_THEN_RANKING, lookup).consider(page)
    assert len(wanted) == 20 and not more
    assert ListingWalk(Order.DAY_THEN_RANKING, lookup, everything=True).consider(page)[1]


# -- URLs ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        (f"{BASE}/article/business/123-x", f"{BASE}/article/business/123-x"),
        (f"{BASE}/article/business/123-x?amp", f"{BASE}/article/business/123-x"),
        (f"{BASE}/article/agency-wire/123-x", f"{BASE}/article/agency-wire/123-x"),
        (f"{BASE}/article/123-some-slug", f"{BASE}/article/123"),
        (f"{BASE}/article/123-some-slug?amp", f"{BASE}/article/123"),
        (f"{BASE}/article/123", f"{BASE}/article/123"),
    ],
    ids=["labelled", "amp", "agency-wire", "no-label", "no-label-amp", "digits"],
)
def test_links_are_requested_in_a_form_the_site_answers(link, expected):
    assert urls.requestable_url(link) == expected


def test_the_canonical_slug_rule_of_site_md():
    title = (
        "Amazon Great Summer Sale - Exclusive No Cost EMI Offers on Bajaj Finserv EMI Network Card"
    )
    assert urls.slug(2439536, title) == (
        "2439536-amazon-great-summer-sale---exclusive-no-cost-emi-offers-on-bajaj-finserv-emi-"
        "network-card"
    )
    site = ReplicaSite(articles=200, seed=3)
    for news_id in site.ids():
        data = site.article(news_id)
        assert urls.article_path(news_id, data.label, data.title) == data.canonical_path


# -- the spider's decisions on built responses -----------------------------------------------------


def make_spider(
    tmp_path: Path, stored: list[dict] = (), marks=None, served: datetime | None = None, **arguments
):
    """The spider with a temporary store holding `stored` (records, their pages served at
    `served` by the site's clock, None: not known) and `marks`, started: its first requests are
    returned beside it."""
    settings = {"NEWSBOT_DATA_DIR": str(tmp_path), "EXTENSIONS": {RunState: 0}}
    settings["NEWSBOT_MAX_ARTICLES"] = shipped.NEWSBOT_MAX_ARTICLES
    crawler = get_crawler(DevdiscourseSpider, settings)
    crawler._apply_settings()
    store = crawler.get_extension(RunState).store
    when = served.isoformat() if served is not None else None
    store.seed(
        replace(StoredArticle.from_record({**record, "revision": 1}), served=when)
        for record in stored
    )
    store.save_marks(marks or {})
    spider = DevdiscourseSpider.from_crawler(crawler, base_url=BASE, **arguments)
    crawler.spider = spider

    async def first_requests():
        return [request async for request in spider.start()]

    return spider, asyncio.run(first_requests())


def served(site: ReplicaSite, target: str, request: Request | None = None) -> HtmlResponse:
    answer = handle(site, target, BROWSER)
    headers = {"Date": format_datetime(answer.date, usegmt=True)}
    cls = TextResponse if target.startswith("/api/") else HtmlResponse
    return cls(
        url=BASE + target, body=answer.body, headers=headers, request=request, encoding="utf-8"
    )


def run(callback, response, **kwargs) -> list:
    return list(callback(response, **kwargs) or [])


def paths(requests) -> list[str]:
    return [r.url.removeprefix(BASE) for r in requests if isinstance(r, Request)]


@pytest.fixture(scope="module")
def site() -> ReplicaSite:
    return ReplicaSite(articles=3000, seed=6)


def records(site: ReplicaSite, ids) -> list[dict]:
    return [site.expected_record(news_id) for news_id in ids]


def test_a_first_run_asks_for_the_sitemap_the_complete_listing_and_the_news_desk(tmp_path):
    spider, roots = make_spider(tmp_path)
    assert paths(roots) == ["/RSS/GoogleNews", "/api/Search/GetAllNews/1", NEWS_DESK.path(1)]
    assert spider.walks_everything


def test_after_the_sitemap_label_fragments_page_1_for_the_global_edition(tmp_path, site):
    spider, _ = make_spider(tmp_path, sections="business,health")
    later = paths(run(spider.parse_sitemap, served(site, "/RSS/GoogleNews")))
    listings = [p for p in later if not p.startswith("/article/")]
    assert listings == [
        NEWS_ANALYSIS.path(1),
        "/Home/GetNewsItems?sector=&region=Global%20Edition&country=&tag=&page=1&cat=&label="
        "business",
        "/Home/GetNewsItems?sector=&region=Global%20Edition&country=&tag=&page=1&cat=&label=health",
    ]
    assert not any(p.startswith("/stories/") for p in later), "never the 5-item page"


def test_both_listing_markups_are_read_with_their_times(tmp_path, site):
    spider, _ = make_spider(tmp_path)
    now = site.now
    page = spider.listing_items(served(site, "/stories/business"), now)
    fragment = spider.listing_items(served(site, label_listing("business").path(1)), now)
    expected = site.label_listing_ids("business", "Global Edition")
    assert [int(i.news_id) for i in page] == expected[:5]
    assert [int(i.news_id) for i in fragment] == expected[:20]
    for found in (page, fragment):
        for listed in found:
            modified = site.modified_at(int(listed.news_id))
            assert listed.modified.earliest <= modified <= listed.modified.latest
    sidebar_free = spider.listing_items(served(site, "/pti-stories"), now)
    assert [int(i.news_id) for i in sidebar_free] == site.source_listing_ids(("PTI",), 30)[:20]


def read_listing(spider, site: ReplicaSite, listing, page: int = 1, walk=None) -> list[str]:
    response = served(site, listing.path(page))
    walk = walk or spider.walk(listing)
    return paths(run(spider.parse_listing, response, listing=listing, page=page, walk=walk))


def test_an_ordinary_run_fetches_from_a_label_fragment_only_what_changed_or_is_new(tmp_path):
    site = ReplicaSite(articles=3000, seed=6)
    listed = site.label_listing_ids("business", "Global Edition")[:20]
    before = site.now
    marks = {"listings_since": before.isoformat()}
    spider, _ = make_spider(tmp_path, records(site, site.ids()), marks)
    listing = label_listing("business")
    assert read_listing(spider, site, listing) == []
    site.advance(hours=15)  # past midnight UTC: page 1 holds yesterday's best ranked too
    changes = site.changes_between(before, site.now)
    now_listed = site.label_listing_ids("business", "Global Edition")[:20]
    fetched = {urls.news_id(p) for p in read_listing(spider, site, listing)}
    expected = {str(i) for i in now_listed} & set(changes["new"] + changes["updated"])
    assert fetched == expected and expected & set(changes["updated"])
    assert listed != now_listed


def test_the_complete_listing_requests_labelled_urls_and_stops_at_the_store(tmp_path, site):
    newest = site.all_news_ids()
    stored = newest[30:]  # the store lacks the 30 newest
    # The last run was past `/news-analysis`'s reach: GetAllNews is paged the plain way.
    marks = {"listings_since": (site.now - timedelta(days=20)).isoformat()}
    spider, _ = make_spider(tmp_path, records(site, stored), marks)
    first = run(spider.parse_all_news, served(site, "/api/Search/GetAllNews/1"), page=1)
    assert paths(first) == [site.canonical_path(i) for i in newest[:20]] + [
        "/api/Search/GetAllNews/2"
    ]
    second = run(spider.parse_all_news, served(site, "/api/Search/GetAllNews/2"), page=2)
    assert paths(second) == [site.canonical_path(i) for i in newest[20:30]], "stops at the store"
    assert spider.crawler.stats.get_value(keys.discovery_requests("allnews")) == 30
    unlabelled = [i for i in newest[:30] if site.article(i).label is None]
    assert unlabelled, "so some were asked for at their agency-wire URL, which does not redirect"


def test_a_budget_cut_leaves_a_gap_the_next_run_resumes(tmp_path, site):
    newest = site.all_news_ids()
    floor_id = newest[100]
    spider, _ = make_spider(tmp_path, records(site, newest[100:]))
    spider.article_budget = 30
    requested = []
    for page in range(1, 4):
        requested += run(
            spider.parse_all_news, served(site, f"/api/Search/GetAllNews/{page}"), page=page
        )
    articles = [r for r in paths(requested) if r.startswith("/article/")]
    assert len(articles) == 30 and "/api/Search/GetAllNews/3" not in paths(requested)
    for news_id in newest[:30]:
        spider.all_news.answered(str(news_id))
    gap = spider.all_news.next_gap()
    assert gap.low == site.created_at(floor_id)
    assert gap.high == site.created_at(newest[30])
    # The next run: the 30 are stored now; it pages past them into the gap, down to its bottom.
    resumed, _ = make_spider(
        tmp_path / "next", records(site, newest[:30] + newest[100:]), {"allnews_gap": gap.text()}
    )
    found = []
    for page in range(1, 7):
        found += run(
            resumed.parse_all_news, served(site, f"/api/Search/GetAllNews/{page}"), page=page
        )
    assert [urls.news_id(p) for p in paths(found) if p.startswith("/article/")] == [
        str(i) for i in newest[30:100]
    ]
    assert "/api/Search/GetAllNews/7" not in paths(found)
    resumed.all_news.pending.clear()
    assert resumed.all_news.next_gap() is None and resumed.all_news.finished


def test_a_changed_shape_falls_back_to_the_html_listings_counted_and_logged_once(
    tmp_path, site, caplog
):
    spider, _ = make_spider(tmp_path)
    broken = TextResponse(url=BASE + "/api/Search/GetAllNews/1", body=b'{"data": []}')
    fallback = paths(run(spider.parse_all_news, broken, page=1))
    assert fallback == [PTI_STORIES.path(1), AGENCY_WIRE.path(1)]
    assert spider.crawler.stats.get_value(keys.fallback("api_shape")) == 1
    assert paths(run(spider.parse_all_news, broken, page=1)) == [], "once"
    assert sum("Not using GetAllNews" in r.message for r in caplog.records) == 1


def test_robots_txt_disallowing_the_api_falls_back_without_an_error(tmp_path, site):
    spider, roots = make_spider(tmp_path)
    robots = b"User-agent: *\nDisallow: /api/\n"
    spider.robots = ProtegoRobotParser.from_crawler(spider.crawler, robots)
    request = next(r for r in roots if "/api/" in r.url)
    failure = Failure(IgnoreRequest("Forbidden by robots.txt"))
    failure.request = request
    fallback = paths(spider.all_news_failed(failure))
    assert fallback == [PTI_STORIES.path(1), AGENCY_WIRE.path(1)]
    stats = spider.crawler.stats.get_stats()
    assert stats[keys.fallback("api_disallowed")] == 1
    assert not any(name.startswith("newsbot/discovery/failed/") for name in stats)


def test_article_pages_lead_to_no_further_request(tmp_path, site):
    spider, _ = make_spider(tmp_path)
    news_id = site.ids()[-1]
    path = site.canonical_path(int(news_id))
    page = served(site, path, Request(BASE + path, meta={"news_id": news_id}))
    output = run(spider.parse_article, page)
    assert len(output) == 1 and not isinstance(output[0], Request)
    assert output[0].id == news_id


def test_an_article_page_is_read_once_and_a_page_naming_no_article_is_skipped(
    tmp_path, site, monkeypatch
):
    spider, _ = make_spider(tmp_path)
    heads = []
    monkeypatch.setattr(extract, "read_head", lambda root: heads.append(root) or read_head(root))
    news_id = site.ids()[-1]
    path = site.canonical_path(int(news_id))
    page = served(site, path, Request(BASE + path, meta={"news_id": news_id}))
    assert [item.id for item in run(spider.parse_article, page)] == [news_id]
    assert len(heads) == 1, "the check and the extraction share one reading of the page"
    body = b"<html><body><h1>Home</h1></body></html>"  # where a broken redirect may land
    home = HtmlResponse(url=BASE + "/", body=body, request=Request(BASE + "/"))
    assert run(spider.parse_article, home) == []
    assert spider.crawler.stats.get_value(keys.SKIPPED_NOT_ARTICLE) == 1


def test_a_label_less_link_is_requested_in_the_form_the_site_answers(tmp_path, site):
    spider, _ = make_spider(tmp_path)
    news_id = site.ids()[-1]
    body = f'<a class="text-decoration" href="/article/{news_id}-some-slug"><h3>x</h3></a>'
    response = HtmlResponse(url=BASE + PTI_STORIES.path(1), body=body.encode())
    walk = spider.walk(PTI_STORIES)
    requested = paths(run(spider.parse_listing, response, listing=PTI_STORIES, page=1, walk=walk))
    assert [p for p in requested if p.startswith("/article/")] == [f"/article/{news_id}"]


def test_the_sitemap_overrun_is_derived_from_its_window_and_cut(tmp_path, site, caplog):
    newest = site.all_news_ids()
    spider, _ = make_spider(tmp_path, records(site, newest[40:]))
    run(spider.parse_sitemap, served(site, "/RSS/GoogleNews"))
    assert spider.crawler.stats.get_value(keys.SITEMAP_OVERRUN) is None, "40 new fit in it"
    late = site.state_at(site.now + timedelta(hours=20))
    spider, _ = make_spider(tmp_path / "late", records(site, newest))
    run(spider.parse_sitemap, served(late, "/RSS/GoogleNews"))
    assert spider.crawler.stats.get_value(keys.SITEMAP_OVERRUN) == 1
    assert "News sitemap window overrun" in caplog.text


def test_the_next_run_reads_the_listings_back_to_when_this_one_began(tmp_path, site):
    spider, _ = make_spider(tmp_path, records(site, site.ids()[-50:]))
    run(spider.parse_sitemap, served(site, "/RSS/GoogleNews"))
    read_listing(spider, site, NEWS_ANALYSIS)
    assert "listings_since" not in spider.final_marks(), "only once the run got to its end"
    spider.idle()
    since = datetime.fromisoformat(spider.final_marks()["listings_since"])
    last = site.analysis_listing_ids("Global Edition", 1)[-1]
    assert since <= site.modified_at(last) <= site.now, "page 1's last item, not later"


def test_after_a_file_fault_the_next_run_walks_the_complete_listing_down_to_the_store_again(
    tmp_path, site
):
    """Records of articles answered after a full disk are unwritten (newsbot/pipelines.py), yet
    the walk saw them answered: the run leaves everything above its store as a gap, and the
    next run, which finds the records written before the fault stored, pages on past them."""
    newest = site.all_news_ids()
    spider, _ = make_spider(tmp_path, records(site, newest[20:]))
    run(spider.parse_all_news, served(site, "/api/Search/GetAllNews/1"), page=1)
    run(spider.parse_all_news, served(site, "/api/Search/GetAllNews/2"), page=2)
    for news_id in newest[:20]:
        spider.article_answered(str(news_id))
    spider.idle()
    assert spider.final_marks()["allnews_gap"] is None, "without a fault: nothing left"
    fault = FileFault(tmp_path / "out.jsonl", OSError(errno.ENOSPC, "No space left on device"))
    record_fault(spider.crawler.stats, fault)
    marks = spider.final_marks()
    assert "listings_since" not in marks
    gap = Gap.parse(marks["allnews_gap"])
    assert gap.low == site.created_at(newest[20]) and gap.high > site.created_at(newest[0])
    # The 5 newest were written before the fault; the next run asks for the 15 others.
    resumed, _ = make_spider(
        tmp_path / "next", records(site, newest[:5] + newest[20:]), {"allnews_gap": gap.text()}
    )
    found = []
    for page in (1, 2):
        found += run(
            resumed.parse_all_news, served(site, f"/api/Search/GetAllNews/{page}"), page=page
        )
    assert [urls.news_id(p) for p in paths(found) if p.startswith("/article/")] == [
        str(i) for i in newest[5:20]
    ]


def test_no_cookies_are_kept():
    """No `Edition` cookie can reach a listing (docs/site.md §8.1)."""
    assert shipped.COOKIES_ENABLED is False


def test_an_article_another_source_asked_for_is_awaited_by_the_complete_listing_too(tmp_path, site):
    """If the run stops before that request is answered, the gap covers it: the next run's walk
    might otherwise stop at stored articles above it."""
    newest = site.all_news_ids()
    spider, _ = make_spider(tmp_path, records(site, newest[20:]))
    first = str(newest[0])
    spider.article_request(f"{BASE}{site.canonical_path(newest[0])}", first, "listing")
    requested = paths(run(spider.parse_all_news, served(site, "/api/Search/GetAllNews/1"), page=1))
    assert site.canonical_path(newest[0]) not in requested, "asked for once"
    assert first in spider.all_news.pending
    spider.article_answered(first)
    assert first not in spider.all_news.pending


# -- how deep an ordinary run reads (the month's simulation, benchmarks/simulate.py) --------------


def walk_to_the_end(
    spider, site: ReplicaSite, listing, walk: ListingWalk | None = None
) -> tuple[list[str], int]:
    """Read `listing` as the crawl would, page after page while the spider asks for the next,
    answering the article pages it fetches to decide what else to fetch (probes): the ids of the
    articles requested, and the last page read."""
    walk = walk or spider.walk(listing)
    pending, requested, last_page = [spider.listing_request(listing, 1, walk)], [], 0
    while pending:
        request = pending.pop(0)
        target = request.url.removeprefix(BASE)
        if request.callback == spider.parse_listing:
            last_page = request.cb_kwargs["page"]
            answer = run(spider.parse_listing, served(site, target), **request.cb_kwargs)
        elif news_id := urls.news_id(request.url):
            requested.append(news_id)
            probe = "probe" in request.meta
            answer = run(spider.parse_article, served(site, target, request)) if probe else []
        else:
            answer = []
        pending += [r for r in answer if isinstance(r, Request)]
    return requested, last_page


def analysis_listed(site: ReplicaSite, pages: int) -> set[str]:
    return {
        str(news_id)
        for page in range(1, pages + 1)
        for news_id in site.analysis_listing_ids("Global Edition", page)
    }


def test_an_ordinary_run_reads_the_analysis_back_to_the_last_run_past_max_pages(tmp_path):
    """A daily run sees about 1,300 changes, 52 pages of `/news-analysis`: `max_pages` (default
    5) bounds first runs and `full=1`, not the pages an ordinary run needs to see what changed."""
    site = ReplicaSite(articles=3000, seed=6)
    before = site.now
    marks = {"listings_since": before.isoformat()}
    spider, _ = make_spider(tmp_path, records(site, site.ids()), marks, max_pages="2")
    site.advance(hours=20)
    changes = site.changes_between(before, site.now)
    requested, last_page = walk_to_the_end(spider, site, NEWS_ANALYSIS)
    assert last_page > 20
    changed = set(changes["new"]) | set(changes["updated"])
    assert set(changes["new"]) <= set(requested)
    assert set(requested) == changed & analysis_listed(site, last_page)
    assert len(requested) == len(set(requested)) and spider.final_marks() == {"allnews_gap": None}


def test_a_run_the_budget_cut_short_leaves_the_listings_mark_and_the_next_run_gets_the_rest(
    tmp_path,
):
    """Without GetAllNews nothing else remembers where a cut run stopped: it must not move the
    listings' mark to its own start, or what it left would sit below articles the next run
    finds stored, and that run's walk would stop above them."""
    site = ReplicaSite(articles=3000, seed=6)
    before = site.now
    marks = {"listings_since": before.isoformat()}
    stored = records(site, site.ids())
    site.advance(hours=6)
    changes = site.changes_between(before, site.now)
    spider, _ = make_spider(tmp_path, stored, marks)
    spider.article_budget = 40
    first, _ = walk_to_the_end(spider, site, NEWS_ANALYSIS)
    assert len(first) == 40 and spider.crawler.stats.get_value(keys.LISTING_CUT) == 1
    spider.idle()
    assert "listings_since" not in spider.final_marks(), "the mark stays where it was"
    published = {record["id"]: record for record in stored + records(site, first)}
    resumed, _ = make_spider(tmp_path / "next", list(published.values()), marks)
    second, last_page = walk_to_the_end(resumed, site, NEWS_ANALYSIS)
    assert not set(first) & set(second)
    changed = set(changes["new"]) | set(changes["updated"])
    assert set(first) | set(second) == changed & analysis_listed(site, last_page)
    assert set(changes["new"]) <= set(first) | set(second)
    resumed.idle()
    assert resumed.final_marks()["listings_since"] > before.isoformat()


def test_an_ordinary_walk_ends_where_the_listing_repeats_itself():
    walk = ListingWalk(Order.CREATED, lookup=lambda _: None)
    page = [ListingItem(str(news_id), f"{BASE}/article/business/{news_id}-x") for news_id in (5, 4)]
    assert walk.consider(page) == (page, True)
    assert walk.consider(list(reversed(page))) == ([], False)
    assert ListingWalk(Order.CREATED, lookup=lambda _: None, everything=True).consider(page)[1]


@pytest.mark.parametrize(
    ("latest", "served", "decision"),
    [
        (timedelta(hours=-1), timedelta(0), "unchanged"),  # served after the latest time allowed
        (timedelta(0), timedelta(0), "unchanged"),
        (timedelta(minutes=5), timedelta(0), "held"),  # maybe modified after: a probe decides
        (timedelta(hours=-1), None, "fetched"),  # not known: the last run's start decides
    ],
    ids=["served-after", "served-at", "served-before", "unknown"],
)
def test_a_listing_time_is_weighed_against_when_the_stored_revision_was_served(
    latest, served, decision
):
    """A stored article updated at 08:00, its page served at 12:00; the last run began at 10:00;
    a listing says it was modified up to `latest` after 12:00 (a span of a day, "Yesterday")."""
    noon = datetime(2026, 11, 26, 12, tzinfo=UTC)
    stored = Stored(noon - timedelta(hours=4), noon + served if served is not None else None)
    walk = ListingWalk(Order.MODIFIED, lookup=lambda _: stored, since=noon - timedelta(hours=2))
    span = Span(noon - timedelta(days=1), noon + latest)
    item = ListingItem("7", f"{BASE}/article/business/7-x", span)
    wanted, _ = walk.consider([item])
    held = [held for held, _ in walk.held]
    expected = {"fetched": ([item], []), "held": ([], [item]), "unchanged": ([], [])}[decision]
    assert (wanted, held) == expected


@dataclass
class LaterRun:
    """A run at the replica's start (its pages served 2 minutes after it began) and the site
    `hours` later: what that run stored, its marks (read back `read_back` past its start), when
    its pages were served, and the ids new or updated since."""

    site: ReplicaSite
    stored: list[dict]
    marks: dict
    served: datetime
    changed: set[str]


def a_later_run(hours: float, read_back: timedelta = timedelta(0)) -> LaterRun:
    site = ReplicaSite(articles=3000, seed=6)
    marks = {"listings_since": (site.now - read_back).isoformat()}
    fetched = site.state_at(site.now + timedelta(minutes=2))
    stored = records(fetched, fetched.ids())
    site.advance(hours=hours)
    changes = site.changes_between(fetched.now, site.now)
    return LaterRun(site, stored, marks, fetched.now, set(changes["new"]) | set(changes["updated"]))


def test_a_daily_run_asks_again_only_for_what_changed_though_yesterday_spans_a_day(tmp_path):
    """Found by the month's simulation: a day after a run, `/news-analysis` shows the articles
    that run fetched as "Yesterday" (1-2 days back), a span past the run's start: all of them
    looked changed, and a daily run fetched the whole previous day again (1,078 of 2,394
    requests). Their pages were served after that span ends: the last run read the listing at
    its start and fetched the pages in the minutes after it, this one reads it at its start."""
    later = a_later_run(hours=24, read_back=timedelta(hours=1))  # read back past its start
    site, stored, marks, changed = later.site, later.stored, later.marks, later.changed
    before = later.served - timedelta(minutes=2)
    fetched = site.state_at(later.served)
    spider, _ = make_spider(tmp_path, stored, marks, served=later.served)
    requested, last_page = walk_to_the_end(spider, site, NEWS_ANALYSIS)
    assert changed & analysis_listed(site, last_page) <= set(requested)
    # Asked again: only those its "About 23 hours ago" (23-24 h back) may name as changed.
    last_hour = before + timedelta(hours=1)
    straddling = {
        record["id"]
        for record in stored
        if before <= fetched.modified_at(int(record["id"])) <= last_hour
    }
    assert set(requested) - changed <= straddling
    plain, _ = make_spider(tmp_path / "unknown", stored, marks)
    again, plain_last_page = walk_to_the_end(plain, site, NEWS_ANALYSIS)
    assert len(set(again) - changed) > 100, "without served times: the plain way, every one"
    # Found by the month's simulation: the walk itself went on through the whole "Yesterday",
    # a day the last run already saw (92 pages of a daily run where 47 held its changes).
    # A stored article that is shown unchanged gives its exact time: nothing below is later.
    since = datetime.fromisoformat(marks["listings_since"])
    after = sum(1 for news_id in site.ids() if site.modified_at(int(news_id)) > since)
    assert last_page <= math.ceil(after / 25) + 1 < plain_last_page


def test_a_listing_time_the_stored_page_disagrees_with_bounds_the_walk_by_the_listing_alone(
    tmp_path,
):
    """The shortcut above rests on an inference (the listing is ordered by the pages' `updated`).
    Where a stored page's time is not in the span the listing gives it (here a clock 5 h 30
    behind, docs/site.md §8.3), the walk reads as far as the listing's own times say, and counts it.
    Only a time finer than the offset can show it: articles seen only as "Yesterday" cannot."""
    # "About 6 hours ago": times fine enough to disagree.
    later = a_later_run(hours=6, read_back=timedelta(hours=1))
    site, marks = later.site, later.marks
    clock_off = timedelta(hours=5, minutes=30)
    stored = [
        {**record, "updated": (datetime.fromisoformat(record["updated"]) - clock_off).isoformat()}
        for record in later.stored
    ]
    spider, _ = make_spider(tmp_path, stored, marks, served=later.served)
    _, last_page = walk_to_the_end(spider, site, NEWS_ANALYSIS)
    plain, _ = make_spider(tmp_path / "unknown", stored, marks)
    _, plain_last_page = walk_to_the_end(plain, site, NEWS_ANALYSIS)
    assert last_page == plain_last_page
    assert spider.crawler.stats.get_value(keys.LISTING_TIME_DISAGREES) > 0
    assert plain.crawler.stats.get_value(keys.LISTING_TIME_DISAGREES) is None


def test_after_days_without_runs_probes_rule_out_the_last_runs_day(tmp_path):
    """Found by the month's simulation: past 3 days `/news-analysis` shows the last run's day as
    a date, a span from before that run to after every page it fetched was served, so none of
    them could be ruled out by time: 1,021 of the catch-up's 4,437 article pages came back
    unchanged. A few of them are fetched first; the listing is ordered by modification, so each
    one's `updated` decides the held items above it (changed) and below it (unchanged)."""
    later = a_later_run(hours=84)
    site, stored, marks, changed = later.site, later.stored, later.marks, later.changed
    spider, _ = make_spider(tmp_path, stored, marks, served=later.served)
    requested, last_page = walk_to_the_end(spider, site, NEWS_ANALYSIS)
    assert changed & analysis_listed(site, last_page) <= set(requested), "nothing missed"
    plain, _ = make_spider(tmp_path / "plain", stored, marks, served=later.served)
    plain_walk = replace(plain.walk(NEWS_ANALYSIS), gave_up=True)
    again, plain_last_page = walk_to_the_end(plain, site, NEWS_ANALYSIS, plain_walk)
    # Here 3 pages fetched unchanged for 655, and 157 pages of the listing for 181: below a
    # probe unchanged since the last run began, the walk ends.
    assert len(set(requested) - changed) <= 10 < 100 < len(set(again) - changed)
    assert last_page < plain_last_page
    stats = spider.crawler.stats
    assert stats.get_value(keys.LISTING_RULED_OUT) > 0
    assert stats.get_value(keys.LISTING_PROBES_GAVE_UP) is None


# -- GetAllNews's later pages, left to `/news-analysis` -------------------------------------------


@pytest.mark.parametrize(
    ("listed", "stored", "ended", "expected"),
    [
        ({"1", "2"}, set(), True, True),  # the walk listed both new articles
        ({"1"}, {"2"}, True, True),  # one it did not list is stored already
        ({"1"}, set(), True, False),  # it missed one: the site answers otherwise
        (None, set(), True, False),  # it stopped short of the last run (failure, budget)
        ({"1", "2"}, set(), False, None),  # still under way
    ],
    ids=["listed", "stored", "missed", "short", "under-way"],
)
def test_getallnews_is_left_to_the_analysis_only_when_the_walk_listed_its_new_articles(
    listed, stored, ended, expected
):
    since = NOW - timedelta(hours=6)
    # Page 1: two articles created since the last run began, one before (not asked about).
    page = [item(1, 10), item(2, 20), item(3, 7 * 60)]
    held = HeldPages(since)
    assert held.covered(lambda _: False) is None, "page 1 not read yet"
    held.hold(2, page)
    if ended:
        held.walk_ended(listed)
    assert held.covered(lambda news_id: news_id in stored) is expected


def read_all_news_page_1(spider, site: ReplicaSite) -> list[str]:
    return paths(run(spider.parse_all_news, served(site, "/api/Search/GetAllNews/1"), page=1))


def test_a_daily_run_leaves_getallnews_to_the_analysis_that_lists_every_new_article(tmp_path):
    """Found by the month's simulation: an outage, or any run a day after the last, paged both
    GetAllNews (20 a request) and `/news-analysis` (25 a request, read back to the last run for
    revisions) down to the last run, paying twice for every new article."""
    site = ReplicaSite(articles=3000, seed=6)
    before = site.now
    marks = {"listings_since": before.isoformat()}
    spider, _ = make_spider(tmp_path, records(site, site.ids()), marks)
    site.advance(hours=24)
    changes = site.changes_between(before, site.now)
    assert len(changes["new"]) > 200, "GetAllNews would need pages past the first"
    first = read_all_news_page_1(spider, site)
    assert "/api/Search/GetAllNews/2" not in first, "held while the walk is under way"
    requested, _ = walk_to_the_end(spider, site, NEWS_ANALYSIS)
    found = {urls.news_id(p) for p in first if p.startswith("/article/")} | set(requested)
    assert set(changes["new"]) <= found
    stats = spider.crawler.stats
    assert stats.get_value(keys.ALLNEWS_LEFT_TO_ANALYSIS) == 1
    assert stats.get_value(keys.ALLNEWS_PAGED_ON) is None
    spider.all_news.pending.clear()  # every article answered
    assert spider.all_news.finished and spider.final_marks()["allnews_gap"] is None


def test_getallnews_pages_on_the_plain_way_when_the_analysis_fails_or_the_last_run_is_old(
    tmp_path,
):
    site = ReplicaSite(articles=3000, seed=6)
    before = site.now
    stored = records(site, site.ids())
    site.advance(hours=24)
    spider, _ = make_spider(tmp_path, stored, {"listings_since": before.isoformat()})
    assert "/api/Search/GetAllNews/2" not in read_all_news_page_1(spider, site)
    failure = Failure(IgnoreRequest("the listing failed"))
    failure.request = Request(
        BASE + NEWS_ANALYSIS.path(1),
        cb_kwargs={"listing": NEWS_ANALYSIS, "page": 1, "walk": spider.walk(NEWS_ANALYSIS)},
    )
    assert paths(spider.listing_failed_for_good(failure)) == ["/api/Search/GetAllNews/2"]
    assert spider.crawler.stats.get_value(keys.ALLNEWS_PAGED_ON) == 1
    # A last run older than the analysis's reach: paged at once, nothing held.
    old = {"listings_since": (site.now - timedelta(days=15)).isoformat()}
    late, _ = make_spider(tmp_path / "late", stored, old)
    assert "/api/Search/GetAllNews/2" in read_all_news_page_1(late, site)
