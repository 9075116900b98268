"""A site that cannot be reached at all ends the run in seconds: one line, exit status 69.

"At all": no response was ever received and a request has failed for good (after Scrapy's
retries) on a connection error. A site that answers, even 500 everywhere, is reachable: its
health checks judge it (tests/test_cron.py).
"""

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.utils.test import get_crawler
from twisted.internet.error import TCPTimedOutError

from newsbot import statkeys as keys
from newsbot.cron import UNREACHABLE, evaluate
from newsbot.middlewares import SITE_UNREACHABLE, UnreachableSiteMiddleware, unreachable_reason
from tests.crawling import run_crawl


@pytest.mark.parametrize(
    ("error", "what"),
    [
        (CannotResolveHostError("x"), "host name not resolved"),
        (DownloadConnectionRefusedError("x"), "connection refused"),
        (DownloadTimeoutError("x"), "timed out"),
        (TCPTimedOutError(), "could not connect"),
        (DownloadFailedError("x"), "connection lost before any answer"),
        (IgnoreRequest("robots.txt"), None),
        (ValueError("x"), None),
    ],
)
def test_what_a_download_error_says_about_reaching_the_site(error: Exception, what) -> None:
    assert unreachable_reason(error) == what


class Engine:
    def __init__(self) -> None:
        self.closed: list[str] = []

    async def close_spider_async(self, *, reason: str) -> None:
        self.closed.append(reason)


@pytest.fixture
def watched() -> tuple[UnreachableSiteMiddleware, Engine]:
    crawler = get_crawler(Spider)
    crawler.engine = Engine()
    return UnreachableSiteMiddleware.from_crawler(crawler), crawler.engine


ROBOTS = Request("http://127.0.0.1:9/robots.txt", meta={"retry_times": 3})


def test_a_connection_error_before_any_response_stops_the_crawl_once(watched) -> None:
    middleware, engine = watched

    async def fail_twice() -> None:  # in a running loop, as in a crawl
        assert middleware.process_exception(ROBOTS, DownloadConnectionRefusedError("x")) is None
        middleware.process_exception(ROBOTS, DownloadConnectionRefusedError("again"))
        await asyncio.sleep(0)  # the close it scheduled runs

    asyncio.run(fail_twice())
    assert engine.closed == [SITE_UNREACHABLE]
    assert middleware.crawler.stats.get_value(keys.UNREACHABLE) == (
        "127.0.0.1:9: connection refused (4 attempts at http://127.0.0.1:9/robots.txt)"
    )


def test_after_any_response_errors_are_left_to_the_health_checks(watched) -> None:
    middleware, engine = watched
    middleware.response_downloaded()
    middleware.process_exception(ROBOTS, DownloadTimeoutError("x"))
    assert engine.closed == []


def test_an_error_that_is_not_about_reaching_the_site_stops_nothing(watched) -> None:
    middleware, engine = watched
    middleware.process_exception(ROBOTS, IgnoreRequest("offsite"))
    assert engine.closed == []


def test_an_unreachable_site_is_its_own_status_and_outranks_the_checks() -> None:
    stats = {
        keys.FINISH_REASON: SITE_UNREACHABLE,
        keys.UNREACHABLE: "127.0.0.1:9: connection refused (4 attempts at /robots.txt)",
        keys.HEALTH_FAILED: ["discovery: discovery found nothing"],
    }
    outcome = evaluate(stats, 60)
    assert (outcome.status, outcome.messages) == (
        UNREACHABLE,
        ["site unreachable: 127.0.0.1:9: connection refused (4 attempts at /robots.txt)"],
    )
    assert outcome.failed_checks == ["discovery: discovery found nothing"]


# -- on the command line ----------------------------------------------------------------------


def closed_port() -> int:
    """A port of 127.0.0.1 nothing listens on (refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    listener.close()


def runs(data: Path) -> list[dict]:
    return [json.loads(line) for line in (data / "runs.jsonl").read_text().splitlines()]


@pytest.mark.e2e
def test_a_refused_port_ends_the_run_after_the_first_requests_retries(tmp_path: Path) -> None:
    port = closed_port()
    data = tmp_path / "data"
    result = run_crawl(f"http://127.0.0.1:{port}", data, settings={})  # shipped: paced, retried
    assert (result.status, result.stdout) == (UNREACHABLE, "")
    (run,) = runs(data)
    (line,) = result.stderr.splitlines()
    assert line == (
        f"newsbot: site unreachable: 127.0.0.1:{port}: connection refused (4 attempts at"
        f" http://127.0.0.1:{port}/robots.txt); log: {run['log']}"
    )
    assert (run["status"], run["finish_reason"]) == (UNREACHABLE, SITE_UNREACHABLE)
    assert run["unreachable"].startswith(f"127.0.0.1:{port}: connection refused")
    # Not every root tried over and over: robots.txt's retries, and what was in flight.
    roots = 1 + 3 + 14 + 1
    assert run["requests"] < roots
    assert Path(run["log"]).exists() and result.records == []


@pytest.mark.e2e
def test_a_site_that_never_answers_ends_the_run_saying_it_timed_out(
    tmp_path: Path, silent_port: int
) -> None:
    data = tmp_path / "data"
    settings = {"DOWNLOAD_TIMEOUT": "1", "RETRY_TIMES": "1", "DOWNLOAD_DELAY": "0"}
    result = run_crawl(f"http://127.0.0.1:{silent_port}", data, settings=settings)
    assert result.status == UNREACHABLE, result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"newsbot: site unreachable: 127.0.0.1:{silent_port}: timed out (2")
