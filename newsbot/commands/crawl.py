"""`scrapy crawl`, as cron needs it: newsbot.cron runs the crawl and decides the exit status.

The checks of every input, the lock, log file, run-time cap, health checks and runs.jsonl live
in `newsbot.cron.run_crawl`, so a script calling it gets the same; this command adds the help:
`scrapy crawl -h` lists the spider's arguments and the exit statuses.
"""

from __future__ import annotations

import argparse
import textwrap

from scrapy.commands import ScrapyHelpFormatter, crawl
from scrapy.exceptions import UsageError

from newsbot.arguments import ARGUMENTS
from newsbot.cron import EXIT_STATUSES, run_crawl


class HelpFormatter(argparse.RawDescriptionHelpFormatter, ScrapyHelpFormatter):
    """Scrapy's headings, with the epilog's two tables kept as written."""


HELP_WIDTH = 79


def _entry(term: str, width: int, text: str) -> str:
    indent = " " * (width + 4)
    return textwrap.fill(
        text, HELP_WIDTH, initial_indent=f"  {term:<{width}}  ", subsequent_indent=indent
    )


def crawl_help() -> str:
    width = max(len(argument.usage) for argument in ARGUMENTS.values())
    lines = ["Spider arguments of devdiscourse (-a NAME=VALUE; any other name is an error):"]
    for argument in ARGUMENTS.values():
        text = f"{argument.help} [default: {argument.default}]"
        lines.append(_entry(argument.usage, width, text))
    lines += ["", "Exit statuses (the README has more):"]
    lines += [_entry(str(status), 3, meaning) for status, meaning in EXIT_STATUSES.items()]
    return "\n".join(lines)


class Command(crawl.Command):
    # run_crawl builds its own process once it holds the lock and has chosen the log file;
    # the one scrapy.cmdline would build here logs its banner to stderr first.
    requires_crawler_process = False

    def long_desc(self) -> str:
        return (
            "Run a spider of the project (newsbot has one: devdiscourse) under the data"
            " directory's lock; silent when healthy, one line per problem otherwise."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.formatter_class = HelpFormatter
        parser.epilog = crawl_help()

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name", print_help=False)
        assert self.settings is not None
        self.exitcode = run_crawl(self.settings, args[0], opts.spargs)
