import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from newsbot.datadir import data_dir
from newsbot.items import ARTICLE_FIELDS, Article
from newsbot.pipelines import (
    REQUIRED_FIELDS,
    DuplicatesPipeline,
    JsonLinesWriterPipeline,
    RequiredFieldsPipeline,
    StoredUpdatesPipeline,
)
from newsbot.state import RunState, seen_store
from newsbot.store import STORE_NAME, SeenStore, content_hash, recover
from tests.stubs import NewsSpider, state_crawler

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture
def crawler(tmp_path: Path) -> Iterator[Crawler]:
    crawler = state_crawler(tmp_path)
    yield crawler
    crawler.get_extension(RunState).spider_closed()


def article(news_id: str = "1234567", **changes: object) -> Article:
    values: dict[str, object] = {
        "id": news_id,
        "url": f"https://www.devdiscourse.com/article/international/{news_id}-x",
        "section": "international",
        "title": "Kremlin says cooperation with Turkey on Syria of 'great importance'",
        "source": "PTI",
        "created": "2020-03-02T17:29:00+05:30",
        "updated": "2020-03-02T17:54:00+05:30",
        "tags": ["Kremlin", "Turkey"],
        "revision": 1,
        "crawled_at": "2026-11-26T10:15:02Z",
        **changes,
    }
    return Article(**values)


def jsonl_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.jsonl"))


@pytest.mark.parametrize("missing", REQUIRED_FIELDS)
@pytest.mark.parametrize("empty", [None, ""])
def test_required_field_missing_is_dropped_and_counted(
    crawler: Crawler, missing: str, empty: str | None
) -> None:
    pipeline = RequiredFieldsPipeline.from_crawler(crawler)
    with pytest.raises(DropItem, match=rf"^missing {missing}$"):
        pipeline.process_item(article(**{missing: empty}))
    assert crawler.stats.get_value(f"newsbot/dropped/missing_{missing}") == 1
    assert crawler.stats.get_value("newsbot/items/valid") is None


def test_first_missing_field_is_the_reason(crawler: Crawler) -> None:
    pipeline = RequiredFieldsPipeline.from_crawler(crawler)
    with pytest.raises(DropItem, match=r"^missing title$"):
        pipeline.process_item(article(title=None, created=None))
    assert crawler.stats.get_value("newsbot/dropped/missing_created") is None


def test_complete_item_passes_and_is_counted(crawler: Crawler) -> None:
    pipeline = RequiredFieldsPipeline.from_crawler(crawler)
    item = article(subtitle=None, sector=None)
    assert pipeline.process_item(item) is item
    assert crawler.stats.get_value("newsbot/items/valid") == 1


def test_second_item_with_same_id_is_dropped(crawler: Crawler) -> None:
    pipeline = DuplicatesPipeline.from_crawler(crawler)
    pipeline.process_item(article("1"))
    pipeline.process_item(article("2"))
    with pytest.raises(DropItem, match="duplicate"):
        pipeline.process_item(article("1", url="https://www.devdiscourse.com/article/1-other"))
    assert crawler.stats.get_value("newsbot/dropped/duplicate") == 1


def test_writer_hides_records_until_close_then_publishes(crawler: Crawler, tmp_path: Path) -> None:
    writer = JsonLinesWriterPipeline.from_crawler(crawler)
    writer.open_spider()
    writer.process_item(article("1"))
    writer.process_item(article("2"))

    assert jsonl_files(tmp_path) == []
    (part,) = (tmp_path / "devdiscourse").glob(".*.jsonl.part")
    lines = part.read_text(encoding="utf-8").splitlines(keepends=True)
    assert [json.loads(line)["id"] for line in lines] == ["1", "2"]
    assert all(line.endswith("\n") for line in lines)

    writer.close_spider()

    (published,) = jsonl_files(tmp_path)
    assert not part.exists()
    assert published.parent == tmp_path / "devdiscourse"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.jsonl", published.name)
    assert crawler.stats.get_value("newsbot/output_file") == str(published)
    assert crawler.stats.get_value("newsbot/items/written") == 2
    assert [json.loads(line)["id"] for line in published.read_text().splitlines()] == ["1", "2"]


def test_writer_writes_every_field_with_null_and_keeps_non_ascii(
    crawler: Crawler, tmp_path: Path
) -> None:
    writer = JsonLinesWriterPipeline.from_crawler(crawler)
    writer.open_spider()
    writer.process_item(article(location="São Paulo", body="Lula — “today”"))
    writer.close_spider()

    (published,) = jsonl_files(tmp_path)
    raw = published.read_bytes()
    assert "São Paulo".encode() in raw
    assert "Lula — “today”".encode() in raw
    record = json.loads(raw)
    assert list(record) == list(ARTICLE_FIELDS)
    assert record["subtitle"] is None
    assert record["tags"] == ["Kremlin", "Turkey"]
    assert record["countries"] == []


def test_writer_fills_fields_a_dict_item_lacks(crawler: Crawler, tmp_path: Path) -> None:
    writer = JsonLinesWriterPipeline.from_crawler(crawler)
    writer.open_spider()
    writer.process_item(
        {"id": "1", "revision": 1, "url": "u", "title": "t", "source": "s", "created": "c"}
    )
    writer.close_spider()

    (published,) = jsonl_files(tmp_path)
    record = json.loads(published.read_text())
    assert list(record) == list(ARTICLE_FIELDS)
    assert record["body"] is None


