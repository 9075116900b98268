"""`scrapy bench`, read-only: safe beside a running crawl (newsbot/commands/__init__.py)."""

from scrapy.commands import bench

from newsbot.commands import ReadOnlyCommand


class Command(ReadOnlyCommand, bench.Command):
    pass
