"""Crawlers for tests that drive pipelines and extensions without crawling."""

from pathlib import Path

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler

from newsbot.state import RunState


class NewsSpider(Spider):
    """Stands in for the real spider: output directories and the store go by its name."""

    name = "devdiscourse"


def state_crawler(data_dir: Path, **more: object) -> Crawler:
    """A crawler on `data_dir` whose RunState extension is built (the store open, recovered);
    `more` settings on top."""
    settings = {"NEWSBOT_DATA_DIR": str(data_dir), "EXTENSIONS": {RunState: 0}, **more}
    crawler = get_crawler(NewsSpider, settings)
    crawler._apply_settings()  # builds the extensions, as crawling would
    crawler.spider = NewsSpider()
    return crawler
