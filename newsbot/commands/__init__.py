"""newsbot's Scrapy commands (COMMANDS_MODULE): `crawl` as cron needs it, and Scrapy's commands
that only look at the site (`parse`, `shell`, `fetch`, `view`, `check`, `bench`) made read-only.

A read-only command may run beside a cron crawl on the same data directory: it opens the seen
store read-only and without the run lock, recovers nothing, publishes nothing and runs no health
check (checks judge crawls). Each command is a class *defined* in its own module, as Scrapy
requires; they share `ReadOnlyCommand`.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from newsbot.arguments import BadArgument, parse_arguments
from newsbot.configuration import setting_problems
from newsbot.cron import USAGE

if TYPE_CHECKING:
    import argparse

    from scrapy.settings import Settings

READ_ONLY_SETTINGS: dict[str, Any] = {
    "NEWSBOT_READ_ONLY": True,
    "SPIDERMON_ENABLED": False,
    "NEWSBOT_PROGRESS": False,
}


def exit_on_bad_input(problems: list[str]) -> None:
    """One line per problem on stderr, then exit 2, before anything is built or fetched."""
    if problems:
        for problem in problems:
            print(f"newsbot: error: {problem}", file=sys.stderr)
        raise SystemExit(USAGE)


class ReadOnlyCommand:
    """Mixed in before a Scrapy command class."""

    settings: Settings | None

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)  # type: ignore[misc]
        assert self.settings is not None
        # Over any -s: a read-only command never publishes or judges.
        self.settings.setdict(READ_ONLY_SETTINGS, priority="cmdline")
        problems = setting_problems(self.settings)
        try:
            parse_arguments(getattr(opts, "spargs", None) or {})
        except BadArgument as error:
            problems.insert(0, str(error))
        exit_on_bad_input(problems)
