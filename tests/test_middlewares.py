import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.test import get_crawler

from newsbot.middlewares import SameOriginMiddleware, is_truncated_page, retry_after_seconds

MIRROR = "http://127.0.0.1:8800"
PROJECT = Path(__file__).resolve().parent.parent
FINGERPRINTER = "newsbot.fingerprints.NewsIdRequestFingerprinter"


class MirrorSpider(Spider):
    name = "devdiscourse"


def middleware(base_url: str = MIRROR) -> SameOriginMiddleware:
    crawler = get_crawler(MirrorSpider)
    crawler.spider = MirrorSpider(base_url=base_url)
    return SameOriginMiddleware.from_crawler(crawler)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://www.devdiscourse.com/article/international/1234567-x?amp",
            f"{MIRROR}/article/international/1234567-x?amp",
        ),
        ("http://devdiscourse.com/robots.txt", f"{MIRROR}/robots.txt"),
    ],
)
def test_production_url_is_rewritten_onto_the_mirror(url: str, expected: str) -> None:
    original = Request(url, meta={"keep": 1})
    rewritten = middleware().process_request(original)
    assert isinstance(rewritten, Request)
    assert rewritten.url == expected
    assert rewritten.meta["keep"] == 1


def test_rewritten_request_is_not_a_duplicate_of_its_original() -> None:
    crawler = get_crawler(MirrorSpider, {"REQUEST_FINGERPRINTER_CLASS": FINGERPRINTER})
    crawler.spider = MirrorSpider(base_url=MIRROR)
    original = Request("https://www.devdiscourse.com/article/health/1234567-x")
    rewritten = SameOriginMiddleware.from_crawler(crawler).process_request(original)
    assert isinstance(rewritten, Request)
    fingerprint = crawler.request_fingerprinter.fingerprint
    # The dupe filter has already seen the original; an equal fingerprint would drop the twin.
    assert fingerprint(rewritten) != fingerprint(original)
    assert fingerprint(rewritten) == fingerprint(Request(f"{MIRROR}/article/health/1234567-y"))


def test_rewritten_request_then_passes() -> None:
    mw = middleware()
    rewritten = mw.process_request(Request("https://www.devdiscourse.com/pti-stories?page=2"))
    assert isinstance(rewritten, Request)
    assert mw.process_request(rewritten) is None


@pytest.mark.parametrize(
    "url",
    [f"{MIRROR}/", f"{MIRROR}/article/health/1-x", "http://127.0.0.1:8800/robots.txt"],
)
def test_same_origin_passes(url: str) -> None:
    mw = middleware()
    assert mw.process_request(Request(url)) is None
    assert mw.crawler.stats.get_value("newsbot/offsite/blocked") is None


def test_production_site_is_not_rewritten_onto_itself() -> None:
    mw = middleware("https://www.devdiscourse.com")
    assert mw.process_request(Request("https://www.devdiscourse.com/article/1-x")) is None
    moved = mw.process_request(Request("http://devdiscourse.com/article/1-x"))
    assert isinstance(moved, Request)
    assert moved.url == "https://www.devdiscourse.com/article/1-x"


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/article/health/1-x",
        "http://127.0.0.1:8801/article/health/1-x",
        "http://127.0.0.1/robots.txt",
        "http://127.0.0.2:8800/",
        "http://localhost:8800/",
        "https://127.0.0.1:8800/",
        "file:///etc/passwd",
        "ftp://127.0.0.1:8800/x",
        "data:text/plain,hello",
    ],
)
def test_other_origin_is_blocked_and_counted(url: str) -> None:
    mw = middleware()
    with pytest.raises(IgnoreRequest):
        mw.process_request(Request(url))
    assert mw.crawler.stats.get_value("newsbot/offsite/blocked") == 1


