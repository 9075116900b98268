"""`scrapy parse` and `scrapy shell` beside a running crawl: they read, never publish or recover.

The commands (newsbot/commands/) run read-only: the seen store opened read-only and without the
lock, no writer, no health checks. Here a process holds the data directory's lock, as a cron
crawl would, while they run.
"""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, XmlResponse
from scrapy.utils.test import get_crawler

from newsbot.replica import ReplicaServer, ReplicaSite
from newsbot.runlock import LOCK_NAME
from newsbot.spiders.devdiscourse import DevdiscourseSpider
from newsbot.store import STORE_NAME
from tests.crawling import ENV, PROJECT_DIR, run_crawl
from tests.test_state import HOLD_LOCK

PART = ".2026-12-01T00-00-00Z.jsonl.part"
# What a read-only command must never print.
NEVER = ("Traceback", "KeyError", "must not publish", "FAIL", "health check")


@pytest.fixture
def crawled(tmp_path: Path, replica_server: ReplicaServer) -> Path:
    """A data directory the replica was crawled into, with a running crawl's part file."""
    data = tmp_path / "data"
    assert run_crawl(replica_server.base_url, data).status == 0
    (data / "devdiscourse" / PART).write_text('{"id": "1"}\n')
    return data


@pytest.fixture
def locked(crawled: Path) -> Iterator[Path]:
    """The directory, its lock held by another process for the whole test."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(crawled / LOCK_NAME)], stdout=subprocess.PIPE
    )
    try:
        assert holder.stdout.readline() == b"held\n"
        yield crawled
    finally:
        holder.kill()
        holder.wait()


def snapshot(data: Path) -> dict[str, bytes]:
    """Every file's content, but SQLite's own transient companions of the store."""
    return {
        str(path.relative_to(data)): path.read_bytes()
        for path in sorted(data.rglob("*"))
        if path.is_file() and not path.name.startswith(f"{STORE_NAME}-")
    }


def scrapy(data: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *arguments],
        cwd=PROJECT_DIR,
        env={**ENV, "NEWSBOT_DATA_DIR": str(data)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_quiet(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 0, done.stderr[-3000:]
    assert [word for word in NEVER if word in done.stderr] == [], done.stderr[-3000:]


@pytest.mark.e2e
def test_parse_and_shell_beside_a_running_crawl_read_and_change_nothing(
    locked: Path, replica_site: ReplicaSite, replica_server: ReplicaServer
) -> None:
    news_id = replica_site.ids()[-1]
    url = replica_server.base_url + replica_site.article(news_id).canonical_path
    title = replica_site.expected_record(news_id)["title"]
    before = snapshot(locked)

    # No --spider, no -c, no -a base_url: the project's spider, the article callback, the URL's
    # site.
    parsed = scrapy(locked, "parse", "--nolinks", "--nocolour", url)
    assert_quiet(parsed)
    assert f"'id': '{news_id}'" in parsed.stdout and repr(title) in parsed.stdout
    assert f"'fetched_from': '{replica_server.base_url}'" in parsed.stdout

    # Through the pipelines: the article is published already, so nothing would be.
    piped = scrapy(locked, "parse", "--pipelines", "--nolinks", "--nocolour", url)
    assert_quiet(piped)
    assert "Not published: unchanged" in piped.stderr
    assert "# Scraped Items  " in piped.stdout and f"'id': '{news_id}'" not in piped.stdout

    shell = scrapy(locked, "shell", url, "-c", "response.css('h1::text').get()")
    assert_quiet(shell)
    assert shell.stdout.strip() == title

    assert snapshot(locked) == before  # the part file of the "running crawl" included


@pytest.mark.e2e
def test_parse_of_a_listing_follows_its_articles(
    tmp_path: Path, replica_site: ReplicaSite, replica_server: ReplicaServer
) -> None:
    listing = f"{replica_server.base_url}/pti-stories"
    parsed = scrapy(tmp_path / "data", "parse", "--noitems", listing)
    assert_quiet(parsed)
    assert "/article/" in parsed.stdout and "/pti-stories?page=2" in parsed.stdout
    assert not (tmp_path / "data").exists()  # nothing created either


ARTICLE = "https://www.devdiscourse.com/article/health/3990123-some-story"
SITE = "https://www.devdiscourse.com"
FRAGMENT = "/Home/GetNewsItems?sector=&region=Global%20Edition&country=&tag=&page=2&cat=&label="


@pytest.mark.parametrize(
    ("url", "callback", "kwargs"),
    [
        (ARTICLE, "parse_article", {}),
        (ARTICLE + "?amp", "parse_article", {}),
        (f"{SITE}/article/3990123", "parse_article", {}),
        (f"{SITE}/RSS/GoogleNews", "parse_sitemap", {}),
        (f"{SITE}/rss/googlenews", "parse_sitemap", {}),
        (f"{SITE}/api/Search/GetAllNews/3", "parse_all_news", {"page": 3}),
        (f"{SITE}/pti-stories", "parse_listing", {"listing": "/pti-stories", "page": 1}),
        (f"{SITE}/AgencyWire?page=3", "parse_listing", {"listing": "/AgencyWire", "page": 3}),
        (
            f"{SITE}/devdiscourse-stories?page=2",
            "parse_listing",
            {"listing": "/devdiscourse-stories", "page": 2},
        ),
        (f"{SITE}/news-analysis", "parse_listing", {"listing": "/news-analysis", "page": 1}),
        (
            f"{SITE}/AgencyWire/GetNewsAnalysisItems?region=Global%20Edition&type=&page=4",
            "parse_listing",
            {"listing": "/news-analysis", "page": 4},
        ),
        (f"{SITE}/stories/health", "parse_listing", {"listing": "/stories/health", "page": 1}),
        (
            f"{SITE}{FRAGMENT}business",
            "parse_listing",
            {"listing": "/stories/business", "page": 2},
        ),
        (
            f"{SITE}/Home/GetNewsItems?page=2&label=business",
            "parse_listing",
            {"listing": "/stories/business", "page": 2},
        ),
        # docs/site.md §1: the path form of legacy links has no route; the query form redirects
        # to the article, whose page is what the callback gets.
        (f"{SITE}/Home/Detail/0a1b2c3d-0000", None, None),
        (f"{SITE}/aboutus", None, None),
    ],
)
def test_parse_without_a_callback_picks_the_one_the_crawl_would_use(
    url: str, callback: str | None, kwargs: dict | None
) -> None:
    spider = DevdiscourseSpider.from_crawler(get_crawler(DevdiscourseSpider))
    called = []

    def record(name: str, **kw) -> tuple:
        if "listing" in kw:  # the listing by its name; its walk is the spider's own
            assert kw.pop("walk").order is kw["listing"].order
            kw["listing"] = kw["listing"].name
        called.append((name, kw))
        return ()

    for name in ("parse_article", "parse_sitemap", "parse_all_news", "parse_listing"):
        setattr(spider, name, lambda response, _name=name, **kw: record(_name, **kw))
    kind = XmlResponse if "rss" in url.lower() else HtmlResponse
    list(spider.parse(kind(url=url, body=b"<html></html>", encoding="utf-8")))
    assert called == ([] if callback is None else [(callback, kwargs)])
