"""`scrapy crawl`, as cron needs it: newsbot.cron runs the crawl and decides the exit status.

The lock, log file, run-time cap, health checks and runs.jsonl live in `newsbot.cron.run_crawl`,
so a script calling it gets the same; this command only adds the early argument check.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from scrapy.commands import crawl
from scrapy.exceptions import UsageError

from newsbot.arguments import BadArgument, parse_arguments
from newsbot.cron import USAGE, run_crawl

if TYPE_CHECKING:
    import argparse


class Command(crawl.Command):
    # run_crawl builds its own process once it holds the lock and has chosen the log file;
    # the one scrapy.cmdline would build here logs its banner to stderr first.
    requires_crawler_process = False

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        # Checked here, before run(), so a bad argument is the only line on stderr.
        try:
            parse_arguments(opts.spargs)
        except BadArgument as error:
            print(f"newsbot: error: {error}", file=sys.stderr)
            raise SystemExit(USAGE) from None

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name", print_help=False)
        assert self.settings is not None
        self.exitcode = run_crawl(self.settings, args[0], opts.spargs)
