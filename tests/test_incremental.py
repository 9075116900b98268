"""Cron-grade incremental crawls of the replica (issue 3): what a run fetches and publishes.

Each crawl is `scrapy crawl devdiscourse` in a subprocess. Expected records and changes come
from the replica's ground truth (`expected_record`, `changes_between`), never from newsbot.
"""

import json
import math
from collections import Counter
from datetime import timedelta
from urllib.parse import urlsplit
from urllib.request import urlopen

import pytest
from scrapy.settings import Settings
from scrapy.utils.sitemap import Sitemap

from newsbot.cron import HEALTH_FAILED, OK
from newsbot.provenance import claim
from newsbot.replica import ReplicaSite
from newsbot.store import SeenStore, StoredArticle, default_path
from newsbot.urls import LABELS, news_id
from tests.crawling import field_differences, read_records, run_crawl

pytestmark = pytest.mark.e2e

MAX_PAGES = ("-a", "max_pages=50")
# One request per discovery root: robots.txt, the news sitemap, GetAllNews, the News Desk
# listing, /news-analysis and each label's fragment; and /news-analysis's page 2, read back to
# where page 1 ended because its page 1 is drawn from fewer days than later pages.
ROOT_REQUESTS = 1 + 1 + 1 + 1 + 1 + len(LABELS) + 1


def article_requests(server) -> list[str]:
    return [path for _, path, _ in server.requests if path.startswith("/article/")]


def other_requests(server) -> list[str]:
    return [path for _, path, _ in server.requests if not path.startswith("/article/")]


def published_since(data_dir, before: list[dict]) -> list[dict]:
    records, _ = read_records(data_dir)
    return records[len(before) :]


def assert_silent_success(result) -> None:
    assert (result.status, result.stdout, result.stderr) == (OK, "", ""), result.stderr


def assert_records_are_truth(
    records: list[dict], site: ReplicaSite, revisions: dict, api: bool = True
) -> None:
    """Each record is the article as the site shows it now, with the expected revision; `api`
    False: with the `/api/` a live blog's updates come from refused (unknown)."""
    assert Counter(record["id"] for record in records) == Counter(list(revisions))
    assert {record["id"]: record["revision"] for record in records} == revisions
    truth = {record["id"]: site.expected_record(record["id"], api=api) for record in records}
    assert field_differences(records, truth) == []


def test_first_run_publishes_everything_and_an_unchanged_rerun_costs_one_request_per_root(
    moving_replica, tmp_path
):
    site = moving_replica.site
    first = run_crawl(moving_replica.base_url, tmp_path, *MAX_PAGES)
    assert_silent_success(first)
    assert_records_are_truth(first.records, site, dict.fromkeys(site.ids(), 1))

    moving_replica.requests.clear()
    again = run_crawl(moving_replica.base_url, tmp_path, *MAX_PAGES)
    assert_silent_success(again)
    assert again.files == first.files  # nothing published, no empty file
    assert article_requests(moving_replica) == []
    assert len(moving_replica.requests) <= ROOT_REQUESTS

    runs = [json.loads(line) for line in (tmp_path / "runs.jsonl").read_text().splitlines()]
    assert [run["status"] for run in runs] == [OK, OK]
    assert runs[0]["new"] == len(site.ids()) and runs[0]["published"] == str(first.files[0])
    # What each discovery step asked for is counted: nothing, the second time.
    assert runs[0]["counts"]["discovery/sitemap_requests"] > 0
    assert not any(name.endswith("_requests") for name in runs[1]["counts"])
    assert (runs[1]["new"], runs[1]["revised"], runs[1]["published"]) == (0, 0, None)


def test_an_unchanged_rerun_stays_within_the_bound_with_20000_stored_articles(
    serve_replica, tmp_path
):
    site = ReplicaSite(articles=20_000, seed=3)
    server = serve_replica(site)
    claim(tmp_path, server.base_url)  # a replica's directory, before its store is seeded
    store = SeenStore(default_path_for(tmp_path))
    store.seed(
        StoredArticle.from_record({**site.expected_record(news_id), "revision": 1})
        for news_id in site.ids()
    )
    store.close()
    result = run_crawl(server.base_url, tmp_path, *MAX_PAGES)
    assert_silent_success(result)
    assert result.records == []
    assert article_requests(server) == []
    assert len(server.requests) <= ROOT_REQUESTS


def default_path_for(data_dir):
    return default_path(Settings({"NEWSBOT_DATA_DIR": str(data_dir)}))


