"""The replica's discovery surface as docs/site.md §3 and §8 (corrected) describe it: listings and
their fragments, the complete JSON listing, robots.txt, the Edition cookie, and the §8.4 details
of article pages. Expected facts come from docs/site.md and the replica's own queries."""

import json
import re
from datetime import datetime, timedelta
from itertools import pairwise
from urllib.parse import quote
from urllib.robotparser import RobotFileParser

import pytest
from parsel import Selector

from newsbot.replica import ReplicaSite
from newsbot.replica.content import SECTOR_IDS, SECTORS
from newsbot.replica.model import DISCLAIMED_AGENCIES, INPUTS_NOTE, OPINION, SYNDICATED_NOTE
from newsbot.replica.routes import handle
from newsbot.replica.text import relative_time
from tests.test_replica import BOT_UA, BROWSER_UA, fetch

GLOBAL = "Global Edition"
FRAGMENT = "/Home/GetNewsItems?sector=&region={region}&country=&tag=&page={page}&cat=&label={label}"
ANALYSIS = "/AgencyWire/GetNewsAnalysisItems?region={region}&type=&page={page}"


def get(site: ReplicaSite, target: str, user_agent: str = BROWSER_UA, cookie: str = ""):
    response = handle(site, target, user_agent, cookie)
    return response.status, response.body.decode("utf-8")


def ids_in(html: str, scope: str = "") -> list[int]:
    """Article ids of the `a.text-decoration` items in `scope` (a CSS selector) or the page."""
    page = Selector(html)
    root = page.css(scope)[0] if scope else page
    hrefs = root.css("a.text-decoration::attr(href)").getall()
    return [int(re.search(r"/(\d+)-", href)[1]) for href in hrefs]


def fragment(site: ReplicaSite, label: str, page: int, region: str = GLOBAL) -> str:
    return get(site, FRAGMENT.format(region=quote(region), page=page, label=label))[1]


@pytest.fixture(scope="module")
def site() -> ReplicaSite:
    """A site whose archive reaches back 16 days: every window of docs/site.md §3 is full."""
    return ReplicaSite(articles=20_000, seed=4)


# -- label listings (docs/site.md §3, §8.2) --------------------------------------------------------


def test_an_empty_region_gives_nothing_and_the_global_edition_20_a_page(site):
    for label in ("business", "health"):
        assert fragment(site, label, 1, region="") == ""
        first = fragment(site, label, 1)
        assert len(ids_in(first)) == 20
        assert (
            ids_in(first) + ids_in(fragment(site, label, 2))
            == (site.label_listing_ids(label, GLOBAL)[:40])
        )


def test_fragment_items_use_their_own_markup_with_times_from_the_last_modification(site):
    html = fragment(site, "politics", 1) + fragment(site, "politics", 2)
    items = Selector(html).css("a.text-decoration")
    assert items and not Selector(html).css("div.media, h3.trend-title")
    for item in items:
        news_id = int(re.search(r"/(\d+)-", item.attrib["href"])[1])
        data = site.article(news_id)
        assert item.attrib["href"] == data.canonical_path
        assert item.css("div.country-sub::text").get() == (data.countries or ["Global"])[0]
        assert item.css("h3.title-sub::text").get() == data.title
        age = (site.now - data.modified).total_seconds()
        assert item.css("h5.font-oswald::text").get() == relative_time(age, data.modified)
    modified_ages = [
        item.css("h5.font-oswald::text").get()
        for item in items
        if site.article(re.search(r"/(\d+)-", item.attrib["href"])[1]).was_updated
    ]
    assert modified_ages, "some listed articles were updated: their times count from that"


def test_the_label_page_renders_5_items_in_page_markup_and_asks_for_page_2(site):
    status, html = get(site, "/stories/business")
    assert status == 200
    page = Selector(html)
    items = page.css("#news-items div.media")
    assert len(items) == 5
    assert ids_in(html, "#news-items") == site.label_listing_ids("business", GLOBAL)[:5]
    for item in items:
        assert item.css("a.text-decoration h3.trend-title")
        assert item.css("small.ls-1::text").get() and item.css("small.font-oswald::text").get()
    assert "page=PAGE" in html and "/Home/GetNewsItems?sector=&region=Global%20Edition" in html
    # Items 6-20 of page 1 appear nowhere but in the fragment's page 1.
    six_to_twenty = set(ids_in(fragment(site, "business", 1))[5:])
    assert six_to_twenty and not six_to_twenty & set(ids_in(fragment(site, "business", 2)))


