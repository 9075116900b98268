"""`scrapy parse <URL>`, read-only: safe beside a running crawl (newsbot/commands/__init__.py).

Without `--spider` it uses the project's spider, and without `-a base_url=` the site of the URL,
so `scrapy parse http://127.0.0.1:8800/article/…` parses a replica page as it is. Without `-c`,
the spider's `parse` picks the callback the crawl would use for that kind of URL. With
`--pipelines` it prints the records that would be published (not an unchanged article's) and
logs why each other one was dropped.
"""

from __future__ import annotations

import logging
import warnings
from copy import copy
from typing import TYPE_CHECKING, Any

from scrapy.commands import parse
from scrapy.exceptions import DropItem, ScrapyDeprecationWarning
from scrapy.utils.defer import deferred_from_coro

from newsbot.commands import ReadOnlyCommand
from newsbot.spiders.devdiscourse import DevdiscourseSpider
from newsbot.urls import site_root

if TYPE_CHECKING:
    import argparse

    from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)

# Scrapy 2.19's parse command wraps every callback in one returning a Deferred, then warns that
# callbacks returning Deferreds are deprecated: a warning about Scrapy itself on every parse.
warnings.filterwarnings(
    "ignore",
    message=r".* returned a Deferred\. Returning Deferreds from spider callbacks is deprecated",
    category=ScrapyDeprecationWarning,
)


class Command(ReadOnlyCommand, parse.Command):
    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        opts.spider = opts.spider or DevdiscourseSpider.name
        if opts.spider == DevdiscourseSpider.name and len(args) == 1:
            opts.spargs.setdefault("base_url", site_root(args[0]))

    def scraped_data(self, args: tuple) -> list[Any] | Deferred[list[Any]]:
        items, requests, opts, *rest = args
        if not opts.pipelines:
            return super().scraped_data(args)
        # Scrapy's own --pipelines runs each item as a task nobody awaits, so a dropped item
        # (an unchanged article, a duplicate) ends in asyncio's "exception never retrieved"
        # traceback. Here the pipelines are awaited and only what passes them is shown.
        passed = deferred_from_coro(self._through_pipelines(items))
        shown = copy(opts)
        shown.pipelines = False
        return passed.addCallback(
            lambda kept: super(Command, self).scraped_data((kept, requests, shown, *rest))
        )

    async def _through_pipelines(self, items: list[Any]) -> list[Any]:
        pipelines = self.pcrawler.engine.scraper.itemproc
        kept = []
        for item in items:
            try:
                kept.append(await pipelines.process_item_async(item))
            except DropItem as dropped:
                logger.info("Not published: %s", dropped)
        return kept
