"""The replica's clock: new articles, updates, revisions, windows, breakage (issue 3)."""

import re
import threading
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from xml.etree import ElementTree

import pytest
from parsel import Selector

from newsbot.replica import ReplicaSite
from newsbot.replica.routes import handle
from newsbot.replica.text import IST
from newsbot.replica.website import MAX_UPDATE_DELAY
from tests.test_replica import BROWSER_UA, fetch, page_facts

NS = {
    "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "n": "http://www.google.com/schemas/sitemap-news/0.9",
}
PINNED = ["806669", "809210"]
PINNED_BY_MODIFICATION = ["809210", "806669"]


def get(site: ReplicaSite, target: str) -> tuple[int, str]:
    response = handle(site, target, BROWSER_UA)
    return response.status, response.body.decode("utf-8")


def sitemap(site: ReplicaSite) -> list[tuple[str, str, str]]:
    """(id, lastmod, publication_date) of every entry, in order."""
    status, body = get(site, "/RSS/GoogleNews")
    assert status == 200
    entries = []
    for url in ElementTree.fromstring(body.encode()).findall("s:url", NS):
        news_id = re.search(r"/(\d+)-", url.find("s:loc", NS).text)[1]
        published = url.find("n:news/n:publication_date", NS).text
        entries.append((news_id, url.find("s:lastmod", NS).text, published))
    return entries


def listing_ids(html: str) -> list[str]:
    """Article ids of a listing page's items (not its sidebar), or of a GetNewsItems fragment."""
    page = Selector(html)
    scope = page.css("div.listing, #news-items") or [page]
    hrefs = scope[0].css("a.text-decoration::attr(href)").getall()
    return [re.search(r"/(\d+)-", href)[1] for href in hrefs]


def ist(moment: datetime) -> str:
    return moment.astimezone(IST).isoformat()


@pytest.fixture
def site() -> ReplicaSite:
    return ReplicaSite(articles=300, seed=1)


# -- determinism -----------------------------------------------------------------------------------


def test_the_same_moment_reached_by_different_paths_is_the_same_site():
    one_step, small_steps, detour = (ReplicaSite(articles=300, seed=4) for _ in range(3))
    start = one_step.now
    one_step.advance(timedelta(hours=5))
    for minutes in (1, 59, 7, 113, 120):
        small_steps.advance(minutes=minutes)
    detour.advance(days=3)  # the future is built further out, then the clock goes back
    detour.now = start + timedelta(hours=5)
    fresh = ReplicaSite(articles=300, seed=4)
    view = fresh.state_at(start + timedelta(hours=5))
    sites = (one_step, small_steps, detour, view)
    assert len({site.now for site in sites}) == 1
    assert len({tuple(site.ids()) for site in sites}) == 1
    for target in ("/RSS/GoogleNews", "/pti-stories?page=2", "/stories/business", "/AgencyWire"):
        assert len({get(site, target) for site in sites}) == 1, target
    for news_id in one_step.ids()[::7]:
        truth = one_step.revisions(news_id)
        assert all(site.revisions(news_id) == truth for site in sites)
        page = one_step.render_article(news_id)
        assert all(site.render_article(news_id) == page for site in sites)
    assert fresh.now == start and len(fresh) == 302, "a view leaves its site alone"
    detour.now = start
    assert detour.ids() == fresh.ids()
    assert [detour.expected_record(i) for i in detour.ids()] == [
        fresh.expected_record(i) for i in fresh.ids()
    ]


def test_the_clock_is_aware_utc_and_advance_takes_a_timedelta_or_units(site):
    start = site.now
    assert start.tzinfo is not None and start.utcoffset() == timedelta(0)
    assert site.initial_now == start
    assert site.advance(timedelta(minutes=30)) == start + timedelta(minutes=30)
    assert site.advance(hours=1, minutes=30) == start + timedelta(hours=2)
    with pytest.raises(ValueError):
        site.now = datetime(2026, 11, 27, 10, 0)  # naive
    site.now = datetime(2026, 11, 27, 15, 30, tzinfo=IST)
    assert site.now == datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