def test_label_listings_hold_ranked_unsponsored_articles_of_10_days_by_day_then_ranking(site):
    label = "international"
    listed = site.label_listing_ids(label, GLOBAL)
    positions = range(len(site) - 2)  # every article but the pinned ones, by cheap accessors
    every = [site.id_at(p) for p in positions if site.label_of(p) == label]
    recent = [i for i in every if site.now - site.created_at(i) <= timedelta(days=10)]
    assert set(listed) == {
        i for i in recent if site.ranking(i) is not None and not site.sponsored(i)
    }
    left_out = set(recent) - set(listed)
    assert any(site.ranking(i) is None for i in left_out)
    assert any(site.sponsored(i) for i in left_out)
    assert all(site.now - site.created_at(i) > timedelta(days=10) for i in set(every) - set(recent))
    keys = [(site.modified_at(i).date(), -site.ranking(i)) for i in listed]
    assert keys == sorted(keys, reverse=True), "by modification day, then ranking"
    modified = [site.modified_at(i) for i in listed]
    assert any(a < b for a, b in pairwise(modified)), "so not in time order"
    assert site.label_listing_ids("agency-wire", GLOBAL) == []
    assert not any(site.article(i).label is None for i in listed)


# -- source listings -------------------------------------------------------------------------------


def test_the_news_desk_listing_has_no_window_follows_modification_and_links_pti_stories(site):
    status, first = get(site, "/devdiscourse-stories?page=1")
    assert status == 200
    expected = site.source_listing_ids(("Devdiscourse News Desk",), None, by_modification=True)
    assert ids_in(first, "div.listing") == expected[:20]
    positions = range(len(site) - 2)  # every article but the pinned ones, by cheap accessors
    desk = [site.id_at(p) for p in positions if site.source_of(p) == "Devdiscourse News Desk"]
    assert all(site.kind_of(i) == "News" for i in expected)
    assert {i for i in desk if site.kind_of(i) == "News"} == set(expected), "no time window"
    assert {i for i in desk if site.kind_of(i) == "Blog"}, "the desk's Blog pieces are left out"
    modified = [site.modified_at(i) for i in expected]
    assert modified == sorted(modified, reverse=True)
    assert any(a < b for a, b in pairwise(expected)), "an updated story sits above newer ones"
    pager = Selector(first).css("ul.pagination a::attr(href)").getall()
    assert pager and all(re.fullmatch(r"/pti-stories\?page=\d+", href) for href in pager)


def test_an_edited_old_desk_story_jumps_to_the_top():
    site = ReplicaSite(articles=3000, seed=2)
    before = get(site, "/devdiscourse-stories")[1]
    while True:
        site.advance(minutes=20)
        top = ids_in(get(site, "/devdiscourse-stories")[1], "div.listing")[0]
        if site.article(top).was_updated:
            break
    assert site.article(top).updated > site.article(ids_in(before, "div.listing")[0]).modified
    newer = [i for i in site.source_listing_ids(("Devdiscourse News Desk",), None) if i > top]
    assert newer, "newer stories sit below it"


def test_pti_and_agency_wire_list_news_of_their_window_and_agency_wire_prints_no_pager(site):
    for path, sources, days, per_page in (
        ("/pti-stories", ("PTI",), 30, 20),
        ("/AgencyWire", ("PTI", "Reuters", "IANS"), 10, 40),
    ):
        expected = site.source_listing_ids(sources, days)
        assert expected == sorted(expected, reverse=True), "newest created first"
        assert all(site.now - site.created_at(i) <= timedelta(days=days) for i in expected)
        assert all(site.kind_of(i) == "News" for i in expected)
        html = get(site, f"{path}?page=2")[1]
        assert ids_in(html, "div.listing") == expected[per_page : 2 * per_page]
    wire = Selector(get(site, "/AgencyWire?page=2")[1])
    assert not wire.css("ul.pagination") and "Page 2 of" not in wire.get()
    assert Selector(get(site, "/pti-stories")[1]).css("ul.pagination")


# -- /news-analysis --------------------------------------------------------------------------------


def test_news_analysis_lists_every_type_by_modification_page_1_from_2_days_later_from_15(site):
    first = get(site, ANALYSIS.format(region=quote(GLOBAL), page=1))[1]
    page_2 = get(site, ANALYSIS.format(region=quote(GLOBAL), page=2))[1]
    assert get(site, ANALYSIS.format(region="", page=1))[1] == ""
    ids = [ids_in(first), ids_in(page_2)]
    assert [len(i) for i in ids] == [25, 25]
    assert ids_in(get(site, "/news-analysis")[1], "#news-items") == ids[0]
    in_window = {
        days: [int(i) for i in site.ids()[2:] if site.now - site.created_at(int(i)) <= days]
        for days in (timedelta(days=2), timedelta(days=15))
    }

    def by_modification(ids):
        return sorted(ids, key=lambda i: (site.modified_at(i), i), reverse=True)

    assert ids[0] == by_modification(in_window[timedelta(days=2)])[:25]
    assert ids[1] == by_modification(in_window[timedelta(days=15)])[25:50]
    late = get(site, ANALYSIS.format(region=quote(GLOBAL), page=200))[1]
    assert {site.article(i).source for i in ids_in(late)} - {"PTI", "Reuters", "IANS"}
    assert any(
        site.kind_of(i) == "Blog"
        for p in range(2, 40)
        for i in ids_in(get(site, ANALYSIS.format(region=quote(GLOBAL), page=p))[1])
    )


