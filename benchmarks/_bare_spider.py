"""A bare Scrapy spider, the crawl benchmark's baseline (benchmarks/crawl.py): it fetches the URLs
listed in a file, in order, each as often as listed, and does nothing with the responses.

    scrapy runspider benchmarks/_bare_spider.py -a urls_file=URLS
"""

from pathlib import Path

import scrapy


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, urls_file: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.urls_file = Path(urls_file)

    async def start(self):
        with self.urls_file.open(encoding="utf-8") as lines:
            for line in lines:
                yield scrapy.Request(line.strip(), callback=self.parse, dont_filter=True)

    def parse(self, response):
        return None
