"""`scrapy replay PATH...`: records re-extracted from WARC files with the current code.

The work is newsbot/replay.py; this command checks the arguments, builds the crawler whose stats
and pipelines the replay uses, picks the output and turns what happened into one line per
problem and an exit status (newsbot/cron.py).
"""

from __future__ import annotations

import signal
import sqlite3
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.crawler import Crawler
from scrapy.settings import Settings
from scrapy.spiderloader import get_spider_loader

from newsbot import statkeys as keys
from newsbot.configuration import setting_problems
from newsbot.cron import ABORTED, DATA_ERROR, IO_ERROR, LOCKED, OK, USAGE, say
from newsbot.datadir import data_dir
from newsbot.filefaults import FileFault, file_fault
from newsbot.pipelines import (
    DuplicatesPipeline,
    JsonLinesWriterPipeline,
    RequiredFieldsPipeline,
    RevisionPipeline,
    StoredUpdatesPipeline,
    SupersededPipeline,
)
from newsbot.provenance import LIVE, SITE_FILE, WrongSite, claim, read_marker
from newsbot.publish import atomic_output
from newsbot.replay import (
    OutputPipeline,
    Pipeline,
    Replay,
    SameSitePipeline,
    archive_files,
    archive_site,
)
from newsbot.runlock import LOCK_NAME, LockHeld, RunLock
from newsbot.state import RunState

if TYPE_CHECKING:
    import argparse

    from newsbot.warc import Damage