# -- /api/Search/GetAllNews ------------------------------------------------------------------------


def test_all_news_lists_every_article_newest_created_first_20_a_page_in_utc():
    site = ReplicaSite(articles=130, seed=4)
    pages = []
    for number in range(1, 10):
        status, body = get(site, f"/api/Search/GetAllNews/{number}")
        assert status == 200
        items = json.loads(body)
        pages.append(items)
        if not items:
            break
    assert [len(p) for p in pages] == [20] * 6 + [12, 0]
    items = [item for page in pages for item in page]
    assert [str(item["newId"]) for item in items] == [*site.ids()[2:][::-1], "809210", "806669"]
    for item in items:
        data = site.article(item["newId"])
        assert set(item) == {"id", "title", "createdOn", "imageUrl", "newId", "label", "country"}
        assert item["id"] == site.guid(item["newId"]) and item["title"] == data.title
        assert item["label"] == data.label  # None: agency-wire
        created = datetime.fromisoformat(item["createdOn"])
        assert created.tzinfo is None, "UTC without an offset"
        assert created == data.created.replace(tzinfo=None)
        assert item["imageUrl"] == (data.image.url if data.image else None)
    assert any(item["label"] is None for item in items)
    raw = "".join(get(site, f"/api/Search/GetAllNews/{n}")[1] for n in range(1, 8))
    assert raw.isascii() and "'" not in raw and any("'" in item["title"] for item in items)


def test_the_all_news_knob_makes_it_fail_or_change_shape():
    site = ReplicaSite(articles=50, seed=4, all_news="error")
    assert get(site, "/api/Search/GetAllNews/1")[0] == 500
    site.all_news = "shape"
    status, body = get(site, "/api/Search/GetAllNews/1")
    assert status == 200 and isinstance(json.loads(body), dict)
    site.all_news = "ok"
    assert isinstance(json.loads(get(site, "/api/Search/GetAllNews/1")[1]), list)
    with pytest.raises(ValueError):
        ReplicaSite(articles=5, all_news="sometimes")


# -- robots.txt ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "status", "api_allowed"),
    [(None, 404, True), ("allow_api", 200, True), ("disallow_api", 200, False)],
)
def test_robots_txt_has_three_states(state, status, api_allowed):
    site = ReplicaSite(articles=20, seed=1, robots=state)
    code, text = get(site, "/robots.txt")
    assert code == status
    parser = RobotFileParser()
    if code == 404:
        parser.allow_all = True
    else:
        parser.parse(text.splitlines())
    base = "https://www.devdiscourse.com"
    agent = "DevdiscourseArchiver/0.1"
    assert parser.can_fetch(agent, base + "/api/Search/GetAllNews/1") is api_allowed
    for path in ("/RSS/GoogleNews", "/pti-stories", "/Home/GetNewsItems?page=1", "/article/x/1"):
        assert parser.can_fetch(agent, base + path), path


# -- the Edition cookie (docs/site.md §8.1) --------------------------------------------------------


def test_a_visitor_without_the_cookie_is_geolocated_and_listings_follow_the_cookie(serve_replica):
    site = ReplicaSite(articles=3000, seed=4)
    server = serve_replica(site)
    home = fetch(server.base_url, "/")
    assert home.status == 302 and home.getheader("Location").endswith("/south-asia")
    cookie = home.getheader("Set-Cookie").split(";")[0]
    assert cookie == "Edition=South%20Asia"
    assert fetch(server.base_url, "/", BOT_UA).status == 200, "not for a bot"
    with_cookie = fetch_with_cookie(server, "/", cookie)
    assert with_cookie.status == 200
    label = "business"
    plain = ids_in(fetch(server.base_url, f"/stories/{label}").text, "#news-items")
    regional = ids_in(fetch_with_cookie(server, f"/stories/{label}", cookie).text, "#news-items")
    assert plain == site.label_listing_ids(label, GLOBAL)[:5]
    assert regional == site.label_listing_ids(label, "South Asia")[:5] != plain
    analysis = ids_in(fetch_with_cookie(server, "/news-analysis", cookie).text, "#news-items")
    assert analysis == site.analysis_listing_ids("South Asia", 1)
    assert analysis != site.analysis_listing_ids(GLOBAL, 1)
    # The fragments read their `region` parameter, not the cookie.
    target = FRAGMENT.format(region=quote(GLOBAL), page=1, label=label)
    assert ids_in(fetch_with_cookie(server, target, cookie).text)[:5] == plain


