"""`scrapy view`, read-only: safe beside a running crawl (newsbot/commands/__init__.py)."""

from scrapy.commands import view

from newsbot.commands import ReadOnlyCommand


class Command(ReadOnlyCommand, view.Command):
    pass
