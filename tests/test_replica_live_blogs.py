"""The replica's live blogs (docs/site.md §5.4, §8.3): their view, the updates API, updates on the
replica's clock, and the ground truth of every update and revision. Read from the pages and the
API with parsel and json, not with newsbot."""

import json
from datetime import UTC, timedelta
from itertools import pairwise

import pytest
from parsel import Selector

from newsbot.replica import ReplicaSite
from newsbot.replica.model import LIVE_BLOG, SYNDICATED_NOTE, update_record
from newsbot.replica.routes import handle
from newsbot.replica.text import IST, iso_ist

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"


@pytest.fixture(scope="module")
def site() -> ReplicaSite:
    return ReplicaSite(articles=300, seed=1)


def live_ids(site: ReplicaSite) -> list[str]:
    return [i for i in site.ids() if site.kind_of(int(i)) == LIVE_BLOG]


def api(site: ReplicaSite, news_id: str, page: int, action: str = "Search") -> list[dict]:
    answer = handle(site, f"/api/{action}/GetSubBlogs/{news_id}/{page}", BROWSER)
    assert answer.status == 200 and answer.content_type.startswith("application/json")
    return json.loads(answer.body)


def page_of(site: ReplicaSite, news_id: str, user_agent: str = BROWSER) -> Selector:
    answer = handle(site, site.canonical_path(int(news_id)), user_agent)
    assert answer.status == 200
    return Selector(answer.body.decode())


@pytest.mark.parametrize("seed", range(1, 11))
def test_every_replica_of_realistic_size_has_live_blogs_one_on_a_utc_clock(seed):
    site = ReplicaSite(articles=300, seed=seed)
    live = live_ids(site)
    assert len(live) >= 3
    assert any(site.article(i).server_utc for i in live)
    assert any(not site.article(i).server_utc for i in live)
    assert any(site.article(i).updates for i in live)


def test_the_live_view(site):
    for news_id in live_ids(site):
        data, record = site.article(news_id), site.expected_record(news_id)
        page = page_of(site, news_id)
        assert page.css("em.live::text").get() == "LIVE"
        article = page.css("div.col-md-8 > article")[0]
        assert article.css("h1.title::text").get() == data.title + " "
        assert article.css("h2.subtitle::text").get() == data.subtitle
        assert not page.css("h2.sub-title") and article.css("hr.hrcss")
        meta = article.css("div.news-meta")[0]
        assert meta.css("a::attr(href)").getall()[0] == "/devdiscourse-stories/"
        assert meta.css("a::text").getall() == ["Devdiscourse News Desk"]
        times = [t for t in meta.css("div.news-date span::text").getall() if t.strip()]
        assert [t.split(":")[0] for t in times] == ["Updated", "Created"]
        assert " | " not in meta.get() and meta.css("span.meta-divider")
        assert page.css('meta[http-equiv="last-modified"]::attr(content)').get() == iso_ist(
            data.modified
        )
        # No NewsArticle JSON-LD, no top-level datePublished, no breadcrumb.
        assert "NewsArticle" not in page.get()
        assert not page.css('meta[itemprop="datePublished"]') and not page.css("ul.breadcrumb")
        # The updates are on no page: the view discards them.
        assert page.css("div#news-content").get() == '<div id="news-content"></div>'
        intro = article.css("div.newsDescArticle#newsDesc")[0]
        assert intro.css("a.badge.tag::text").getall() == record["tags"]
        assert intro.css("span.badge::text").getall() == record["countries"]
        assert "READ MORE ON :" in intro.get() and ("COUNTRY :" in intro.get()) == bool(
            data.countries
        )
        if data.image is not None:
            src = article.css("div.article-image-container > img::attr(src)").get()
            assert src.startswith("/img?imageUrl=") and "&width=920" in src
            caption = article.css("div.article-image-container + p.meta::text").get()
            assert caption.endswith(f"Image Credit: {data.image.credit}")
        # The intro's own tag words link to tag pages, without the badge class.
        assert intro.css("p a[href^='/news?tag=']:not(.badge)")


def test_the_byline_runs_on_the_servers_clock(site):
    utc = [i for i in live_ids(site) if site.article(i).server_utc]
    ist = [i for i in live_ids(site) if not site.article(i).server_utc]
    for news_id in utc + ist:
        data = site.article(news_id)
        zone = UTC if data.server_utc else IST
        created = data.created.astimezone(zone).strftime("Created: %d-%m-%Y %H:%M IST")
        assert created in page_of(site, news_id).css("div.news-date span::text").getall()
    data = site.article(utc[0])
    behind = data.created.astimezone(IST) - timedelta(hours=5, minutes=30)
    assert behind.strftime("%d-%m-%Y %H:%M IST") in page_of(site, utc[0]).get()


def test_the_live_views_bot_test_is_case_sensitive_and_shows_bots_the_tags():
    site = ReplicaSite(articles=300, seed=2)
    news_id = next(i for i in live_ids(site) if site.article(i).disclaimer == "syndicated")
    record = site.expected_record(news_id, bot=True)
    for agent, disclaimer in (("Googlebot/2.1", False), ("GoogleBot/2.1", True), (BROWSER, True)):
        page = page_of(site, news_id, agent)
        assert (SYNDICATED_NOTE in page.get()) == disclaimer, agent
        assert page.css("a.badge.tag::text").getall() == record["tags"], agent
    assert record["syndicated"] and record["tags"] == site.expected_record(news_id)["tags"]


