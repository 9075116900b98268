"""Memory flat in a run's length (issue 8, target 4): what grows per article is kept as bits or
on disk, never as one Python object per article; parsed pages are freed at once; heavy
libraries are imported only when used.

In-process, on temporary stores: the mechanisms, not a crawl (benchmarks/crawl.py measures one).
"""

import asyncio
import gc
import subprocess
import sys
import weakref
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.dupefilters import RFPDupeFilter
from scrapy.http import HtmlResponse

from newsbot.extract import extract_article
from newsbot.fingerprints import NewsIdDupeFilter, NewsIdRequestFingerprinter
from newsbot.items import Article
from newsbot.middlewares import ParsedPageReleaseMiddleware
from newsbot.newsids import NewsIdSet
from newsbot.pipelines import JsonLinesWriterPipeline
from newsbot.state import RunState, seen_store
from tests.stubs import state_crawler

PROJECT = Path(__file__).resolve().parent.parent
FIRST_ID = 3_990_000  # late 2026 (docs/site.md §1)


@pytest.fixture
def crawler(tmp_path: Path) -> Iterator[Crawler]:
    crawler = state_crawler(tmp_path)
    yield crawler
    crawler.get_extension(RunState).spider_closed()


@pytest.mark.parametrize(
    ("added", "asked", "found"),
    [
        (["3992331"], "3992331", True),
        (["3992331"], 3992331, True),  # a NewsId by text or by number is one key
        ([3992331], "3992331", True),
        (["3992331"], "3992332", False),
        ([0], 0, True),
        (["/Home/Detail/8f14e45f-ceea"], "/Home/Detail/8f14e45f-ceea", True),  # not a NewsId
        (["/Home/Detail/8f14e45f-ceea"], "3992331", False),
        (["12"], "١٢", False),  # Arabic-Indic digits are not a NewsId, nor the same key
        ([], None, False),
    ],
)
def test_news_id_set_answers_like_a_set(added, asked, found):
    assert (asked in NewsIdSet(added)) is found


def test_news_id_set_counts_distinct_keys():
    assert len(NewsIdSet(["5", 5, "6", "/Home/Detail/x", "/Home/Detail/x"])) == 3


def test_news_id_set_memory_does_not_grow_with_the_ids_it_holds():
    ids = NewsIdSet()
    ids.add(FIRST_ID)
    one = ids.allocated_bytes
    for news_id in range(FIRST_ID, FIRST_ID + 20_000):
        ids.add(news_id)
    # 20,000 ids in a row span at most two blocks of 4 KiB: 0.4 bytes an id.
    assert len(ids) == 20_000
    assert ids.allocated_bytes <= 2 * one == 8192


def record(news_id: int) -> Article:
    return Article(
        id=str(news_id),
        revision=1,
        url=f"https://www.devdiscourse.com/article/international/{news_id}-x",
        title="A title",
        source="PTI",
        created="2020-03-02T17:29:00+05:30",
        updated="2020-03-02T17:54:00+05:30",
        crawled_at="2026-11-26T10:15:02Z",
    )


def test_the_writer_holds_nothing_per_record_however_long_the_run(crawler):
    """The store learns the run's records from the published file itself, as recovery would."""
    writer = JsonLinesWriterPipeline.from_crawler(crawler)
    writer.open_spider()
    store = seen_store(crawler)
    count = 1_000
    for news_id in range(FIRST_ID, FIRST_ID + count):
        writer.process_item(record(news_id))
    held = {name: len(value) for name, value in vars(writer).items() if hasattr(value, "__len__")}
    assert all(size < 10 for size in held.values()), held
    assert store.get(FIRST_ID) is None  # nothing is known before publication
    writer.close_spider()
    assert all(store.get(news_id) for news_id in range(FIRST_ID, FIRST_ID + count))
    assert store.db.execute("SELECT records FROM published").fetchall() == [(count,)]