def test_after_the_clock_moves_a_run_publishes_exactly_the_new_and_updated_articles(
    moving_replica, tmp_path
):
    site = moving_replica.site
    first = run_crawl(moving_replica.base_url, tmp_path, *MAX_PAGES)
    assert_silent_success(first)
    before = site.now
    site.advance(hours=2)
    changes = site.changes_between(before, site.now)
    assert changes["new"] and changes["updated"]  # the replica's clock did both

    moving_replica.requests.clear()
    second = run_crawl(moving_replica.base_url, tmp_path, *MAX_PAGES)
    assert_silent_success(second)
    revisions = dict.fromkeys(changes["new"], 1) | dict.fromkeys(changes["updated"], 2)
    assert_records_are_truth(published_since(tmp_path, first.records), site, revisions)

    # k changed articles cost k article requests, plus the listing pages that hold them: the
    # complete listing down to the first stored article, /news-analysis back to when the last
    # run began (and to where its page 1 ended; the relative times are whole hours, so up to an
    # hour before that), the News Desk while it shows something new.
    fetched = Counter(news_id(path) for path in article_requests(moving_replica))
    assert fetched == Counter(list(revisions))
    pages = Counter(listing_of(path) for path in other_requests(moving_replica))
    changed = len(revisions)
    assert pages["/api/Search/GetAllNews"] <= math.ceil(len(changes["new"]) / 20) + 1
    hour_before = site.changes_between(before - timedelta(hours=1), before)
    read_back = changed + len(hour_before["new"]) + len(hour_before["updated"])
    assert pages["/AgencyWire/GetNewsAnalysisItems"] <= math.ceil(read_back / 25) + 2
    assert pages["/devdiscourse-stories"] <= math.ceil(changed / 20) + 1
    assert pages["/Home/GetNewsItems"] == len(LABELS), "page 1 of each label"
    assert pages["/pti-stories"] == pages["/AgencyWire"] == 0, "GetAllNews stands for them"


def listing_of(path: str) -> str:
    parts = urlsplit(path)
    return parts.path.rsplit("/", 1)[0] if parts.path.startswith("/api/") else parts.path


def sitemap_ids(base_url: str) -> set[str]:
    with urlopen(base_url + "/RSS/GoogleNews") as response:
        body = response.read()
    return {news_id(entry["loc"]) for entry in Sitemap(body)}


def test_full_recrawl_walks_everything_but_publishes_nothing_unchanged(moving_replica, tmp_path):
    first = run_crawl(moving_replica.base_url, tmp_path, *MAX_PAGES)
    assert_silent_success(first)
    moving_replica.requests.clear()
    full = run_crawl(moving_replica.base_url, tmp_path, *MAX_PAGES, "-a", "full=1")
    assert_silent_success(full)
    assert full.files == first.files
    assert len(set(article_requests(moving_replica))) >= len(moving_replica.site.ids())


@pytest.mark.parametrize("robots", [None, "disallow_api"])
def test_a_sitemap_overrun_is_caught_by_the_complete_listing_or_the_html_listings(
    moving_replica, tmp_path, robots
):
    site = moving_replica.site
    site.robots = robots
    first = run_crawl(moving_replica.base_url, tmp_path, *MAX_PAGES)
    assert_silent_success(first)
    before = site.now
    site.advance(hours=20)  # through the Indian night: more new than the sitemap's 500 entries
    changes = site.changes_between(before, site.now)
    assert len(changes["new"]) > 500

    second = run_crawl(moving_replica.base_url, tmp_path, *MAX_PAGES)
    assert_silent_success(second)
    # Every new article is found: through GetAllNews, or without it through /news-analysis (by
    # time, every source) and the creation-ordered listings. Updates are announced by the
    # sitemap's lastmod and by the listings ordered by modification; all those of the sitemap
    # are published, and nothing else than what changed.
    records = published_since(tmp_path, first.records)
    published = {record["id"] for record in records}
    visible = sitemap_ids(moving_replica.base_url)
    assert set(changes["new"]) <= published
    assert {i for i in changes["updated"] if i in visible} <= published
    revisions = dict.fromkeys(changes["new"], 1)
    revisions |= {i: 2 for i in changes["updated"] if i in published}
    assert_records_are_truth(records, site, revisions, api=robots != "disallow_api")
    log = sorted((tmp_path / "logs").glob("*.log"))[-1].read_text()
    assert "News sitemap window overrun" in log


@pytest.mark.parametrize(
    ("breakage", "failed_check"),
    [("http500", "server errors"), ("no_dates", "article yield")],
)
def test_a_broken_site_fails_loudly_with_the_documented_status(
    moving_replica, tmp_path, breakage, failed_check
):
    moving_replica.site.breakage = breakage
    result = run_crawl(moving_replica.base_url, tmp_path, *MAX_PAGES)
    assert result.status == HEALTH_FAILED
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines and all(line.startswith("newsbot: ") for line in lines)
    assert any(failed_check in line for line in lines), lines
    assert result.records == []
