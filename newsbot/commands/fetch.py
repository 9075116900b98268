"""`scrapy fetch`, read-only: safe beside a running crawl (newsbot/commands/__init__.py)."""

from scrapy.commands import fetch

from newsbot.commands import ReadOnlyCommand


class Command(ReadOnlyCommand, fetch.Command):
    pass
