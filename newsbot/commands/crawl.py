"""`scrapy crawl`, refusing bad spider arguments before anything starts."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from scrapy.commands import crawl

from newsbot.arguments import BadArgument, parse_arguments

if TYPE_CHECKING:
    import argparse

USAGE_ERROR = 2


class Command(crawl.Command):
    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        # Checked here, not in run(): cmdline builds the crawler process between the two, and
        # that already logs Scrapy's banner to stderr; the error must be the only line there.
        try:
            parse_arguments(opts.spargs)
        except BadArgument as error:
            print(f"newsbot: error: {error}", file=sys.stderr)
            raise SystemExit(USAGE_ERROR) from None