def fetch_with_cookie(server, target: str, cookie: str):
    import http.client

    connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
    connection.request("GET", target, headers={"User-Agent": BROWSER_UA, "Cookie": cookie})
    response = connection.getresponse()
    response.text = response.read().decode()
    connection.close()
    assert "Edition=" in next(entry.cookie for entry in reversed(list(server.requests)))
    return response


# -- article pages: docs/site.md §8.4 --------------------------------------------------------------


def json_ld(html: str) -> list[str]:
    return Selector(html).css('script[type="application/ld+json"]::text').getall()


def test_opinion_pieces_prefix_only_the_json_ld_headline(site):
    opinion = next(i for i in site.ids()[2:] if site.article(i).subtype == OPINION)
    data = site.article(opinion)
    assert data.kind == "Blog"
    page = Selector(site.render_article(opinion))
    assert page.css("h1.title::text").get() is not None
    assert not page.css("title::text").get().startswith("Opinion")
    assert not page.css('meta[property="og:title"]::attr(content)').get().startswith("Opinion")
    article = json_ld(page.get())[0]
    assert '"headline":"Opinion: ' in article and '"@type":"NewsArticle"' in article
    other = next(i for i in site.ids()[2:] if site.article(i).kind == "Blog" != OPINION)
    other = next(
        i
        for i in site.ids()[2:]
        if site.article(i).kind == "Blog" and not (site.article(i).subtype)
    )
    assert '"headline":"Opinion: ' not in site.render_article(other)


def test_the_json_ld_breadcrumb_names_raw_sector_ids_and_the_html_the_first_by_name(site):
    several = next(i for i in site.ids()[2:] if len(site.article(i).sectors) >= 2)
    data = site.article(several)
    assert data.sector == min(data.sectors, key=lambda s: SECTORS[s])
    html = site.render_article(several)
    crumbs = json.loads(json_ld(html)[1])["itemListElement"]
    assert crumbs[2]["name"] == ",".join(str(SECTOR_IDS[s]) for s in data.sectors)
    assert Selector(html).css(f'ul[class*=breadcrumb] a[href="/news/{data.sector}"]')


def test_a_stored_disclaimer_is_shown_to_bots_and_inputs_need_an_agency_original(site):
    stored = next(i for i in site.ids()[2:] if site.article(i).disclaimer_stored)
    assert SYNDICATED_NOTE in site.render_article(stored, bot=True)
    assert site.expected_record(stored, bot=True)["syndicated"] is True
    plain = next(
        i
        for i in site.ids()[2:]
        if site.article(i).disclaimer == "syndicated" and not site.article(i).disclaimer_stored
    )
    assert SYNDICATED_NOTE not in site.render_article(plain, bot=True)
    desk = [site.article(i) for i in site.ids()[2:600]]
    desk = [d for d in desk if d.source == "Devdiscourse News Desk"]
    assert all(
        (d.disclaimer == "inputs") == (d.original_source in DISCLAIMED_AGENCIES) for d in desk
    )
    assert any(d.original_source and d.disclaimer is None for d in desk)
    inputs = next(d for d in desk if d.disclaimer == "inputs")
    assert INPUTS_NOTE in site.render_article(inputs.news_id)


def test_amp_pages_print_countries_after_the_city_and_protocol_relative_wrong_hosts(site):
    wanted = [
        site.article(i)
        for i in site.ids()[2:800]
        if site.article(i).source not in DISCLAIMED_AGENCIES and site.article(i).countries
    ]
    with_city = next(d for d in wanted if d.location and d.image and not d.video)
    without_city = next(d for d in wanted if not d.location)
    page = Selector(site.render_article(with_city.news_id, "amp"))
    source = " ".join("".join(page.css("p.source ::text").getall()).split())
    assert source.endswith(f"| {with_city.location} | {', '.join(with_city.countries)}")
    assert page.css('meta[property="og:url"]::attr(content)').get() == (
        "/" + with_city.canonical_path
    )
    assert page.css("div.news-box > amp-img::attr(src)").get().startswith("//img?imageUrl=")
    record = site.expected_record(without_city.news_id, "amp")
    assert record["location"] == ", ".join(dict.fromkeys(without_city.countries))