# -- new articles ----------------------------------------------------------------------------------


def test_new_articles_appear_at_the_site_rate_with_ascending_ids(site):
    before = site.ids()
    assert len(before) == 302, "articles=N is the count at the initial clock"
    start = site.now
    newest_before = int(before[-1])
    assert newest_before not in site.state_at(start - timedelta(hours=1)).ids()
    site.advance(hours=2)
    after = site.ids()
    assert after[: len(before)] == before
    new = [int(i) for i in after[len(before) :]]
    assert 60 <= len(new) <= 140, len(new)  # 40-50 an hour, in bursts
    assert new == sorted(new) and new[0] > newest_before
    created = [site.article(i).created for i in new]
    assert all(start < moment <= site.now for moment in created)
    assert created == sorted(created)
    assert site.changes_between(start, site.now)["new"] == [str(i) for i in new]
    assert not site.state_at(start).has(new[0]) and site.has(new[0])
    with pytest.raises(KeyError):
        site.state_at(start).expected_record(new[0])


# -- updates and revisions -------------------------------------------------------------------------


def test_some_articles_already_have_updates_at_the_initial_clock(site):
    updated = [i for i in site.ids() if site.revision(i) > 0]
    assert 20 <= len(updated) <= 120
    twice = [i for i in updated if site.revision(i) == 2]
    assert twice, "no article updated twice"
    for news_id in updated[:10] + twice[:3]:
        history = site.revisions(news_id)
        assert len(history) == site.revision(news_id) + 1
        assert history[-1] == site.expected_record(news_id)
        assert history[0]["updated"] == history[0]["created"]
        assert all(a["created"] == b["created"] for a, b in pairwise(history))
        assert all(a["updated"] < b["updated"] for a, b in pairwise(history))
        assert all(a["body"] != b["body"] for a, b in pairwise(history))
        assert "Updated: " in site.render_article(news_id)
    untouched = next(i for i in site.ids()[2:] if site.revision(i) == 0)
    assert len(site.revisions(untouched)) == 1
    assert "Updated: " not in site.render_article(untouched)
    assert site.revisions("809210") == [site.expected_record("809210")]


def test_two_hours_bring_updates_of_existing_articles(site):
    start = site.now
    old_ids = site.ids()
    before = {i: site.revisions(i) for i in old_ids}
    site.advance(hours=2)
    changes = site.changes_between(start, site.now)
    assert changes["updated"], "no existing article was updated within two hours"
    assert set(changes["updated"]) <= set(old_ids)
    lastmods = {news_id: lastmod for news_id, lastmod, _ in sitemap(site)}
    for news_id in old_ids:
        history = site.revisions(news_id)
        if news_id not in changes["updated"]:
            assert history == before[news_id]
            continue
        old, new = before[news_id][-1], history[-1]
        assert history[: len(before[news_id])] == before[news_id], "history is append-only"
        assert len(history) > len(before[news_id])
        if site.article(news_id).is_live_blog:
            continue  # its updates change, not its story: tests/test_replica_live_blogs.py
        assert new["updated"] > old["updated"] and new["created"] == old["created"]
        assert new["body"] != old["body"]
        assert {k: v for k, v in new.items() if k not in ("updated", "body")} == {
            k: v for k, v in old.items() if k not in ("updated", "body")
        }
        data = site.article(news_id)
        assert start < data.updated <= site.now
        assert lastmods[news_id] == ist(data.updated)
        html = site.render_article(news_id)
        assert f'itemprop="dateModified" content="{ist(data.updated)}"' in html or not (
            data.meta_dates
        )
        assert f'"dateModified":"{new["updated"]}"' in html
        assert page_facts(html)["body"] == new["body"]
        assert data.updated.astimezone(IST).strftime("Updated: %d-%m-%Y %H:%M IST") in html


