"""A backfill shared by workers through a real Redis (newsbot/shared.py): the store in Redis,
one frontier, leases that expire and are taken back, one rate budget, Redis going away."""

import os
import signal
import subprocess
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from newsbot.arguments import IdRange
from newsbot.cron import OK, UNREACHABLE
from newsbot.demo import LOOPBACK_SETTINGS, crawl_command
from newsbot.replica import ReplicaSite
from newsbot.shared import RedisStore, SharedBackfill
from newsbot.store import Progress, StoredArticle
from tests.conftest import RedisServer, free_port
from tests.crawling import ENV, PROJECT_DIR, read_records, runs, wait_for


def row(news_id: int, revision: int, seen: str = "2026-12-01T00:00:00Z") -> StoredArticle:
    return StoredArticle(
        news_id, None, "2026-11-30T10:00:00+05:30", f"h{revision}", revision, seen, seen
    )


def test_the_redis_store_keeps_what_the_sqlite_one_keeps(redis_server: RedisServer) -> None:
    store = RedisStore(redis_server.url, "host:/a")
    other = RedisStore(redis_server.url, "host:/b")
    store.record_publication("1.jsonl", [row(7, 1)], {"health"}, {"gap": "x"})
    store.record_publication("1.jsonl", [row(7, 5)])  # the same file again: nothing
    assert store.get(7) == row(7, 1)
    other.record_publication("2.jsonl", [row(7, 2, "2026-12-02T00:00:00Z"), row(9, 1)])
    # A later revision replaces the row and keeps when it was first seen; never the reverse.
    assert store.get("7") == StoredArticle(
        7,
        None,
        "2026-11-30T10:00:00+05:30",
        "h2",
        2,
        "2026-12-01T00:00:00Z",
        "2026-12-02T00:00:00Z",
    )
    store.record_publication("3.jsonl", [row(7, 1)], marks={"gap": None})
    assert store.get(7).revision == 2
    assert (store.newest_id(), store.labels(), store.marks()) == (9, {"health"}, {})
    # Each worker's files are its own: the same name from another worker is another file.
    assert store.is_recorded("1.jsonl") and not other.is_recorded("1.jsonl")
    assert store.get(8) is None


def test_the_redis_store_keeps_updates_and_served_times_like_the_sqlite_one(
    redis_server: RedisServer,
) -> None:
    store = RedisStore(redis_server.url, "host:/a")
    updates = '[{"id": 3, "title": "a\\tb"}]'  # JSON: a tab in a string is escaped
    served = "2026-12-01T05:00:00+05:30"  # when the site served the page, by its clock
    store.record_publication("1.jsonl", [replace(row(7, 1), updates=updates, served=served)])
    assert store.get(7).stored_updates() == [{"id": 3, "title": "a\tb"}]
    assert store.get(7).served == served
    # A revision whose updates could not be read keeps the last ones known.
    store.record_publication("2.jsonl", [row(7, 2)])
    assert (store.get(7).revision, store.get(7).updates) == (2, updates)
    store.record_publication("3.jsonl", [replace(row(7, 3), updates="[]")])
    assert store.get(7).stored_updates() == []
    assert store.get(9) is None and row(9, 1).updates is None


def test_progress_is_two_bitmaps_read_by_window(redis_server: RedisServer) -> None:
    store = RedisStore(redis_server.url, "host:/a")
    store.save_progress(Progress("ids=1-20", (20, 17, 9), (16, 1)))
    assert store.settled("ids=1-20", 1, 20) == {20, 17, 16, 9, 1}
    assert store.settled("ids=1-20", 10, 17) == {17, 16}
    assert store.progress_counts("ids=1-20") == (3, 2)
    store.save_progress(Progress("ids=1-20", (16,), ()))  # found after all
    assert store.progress_counts("ids=1-20") == (4, 1)


def shared_job(url: str, worker: str, lease_seconds: float = 600) -> SharedBackfill:
    store = RedisStore(url, worker)
    stats = MemoryStatsCollector(get_crawler())
    return SharedBackfill("ids=1-50", IdRange(1, 50), store, stats, lease_seconds, batch=8)