def test_the_updates_api_lists_every_update_newest_first(site):
    for news_id in live_ids(site):
        data = site.article(news_id)
        listed, page = [], 1
        while items := api(site, news_id, page):
            assert len(items) <= 10
            listed += items
            page += 1
        assert page == len(data.updates) // 10 + 1 + (len(data.updates) % 10 > 0)
        assert [item["id"] for item in listed] == [u.id for u in data.updates]
        assert api(site, news_id, 1, "DiscourseApi") == listed[:20]
        for item, update in zip(listed, data.updates, strict=True):
            assert set(item) == {
                "id", "title", "description", "parentId", "imageUrl", "fileMimeType",
                "imageCopyright", "fileSize", "creator", "createdOn", "modifiedOn",
            }  # fmt: skip
            # UTC without an offset.
            assert item["createdOn"] == update.created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
            assert item["description"] == update.html
        times = [item["createdOn"] for item in listed]
        assert times == sorted(times, reverse=True)
    assert api(site, site.ids()[-1], 1) == []  # not a live blog
    assert handle(site, f"/api/Search/GetSubBlogs/{live_ids(site)[0]}/0", BROWSER).status == 500


def test_the_api_is_under_the_robots_knob_and_can_fail_or_change_shape():
    site = ReplicaSite(articles=300, seed=1, robots="disallow_api", sub_blogs="error")
    robots = handle(site, "/robots.txt", BROWSER).body.decode()
    assert "Disallow: /api/" in robots.splitlines()
    news_id = live_ids(site)[0]
    assert handle(site, f"/api/Search/GetSubBlogs/{news_id}/1", BROWSER).status == 500
    site.sub_blogs = "shape"
    assert isinstance(
        json.loads(handle(site, f"/api/Search/GetSubBlogs/{news_id}/1", "x").body), dict
    )


def test_updates_arrive_in_bursts_then_silence_get_edited_or_deleted_and_the_site_follows():
    site = ReplicaSite(articles=1000, seed=3)
    start = site.now
    edited = deleted = 0
    for news_id in live_ids(site):
        versions = site.state_at(start + timedelta(days=2)).versions(news_id)
        moments = [v.modified for v in versions]
        assert moments == sorted(moments) and len(set(moments)) == len(moments)
        assert all(b - a >= timedelta(minutes=1) for a, b in pairwise(moments))
        # Silence after the coverage: nothing after 32 hours.
        assert moments[-1] - versions[0].created <= timedelta(hours=32)
        for before, after in pairwise(versions):
            old = {u.id: u for u in before.updates}
            new = {u.id: u for u in after.updates}
            deleted += len(old.keys() - new.keys())
            edited += sum(1 for i in old.keys() & new.keys() if old[i] != new[i])
            # Every change touches what was the newest update, or adds one.
            changed = [i for i in old if i not in new or old[i] != new[i]]
            assert not changed or changed == [before.updates[0].id]
    assert edited and deleted


def test_the_sitemap_and_the_page_follow_the_updates(site):
    news_id = next(i for i in live_ids(site) if len(site.versions(i)) > 1)
    later = site.state_at(site.now)
    for version in site.versions(news_id)[-3:]:
        moment = version.modified
        view = later.state_at(moment)
        sitemap = handle(view, "/RSS/GoogleNews", BROWSER).body.decode()
        entry = sitemap.split(f"/{news_id}-", 1)[1].split("</url>", 1)[0]
        assert f"<lastmod>{iso_ist(moment)}</lastmod>" in entry
        page = page_of(view, news_id)
        last_modified = page.css('meta[http-equiv="last-modified"]::attr(content)').get()
        assert last_modified == iso_ist(moment)
        assert view.expected_record(news_id)["updated"] == iso_ist(moment)


def test_live_blogs_are_in_the_sitemap_and_news_analysis_not_in_the_source_listings(site):
    live = {int(i) for i in live_ids(site)}
    assert live <= set(site.sitemap_ids())
    analysis = set(site.analysis_listing_ids("Global Edition", 1))
    analysis |= set(site.analysis_listing_ids("Global Edition", 2))
    assert live & analysis
    for sources, days in ((("PTI",), 30), (("PTI", "Reuters", "IANS"), 10)):
        assert not live & set(site.source_listing_ids(sources, days))
    assert not live & set(site.source_listing_ids(("Devdiscourse News Desk",), None, True))


def test_the_amp_live_blog(site):
    news_id = next(i for i in live_ids(site) if site.article(i).source == "Devdiscourse News Desk")
    answer = handle(site, site.canonical_path(int(news_id)) + "?amp", BROWSER)
    page = answer.body.decode()
    assert answer.status == 200 and "<amp-live-list" in page
    assert Selector(page).css("amp-live-list div[items]").get() == "<div items></div>"
    posting = page.split('"@type":"LiveBlogPosting"', 1)[1].split("</script>", 1)[0]
    assert posting.endswith(",}")  # not valid JSON, as on the site
    start = posting.split('"coverageStartTime":"', 1)[1].split('"', 1)[0]
    assert "+" not in start and "T" not in start  # .NET's default format, no offset


def test_the_truth_of_every_update_and_revision(site):
    for news_id in live_ids(site):
        records = site.revisions(news_id)
        assert [r["kind"] for r in records] == ["liveblog"] * len(records)
        assert records[0]["updates"] == []
        for data, record in zip(site.versions(news_id), records, strict=True):
            assert record["updates"] == [update_record(data, u) for u in data.updates]
            assert record["updated"] == iso_ist(data.modified)
            for update in record["updates"]:
                assert update["url"] == f"{record['url']}#post_{update['id']}"
                assert update["time"].endswith("+05:30")
        assert site.expected_record(news_id, api=False)["updates"] is None
    others = [i for i in site.ids() if site.kind_of(int(i)) != LIVE_BLOG]
    assert {site.expected_record(i, api=False)["updates"] == [] for i in others} == {True}
