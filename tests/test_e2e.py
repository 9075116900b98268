"""End to end: `scrapy crawl devdiscourse` against the replica over real HTTP on 127.0.0.1.

Expected values are the replica's ground truth (its generator's data), never newsbot's output.
"""

import json
import os
import re
import subprocess
import sys
from collections import Counter

import pytest

from newsbot.replica import ReplicaSite
from tests.crawling import PROJECT_DIR, field_differences, run_crawl

pytestmark = pytest.mark.e2e

BOT_USER_AGENT = "newsbot/1.0 (+https://example.org/newsbot)"
CRAWLED_AT_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def assert_crawl_matches_truth(result, site, decoy_server, bot: bool) -> None:
    assert result.status == 0, result.stderr[-3000:]
    assert len(result.files) == 1
    counts = Counter(record["id"] for record in result.records)
    assert [news_id for news_id, n in counts.items() if n > 1] == []
    assert sorted(counts) == sorted(site.ids())
    expected = {news_id: site.expected_record(news_id, bot=bot) for news_id in site.ids()}
    assert field_differences(result.records, expected) == []
    assert all(CRAWLED_AT_RE.match(record["crawled_at"]) for record in result.records)
    assert decoy_server.requests == []


def test_crawl_writes_every_article_once_with_every_field_right(
    replica_site, replica_server, decoy_server, tmp_path
):
    result = run_crawl(replica_server.base_url, tmp_path, "-a", "max_pages=30")
    assert_crawl_matches_truth(result, replica_site, decoy_server, bot=False)
    # Where each page came from: a replica's records say so without reading their URL.
    assert {record["fetched_from"] for record in result.records} == {replica_server.base_url}
    agents = {agent for _, _, agent in replica_server.requests}
    assert all("bot" not in agent.lower() for agent in agents)
    assert any(path == "/robots.txt" for _, path, _ in replica_server.requests)


def test_crawl_under_a_bot_user_agent_loses_only_what_the_site_hides(
    replica_site, replica_server, decoy_server, tmp_path
):
    settings = {"USER_AGENT": BOT_USER_AGENT, "AUTOTHROTTLE_ENABLED": "False"}
    settings |= {"DOWNLOAD_DELAY": "0", "CONCURRENT_REQUESTS_PER_DOMAIN": "16"}
    settings |= {"NEWSBOT_SITE_MAX_RATE": "0"}
    result = run_crawl(replica_server.base_url, tmp_path, "-a", "max_pages=30", settings=settings)
    assert_crawl_matches_truth(result, replica_site, decoy_server, bot=True)


def test_crawl_with_the_shipped_settings_unchanged(serve_replica, decoy_server, tmp_path):
    site = ReplicaSite(articles=12, seed=7, decoy_url=decoy_server.base_url)
    server = serve_replica(site)
    result = run_crawl(
        server.base_url, tmp_path, "-a", "max_pages=1", "-a", "sections=health", settings={}
    )
    assert_crawl_matches_truth(result, site, decoy_server, bot=False)


def test_scrapy_parse_prints_the_record_of_one_replica_page(replica_site, replica_server):
    news_id = replica_site.ids()[-1]
    path = replica_site.canonical_url(news_id).split("devdiscourse.com", 1)[1]
    command = [sys.executable, "-m", "scrapy", "parse", "--spider", "devdiscourse", "-c"]
    command += ["parse_article", "-a", f"base_url={replica_server.base_url}"]
    done = subprocess.run(
        [*command, replica_server.base_url + path],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    truth = replica_site.expected_record(news_id)
    assert f"'id': '{news_id}'" in done.stdout
    assert repr(truth["title"]) in done.stdout


def test_scrapy_feed_export_still_works_beside_the_data_directory(
    replica_site, replica_server, tmp_path
):
    feed = tmp_path / "out.jsonl"
    result = run_crawl(replica_server.base_url, tmp_path / "data", "-O", str(feed))
    assert result.status == 0, result.stderr
    exported = [json.loads(line) for line in feed.read_text(encoding="utf-8").splitlines()]
    assert sorted(r["id"] for r in exported) == sorted(r["id"] for r in result.records)
    assert sorted(r["id"] for r in exported) == sorted(replica_site.ids())


def test_scrapy_shell_fetches_a_replica_page(replica_site, replica_server, tmp_path):
    news_id = replica_site.ids()[-1]
    url = replica_server.base_url + replica_site.article(news_id).canonical_path
    done = subprocess.run(
        [sys.executable, "-m", "scrapy", "shell", url, "-c", "response.css('h1::text').get()"],
        cwd=PROJECT_DIR,
        env={**os.environ, "NEWSBOT_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == replica_site.expected_record(news_id)["title"]


def test_scrapy_list_names_the_spider():
    done = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"], cwd=PROJECT_DIR, capture_output=True, text=True
    )
    assert done.stdout.split() == ["devdiscourse"]