SPIDER = "devdiscourse"


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "PATH... [-o FILE | --publish]"

    def short_desc(self) -> str:
        return "Re-extract records from archived pages (WARC files) with the current code"

    def long_desc(self) -> str:
        return (
            "Reads the WARC files named, and every *.warc.gz and *.warc under the directories "
            "named, and re-extracts each archived article page with the current code, through "
            "the crawl's validation and dedupe, without one request to the site. An article "
            "archived several times is re-extracted from its latest capture. By default the "
            "records go to stdout (or to FILE with -o) and the data directory is left alone; "
            "with --publish they are published in the data directory, under its lock, as new "
            "revisions of exactly the articles whose record changed, marked reextracted. "
            f"Exit status: 0 done, 2 bad arguments, {DATA_ERROR} damaged records were skipped "
            f"(each reported with its file and offset; every other record was replayed), "
            f"{IO_ERROR} a file could not be read or written, {LOCKED} another run holds the "
            "lock (--publish)."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "-o",
            "--output",
            metavar="FILE",
            help="write the records to FILE (complete or not at all) instead of stdout",
        )
        parser.add_argument(
            "--publish",
            action="store_true",
            help="publish the changed records in the data directory as new revisions",
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if not args or (opts.publish and opts.output):
            problem = "--publish and -o exclude each other" if args else "name a WARC file"
            say(f"error: {problem} (scrapy replay -h)")
            self.exitcode = USAGE
            return
        # The settings the replay and its pipelines read, checked as a crawl checks them.
        if problems := setting_problems(self.settings):
            for problem in problems:
                say(f"error: {problem}")
            self.exitcode = USAGE
            return
        # `scrapy replay ... | head` ends quietly, as any Unix filter does.
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        self.exitcode = _run(self.settings, [Path(arg) for arg in args], opts)


def _run(settings: Settings, paths: list[Path], opts: argparse.Namespace) -> int:
    if missing := [path for path in paths if not path.exists()]:
        say(f"error: no such file or directory: {missing[0]}")
        return USAGE
    directory = data_dir(settings)
    output = Path(opts.output) if opts.output not in (None, "-") else None
    if output is not None and output.resolve().is_relative_to(directory.resolve()):
        say(f"error: {output} is inside the data directory {directory}; write it elsewhere")
        return USAGE
    try:
        if opts.publish:
            return _publish(settings, paths)
        if output is None:
            status = _print(settings, paths, sys.stdout.buffer, "stdout")
            sys.stdout.buffer.flush()
            return status
        with atomic_output(output) as file:
            return _print(settings, paths, file, str(output))
    except WrongSite as error:  # --publish: the archive is of another kind of site
        say(f"error: {error}")
        return USAGE
    except FileFault as fault:  # the data directory, while publishing
        say(str(fault))
        return IO_ERROR
    except OSError as error:
        say(f"could not read or write {error.filename or 'stdout'}: {error.strerror or error}")
        return IO_ERROR
    except sqlite3.Error as error:  # the temporary index: most likely a full temporary disk
        say(f"could not build the index under {tempfile.gettempdir()} (TMPDIR): {error}")
        return IO_ERROR
    except KeyboardInterrupt:
        say("aborted: interrupted; nothing was published" if opts.publish else "aborted")
        return ABORTED


def replay_crawler(settings: Settings, publish: bool) -> Crawler:
    """A crawler for its settings, stats and components, never started: a replay fetches nothing.

    Only RunState among the extensions, and only to publish (it takes the store, recovers what a
    killed run left); no reactor.
    """
    settings = settings.copy()
    extensions = {RunState: 0} if publish else {}
    settings.set("EXTENSIONS", extensions, priority="cmdline")
    settings.set("TWISTED_REACTOR_ENABLED", False, priority="cmdline")
    crawler = Crawler(get_spider_loader(settings).load(SPIDER), settings)
    # What Crawler.crawl() does before starting the engine: stats, extensions (scrapy.crawler).
    crawler._apply_settings()
    crawler.spider = crawler.spidercls()
    return crawler


def _print(settings: Settings, paths: list[Path], file: Any, where: str) -> int:
    crawler = replay_crawler(settings, publish=False)
    pipelines: list[Pipeline] = [
        RequiredFieldsPipeline.from_crawler(crawler),
        DuplicatesPipeline.from_crawler(crawler),
        OutputPipeline(file),
    ]
    return _replay(crawler, archive_files(paths), pipelines, where)


def _publish(settings: Settings, paths: list[Path]) -> int:
    directory = data_dir(settings)
    directory.mkdir(parents=True, exist_ok=True)
    lock = RunLock(directory / LOCK_NAME)
    try:
        lock.acquire(datetime.now(UTC))
    except LockHeld as held:
        say(f"another run holds {lock.path}: pid {held.holder.pid}, started {held.holder.started}")
        return LOCKED
    try:
        # The data directory holds one kind of site (newsbot/provenance.py): the archive's, or
        # it is refused before the store is created or recovered, as a crawl is. A directory
        # without a marker, whatever it holds, is taken as live, as provenance.claim does.
        if (site := archive_site(archive_files(paths))) is not None:
            with file_fault(directory / SITE_FILE):
                claim(directory, site)
        kind = (read_marker(directory) or {"site": LIVE})["site"]
        # Under the lock, RunState publishes the WARC parts a killed run left before they are
        # listed here.
        crawler = replay_crawler(settings, publish=True)
        pipelines: list[Pipeline] = [
            RequiredFieldsPipeline.from_crawler(crawler),
            SameSitePipeline(directory, kind),
            # Before the dedupe, so that an old capture never stands in for a newer one.
            SupersededPipeline.from_crawler(crawler),
            StoredUpdatesPipeline.from_crawler(crawler),
            DuplicatesPipeline.from_crawler(crawler),
            RevisionPipeline.from_crawler(crawler),
            JsonLinesWriterPipeline.from_crawler(crawler),
        ]
        try:
            files = archive_files(paths)
            return _replay(crawler, files, pipelines, None)
        finally:
            crawler.get_extension(RunState).spider_closed()
    finally:
        lock.release()


def _replay(
    crawler: Crawler, files: list[Path], pipelines: list[Pipeline], where: str | None
) -> int:
    """Replay `files` into `pipelines`; `where` the output, None when publishing."""

    def report(problem: Damage | str) -> None:
        if isinstance(problem, str):
            say(problem)
        else:
            say(f"damaged WARC record skipped: {problem}")

    Replay(crawler, files, report).run(pipelines)
    stats = crawler.stats.get_stats()
    if fault := stats.get(keys.FILE_FAULT):
        # What was written whole before it is published (the writer, newsbot/pipelines.py).
        say(fault)
        return IO_ERROR
    damaged = stats.get(keys.REPLAY_DAMAGED, 0)
    failed = stats.get(keys.REPLAY_FAILED, 0)
    if damaged or failed:
        what = [f"{damaged} damaged stretch(es) of WARC"] if damaged else []
        what += [f"{failed} page(s) the extractor failed on"] if failed else []
        say(f"skipped {' and '.join(what)}; every other record was replayed")
        return DATA_ERROR
    if sys.stderr.isatty():
        say(summary(stats, len(files), where))
    return OK


def summary(stats: dict[str, Any], files: int, where: str | None) -> str:
    """One line for a person at a terminal."""
    pages = stats.get(keys.ARTICLES_PARSED, 0)
    if where is not None:
        outcome = f"{stats.get(keys.ITEMS_VALID, 0)} records written to {where}"
    elif published := stats.get(keys.OUTPUT_FILE):
        outcome = (
            f"{stats.get(keys.ITEMS_REVISED, 0)} changed and {stats.get(keys.ITEMS_NEW, 0)} new "
            f"records published in {published}"
        )
    else:
        outcome = "no record changed: nothing published"
    return f"replayed {pages} article pages from {files} WARC files: {outcome}"
