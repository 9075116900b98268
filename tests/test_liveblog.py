"""Live blogs on newsbot's side, in-process: the spider reads a live blog's page, then its updates
from the API (newsbot/liveblog.py), on built responses from the replica and a temporary store.
Expected values are the replica's ground truth (`expected_record`, `versions`)."""

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import TextResponse
from scrapy.robotstxt import ProtegoRobotParser
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from newsbot import statkeys as keys
from newsbot import urls
from newsbot.items import Article
from newsbot.replica import ReplicaSite
from newsbot.replica.content import update_content
from newsbot.replica.model import LIVE_BLOG, Update, expected_record, update_record
from newsbot.replica.pages import json_text, sub_blogs
from newsbot.replica.routes import handle
from newsbot.spiders.devdiscourse import NEWS_ANALYSIS, DevdiscourseSpider
from tests.test_discovery import BASE, BROWSER, make_spider, read_listing, served


@pytest.fixture(scope="module")
def site() -> ReplicaSite:
    return ReplicaSite(articles=300, seed=1)


def live_ids(site: ReplicaSite) -> list[str]:
    return [i for i in site.ids() if site.kind_of(int(i)) == LIVE_BLOG]


def page_response(site: ReplicaSite, news_id: str) -> TextResponse:
    path = site.canonical_path(int(news_id))
    return served(site, path, Request(BASE + path, meta={"news_id": news_id}))


def visit(spider: DevdiscourseSpider, page: TextResponse, api) -> tuple[Article, list[str]]:
    """The spider's visit of a live blog: its page, then each API request it chains, answered by
    `api(path)` (bytes); the record it yields at the end and the API paths it asked for."""
    out = list(spider.parse_article(page))
    asked = []
    while len(out) == 1 and isinstance(out[0], Request):
        request = out[0]
        path = request.url.removeprefix(BASE)
        asked.append(path)
        response = TextResponse(url=request.url, body=api(path), request=request)
        out = list(request.callback(response, **request.cb_kwargs))
    (article,) = out
    assert isinstance(article, Article)
    return article, asked


def failed(request: Request, error: Exception) -> Failure:
    """The failure Scrapy hands an errback."""
    failure = Failure(error)
    failure.request = request
    return failure


def from_site(site: ReplicaSite):
    return lambda path: handle(site, path, BROWSER).body


def made_updates(site: ReplicaSite, news_id: str, count: int) -> tuple[Update, ...]:
    """`count` updates of the live blog, a minute apart after its creation, newest first."""
    data = site.article(news_id)
    updates = []
    for number in range(1, count + 1):
        update_id = int(news_id) * 1000 + number
        title, html, texts = update_content(site.seed, update_id, edited=number % 7 == 0)
        created = data.created + timedelta(minutes=number)
        updates.append(Update(update_id, title, html, texts, created))
    return tuple(reversed(updates))


@pytest.mark.parametrize("count", [0, 1, 10, 11, 25])
def test_a_first_visit_reads_the_api_to_its_empty_page(site, tmp_path: Path, count: int):
    news_id = live_ids(site)[0]
    data = replace(site.article(news_id), updates=made_updates(site, news_id, count))

    def api(path: str) -> bytes:
        page = int(path.rsplit("/", 1)[1])
        return json_text(sub_blogs(data.updates[(page - 1) * 10 : page * 10])).encode()

    spider, _ = make_spider(tmp_path)
    article, asked = visit(spider, page_response(site, news_id), api)
    assert article.updates == [update_record(data, u) for u in data.updates]
    pages = count // 10 + 1 + (count % 10 > 0)  # every page, and the empty one after them
    assert asked == [f"/api/Search/GetSubBlogs/{news_id}/{n}" for n in range(1, pages + 1)]
    assert spider.crawler.stats.get_value(keys.LIVEBLOG_API_REQUESTS) == pages


def test_every_field_but_the_updates_comes_from_the_page(site, tmp_path: Path):
    spider, _ = make_spider(tmp_path)
    for news_id in live_ids(site):
        article, _ = visit(spider, page_response(site, news_id), from_site(site))
        truth = site.expected_record(news_id)
        assert {name: getattr(article, name) for name in truth} == truth
    stats = spider.crawler.stats
    assert stats.get_value(keys.LIVEBLOG_PAGES) == len(live_ids(site))
    utc = sum(site.article(i).server_utc for i in live_ids(site))
    assert utc and stats.get_value(keys.LIVEBLOG_CLOCK_SHIFTED) == utc


def test_a_utc_clock_byline_is_put_right(site, tmp_path: Path):
    """The byline prints 5 h 30 behind, labelled IST; `created` and `updated` are right."""
    news_id = next(i for i in live_ids(site) if site.article(i).server_utc)
    spider, _ = make_spider(tmp_path)
    article, _ = visit(spider, page_response(site, news_id), from_site(site))
    data, truth = site.article(news_id), site.expected_record(news_id)
    shown = data.created.strftime("Created: %d-%m-%Y %H:%M IST")  # UTC wall time
    assert shown in page_response(site, news_id).text
    assert (article.created, article.updated) == (truth["created"], truth["updated"])


