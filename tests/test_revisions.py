"""Revisions: which records are published again, and exactly-once publication across kill -9."""

import json
import signal
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from newsbot.items import Article
from newsbot.pipelines import RevisionPipeline
from newsbot.publish import KILL_AT_ENV, KILL_MARKER_ENV
from newsbot.replica import ReplicaSite
from newsbot.state import RunState, seen_store
from newsbot.store import STORE_NAME, SeenStore, StoredArticle
from tests.crawling import run_crawl
from tests.stubs import NewsSpider, state_crawler


@pytest.fixture
def crawler(tmp_path: Path) -> Iterator[Crawler]:
    crawler = state_crawler(tmp_path)
    yield crawler
    crawler.get_extension(RunState).spider_closed()


@pytest.fixture
def pipeline(crawler: Crawler) -> RevisionPipeline:
    pipeline = RevisionPipeline.from_crawler(crawler)
    pipeline.open_spider()
    return pipeline


def article(**changes: object) -> Article:
    values: dict[str, object] = {
        "id": "1234567",
        "url": "https://www.devdiscourse.com/article/international/1234567-kremlin",
        "title": "Kremlin says cooperation with Turkey on Syria of 'great importance'",
        "source": "PTI",
        "created": "2020-03-02T17:29:00+05:30",
        "updated": "2020-03-02T17:54:00+05:30",
        "body": "First paragraph.",
        "crawled_at": "2026-11-26T10:15:02Z",
        **changes,
    }
    return Article(**values)


def publish(crawler: Crawler, item: Article, revision: int) -> None:
    record = {**vars(item), "revision": revision}
    seen_store(crawler).record_publication(
        f"r{revision}.jsonl", [StoredArticle.from_record(record)]
    )


def test_unknown_article_is_revision_1(crawler: Crawler, pipeline: RevisionPipeline) -> None:
    item = pipeline.process_item(article())
    assert item.revision == 1
    assert crawler.stats.get_value("newsbot/items/new") == 1
    assert crawler.stats.get_value("newsbot/items/revised") is None


def test_new_updated_time_is_the_next_revision(
    crawler: Crawler, pipeline: RevisionPipeline
) -> None:
    publish(crawler, article(), revision=2)
    item = pipeline.process_item(article(updated="2020-03-03T08:00:00+05:30"))
    assert item.revision == 3
    assert crawler.stats.get_value("newsbot/items/revised") == 1
    assert crawler.stats.get_value("newsbot/items/new") is None


def test_changed_body_with_the_same_updated_time_is_the_next_revision(
    crawler: Crawler, pipeline: RevisionPipeline
) -> None:
    publish(crawler, article(), revision=1)
    assert pipeline.process_item(article(body="First paragraph, corrected.")).revision == 2
    assert crawler.stats.get_value("newsbot/items/revised") == 1


def test_unchanged_article_refetched_later_is_dropped_and_counted(
    crawler: Crawler, pipeline: RevisionPipeline
) -> None:
    publish(crawler, article(), revision=1)
    refetched = article(crawled_at="2026-11-27T00:00:00Z")
    with pytest.raises(DropItem, match=r"^unchanged$") as dropped:
        pipeline.process_item(refetched)
    # Routine under `-a full=1`: not worth a log line each.
    assert dropped.value.log_level == "DEBUG"
    assert crawler.stats.get_value("newsbot/dropped/unchanged") == 1
    assert crawler.stats.get_value("newsbot/items/new") is None


def test_page_without_update_time_is_unchanged_when_refetched(
    crawler: Crawler, pipeline: RevisionPipeline
) -> None:
    publish(crawler, article(updated=None), revision=1)
    with pytest.raises(DropItem):
        pipeline.process_item(article(updated=None))


def test_pipelines_refuse_to_run_without_the_store(tmp_path: Path) -> None:
    crawler = get_crawler(NewsSpider, {"NEWSBOT_DATA_DIR": str(tmp_path)})
    with pytest.raises(RuntimeError, match="RunState must be enabled"):
        RevisionPipeline.from_crawler(crawler).open_spider()


# -- kill -9 at each phase of publication, then a normal run ----------------------------------

KILL_PHASES = ["after_records:5", "before_rename", "after_rename"]


@pytest.fixture(scope="module")
def small_site() -> ReplicaSite:
    return ReplicaSite(articles=40, seed=5)


def published_lines(data: Path) -> list[bytes]:
    lines: list[bytes] = []
    for path in sorted((data / "devdiscourse").glob("*.jsonl")):
        content = path.read_bytes()
        assert content.endswith(b"\n"), f"{path.name} ends in a partial line"
        lines += content.splitlines()
    return lines


@pytest.mark.e2e
@pytest.mark.parametrize("phase", KILL_PHASES)
def test_killed_run_then_rerun_publishes_every_article_exactly_once(
    phase: str,
    small_site: ReplicaSite,
    serve_replica,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = serve_replica(small_site)
    data, marker = tmp_path / "data", tmp_path / "killed"
    monkeypatch.setenv(KILL_AT_ENV, phase)
    monkeypatch.setenv(KILL_MARKER_ENV, str(marker))

    killed = run_crawl(server.base_url, data, "-a", "max_pages=10")

    assert marker.read_text() == f"killed at {phase}\n"
    assert killed.status == -signal.SIGKILL
    assert len(killed.files) == (1 if phase == "after_rename" else 0)

    monkeypatch.delenv(KILL_AT_ENV)
    rerun = run_crawl(server.base_url, data, "-a", "max_pages=10")

    assert rerun.status == 0, rerun.stderr[-3000:]
    records = [json.loads(line) for line in published_lines(data)]
    assert Counter(record["id"] for record in records) == Counter(small_site.ids())
    assert {record["revision"] for record in records} == {1}
    # A kill after the rename left a published file: the rerun must not publish it again.
    assert len(rerun.files) == 1
    assert list((data / "devdiscourse").glob(".*")) == []
    store = SeenStore(data / STORE_NAME)
    try:
        assert all(store.is_recorded(path.name) for path in rerun.files)
        assert [news_id for news_id in small_site.ids() if store.get(news_id) is None] == []
    finally:
        store.close()
