"""Discovery as the site really works, end to end (issue 10): `scrapy crawl devdiscourse` against
the corrected replica over HTTP. Which articles each source shows comes from the replica's own
listing queries; what must be published from `changes_between` and `expected_record`."""

import json
import math
from collections import Counter
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from newsbot.cron import OK
from newsbot.provenance import claim
from newsbot.replica import ReplicaSite
from newsbot.replica.content import LABELS
from newsbot.replica.website import GLOBAL_EDITION
from newsbot.store import SeenStore, StoredArticle
from newsbot.urls import news_id
from tests.crawling import read_records, run_crawl
from tests.test_incremental import assert_records_are_truth, default_path_for, published_since

pytestmark = pytest.mark.e2e

MAX_PAGES = 5  # the shipped default
REPLICA = "http://127.0.0.1:8800"


def shown_by_html(site: ReplicaSite, max_pages: int = MAX_PAGES) -> dict[str, set[str]]:
    """What the sitemap and the first `max_pages` pages of each HTML listing show now: "new"
    holds every article they list, "modified" those whose modification they show (a time, or an
    order against stored articles); creation-ordered listings show no modification."""
    by_creation = set(site.source_listing_ids(("PTI",), 30)[: max_pages * 20])
    by_creation |= set(site.source_listing_ids(("PTI", "Reuters", "IANS"), 10)[: max_pages * 40])
    desk = ("Devdiscourse News Desk",)
    modified = set(site.source_listing_ids(desk, None, by_modification=True)[: max_pages * 20])
    for page in range(1, max_pages + 1):
        modified |= set(site.analysis_listing_ids(GLOBAL_EDITION, page))
    for label in LABELS:
        modified |= set(site.label_listing_ids(label, GLOBAL_EDITION)[:20])  # fragment page 1
    modified |= set(site.sitemap_ids())
    as_text = {str(i) for i in modified}
    return {"new": as_text | {str(i) for i in by_creation}, "modified": as_text}


def seed_store(data_dir, site: ReplicaSite) -> None:
    """The store a run that saw the whole site at `site.now` leaves behind, in a directory that
    holds a replica's records (any address: the kind of site is compared)."""
    claim(data_dir, REPLICA)
    store = SeenStore(default_path_for(data_dir))
    store.seed(
        StoredArticle.from_record({**site.expected_record(i), "revision": 1}) for i in site.ids()
    )
    store.save_marks({"listings_since": site.now.isoformat()})
    store.close()


def requests_to(server, prefix: str) -> list[str]:
    return [path for _, path, _ in server.requests if path.startswith(prefix)]


def last_run(data_dir) -> dict:
    return json.loads((data_dir / "runs.jsonl").read_text().splitlines()[-1])


@pytest.fixture(scope="module")
def two_hidden_articles():
    """A site 15 hours after a complete run, with A: a new article only the complete listing
    shows (cut from the sitemap, in no label listing, older than what 5 pages of any listing
    reach), and B: a stored article whose update only items 6-20 of a label fragment's page 1
    show (the label's own page renders 5)."""
    site = ReplicaSite(articles=3000, seed=12)
    before = site.now
    later = site.state_at(before + timedelta(hours=15))
    changes = later.changes_between(before, later.now)
    html = shown_by_html(later)
    fifth = {str(i) for label in LABELS for i in later.label_listing_ids(label, GLOBAL_EDITION)[:5]}
    past_fifth = {
        str(i) for label in LABELS for i in later.label_listing_ids(label, GLOBAL_EDITION)[5:20]
    }
    only_complete = [i for i in changes["new"] if i not in html["new"] | past_fifth | fifth]
    only_past_fifth = [
        i
        for i in changes["updated"]
        if i in past_fifth
        and i not in (html["modified"] - past_fifth) | fifth
        and later.article(i).source != "Devdiscourse News Desk"
    ]
    assert only_complete and only_past_fifth, "the replica holds no such pair: pick another seed"
    return site, before, only_complete[0], only_past_fifth[0]


def test_an_article_only_in_the_complete_listing_and_one_only_past_a_labels_fifth_are_found(
    two_hidden_articles, serve_replica, tmp_path
):
    site, before, only_complete, only_past_fifth = two_hidden_articles
    site.now = before
    seed_store(tmp_path, site)
    server = serve_replica(site)
    site.advance(hours=15)
    result = run_crawl(server.base_url, tmp_path)
    assert result.status == OK, result.stderr
    published = {record["id"]: record for record in result.records}
    assert published[only_complete]["revision"] == 1
    assert published[only_past_fifth]["revision"] == 2
    changes = site.changes_between(before, site.now)
    revisions = dict.fromkeys(changes["new"], 1)
    revisions |= {i: 2 for i in changes["updated"] if i in published}
    assert_records_are_truth(result.records, site, revisions)
    assert set(changes["new"]) <= set(published), "every new article, through GetAllNews"
    # No cookie is ever sent, no `/stories/<label>` page asked for, every fragment for a region.
    assert all(entry.cookie == "" for entry in server.requests)
    assert requests_to(server, "/stories/") == []
    fragments = requests_to(server, "/Home/GetNewsItems")
    assert len(fragments) == len(LABELS)
    assert all(parse_qs(urlsplit(p).query)["region"] == [GLOBAL_EDITION] for p in fragments)
    assert all(news_id(p) is not None and "/article/" in p for p in requests_to(server, "/article"))
    labelled = [p for p in requests_to(server, "/article/") if p.count("/") == 3]
    assert len(labelled) == len(requests_to(server, "/article")), "no label-less link requested"


