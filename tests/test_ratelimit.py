"""The site's rate budget (NEWSBOT_SITE_MAX_RATE, newsbot/middlewares.py): decided in-process on
built requests with `limits`' memory storage; the shared one is tests/test_shared.py's."""

import asyncio

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from newsbot import statkeys as keys
from newsbot.middlewares import SiteRateLimitMiddleware, rate_fraction


@pytest.mark.parametrize(
    ("rate", "fraction"),
    [(1, (1, 1)), (2, (2, 1)), (0.5, (1, 2)), (1.5, (3, 2)), (0.25, (1, 4)), (10, (10, 1))],
)
def test_a_rate_is_a_whole_number_of_requests_per_whole_seconds(rate: float, fraction) -> None:
    assert rate_fraction(rate) == fraction


def test_a_rate_of_zero_lifts_the_budget() -> None:
    crawler = get_crawler(settings_dict={"NEWSBOT_SITE_MAX_RATE": 0})
    with pytest.raises(NotConfigured):
        SiteRateLimitMiddleware.from_crawler(crawler)


def test_requests_beyond_the_rate_wait_for_the_window_to_move() -> None:
    crawler = get_crawler(settings_dict={"NEWSBOT_SITE_MAX_RATE": 3})
    crawler.stats.open_spider()
    middleware = SiteRateLimitMiddleware.from_crawler(crawler)
    requests = [Request(f"http://127.0.0.1:8000/article/{n}") for n in range(4)]

    async def send() -> list[bool]:
        tasks = [asyncio.ensure_future(middleware.process_request(r)) for r in requests]
        await asyncio.wait(tasks[:3])
        # The first three had a slot at once; the fourth waits for the oldest to leave the
        # window, without blocking the loop (the three completed meanwhile).
        waiting = not tasks[3].done()
        await asyncio.wait_for(tasks[3], timeout=30)
        return [waiting, tasks[3].done()]

    assert asyncio.run(send()) == [True, True]
    assert crawler.stats.get_value(keys.RATE_WAITS) >= 1


def test_another_site_has_its_own_budget() -> None:
    crawler = get_crawler(settings_dict={"NEWSBOT_SITE_MAX_RATE": 1})
    crawler.stats.open_spider()
    middleware = SiteRateLimitMiddleware.from_crawler(crawler)

    async def send() -> None:
        await middleware.process_request(Request("http://127.0.0.1:8000/article/1"))
        await asyncio.wait_for(
            middleware.process_request(Request("http://127.0.0.1:9000/article/1")), timeout=30
        )

    asyncio.run(send())
    assert crawler.stats.get_value(keys.RATE_WAITS) is None