def test_changes_between_is_what_a_crawler_must_publish_at_each_run():
    site = ReplicaSite(articles=400, seed=9)
    t1 = site.now
    t2, t3 = t1 + timedelta(hours=3), t1 + timedelta(hours=20)
    for earlier, later in ((t1, t2), (t2, t3), (t1, t3)):
        before, after = site.state_at(earlier), site.state_at(later)
        old = set(before.ids())
        expected_new, expected_updated = [], []
        for news_id in after.ids():
            if news_id not in old:
                expected_new.append(news_id)
            elif after.expected_record(news_id) != before.expected_record(news_id):
                expected_updated.append(news_id)
        changes = site.changes_between(earlier, later)
        assert changes == {"new": expected_new, "updated": expected_updated}
        assert expected_new and expected_updated
    assert site.now == t1


def test_updates_come_within_the_schedule_and_on_distinct_minutes():
    site = ReplicaSite(articles=3000, seed=2)
    site.advance(days=3)  # every update of the original articles is now in the past
    counts = {0: 0, 1: 0, 2: 0}
    for news_id in site.ids()[2:3002]:
        versions = site.versions(news_id)
        if versions[0].is_live_blog:
            continue  # its updates: tests/test_replica_live_blogs.py
        counts[len(versions) - 1] += 1
        times = [versions[0].created] + [v.updated for v in versions[1:]]
        assert all((b - a).total_seconds() >= 300 for a, b in pairwise(times)), (
            "an update within the same minute could not be seen in the byline"
        )
        assert (times[-1] - times[0]).total_seconds() <= MAX_UPDATE_DELAY
    share = (counts[1] + counts[2]) / 3000
    assert 0.2 < share < 0.3 and counts[2] > 0.05 * 3000 * 0.25


# -- sitemap and listings relative to the clock ----------------------------------------------------


def test_news_sitemap_window_cap_and_order_follow_the_clock():
    site = ReplicaSite(articles=3000, seed=3)
    site.advance(hours=9, minutes=17)
    entries = sitemap(site)
    assert len(entries) == 500 and not {e[0] for e in entries} & set(PINNED)
    # Created since 12:00 IST two days before today (IST), newest modified first.
    today = site.now.astimezone(IST).date()
    start = datetime.combine(today - timedelta(days=2), datetime.min.time(), IST)
    start += timedelta(hours=12)
    assert site.sitemap_window_start() == start
    window = [i for i in site.ids()[2:] if start <= site.article(i).created <= site.now]
    expected = sorted(window, key=lambda i: (site.article(i).modified, int(i)), reverse=True)
    assert [e[0] for e in entries] == expected[:500]
    for news_id, lastmod, published in entries:
        data = site.article(news_id)
        assert lastmod == ist(data.modified) and published == ist(data.created)
    assert entries[0][1] == ist(max(site.article(i).modified for i in site.ids()[2:]))


def test_the_window_starts_at_noon_ist_two_days_before_today_36_to_60_hours_back():
    site = ReplicaSite(articles=50, seed=3)
    for moment, start in (
        ("2026-11-26T00:00:00+05:30", "2026-11-24T12:00:00+05:30"),  # 36 hours back
        ("2026-11-26T23:59:00+05:30", "2026-11-24T12:00:00+05:30"),  # nearly 60
        ("2026-11-27T00:00:00+05:30", "2026-11-25T12:00:00+05:30"),
    ):
        assert site.state_at(datetime.fromisoformat(moment)).sitemap_window_start() == (
            datetime.fromisoformat(start)
        )


def test_a_small_site_lists_every_recent_article_and_old_ones_leave_the_window():
    site = ReplicaSite(articles=200, seed=6)
    start = site.now
    assert [e[0] for e in sitemap(site)[-2:]] == PINNED_BY_MODIFICATION
    assert [e[0] for e in sitemap(site)[:-2]] == sorted(
        site.ids()[2:], key=lambda i: (site.article(i).modified, int(i)), reverse=True
    )
    site.advance(days=3)
    ids = {e[0] for e in sitemap(site)[:-2]}
    assert ids and all(site.article(i).created > start for i in ids)