def test_retries_and_unfiltered_requests_are_blocked_too() -> None:
    mw = middleware()
    retry = Request("http://127.0.0.1:8801/", dont_filter=True, meta={"retry_times": 1})
    with pytest.raises(IgnoreRequest):
        mw.process_request(retry)
    with pytest.raises(IgnoreRequest):
        mw.process_request(Request("http://evil.test/", meta={"allow_offsite": True}))


class Recorder(BaseHTTPRequestHandler):
    """Serves `/`, a redirect to `OTHER` and robots.txt, recording every path it is asked for."""

    redirect_to = ""

    def do_GET(self) -> None:
        self.server.paths.append(self.path)  # type: ignore[attr-defined]
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", self.redirect_to)
        else:
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def recording_server(redirect_to: str = "") -> Iterator[ThreadingHTTPServer]:
    handler = type("Handler", (Recorder,), {"redirect_to": redirect_to})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.paths = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


FAST = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False")

SPIDER = """
import scrapy

class Probe(scrapy.Spider):
    name = "probe"
    base_url = {base!r}

    async def start(self):
        for url in {urls!r}:
            yield scrapy.Request(url, dont_filter=True)

    def parse(self, response):
        pass
"""


def test_crawl_never_touches_another_origin_not_even_for_robots_txt(tmp_path: Path) -> None:
    with recording_server() as other:
        other_url = f"http://127.0.0.1:{other.server_port}"
        with recording_server(redirect_to=f"{other_url}/landing") as base:
            base_url = f"http://127.0.0.1:{base.server_port}"
            spider = tmp_path / "probe.py"
            urls = [f"{base_url}/", f"{base_url}/redirect", f"{other_url}/direct"]
            spider.write_text(SPIDER.format(base=base_url, urls=urls))
            result = subprocess.run(
                [sys.executable, "-m", "scrapy", "runspider", str(spider), *FAST],
                cwd=PROJECT,
                env={**os.environ, "NEWSBOT_DATA_DIR": str(tmp_path / "data")},
                capture_output=True,
                text=True,
                timeout=60,
            )
    assert result.returncode == 0, result.stderr
    assert other.paths == []  # type: ignore[attr-defined]
    assert sorted(base.paths) == ["/", "/redirect", "/robots.txt"]  # type: ignore[attr-defined]
    assert "'newsbot/offsite/blocked': 2" in result.stderr


# -- Retry-After and truncated pages (issue 4) --------------------------------------------------

NOW = datetime(2026, 11, 26, 10, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("7", 7.0),
        (" 120 ", 120.0),
        ("0", 0.0),
        ("Thu, 26 Nov 2026 10:00:30 GMT", 30.0),
        ("Thu, 26 Nov 2026 09:59:00 GMT", 0.0),  # a date in the past: go now
        ("-5", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
    ids=["seconds", "padded", "zero", "http-date", "past", "negative", "word", "empty", "none"],
)
def test_retry_after_seconds(header, expected):
    assert retry_after_seconds(header, NOW) == expected


@pytest.mark.parametrize(
    ("body", "truncated"),
    [
        (b"<!DOCTYPE html><html><body><p>whole</p></body></html>\n", False),
        (b"<!doctype html><html><body><p>cut sho", True),
        (b"\n  <html lang='en'><body>cut", True),
        (b"<html><body>x</body></HTML >", False),
        (b"<div class='media'>a fragment</div>", False),  # /Home/GetNewsItems
        (b"", False),
        (b"%PDF-1.7 binary", False),
    ],
    ids=["whole", "cut", "cut-no-doctype", "upper-close", "fragment", "empty", "pdf"],
)
def test_is_truncated_page(body, truncated):
    assert is_truncated_page(body) is truncated


def test_a_spider_without_base_url_is_left_alone():
    """`scrapy shell URL` runs a default spider: the user chose the URL, newsbot's guard is for
    its own crawl."""
    crawler = get_crawler(Spider)
    crawler.spider = Spider(name="default")
    request = Request("http://127.0.0.2:9/article/politics/1-x")
    assert SameOriginMiddleware.from_crawler(crawler).process_request(request) is None