def test_with_the_api_disallowed_no_api_request_and_all_the_html_shows_is_found(
    two_hidden_articles, serve_replica, tmp_path
):
    site, before, only_complete, only_past_fifth = two_hidden_articles
    site.now = before
    seed_store(tmp_path, site)
    site.robots = "disallow_api"
    try:
        server = serve_replica(site)
        site.advance(hours=15)
        result = run_crawl(server.base_url, tmp_path)
    finally:
        site.robots = None
    assert result.status == OK, result.stderr
    assert requests_to(server, "/api/") == []
    assert requests_to(server, "/robots.txt") == ["/robots.txt"]
    changes = site.changes_between(before, site.now)
    # Every page of each listing: an ordinary run reads each as far back as the last run, however
    # many pages that takes, and `/news-analysis` lists every source, so what 5 pages of every
    # listing would not show is found too.
    html = shown_by_html(site, max_pages=400)
    expected = {i: 1 for i in changes["new"] if i in html["new"]}
    expected |= {i: 2 for i in changes["updated"] if i in html["modified"]}
    assert only_past_fifth in expected and only_complete in expected
    assert_records_are_truth(result.records, site, expected, api=False)
    counts = last_run(tmp_path)["counts"]
    assert counts["discovery/fallback/api_disallowed"] == 1


@pytest.mark.parametrize(("state", "reason"), [("error", "api_failed"), ("shape", "api_shape")])
def test_a_failing_or_reshaped_complete_listing_falls_back_and_stays_healthy(
    serve_replica, tmp_path, state, reason
):
    site = ReplicaSite(articles=3000, seed=12)
    before = site.now
    seed_store(tmp_path, site)
    site.all_news = state
    server = serve_replica(site)
    site.advance(hours=3)
    result = run_crawl(server.base_url, tmp_path)
    assert (result.status, result.stderr) == (OK, "")
    counts = last_run(tmp_path)["counts"]
    assert counts[f"discovery/fallback/{reason}"] == 1
    log = sorted((tmp_path / "logs").glob("*.log"))[-1].read_text()
    assert log.count("Not using GetAllNews") == 1
    assert requests_to(server, "/pti-stories") and requests_to(server, "/AgencyWire?")
    changes = site.changes_between(before, site.now)
    html = shown_by_html(site)
    expected = {i: 1 for i in changes["new"] if i in html["new"]}
    expected |= {i: 2 for i in changes["updated"] if i in html["modified"]}
    assert_records_are_truth(result.records, site, expected)
    assert set(changes["new"]) <= set(expected), "3 hours: the HTML listings show every new one"


def test_an_outage_of_seven_days_is_caught_up_in_one_run(moving_replica, tmp_path):
    site = moving_replica.site
    first = run_crawl(moving_replica.base_url, tmp_path)
    assert first.status == OK, first.stderr
    before = site.now
    site.advance(days=7)
    changes = site.changes_between(before, site.now)
    moving_replica.requests.clear()
    second = run_crawl(
        moving_replica.base_url, tmp_path, settings=settings_with(NEWSBOT_MAX_ARTICLES="20000")
    )
    assert (second.status, second.stderr) == (OK, "")
    records = published_since(tmp_path, first.records)
    published = Counter(record["id"] for record in records)
    assert set(changes["new"]) <= set(published) and max(published.values()) == 1
    assert set(published) <= set(changes["new"]) | set(changes["updated"])
    revisions = {i: 1 if i in changes["new"] else 2 for i in published}
    assert_records_are_truth(records, site, revisions)
    # Issue 10's bound: besides the article pages, the listings back to the last run (GetAllNews
    # a page per 20 new, `/news-analysis` a page per 25 changed). A live blog's updates cost
    # requests of their own, counted apart: at most every page of them and the empty one after
    # (a first visit), fewer on a re-visit.
    updates_api = requests_to(moving_replica, "/api/Search/GetSubBlogs/")
    live = [i for i in published if site.kind_of(int(i)) == "LiveBlog"]
    first_visits = sum(-(-len(site.article(i).updates) // 10) + 1 for i in live)
    assert live and len(updates_api) <= first_visits
    requests = len(moving_replica.requests) - len(updates_api)
    per_new_article = requests / len(changes["new"])
    print(f"{requests} requests for {len(changes['new'])} new articles: {per_new_article:.3f}")
    assert per_new_article <= 1.1
    pages = requests_to(moving_replica, "/api/Search/GetAllNews/")
    assert len(pages) <= math.ceil(len(changes["new"]) / 20) + 1


def test_a_run_cut_by_its_budget_leaves_a_gap_the_next_run_fills(moving_replica, tmp_path):
    site = moving_replica.site
    first = run_crawl(moving_replica.base_url, tmp_path)
    assert first.status == OK, first.stderr
    before = site.now
    site.advance(hours=20)
    changes = site.changes_between(before, site.now)
    assert len(changes["new"]) > 800
    cut = run_crawl(
        moving_replica.base_url, tmp_path, settings=settings_with(NEWSBOT_MAX_ARTICLES="400")
    )
    assert cut.status == OK, cut.stderr
    assert last_run(tmp_path)["counts"]["discovery/allnews_gap"] == 1
    assert len(published_since(tmp_path, first.records)) == 400
    resumed = run_crawl(moving_replica.base_url, tmp_path)
    assert resumed.status == OK, resumed.stderr
    assert "discovery/allnews_gap" not in last_run(tmp_path)["counts"]
    records = published_since(tmp_path, first.records)
    published = Counter(record["id"] for record in records)
    assert max(published.values()) == 1
    assert set(changes["new"]) <= set(published), "nothing left in the gap"
    all_records, _ = read_records(tmp_path)
    assert len(all_records) == len(first.records) + len(records)


def settings_with(**extra: str) -> dict[str, str]:
    from newsbot.demo import LOOPBACK_SETTINGS

    return {**LOOPBACK_SETTINGS, **extra}