def test_the_pinned_ids_sort_in_before_the_cut_and_drop_out_when_500_newer_exist():
    small = ReplicaSite(articles=300, seed=3)
    entries = sitemap(small)
    assert len(entries) == 302 and [e[0] for e in entries[-2:]] == PINNED_BY_MODIFICATION
    lastmods = [e[1] for e in entries]
    assert lastmods == sorted(lastmods, reverse=True), "sorted in by their own modification"
    site = ReplicaSite(articles=499, seed=3)
    assert [e[0] for e in sitemap(site)[-1:]] == ["809210"] and len(sitemap(site)) == 500
    site.advance(minutes=30)  # newer articles push them out
    assert not {e[0] for e in sitemap(site)} & set(PINNED) and len(sitemap(site)) == 500


def test_overrun_the_sitemap_oldest_entry_is_newer_than_the_old_newest_article():
    site = ReplicaSite(articles=3000, seed=3)
    newest_before = site.article(site.ids()[-1]).created
    start = site.now
    site.advance(hours=14)
    assert len(site.changes_between(start, site.now)["new"]) > 500
    entries = sitemap(site)
    assert len(entries) == 500
    # Ordered by lastmod, newest first: the last entry is the oldest one.
    assert entries[-1][1] == min(lastmod for _, lastmod, _ in entries)
    assert entries[-1][1] > ist(newest_before)
    missing = set(site.changes_between(start, site.now)["new"]) - {e[0] for e in entries}
    assert missing, "the sitemap alone cannot show everything since the last run"