def revisit_cases(site: ReplicaSite):
    """(id, earlier version, later version) of every live blog: the next change, and jumps of 3
    and 10 changes."""
    for news_id in live_ids(site):
        versions = site.versions(news_id)
        for first in range(len(versions)):
            for step in (0, 1, 3, 10):
                if first + step < len(versions):
                    yield news_id, versions[first], versions[first + step]


def test_a_revisit_stops_at_the_first_page_it_already_has(site, tmp_path: Path):
    """Whatever changed between two visits (updates added, edited or deleted), the record's
    updates are the truth at the second visit; the API is read only until a page holds nothing
    new or changed: one or two requests when ten or fewer updates are new or changed."""
    cases = 0
    for news_id, earlier, later in revisit_cases(site):
        published = expected_record(earlier) | {"revision": 1}
        spider, _ = make_spider(tmp_path / f"{news_id}-{cases}", stored=[published])
        view = site.state_at(later.modified)
        article, asked = visit(spider, page_response(view, news_id), from_site(view))
        assert article.updates == view.expected_record(news_id)["updates"]
        old = {u.id: u for u in earlier.updates}
        touched = sum(1 for u in later.updates if old.get(u.id) != u)
        if touched == 0:
            assert len(asked) == 1
        elif touched <= 9:
            assert len(asked) <= 2, (news_id, touched, asked)
        cases += 1
    assert cases > 100


def test_without_the_api_the_record_says_its_updates_are_unknown(site, tmp_path: Path):
    news_id = live_ids(site)[0]
    truth = site.expected_record(news_id, api=False)
    assert truth["updates"] is None

    # robots.txt disallows /api/: not asked at all (a refusal would count as an error).
    spider, _ = make_spider(tmp_path / "robots")
    spider.robots = ProtegoRobotParser.from_crawler(
        spider.crawler, b"User-agent: *\nDisallow: /api/\n"
    )
    (article,) = spider.parse_article(page_response(site, news_id))
    assert {name: getattr(article, name) for name in truth} == truth
    assert spider.crawler.stats.get_value(keys.updates_unknown("disallowed")) == 1
    # Refused all the same (robots.txt read after the page was asked for): the same record.
    spider, _ = make_spider(tmp_path / "refused")
    (request,) = spider.parse_article(page_response(site, news_id))
    spider.robots = ProtegoRobotParser.from_crawler(
        spider.crawler, b"User-agent: *\nDisallow: /api/\n"
    )
    (article,) = request.errback(failed(request, IgnoreRequest("Forbidden by robots.txt")))
    assert {name: getattr(article, name) for name in truth} == truth

    # A 500 after Scrapy's retries.
    spider, _ = make_spider(tmp_path / "error")
    (request,) = spider.parse_article(page_response(site, news_id))
    answer = TextResponse(url=request.url, status=500, body=b"", request=request)
    (article,) = request.errback(failed(request, HttpError(answer, "Ignoring non-200 response")))
    assert article.updates is None
    assert spider.crawler.stats.get_value(keys.updates_unknown("http_500")) == 1

    # Another shape, and an API that answers the same page whatever the number.
    for shape, api in (
        ("shape", from_site(ReplicaSite(articles=300, seed=1, sub_blogs="shape"))),
        ("endless", lambda path: from_site(site)(path.rsplit("/", 1)[0] + "/1")),
    ):
        spider, _ = make_spider(tmp_path / shape)
        article, _ = visit(spider, page_response(site, news_id), api)
        assert article.updates is None, shape
        assert spider.crawler.stats.get_value(keys.updates_unknown("shape")) == 1


def test_other_kinds_have_no_updates_and_no_api_request(site, tmp_path: Path):
    spider, _ = make_spider(tmp_path)
    news_id = next(i for i in site.ids() if site.kind_of(int(i)) == "News")
    (article,) = spider.parse_article(page_response(site, news_id))
    assert article.updates == [] and article.kind == "news"
    assert spider.crawler.stats.get_value(keys.LIVEBLOG_API_REQUESTS) is None


def test_a_live_blog_that_gained_updates_is_revisited_from_the_sitemap_or_news_analysis(
    site, tmp_path: Path
):
    """Both follow its updates (docs/site.md §3): the sitemap's lastmod exactly, `/news-analysis`
    by its relative time; an unchanged live blog is asked for by neither."""
    news_id = next(i for i in live_ids(site) if len(site.versions(i)) > 3)
    earlier, later = site.versions(news_id)[-3], site.versions(news_id)[-1]
    stored = [site.expected_record(i) for i in site.ids() if i != news_id]
    stored.append(expected_record(earlier))
    marks = {"listings_since": earlier.modified.isoformat()}
    for source in ("sitemap", "news-analysis"):
        for moment, wanted in ((earlier.modified, False), (later.modified, True)):
            view = site.state_at(moment + timedelta(minutes=2))
            spider, _ = make_spider(tmp_path / f"{source}-{wanted}", stored, marks)
            if source == "sitemap":
                asked = [r.url for r in spider.parse_sitemap(served(view, "/RSS/GoogleNews"))]
            else:
                asked = read_listing(spider, view, NEWS_ANALYSIS)
            assert (news_id in {urls.news_id(url) for url in asked}) == wanted, (source, moment)