def test_workers_share_one_pass_over_the_range(redis_server: RedisServer) -> None:
    first, second = shared_job(redis_server.url, "a"), shared_job(redis_server.url, "b")
    first.shared.save_progress(Progress("ids=1-50", (50, 3), ()))
    mine, theirs = first.left(), second.left()
    handed: list[int] = []
    for _ in range(3):  # as their start() would: a batch each, in turn
        handed += [next(mine) for _ in range(6)] + [next(theirs) for _ in range(6)]
    handed += list(mine) + list(theirs)
    assert sorted(handed) == [i for i in range(1, 51) if i not in (50, 3)]


def test_a_lease_is_held_once_and_taken_back_when_it_expires(redis_server: RedisServer) -> None:
    slow, other = shared_job(redis_server.url, "a", 0.2), shared_job(redis_server.url, "b", 0.2)
    slow.shared.save_progress(Progress("ids=1-50", (10,), ()))
    assert not slow.lease(10)  # settled
    assert slow.lease(11) and not other.lease(11)
    slow.renew()
    assert not other.lease(11)
    # The slow worker dies: nothing renews its lease, which expires on Redis's clock.
    wait_for(lambda: other.reclaim() == [11], timeout=30)
    assert other.lease(11)
    other.shared.save_progress(Progress("ids=1-50", (11,)))  # published: settled
    assert not slow.lease(11)


# -- workers on the replica -------------------------------------------------------------------


def worker(server, data_dir: Path, redis_url: str, ids: str, **settings: str) -> subprocess.Popen:
    settings = {
        **LOOPBACK_SETTINGS,
        "CONCURRENT_REQUESTS": "4",
        "RETRY_TIMES": "1",
        "NEWSBOT_CHECKPOINT_RECORDS": "5",
        "NEWSBOT_LEASE_SECONDS": "3",
        "REDIS_URL": redis_url,
        **settings,
    }
    command = crawl_command(server.base_url, data_dir, settings, "-a", ids)
    return subprocess.Popen(command, cwd=PROJECT_DIR, env=ENV, stderr=subprocess.PIPE, text=True)


def union(*data_dirs: Path) -> Counter:
    return Counter(int(record["id"]) for d in data_dirs for record in read_records(d)[0])


@pytest.fixture
def slow_replica(serve_replica):
    site = ReplicaSite(articles=120, seed=4)
    site.latency_seconds = 0.02  # a range that takes some seconds, so a kill lands midway
    return serve_replica(site)


def newest_ids(site: ReplicaSite, count: int) -> list[int]:
    return sorted(int(news_id) for news_id in site.ids())[-count:]


@pytest.mark.e2e
def test_two_workers_publish_each_article_once_and_survive_a_killed_one(
    tmp_path: Path, slow_replica, redis_server: RedisServer
) -> None:
    existing = newest_ids(slow_replica.site, 100)
    ids = f"ids={existing[0]}-{existing[-1]}"
    first, second = tmp_path / "first", tmp_path / "second"
    doomed = worker(slow_replica, first, redis_server.url, ids)
    survivor = worker(slow_replica, second, redis_server.url, ids)
    try:
        wait_for(lambda: len(read_records(first)[1]) >= 2, timeout=120)
        os.kill(doomed.pid, signal.SIGKILL)
    finally:
        doomed.communicate(timeout=60)
    _, stderr = survivor.communicate(timeout=300)
    assert survivor.returncode == OK, stderr
    # What the killed worker held is fetched by the survivor once its leases expire.
    assert union(first, second) == Counter(existing)
    counts = runs(second)[-1]["counts"]
    assert counts["backfill/left"] == 0
    assert counts.get("backfill/reclaimed", 0) >= 1

    # The killed worker restarted: nothing left, nothing published again. A cron run pointed
    # at the same Redis agrees: none of them is new.
    restarted = worker(slow_replica, first, redis_server.url, ids)
    assert restarted.wait(timeout=300) == OK, restarted.stderr.read()
    assert union(first, second) == Counter(existing)
    cron = subprocess.run(
        crawl_command(
            slow_replica.base_url,
            tmp_path / "cron",
            {**LOOPBACK_SETTINGS, "REDIS_URL": redis_server.url},
        ),
        cwd=PROJECT_DIR,
        env=ENV,
        capture_output=True,
        text=True,
    )
    assert cron.returncode == OK, cron.stderr
    assert not set(union(tmp_path / "cron")) & set(existing)