URLS = [
    "http://127.0.0.1:8800/article/international/3992331-kremlin-says",
    "http://127.0.0.1:8800/article/international/3992331-another-slug",  # same article
    "http://127.0.0.1:8800/article/business/3992331-kremlin-says",  # wrong label: same
    "http://127.0.0.1:8800/article/agency-wire/3992331-kremlin-says",  # alias: 301s, differs
    "http://127.0.0.1:8800/article/agency-wire/3992331",
    "http://127.0.0.1:8800/article/3992331-kremlin-says",  # no label: an alias too
    "http://127.0.0.1:8801/article/international/3992331-kremlin-says",  # another port
    "http://127.0.0.1:8800/article/international/3992332-next",
    "http://127.0.0.1:8800/pti-stories?page=2",
    "http://127.0.0.1:8800/pti-stories?page=2",
    "http://127.0.0.1:8800/Home/Detail/8f14e45f-ceea-467f-a0e6-6d2f3e9b1c11",
]


def test_the_duplicate_filter_decides_as_scrapys_does_with_newsbots_fingerprints():
    fingerprinter = NewsIdRequestFingerprinter()
    scrapys = RFPDupeFilter(fingerprinter=fingerprinter)
    newsbots = NewsIdDupeFilter(fingerprinter=fingerprinter)
    requests = [Request(url) for url in URLS]
    assert [newsbots.request_seen(r) for r in requests] == [
        scrapys.request_seen(r) for r in requests
    ]


def test_the_duplicate_filter_keeps_no_fingerprint_per_article():
    dupefilter = NewsIdDupeFilter(fingerprinter=NewsIdRequestFingerprinter())
    for news_id in range(FIRST_ID, FIRST_ID + 5_000):
        url = f"http://127.0.0.1:8800/article/international/{news_id}-x"
        assert not dupefilter.request_seen(Request(url))
    assert dupefilter.request_seen(Request(f"http://127.0.0.1:8800/article/health/{FIRST_ID}"))
    dupefilter.request_seen(Request("http://127.0.0.1:8800/pti-stories?page=2"))
    assert len(dupefilter._fingerprints) == 1  # the listing's


def test_a_run_on_the_sites_own_formats_never_imports_dateparser():
    """dateparser costs ~10 MB and 0.4 s: only a date in none of the site's formats loads it."""
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from scrapy.http import HtmlResponse\n"
        "import newsbot.spiders.devdiscourse, newsbot.pipelines, newsbot.monitors\n"
        "from newsbot.extract import extract_article\n"
        "from newsbot.processors import parse_datetime\n"
        "for page in sorted(Path('tests/golden').glob('*.html')):\n"
        "    extract_article(HtmlResponse(url='http://127.0.0.1/article/x/1-a',"
        " body=page.read_bytes(), encoding='utf-8'))\n"
        "parse_datetime('2023-12-16T21:07:00+05:30')\n"
        "print('dateparser' in sys.modules)\n"
        "parse_datetime('21 November 2022')\n"
        "print('dateparser' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["False", "True"]


GOLDEN_PAGE = PROJECT / "tests" / "golden" / "markup-2026-wire.html"


def parsed_page() -> HtmlResponse:
    url = "http://127.0.0.1:8800/article/international/3992331-x"
    response = HtmlResponse(url=url, body=GOLDEN_PAGE.read_bytes(), encoding="utf-8")
    extract_article(response)  # parses it, as a callback does
    return response


def collector_paused(test):
    """Run `test` with the cyclic garbage collector off: only reference counts free objects."""

    def run() -> None:
        gc.collect()
        gc.disable()
        try:
            test()
        finally:
            gc.enable()

    return run


@collector_paused
def test_scrapy_keeps_a_parsed_page_alive_until_a_full_collection():
    """Why the middleware exists: Scrapy's cached selector and its response refer to each other.
    If this fails, Scrapy no longer makes the cycle and the middleware can go."""
    response = parsed_page()
    page = weakref.ref(response)
    del response
    assert page() is not None


@collector_paused
def test_a_parsed_page_is_freed_as_soon_as_its_callback_is_done():
    response = parsed_page()
    page = weakref.ref(response)
    outputs = ParsedPageReleaseMiddleware().process_spider_output(response, iter(["a request"]))
    assert list(outputs) == ["a request"]
    del response
    assert page() is None


@collector_paused
def test_a_parsed_page_is_freed_after_an_async_callback_too():
    response = parsed_page()
    page = weakref.ref(response)

    async def callback() -> AsyncIterator[str]:
        yield "a request"

    async def consume(page: HtmlResponse) -> list[str]:
        outputs = ParsedPageReleaseMiddleware().process_spider_output_async(page, callback())
        return [output async for output in outputs]

    assert asyncio.run(consume(response)) == ["a request"]
    del response
    assert page() is None