def test_listing_windows_follow_the_clock():
    site = ReplicaSite(articles=40_000, seed=5)
    site.advance(days=2, hours=3)
    positions = range(len(site) - 2)  # every non-pinned article that exists now, oldest first
    for path, sources, days, per_page in (
        ("/pti-stories", {"PTI"}, 30, 20),
        ("/AgencyWire", {"PTI", "Reuters", "IANS"}, 10, 40),
    ):
        in_window = [
            str(site.id_at(p))
            for p in reversed(positions)
            if site.source_of(p) in sources
            and site.kind_of(site.id_at(p)) == "News"
            and site.now - site.created_of(p) <= timedelta(days=days)
        ]
        status, first = get(site, f"{path}?page=1")
        assert status == 200
        assert listing_ids(first) == in_window[:per_page]
        assert site.created_at(int(in_window[0])) > site.initial_now
        pages = -(-len(in_window) // per_page)
        last = listing_ids(get(site, f"{path}?page={pages}")[1])
        assert last == in_window[(pages - 1) * per_page :]
        age = site.now - site.created_at(int(last[-1]))
        assert timedelta(days=days - 1) < age <= timedelta(days=days), path
        assert listing_ids(get(site, f"{path}?page={pages + 1}")[1]) == []
    label = "sports-games"
    expected = [str(i) for i in site.label_listing_ids(label, "Global Edition")]
    assert expected and all(
        site.now - site.created_at(int(i)) <= timedelta(days=10) for i in expected
    )
    assert listing_ids(get(site, f"/stories/{label}")[1]) == expected[:5]
    query = "/Home/GetNewsItems?sector=&region=Global%20Edition&country=&tag=&cat="
    last_page = -(-len(expected) // 20)
    fragment = get(site, f"{query}&page={last_page}&label={label}")[1]
    assert listing_ids(fragment) == expected[(last_page - 1) * 20 :]
    assert get(site, f"{query}&page={last_page + 1}&label={label}")[1].strip() == ""


def test_a_20000_article_site_serves_its_sitemap_after_the_clock_moves():
    # Only that it answers: how fast is the simulation benchmark's figure (benchmarks/simulate.py),
    # never a pass/fail test on a shared machine.
    site = ReplicaSite(articles=20_000, seed=8)
    get(site, "/RSS/GoogleNews")
    for hours in (1, 6, 14):
        site.advance(hours=hours)
        status, _ = get(site, "/RSS/GoogleNews")
        assert status == 200, hours


# -- breakage --------------------------------------------------------------------------------------


def test_breakage_http500_answers_every_request_with_an_error_page(serve_replica):
    site = ReplicaSite(articles=60, seed=3)
    server = serve_replica(site)
    article = site.canonical_path(int(site.ids()[-1]))
    targets = ["/sitemap.xml", "/RSS/GoogleNews", "/pti-stories", "/stories/business", article]
    assert all(fetch(server.base_url, t).status == 200 for t in targets)
    site.breakage = "http500"
    for target in (*targets, "/", "/robots.txt", "/no/such/page"):
        response = fetch(server.base_url, target)
        assert response.status == 500 and "An error occurred" in response.text, target
    site.breakage = None
    assert all(fetch(server.base_url, t).status == 200 for t in targets)
    with pytest.raises(ValueError):
        site.breakage = "sometimes"


def test_breakage_no_dates_drops_byline_and_dates_only_from_article_pages(site):
    news_id = next(i for i in site.ids()[2:] if site.revision(i) and site.article(i).meta_dates)
    record = site.expected_record(news_id)
    healthy = {v: site.render_article(news_id, v) for v in ("desktop", "amp")}
    listing = get(site, "/pti-stories")
    site_map = get(site, "/RSS/GoogleNews")
    site.breakage = "no_dates"
    broken = {v: site.render_article(news_id, v) for v in ("desktop", "amp")}
    assert get(site, "/pti-stories") == listing and get(site, "/RSS/GoogleNews") == site_map
    served = get(site, site.canonical_path(int(news_id)))
    assert served == (200, broken["desktop"])
    for variant, html in broken.items():
        for gone in ("Created:", "Updated:", "datePublished", "dateModified", 'class="meta"'):
            assert gone not in html, (variant, gone)
        assert record["created"] not in html and record["updated"] not in html
    page = Selector(broken["desktop"])
    assert not page.css("div.metadata, div.m-b-10.m-t-10, ul.list-inline.m-b-10")
    assert page_facts(broken["desktop"]) == page_facts(healthy["desktop"])
    assert site.expected_record(news_id) == record
    site.breakage = None
    assert site.render_article(news_id) == healthy["desktop"]


# -- over HTTP -------------------------------------------------------------------------------------


def test_a_served_page_after_advance_shows_the_new_state(moving_replica):
    server, site = moving_replica, moving_replica.site
    start = site.now
    changes = site.changes_between(start, start + timedelta(hours=2))
    updated, new = changes["updated"][0], changes["new"][-1]
    path = site.canonical_path(int(updated))
    old_body = page_facts(fetch(server.base_url, path).text)["body"]
    assert old_body == site.expected_record(updated)["body"]
    assert fetch(server.base_url, f"/article/business/{new}-x").status == 500
    site.advance(hours=2)
    page = fetch(server.base_url, path).text
    truth = site.expected_record(updated)
    assert page_facts(page)["body"] == truth["body"] != old_body
    assert site.article(updated).updated.astimezone(IST).strftime("%d-%m-%Y %H:%M IST") in page
    new_path = site.canonical_path(int(new))
    assert fetch(server.base_url, new_path).status == 200
    listed = re.findall(r"/(\d+)-", fetch(server.base_url, "/RSS/GoogleNews").text)
    assert new in listed and updated in listed


def test_advancing_while_serving_never_mixes_two_moments(serve_replica):
    site = ReplicaSite(articles=600, seed=7)
    server = serve_replica(site)
    stop = threading.Event()

    def tick() -> None:
        while not stop.is_set():
            site.advance(minutes=3)
            stop.wait(0.02)

    ticker = threading.Thread(target=tick)
    ticker.start()
    try:
        for _ in range(6):
            body = fetch(server.base_url, "/RSS/GoogleNews").body
            lastmods = re.findall(rb"<lastmod>([^<]+)</lastmod>", body)
            assert len(lastmods) == 500 and lastmods == sorted(lastmods, reverse=True)
    finally:
        stop.set()
        ticker.join()
    assert site.now > site.initial_now
