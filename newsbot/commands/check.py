"""`scrapy check`, read-only: safe beside a running crawl (newsbot/commands/__init__.py)."""

from scrapy.commands import check

from newsbot.commands import ReadOnlyCommand


class Command(ReadOnlyCommand, check.Command):
    pass