@pytest.mark.e2e
def test_redis_going_away_stops_the_worker_in_one_line_and_nothing_is_published_twice(
    tmp_path: Path, slow_replica, redis_server: RedisServer
) -> None:
    existing = newest_ids(slow_replica.site, 100)
    ids = f"ids={existing[0]}-{existing[-1]}"
    crawl = worker(slow_replica, tmp_path, redis_server.url, ids)
    try:
        wait_for(lambda: len(read_records(tmp_path)[1]) >= 2, timeout=120)
        redis_server.stop()
    finally:
        _, stderr = crawl.communicate(timeout=120)
    assert crawl.returncode == UNREACHABLE
    (line,) = stderr.strip().splitlines()
    assert line.startswith(f"newsbot: Redis at {redis_server.url} unreachable: ")
    assert line.endswith(".log")

    redis_server.start()
    again = worker(slow_replica, tmp_path, redis_server.url, ids)
    assert again.wait(timeout=300) == OK, again.stderr.read()
    assert union(tmp_path) == Counter(existing)


def article_times(server, since: int = 0) -> list[float]:
    return sorted(at for at, _, path, _ in server.requests.timed()[since:] if path != "/robots.txt")


@pytest.mark.e2e
def test_two_workers_keep_to_one_budget_and_share_the_work_when_it_allows(
    tmp_path: Path, serve_replica, redis_server: RedisServer
) -> None:
    site = ReplicaSite(articles=120, seed=4)
    site.latency_seconds = 0.2
    server = serve_replica(site)
    existing = newest_ids(site, 100)
    one_connection = {"CONCURRENT_REQUESTS": "1", "CONCURRENT_REQUESTS_PER_DOMAIN": "1"}

    def run(workers: int, ids: list[int], rate: str) -> list[float]:
        since = len(server.requests)
        job = f"ids={ids[0]}-{ids[-1]}"
        dirs = [tmp_path / f"{rate}-{workers}-{n}" for n in range(workers)]
        settings = {**one_connection, "NEWSBOT_SITE_MAX_RATE": rate}
        crawls = [worker(server, d, redis_server.url, job, **settings) for d in dirs]
        for crawl in crawls:
            assert crawl.wait(timeout=600) == OK, crawl.stderr.read()
        assert union(*dirs) == Counter(i for i in existing if ids[0] <= i <= ids[-1])
        return article_times(server, since)

    # A budget below what two workers could do: never above it, measured at the server. The
    # limiter's one-second window is kept on the workers' side; a request reaches the server's
    # log some time after it took its slot (the worker's event loop, the write, the server's
    # accept thread): 60 ms here alone, up to 200 ms with the rest of the suite on 2 cores.
    # So the server's window is shortened by 250 ms, and over the whole run the rate is held.
    times = run(2, existing[-30:], "3")
    assert max(sum(1 for b in times if a <= b < a + 0.75) for a in times) <= 3
    assert (len(times) - 1) / (times[-1] - times[0]) <= 3 * 1.05

    # A budget above what two can reach: two workers go faster than one (each waits on the
    # site's latency); ≥ 1.7 is measured by benchmarks/backfill.py, the test asks for 1.3.
    one = run(1, existing[:35], "100")
    two = run(2, existing[35:70], "100")
    rate_one = len(one) / (one[-1] - one[0])
    rate_two = len(two) / (two[-1] - two[0])
    assert rate_two >= 1.3 * rate_one, (rate_one, rate_two)


@pytest.mark.e2e
def test_a_redis_that_cannot_be_reached_stops_the_run_before_any_request(
    tmp_path: Path, slow_replica
) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    crawl = worker(slow_replica, tmp_path, url, "ids=1-10")
    _, stderr = crawl.communicate(timeout=120)
    assert crawl.returncode == UNREACHABLE
    (line,) = stderr.strip().splitlines()
    assert line.startswith(f"newsbot: Redis at {url} unreachable: ")
    assert len(slow_replica.requests) == 0
    assert runs(tmp_path)[-1]["unreachable"].startswith(f"Redis at {url} unreachable")
