"""`scrapy shell`, read-only: safe beside a running crawl (newsbot/commands/__init__.py)."""

from scrapy.commands import shell

from newsbot.commands import ReadOnlyCommand


class Command(ReadOnlyCommand, shell.Command):
    pass
