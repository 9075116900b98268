"""The backfill (`-a ids=LOW-HIGH`, newsbot/backfill.py): exactly the ids of a range, each once,
missing ones counted, progress in the seen store, resumable after `kill -9`."""

import asyncio
import signal
import subprocess
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from newsbot import statkeys as keys
from newsbot.arguments import BadArgument, IdRange, parse_arguments
from newsbot.backfill import WINDOW, Backfill
from newsbot.cron import OK, UNREACHABLE, USAGE, evaluate
from newsbot.demo import LOOPBACK_SETTINGS, crawl_command
from newsbot.progress import backfill_line
from newsbot.publish import KILL_AT_ENV
from newsbot.replica import ReplicaSite
from newsbot.replica.routes import handle
from newsbot.spiders.devdiscourse import DevdiscourseSpider
from newsbot.state import RunState
from newsbot.store import STORE_NAME, Progress, SeenStore
from tests.crawling import (
    ENV,
    PROJECT_DIR,
    field_differences,
    read_records,
    run_crawl,
    runs,
)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"ids": "abc"}, "ids must be a range of NewsIds LOW-HIGH such as 3900000-3950000"),
        ({"ids": "3950000-3900000"}, "the range is reversed, write it 3900000-3950000"),
        ({"ids": "0-10"}, "ids must be a range"),
        ({"ids": "1-2", "full": "1"}, "ids (a backfill) and full exclude each other"),
        ({"ids": "1-2", "max_pages": "3"}, "ids (a backfill) and max_pages exclude each other"),
        ({"since": "yesterday"}, "since must be a date (2026-01-01) or an ISO 8601 time"),
        ({"since": "2999-01-01"}, "since is in the future: '2999-01-01'"),
        ({"since": "2026-01-01", "ids": "1-2"}, "ids and since exclude each other"),
        ({"since": "2026-01-01", "full": "1"}, "since (a backfill) and full exclude each other"),
    ],
)
def test_bad_backfill_arguments_are_refused_in_one_line(raw: dict, message: str) -> None:
    with pytest.raises(BadArgument) as refused:
        parse_arguments(raw)
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)


def test_an_id_range_names_its_job() -> None:
    arguments = parse_arguments({"ids": " 3900000-3950000 "})
    assert arguments.ids == IdRange(3900000, 3950000)
    assert len(arguments.ids) == 50001
    assert arguments.backfill == "ids=3900000-3950000"
    assert parse_arguments({}).backfill is None
    since = parse_arguments({"since": "2026-01-01"})
    assert since.backfill == "since=2026-01-01T00:00:00+05:30"  # midnight IST


@pytest.mark.e2e
def test_a_bad_range_stops_before_any_request(tmp_path: Path, replica_server) -> None:
    before = len(replica_server.requests)
    result = run_crawl(replica_server.base_url, tmp_path, "-a", "ids=20-10")
    assert result.status == USAGE
    assert result.stderr.strip().splitlines() == [
        "newsbot: error: ids: the range is reversed, write it 10-20"
    ]
    assert len(replica_server.requests) == before


# -- progress in the store --------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path):
    opened = SeenStore(tmp_path / STORE_NAME)
    yield opened
    opened.close()


def test_progress_is_committed_with_its_publication_and_counted(store: SeenStore) -> None:
    store.record_publication("a.jsonl", [], progress=Progress("ids=1-9", (9, 8), (7,)))
    store.save_progress(Progress("ids=1-9", (5,), ()))
    store.save_progress(Progress("ids=1-5", (1,), ()))  # another job
    assert store.settled("ids=1-9", 1, 9) == {9, 8, 7, 5}
    assert store.settled("ids=1-9", 6, 8) == {8, 7}
    assert store.progress_counts("ids=1-9") == (3, 1)
    assert store.progress_counts("ids=2-3") == (0, 0)
    assert store.settled("ids=2-3", 1, 9) == set()


def test_the_ids_left_skip_the_settled_ones_newest_first(store: SeenStore) -> None:
    high = 10 + 2 * WINDOW
    settled = (high, high - 1, 10 + WINDOW, 12)
    store.save_progress(Progress("ids=10-" + str(high), settled, (11,)))
    job = Backfill(f"ids=10-{high}", IdRange(10, high), store, MemoryStatsCollector(get_crawler()))
    left = list(job.left())
    assert left[:2] == [high - 2, high - 3]
    assert left[-1] == 10
    assert len(left) == len(set(left)) == 2 * WINDOW + 1 - 5
    assert not set(settled) & set(left) and 11 not in left
    assert job.remaining() == len(left)