def test_empty_run_leaves_no_file_and_records_nothing(crawler: Crawler, tmp_path: Path) -> None:
    writer = JsonLinesWriterPipeline.from_crawler(crawler)
    writer.open_spider()
    writer.close_spider()
    assert not (tmp_path / "devdiscourse").exists()
    assert crawler.stats.get_value("newsbot/output_file") is None
    store = seen_store(crawler)
    assert store.newest_id() is None
    assert store.db.execute("SELECT count(*) FROM published").fetchone() == (0,)


def test_writer_records_the_published_file_and_its_records_in_the_store(
    crawler: Crawler,
) -> None:
    writer = JsonLinesWriterPipeline.from_crawler(crawler)
    writer.open_spider()
    writer.process_item(article("7", revision=3, updated="2020-03-03T09:00:00+05:30"))
    writer.process_item(article("8"))
    store = seen_store(crawler)
    # Written is not published: the store learns nothing before the rename.
    assert store.get("7") is None

    writer.close_spider()

    assert store.is_recorded(Path(crawler.stats.get_value("newsbot/output_file")).name)
    stored = store.get("7")
    assert stored is not None
    assert (stored.revision, stored.updated) == (3, "2020-03-03T09:00:00+05:30")
    assert stored.content_hash == content_hash(vars(article("7", updated=stored.updated)))
    assert stored.first_seen == stored.last_seen == "2026-11-26T10:15:02Z"
    assert store.newest_id() == 8


def test_a_replayed_live_blog_keeps_the_updates_of_its_last_publication(crawler: Crawler) -> None:
    update = {"id": "71", "time": "2026-11-26T13:50:49+05:30", "title": "T", "body": "B"}
    update["url"] = "https://www.devdiscourse.com/article/international/7-x#post_71"
    writer = JsonLinesWriterPipeline.from_crawler(crawler)
    writer.open_spider()
    writer.process_item(article("7", kind="liveblog", updates=[update]))
    writer.close_spider()
    keeper = StoredUpdatesPipeline.from_crawler(crawler)
    keeper.open_spider()
    # Re-extracted from its page alone, a live blog knows no updates.
    assert keeper.process_item(article("7", kind="liveblog", updates=None)).updates == [update]
    assert keeper.process_item(article("8", kind="liveblog", updates=None)).updates is None
    assert keeper.process_item(article("9", kind="news")).updates == []


def test_store_rebuilt_from_published_files_equals_the_one_the_writer_kept(
    crawler: Crawler, tmp_path: Path
) -> None:
    """The writer hashes the item, recovery the JSON line it became: they must agree."""
    writer = JsonLinesWriterPipeline.from_crawler(crawler)
    writer.open_spider()
    items = [article("1", location="São Paulo"), article("2", subtitle="s", tags=[]), article("3")]
    for item in items:
        writer.process_item(item)
    writer.close_spider()

    rebuilt = SeenStore(tmp_path / "rebuilt" / STORE_NAME)
    assert recover(rebuilt, tmp_path / "devdiscourse").records_absorbed == 3
    kept = seen_store(crawler)
    assert [rebuilt.get(i) for i in "123"] == [kept.get(i) for i in "123"]
    rebuilt.close()


def test_run_in_the_same_second_does_not_overwrite_an_earlier_one(
    crawler: Crawler, tmp_path: Path
) -> None:
    first = JsonLinesWriterPipeline.from_crawler(crawler)
    first.open_spider()
    first.process_item(article("1"))
    first.close_spider()
    second = JsonLinesWriterPipeline.from_crawler(crawler)
    second.open_spider()
    # Both name their file after the run's stamp.
    assert second.output is not None and first.output is not None
    assert second.output.path == first.output.path
    second.process_item(article("2"))
    second.close_spider()

    ids = {json.loads(path.read_text())["id"] for path in jsonl_files(tmp_path)}
    assert ids == {"1", "2"}


def test_data_dir_setting_beats_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("NEWSBOT_DATA_DIR", str(tmp_path / "env"))
    crawler = get_crawler(NewsSpider, {"NEWSBOT_DATA_DIR": str(tmp_path / "setting")})
    assert data_dir(crawler.settings) == tmp_path / "setting"


def test_data_dir_environment_beats_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("NEWSBOT_DATA_DIR", str(tmp_path / "env"))
    assert data_dir(get_crawler(NewsSpider).settings) == tmp_path / "env"


def test_data_dir_defaults_to_data_under_working_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("NEWSBOT_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert data_dir(get_crawler(NewsSpider).settings) == tmp_path / "data"


ITEMS_SPIDER = """
import scrapy

class Items(scrapy.Spider):
    name = "devdiscourse"

    async def start(self):
        yield {"id": "1", "url": "u", "title": "Ação", "source": "PTI", "created": "c"}
        yield {"id": "1", "url": "u2", "title": "t", "source": "PTI", "created": "c"}
        yield {"id": "2", "url": "u", "title": "", "source": "PTI", "created": "c"}
"""


def test_pipelines_in_a_real_crawl(tmp_path: Path) -> None:
    spider = tmp_path / "items.py"
    spider.write_text(ITEMS_SPIDER)
    data = tmp_path / "data"
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "runspider", str(spider)],
        cwd=PROJECT,
        env={**os.environ, "NEWSBOT_DATA_DIR": str(data)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Deprecat" not in result.stderr
    (published,) = jsonl_files(data)
    assert [json.loads(line)["title"] for line in published.read_text().splitlines()] == ["Ação"]
    assert "'newsbot/dropped/duplicate': 1" in result.stderr
    assert "'newsbot/dropped/missing_title': 1" in result.stderr
    assert f"Wrote 1 records to {published}" in result.stderr
