"""`scrapy corpus`: the published records of a data directory as one JSON Lines stream.

By default the current view, the highest revision of each article; `--all-revisions` for every
published record. The reading is newsbot/corpus.py; this command checks the options, picks the
output and turns what happened into one line per problem and an exit status (newsbot/cron.py).
"""

from __future__ import annotations

import signal
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.spiderloader import get_spider_loader

from newsbot.corpus import (
    Selection,
    Tally,
    parse_instant,
    published_files,
    split_values,
    write_all_revisions,
    write_current_view,
)
from newsbot.cron import ABORTED, DATA_ERROR, IO_ERROR, OK, USAGE, say
from newsbot.datadir import data_dir
from newsbot.publish import atomic_output

if TYPE_CHECKING:
    import argparse

# Broken lines are reported one by one up to this many; the summary line counts them all.
MAX_REPORTED_LINES = 20


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[options]"

    def short_desc(self) -> str:
        return "Write the corpus as it stands (latest revision of each article) as JSON Lines"

    def long_desc(self) -> str:
        return (
            "Streams the published files of the data directory and writes the current view, "
            "the highest revision of each article, as JSON Lines to stdout or to FILE, in the "
            "order the records were published. Filters apply to that current record. Needs no "
            "lock and changes nothing in the data directory. Exit status: 0 done, 2 bad "
            f"option, {DATA_ERROR} lines that are not records were skipped (each reported as "
            f"file:line), {IO_ERROR} a file could not be read or written."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "-o",
            "--output",
            metavar="FILE",
            help="write to FILE (complete or not at all: a hidden name, then a rename) "
            "instead of stdout",
        )
        parser.add_argument(
            "--data-dir",
            metavar="DIR",
            help="the data directory to read (default: NEWSBOT_DATA_DIR, as for the crawl)",
        )
        parser.add_argument(
            "--all-revisions",
            action="store_true",
            help="every published record, not only the latest revision of each article",
        )
        parser.add_argument(
            "--since",
            metavar="WHEN",
            help="only articles created at or after WHEN: 2026-01-01 (midnight IST) or an "
            "ISO 8601 time (IST when it has no offset)",
        )
        parser.add_argument(
            "--until",
            metavar="WHEN",
            help="only articles created before WHEN; a bare date includes that whole day",
        )
        parser.add_argument(
            "--section",
            action="append",
            default=[],
            metavar="LABEL[,LABEL]",
            help="only these sections (repeatable, or a comma list)",
        )
        parser.add_argument(
            "--source",
            action="append",
            default=[],
            metavar="SOURCE[,SOURCE]",
            help="only these sources, e.g. PTI (repeatable, or a comma list; any case)",
        )

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        try:
            if args:
                raise ValueError(f"unexpected argument {args[0]!r}")
            opts.selection = _selection(opts)
        except ValueError as error:
            say(f"error: {error}")
            raise SystemExit(USAGE) from None

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        directory = Path(opts.data_dir).expanduser() if opts.data_dir else data_dir(self.settings)
        self.exitcode = _run(self.settings, directory, opts)


def _selection(opts: argparse.Namespace) -> Selection:
    def instant(name: str, text: str | None, end_of_day: bool) -> Any:
        if text is None:
            return None
        try:
            return parse_instant(text, end_of_day=end_of_day)
        except ValueError:
            raise ValueError(
                f"--{name} {text!r}: give a date (2026-01-01) or an ISO 8601 time "
                "(2026-01-01T09:30:00+05:30)"
            ) from None

    selection = Selection(
        since=instant("since", opts.since, end_of_day=False),
        until=instant("until", opts.until, end_of_day=True),
        sections=split_values(opts.section),
        sources=split_values(opts.source),
    )
    if selection.since and selection.until and selection.since >= selection.until:
        raise ValueError("--since must be earlier than --until")
    return selection


def _run(settings: Any, directory: Path, opts: argparse.Namespace) -> int:
    if not directory.is_dir():
        say(f"error: no data directory at {directory}")
        return USAGE
    (spider,) = get_spider_loader(settings).list()
    files = published_files(directory / spider)
    output = Path(opts.output) if opts.output not in (None, "-") else None
    if output is not None and output.resolve().is_relative_to(directory.resolve()):
        say(f"error: {output} is inside the data directory {directory}; write it elsewhere")
        return USAGE
    write = write_all_revisions if opts.all_revisions else write_current_view
    reporter = _BrokenLineReporter()
    # `scrapy corpus | head` ends quietly, as any Unix filter does.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        if output is None:
            tally = write(files, opts.selection, sys.stdout.buffer, reporter)
            sys.stdout.buffer.flush()
        else:
            with atomic_output(output) as out:
                tally = write(files, opts.selection, out, reporter)
    except OSError as error:
        say(f"could not write {error.filename or output or 'stdout'}: {error.strerror or error}")
        return IO_ERROR
    except sqlite3.Error as error:  # the temporary index: most likely a full temporary disk
        say(f"could not build the index under {tempfile.gettempdir()} (TMPDIR): {error}")
        return IO_ERROR
    except KeyboardInterrupt:
        say("aborted: interrupted; nothing was written to the output file" if output else "aborted")
        return ABORTED
    return _report(tally, output, directory / spider)


class _BrokenLineReporter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, path: Path, number: int, why: str) -> None:
        self.count += 1
        if self.count <= MAX_REPORTED_LINES:
            say(f"{path}:{number}: skipped: {why}")


def _report(tally: Tally, output: Path | None, source: Path) -> int:
    for problem in tally.unreadable:
        say(f"could not read {problem}")
    if tally.broken:
        say(f"skipped {tally.broken} line(s) that are not records; the rest was written")
    if tally.unreadable:
        return IO_ERROR
    if tally.broken:
        return DATA_ERROR
    if sys.stderr.isatty():
        where = output or "stdout"
        say(f"{tally.written} records from {tally.files} files in {source} to {where}")
    return OK