def test_settled_ids_are_counted_and_taken_once(store: SeenStore) -> None:
    stats = MemoryStatsCollector(get_crawler())
    store.save_progress(Progress("ids=1-10", (10,), ()))
    job = Backfill("ids=1-10", IdRange(1, 10), store, stats)
    job.settle(9)
    job.settle(8, missing=True)
    assert stats.get_value(keys.BACKFILL_DONE) == 2
    assert stats.get_value(keys.BACKFILL_MISSING) == 1
    assert stats.get_value(keys.BACKFILL_LEFT) == 7
    assert job.take() == Progress("ids=1-10", (9,), (8,))
    assert not job.take()


# -- the spider's decisions on built responses ---------------------------------------------------

BASE = "http://127.0.0.1:8800"


def backfill_spider(tmp_path: Path, ids: str) -> DevdiscourseSpider:
    """The spider of a backfill, on a temporary store (RunState built after the spider, as a
    crawl builds it, so that it opens the job)."""
    settings = {"NEWSBOT_DATA_DIR": str(tmp_path), "EXTENSIONS": {RunState: 0}}
    crawler = get_crawler(DevdiscourseSpider, {**settings, "CONCURRENT_REQUESTS": 2})
    spider = DevdiscourseSpider.from_crawler(crawler, base_url=BASE, ids=ids)
    crawler.spider = spider
    # get_crawler built the extensions before there was a spider: build RunState again.
    crawler.get_extension(RunState).store.close()
    crawler.extensions.middlewares = (RunState(crawler),)
    return spider


def first_requests(spider: DevdiscourseSpider, count: int) -> list[Request]:
    async def take() -> list[Request]:
        start = spider.start()
        return [await anext(start) for _ in range(count)]

    return asyncio.run(take())


def answer(site: ReplicaSite, request: Request) -> HtmlResponse:
    """The replica's answer to `request`, as the response its callback gets."""
    served = handle(site, request.url.removeprefix(BASE), "Mozilla/5.0")
    return HtmlResponse(request.url, status=served.status, body=served.body, request=request)


def missing(request: Request) -> Failure:
    failure = Failure(HttpError(HtmlResponse(request.url, status=500, request=request)))
    failure.request = request
    return failure


def test_a_backfill_asks_for_its_ids_newest_first_in_the_short_form(tmp_path: Path) -> None:
    requests = first_requests(backfill_spider(tmp_path, "100-200"), 4)
    assert [r.url.removeprefix(BASE) for r in requests] == [
        f"/article/{n}" for n in (200, 199, 198, 197)
    ]
    assert all(r.dont_filter and r.meta["backfill"] == "range" for r in requests)


def test_a_missing_answer_is_checked_in_the_plain_form_until_the_short_one_served(
    tmp_path: Path,
) -> None:
    site = ReplicaSite(articles=20, seed=6)
    existing = int(site.ids()[-1])
    spider = backfill_spider(tmp_path, f"{existing}-{existing + 1}")
    gap, article = first_requests(spider, 2)
    (check,) = spider.backfill_failed(missing(gap))
    assert check.url == f"{BASE}/article/agency-wire/{existing + 1}"
    assert spider.backfill.take() == Progress(f"ids={existing}-{existing + 1}")
    # The short form serves an article: from now on a missing answer is final.
    assert [type(x).__name__ for x in spider.parse_article(answer(site, article))] == ["Article"]
    assert list(spider.backfill_failed(missing(check))) == []
    assert spider.backfill.take().missing == (existing + 1,)
    assert spider.crawler.stats.get_value(keys.BACKFILL_PLAIN_FORM) is None


def test_an_article_only_the_plain_form_serves_switches_the_run_to_it(tmp_path: Path) -> None:
    site = ReplicaSite(articles=20, seed=6)
    existing = int(site.ids()[-1])
    spider = backfill_spider(tmp_path, f"{existing - 5}-{existing}")
    (short,) = first_requests(spider, 1)
    (check,) = spider.backfill_failed(missing(short))  # as if the short form were gone
    list(spider.parse_article(answer(site, check)))
    assert spider.crawler.stats.get_value(keys.BACKFILL_PLAIN_FORM) == 1
    assert spider.backfill.path(existing - 1) == f"/article/agency-wire/{existing - 1}"


# -- on the replica ---------------------------------------------------------------------------


def newest_ids(site: ReplicaSite, count: int) -> list[int]:
    """The newest `count` ids of the replica, which has gaps between them (docs/site.md §1)."""
    return sorted(int(news_id) for news_id in site.ids())[-count:]


@pytest.mark.e2e
def test_a_backfill_publishes_exactly_the_existing_ids_and_counts_the_gaps(
    tmp_path: Path, serve_replica
) -> None:
    site = ReplicaSite(articles=80, seed=3)
    server = serve_replica(site)
    existing = newest_ids(site, 40)
    low, high = existing[0], existing[-1] + 2  # two ids past the newest: missing too
    settings = {**LOOPBACK_SETTINGS, "NEWSBOT_CHECKPOINT_RECORDS": "7"}
    result = run_crawl(server.base_url, tmp_path, "-a", f"ids={low}-{high}", settings=settings)
    assert result.status == OK, result.stderr

    published = [int(record["id"]) for record in result.records]
    assert sorted(published) == existing
    expected = {str(news_id): site.expected_record(news_id) for news_id in existing}
    assert field_differences(result.records, expected) == []
    assert len(result.files) == -(-len(existing) // 7)  # a file per checkpoint
    gaps = high - low + 1 - len(existing)
    counts = runs(tmp_path)[-1]["counts"]
    assert runs(tmp_path)[-1]["backfill"] == f"ids={low}-{high}"
    assert (counts["backfill/done"], counts["backfill/missing"]) == (len(existing), gaps)
    assert counts["backfill/left"] == 0
    # Nothing but the range, each id once, in its short form (docs/site.md §8.1).
    article_paths = [path for _, path, _ in server.requests if path != "/robots.txt"]
    asked = Counter(int(path.rsplit("/", 1)[1]) for path in article_paths)
    assert set(asked) == set(range(low, high + 1))
    assert all(path.startswith("/article/") and path.count("/") == 2 for path in article_paths)
    assert {asked[news_id] for news_id in existing} == {1}

    # A cron run afterwards republishes none of them; the same backfill again requests nothing.
    cron = run_crawl(server.base_url, tmp_path)
    assert cron.status == OK, cron.stderr
    assert Counter(record["id"] for record in cron.records).most_common(1)[0][1] == 1
    requests_before = len(server.requests)
    again = run_crawl(server.base_url, tmp_path, "-a", f"ids={low}-{high}", settings=settings)
    assert again.status == OK, again.stderr
    assert len(again.records) == len(cron.records)
    assert all(path == "/robots.txt" for _, path, _ in server.requests[requests_before:])


@pytest.mark.e2e
def test_a_range_with_no_article_fails_its_health_check(tmp_path: Path, serve_replica) -> None:
    site = ReplicaSite(articles=20, seed=3)
    server = serve_replica(site)
    beyond = newest_ids(site, 1)[0] + 100
    result = run_crawl(
        server.base_url, tmp_path, "-a", f"ids={beyond}-{beyond + 5}", settings=FAST_RETRIES
    )
    assert result.status == 1
    assert "backfill ids=" in result.stderr and "fetched no article" in result.stderr
    assert runs(tmp_path)[-1]["counts"]["backfill/missing"] == 6


# No retry back-off to speak of on a local server.
FAST_RETRIES = {
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "RETRY_TIMES": "1",
}


@pytest.mark.e2e
def test_a_backfill_killed_midway_resumes_and_publishes_each_article_once(
    tmp_path: Path, serve_replica
) -> None:
    """SIGKILLed after its eighth record, so past its first chunk of five (NEWSBOT_TEST_KILL_AT:
    the kill lands midway however fast the machine is)."""
    site = ReplicaSite(articles=120, seed=4)
    server = serve_replica(site)
    existing = newest_ids(site, 100)
    ids = f"ids={existing[0]}-{existing[-1]}"
    settings = {
        **LOOPBACK_SETTINGS,
        "CONCURRENT_REQUESTS": "4",
        "RETRY_TIMES": "1",
        "NEWSBOT_CHECKPOINT_RECORDS": "5",
    }
    command = crawl_command(server.base_url, tmp_path, settings, "-a", ids)
    killed = {**ENV, KILL_AT_ENV: "after_records:8"}
    first = subprocess.run(command, cwd=PROJECT_DIR, env=killed, capture_output=True, timeout=300)
    assert first.returncode == -signal.SIGKILL
    published_before, _ = read_records(tmp_path)
    assert 0 < len(published_before) < len(existing)
    requests_at_kill = len(server.requests)

    second = subprocess.run(command, cwd=PROJECT_DIR, env=ENV, capture_output=True, text=True)
    assert second.returncode == OK, second.stderr
    records, _ = read_records(tmp_path)
    assert Counter(int(record["id"]) for record in records) == Counter(existing)
    # The restart asked again for none of what was published before the kill.
    again = {path for _, path, _ in server.requests[requests_at_kill:]}
    assert not {f"/article/{record['id']}" for record in published_before} & again


@pytest.mark.parametrize(
    ("counts", "elapsed", "at_start", "line"),
    [
        (
            {"done": 150, "missing": 50, "left": 800},
            100,
            100,
            "newsbot: backfill ids=1-1000: 150 done, 50 missing, 800 left, 1.0 ids/s,"
            " 13:20 left, 1:40",
        ),
        (
            {"done": 0, "missing": 0, "left": 1000},
            5,
            0,
            "newsbot: backfill ids=1-1000: 0 done, 0 missing, 1000 left, 0.0 ids/s, ? left, 0:05",
        ),
        (
            {"done": 10, "missing": 0, "left": 36000},
            10,
            0,
            "newsbot: backfill ids=1-1000: 10 done, 0 missing, 36000 left, 1.0 ids/s,"
            " 10:00:00 left, 0:10",
        ),
    ],
)
def test_the_progress_line_of_a_backfill(counts, elapsed, at_start, line) -> None:
    stats = {keys.BACKFILL_JOB: "ids=1-1000"} | {
        {"done": keys.BACKFILL_DONE, "missing": keys.BACKFILL_MISSING, "left": keys.BACKFILL_LEFT}[
            name
        ]: value
        for name, value in counts.items()
    }
    assert backfill_line(stats, elapsed, at_start) == line


def test_a_lost_redis_is_exit_69_in_one_line() -> None:
    stats = {keys.FINISH_REASON: "redis_unavailable", keys.REDIS_LOST: "Redis at r unreachable: x"}
    outcome = evaluate(stats, cap=60)
    assert (outcome.status, outcome.messages) == (UNREACHABLE, ["Redis at r unreachable: x"])


# -- a backfill by creation time --------------------------------------------------------------


def created_since(site: ReplicaSite, since: datetime) -> list[int]:
    """The replica's own account of the articles created at or after `since`."""
    created = {int(i): site.expected_record(i)["created"] for i in site.ids()}
    return sorted(i for i, moment in created.items() if datetime.fromisoformat(moment) >= since)


@pytest.mark.e2e
def test_a_backfill_since_a_moment_publishes_what_was_created_since_through_getallnews(
    tmp_path: Path, serve_replica
) -> None:
    site = ReplicaSite(articles=60, seed=3)
    server = serve_replica(site)
    newest = sorted(int(i) for i in site.ids())[-25]
    since = datetime.fromisoformat(site.expected_record(newest)["created"])
    expected = created_since(site, since)
    result = run_crawl(server.base_url, tmp_path, "-a", f"since={since.isoformat()}")
    assert result.status == OK, result.stderr
    assert sorted(int(record["id"]) for record in result.records) == expected
    # Labelled URLs from the listing: one request per article, no redirect, no guessing.
    paths = [path for _, path, _ in server.requests]
    articles = [path for path in paths if path.startswith("/article/")]
    assert len(articles) == len(expected) and all(path.count("/") == 3 for path in articles)
    assert (
        sum(path.startswith("/api/Search/GetAllNews/") for path in paths)
        <= 1 + len(expected) // 20 + 1
    )

    # Again: the listing is read, nothing settled is asked for.
    before = len(server.requests)
    again = run_crawl(server.base_url, tmp_path, "-a", f"since={since.isoformat()}")
    assert again.status == OK, again.stderr
    assert not [p for _, p, _ in server.requests[before:] if p.startswith("/article/")]


@pytest.mark.e2e
def test_without_getallnews_a_backfill_since_walks_ids_down_from_the_newest_stored(
    tmp_path: Path, serve_replica
) -> None:
    site = ReplicaSite(articles=60, seed=3, robots="disallow_api")
    server = serve_replica(site)
    ids = sorted(int(i) for i in site.ids())
    first = run_crawl(server.base_url, tmp_path, "-a", f"ids={ids[-3]}-{ids[-1]}")
    assert first.status == OK, first.stderr
    since = datetime.fromisoformat(site.expected_record(ids[-15])["created"])
    result = run_crawl(server.base_url, tmp_path, "-a", f"since={since.isoformat()}")
    assert result.status == OK, result.stderr
    published = {int(record["id"]) for record in result.records}
    assert set(created_since(site, since)) - {ids[-3], ids[-2], ids[-1]} <= published
    assert runs(tmp_path)[-1]["counts"]["discovery/fallback/api_disallowed"] == 1
    # The walk stopped a batch below the first older article: not down the whole range.
    asked = [p for _, p, _ in server.requests if p.startswith("/article/")]
    assert len(asked) < 3 + 15 + 2 * 32 * 4
