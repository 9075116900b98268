"""Faults of the machine (issue 7 §2): a full disk at each point of a run, read-only directories
and files, a corrupt seen store.

Each is made for real (tests/mounts.py: a small tmpfs, a read-only bind mount; skipped where the
machine does not allow mounting) and met by the real command line (tests/crawling.py). Expected
records come from the replica's ground truth. What each fault must give: one line on stderr
naming the path and the system's reason, the traceback only in the log, its own exit status, a
crawl stopped at once, nothing partial under `*.jsonl`, and, once the fault is cleared, every
article published exactly once.
"""

import errno
import json
import logging
import os
import re
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from newsbot import statkeys as keys
from newsbot.cron import ABORTED, HEALTH_FAILED, IO_ERROR, LOCKED, OK, USAGE, evaluate
from newsbot.filefaults import REASON, FileFault, RunLog, describe
from newsbot.items import Article
from newsbot.pipelines import JsonLinesWriterPipeline
from newsbot.provenance import claim
from newsbot.replay import article_key
from newsbot.replica import ReplicaServer, ReplicaSite
from newsbot.runlock import LOCK_NAME
from newsbot.state import RunState
from newsbot.store import STORE_NAME, SeenStore, StoredArticle
from newsbot.warc import Capture, read_archive
from tests.crawling import (
    PROJECT_DIR,
    CrawlResult,
    part_lines,
    read_records,
    run_crawl,
    runs,
    start_crawl,
    wait_for,
)
from tests.mounts import Mounts, fill
from tests.stubs import state_crawler

MAX_PAGES = ("-a", "max_pages=50")
ENOSPC = "No space left on device (ENOSPC)"
FULL = re.escape(ENOSPC)
EROFS = "Read-only file system (EROFS)"


def small_site() -> ReplicaSite:
    return ReplicaSite(articles=60, seed=3)


def site_to_stop() -> ReplicaSite:
    """Large enough that a crawl stopped at the first failed write is plainly short of it."""
    return ReplicaSite(articles=150, seed=1)


def pattern(path: Path, tail: str, reason: str, doing: str = "write") -> str:
    """The pattern of a line `newsbot: could not <doing> <path><tail>: <reason>`; `path` is
    taken as written, the others are patterns."""
    return rf"newsbot: could not {doing} {re.escape(str(path))}{tail}: {reason}"


# A failed run that had a log names it at the end of its last line (tests/test_cron.py).
LOG_SUFFIX = re.compile(r"; log: \S+\.log$")


def the_line(result: CrawlResult) -> str:
    """The one line a faulty run prints, without the name of its log; never a traceback, never
    Python's "Logging error"."""
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return LOG_SUFFIX.sub("", lines[0])


def article_requests(server: ReplicaServer) -> list[str]:
    return [path for _, path, _ in server.requests if path.startswith("/article/")]


def assert_each_article_once(data: Path, site: ReplicaSite) -> None:
    """Every article of the site is published exactly once, whole, across all runs."""
    records, _ = read_records(data)  # parses every line: a partial one would fail here
    assert Counter(record["id"] for record in records) == Counter(site.ids())
    assert all(record["revision"] == 1 for record in records)
    assert not list(data.glob("devdiscourse/.*.part"))


def stored_ids(data: Path) -> set[str]:
    db = sqlite3.connect(data / STORE_NAME)
    try:
        return {str(row[0]) for row in db.execute("SELECT id FROM articles")}
    finally:
        db.close()


def log_text(data: Path) -> str:
    return "".join(path.read_text() for path in sorted((data / "logs").glob("*.log")))


def pause_and(crawl: subprocess.Popen[str], data: Path, action) -> None:
    """Once the crawl has written a few records, freeze it (SIGSTOP), do `action`, let it go on:
    its next write meets whatever `action` did."""
    wait_for(lambda: part_lines(data) >= 3 or crawl.poll() is not None, timeout=120)
    os.kill(crawl.pid, signal.SIGSTOP)
    try:
        assert crawl.poll() is None, "the crawl ended before the fault could be made"
        action()
    finally:
        os.kill(crawl.pid, signal.SIGCONT)


def finish(crawl: subprocess.Popen[str]) -> CrawlResult:
    out, err = crawl.communicate(timeout=300)
    return CrawlResult(crawl.returncode, out, err, [], [])


# -- the line and the status -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "doing", "line"),
    [
        (
            OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)),
            "write",
            f"could not write /d/f: {ENOSPC}",
        ),
        (OSError(errno.EROFS, os.strerror(errno.EROFS)), "write", f"could not write /d/f: {EROFS}"),
        (
            sqlite3.DatabaseError("file is not a database"),
            "open",
            "could not open /d/f: file is not a database",
        ),
        (
            ValueError("line 3 is not\na JSON record"),
            "read",
            "could not read /d/f: line 3 is not a JSON record",
        ),
    ],
)
def test_a_file_fault_is_one_line_naming_the_path_and_the_reason(
    error: BaseException, doing: str, line: str
) -> None:
    assert str(FileFault(Path("/d/f"), error, doing)) == line


def test_sqlite_names_its_own_error() -> None:
    with pytest.raises(sqlite3.Error) as raised:
        sqlite3.connect(":memory:").execute("SELECT * FROM nosuch")
    assert describe(raised.value) == "no such table: nosuch (SQLITE_ERROR)"


@pytest.mark.parametrize(
    ("code", "refused"),
    [
        (errno.EROFS, True),
        (errno.EACCES, True),
        (errno.ENOTDIR, True),
        (errno.ENOLCK, True),
        (errno.ENOSPC, False),
        (errno.EDQUOT, False),
        (errno.EIO, False),
    ],
)
def test_refusals_are_told_from_failed_writes(code: int, refused: bool) -> None:
    """Refused before the crawl: a configuration that can never work (exit 2); a write that
    failed: exit 74."""
    assert FileFault(Path("/d"), OSError(code, os.strerror(code))).refused is refused


FAULT = "could not write /d/f: No space left on device (ENOSPC)"


@pytest.mark.parametrize(
    ("stats", "crash", "fault"),
    [
        (
            {"finish_reason": REASON, keys.FILE_FAULT: FAULT, keys.HEALTH_FAILED: ["x: y"]},
            None,
            None,
        ),
        ({"finish_reason": "shutdown", keys.FILE_FAULT: FAULT}, None, None),
        ({}, FileFault(Path("/d/f"), OSError(errno.ENOSPC, "No space left on device")), None),
        (
            {"finish_reason": "finished", keys.HEALTH_FAILED: []},
            None,
            FileFault(Path("/d/f"), OSError(errno.ENOSPC, "No space left on device")),
        ),
    ],
)
def test_a_file_fault_outranks_aborts_and_failed_checks(
    stats: dict, crash: BaseException | None, fault: FileFault | None
) -> None:
    outcome = evaluate(stats, 60, crash, fault)
    assert (outcome.status, outcome.messages, outcome.file_fault) == (IO_ERROR, [FAULT], FAULT)


def test_could_not_read_or_write_has_a_status_of_its_own() -> None:
    statuses = [OK, HEALTH_FAILED, USAGE, ABORTED, IO_ERROR, LOCKED]
    assert len(set(statuses)) == len(statuses) and IO_ERROR == 74  # EX_IOERR


# -- components on a real full disk, in process ------------------------------------------------


def row(news_id: int, revision: int = 1) -> StoredArticle:
    seen = "2026-11-26T10:15:02Z"
    return StoredArticle(
        news_id,
        "2020-03-02T17:29:00+05:30",
        "2020-03-02T17:54:00+05:30",
        "ab" * 32,
        revision,
        seen,
        seen,
    )


@pytest.mark.parametrize(
    "count",
    [
        500,  # fits SQLite's page cache: the disk is found full at COMMIT
        20_000,  # more than its 2 MB cache: found full while the rows are written
    ],
)
def test_the_store_on_a_full_disk_records_nothing_then_everything_once(
    mounts: Mounts, tmp_path: Path, count: int
) -> None:
    disk = mounts.tmpfs(tmp_path / "disk", "8m")
    store = SeenStore(disk / STORE_NAME)
    try:
        store.record_publication("a.jsonl", [row(1)])
        filler = fill(disk)
        rows = [row(news_id) for news_id in range(2, count + 2)]
        with pytest.raises(FileFault, match=r"could not write .*seen\.sqlite3: .*\(SQLITE_FULL\)"):
            store.record_publication("b.jsonl", rows)
        # The transaction is gone whole: neither the file nor any row, and the store still works.
        assert not store.db.in_transaction
        assert not store.is_recorded("b.jsonl")
        assert store.get(2) is None and store.get(count + 1) is None
        assert store.get(1) == row(1)
        filler.unlink()
        store.record_publication("b.jsonl", rows)
        store.record_publication("b.jsonl", rows)
        assert store.get(count + 1) == row(count + 1)
        assert store.db.execute("SELECT count(*) FROM articles").fetchone()[0] == count + 1
    finally:
        store.close()


def article(news_id: int) -> Article:
    return Article(
        id=str(news_id),
        url=f"https://www.devdiscourse.com/article/international/{news_id}-x",
        title="Kremlin says cooperation with Turkey on Syria of 'great importance'",
        source="PTI",
        created="2020-03-02T17:29:00+05:30",
        updated="2020-03-02T17:54:00+05:30",
        body="Lorem ipsum dolor sit amet. " * 40,
        revision=1,
        crawled_at="2026-11-26T10:15:02Z",
    )


def test_the_writer_on_a_full_disk_publishes_whole_records_and_records_only_them(
    mounts: Mounts, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    records = mounts.tmpfs(data / "devdiscourse", "16k")
    crawler = state_crawler(data)
    writer = JsonLinesWriterPipeline.from_crawler(crawler)
    writer.open_spider()
    written = []
    with pytest.raises(
        FileFault,
        match=pattern(records, r"/\..*\.jsonl\.part", FULL).removeprefix("newsbot: "),
    ):
        for news_id in range(1000, 1100):
            writer.process_item(article(news_id))
            written.append(str(news_id))
    # Later records are not written at all (the crawl is stopping): dropped, counted.
    with pytest.raises(DropItem, match="not written"):
        writer.process_item(article(2000))
    writer.close_spider()
    crawler.get_extension(RunState).spider_closed()

    (published,) = records.glob("*.jsonl")
    lines = published.read_bytes().split(b"\n")
    assert lines.pop() == b""  # ends with a whole line
    assert [json.loads(line)["id"] for line in lines] == written
    assert not list(records.glob(".*"))
    assert stored_ids(data) == set(written)
    assert crawler.stats.get_value(keys.FILE_FAULT).startswith(f"could not write {records}/.")
    assert crawler.stats.get_value(keys.DROPPED_UNWRITTEN) == 2


def test_the_run_log_on_a_full_disk_prints_nothing_and_keeps_the_fault(
    mounts: Mounts, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    logs = mounts.tmpfs(tmp_path / "logs", "16k")
    settings = get_crawler().settings
    log = RunLog(logs / "run.log", settings)
    seen: list[FileFault] = []
    log.on_fault = seen.append
    logger = logging.getLogger("newsbot.test.runlog")
    logger.addHandler(log)
    logger.propagate = False
    try:
        fill(logs)
        for number in range(200):
            logger.error("line %d %s", number, "x" * 200)
    finally:
        logger.removeHandler(log)
        log.close()
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")
    assert str(log.fault) == f"could not write {logs}/run.log: {ENOSPC}"
    assert seen and all(fault is log.fault for fault in seen)


SPIDER_WITH_A_FAULT = """
import errno
from pathlib import Path

import scrapy

from newsbot.filefaults import FileFault


class Faulty(scrapy.Spider):
    name = "faulty"
    custom_settings = {"CONCURRENT_REQUESTS": 1}

    async def start(self):
        for number in range(50):
            yield scrapy.Request(f"data:,{number}", dont_filter=True, cb_kwargs={"number": number})

    def parse(self, response, number):
        self.logger.info("parsed %d", number)
        if number == 3:
            raise FileFault(Path("/store"), OSError(errno.EIO, "Input/output error"), "read")
"""


@pytest.mark.e2e
def test_a_file_fault_in_a_spider_callback_stops_the_crawl_at_once(tmp_path: Path) -> None:
    """What a corrupt page of the store met mid-run does: StopOnFileFault closes the spider."""
    spider = tmp_path / "faulty.py"
    spider.write_text(SPIDER_WITH_A_FAULT)
    done = subprocess.run(
        [sys.executable, "-m", "scrapy", "runspider", str(spider), "-s", "LOG_LEVEL=INFO"],
        cwd=PROJECT_DIR,
        env={**os.environ, "PYTHONPATH": str(PROJECT_DIR), "NEWSBOT_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert f"Closing spider ({REASON})" in done.stderr
    parsed = re.findall(r"parsed (\d+)", done.stderr)
    assert "3" in parsed and len(parsed) < 10, parsed
    assert "could not read /store: Input/output error (EIO)" in done.stderr


# -- a full disk, at each point of a run -------------------------------------------------------


@pytest.mark.e2e
def test_a_full_disk_before_the_start_is_one_line_and_74_before_any_request(
    mounts: Mounts, tmp_path: Path, serve_replica
) -> None:
    site = small_site()
    server = serve_replica(site)
    # Room, once freed, for the whole site's records and its WARC archive (about 16 KB a page).
    data = mounts.tmpfs(tmp_path / "data", "4m")
    filler = fill(data)

    result = run_crawl(server.base_url, data)
    assert result.status == IO_ERROR
    assert the_line(result) == f"newsbot: could not write {data}: {ENOSPC}"
    assert list(server.requests) == []

    filler.unlink()
    again = run_crawl(server.base_url, data, *MAX_PAGES)
    assert (again.status, again.stderr) == (OK, "")
    assert_each_article_once(data, site)


@pytest.mark.e2e
def test_a_disk_filling_up_under_the_part_file_stops_the_crawl_and_publishes_whole_records(
    mounts: Mounts, tmp_path: Path, serve_replica
) -> None:
    site = site_to_stop()
    server = serve_replica(site)
    data = tmp_path / "data"
    records = mounts.tmpfs(data / "devdiscourse", "32k")

    result = run_crawl(server.base_url, data)
    assert result.status == IO_ERROR
    line = the_line(result)
    assert re.fullmatch(pattern(records, r"/\.[-\dTZ]+\.jsonl\.part", FULL), line)
    (run,) = runs(data)
    assert (run["status"], run["finish_reason"]) == (IO_ERROR, REASON)
    assert run["file_fault"] == line.removeprefix("newsbot: ")
    assert "Traceback" in log_text(data)
    # Stopped at once: not fetching on through the site's articles.
    assert len(article_requests(server)) < len(site.ids()) / 2
    # Published: whole records only, exactly those the store knows.
    assert 0 < len(result.records) == run["written"]
    assert stored_ids(data) == {record["id"] for record in result.records}
    assert not list(records.glob(".*.part"))

    mounts.resize(records, "4m")
    again = run_crawl(server.base_url, data, *MAX_PAGES)
    assert (again.status, again.stderr) == (OK, "")
    assert_each_article_once(data, site)


@pytest.mark.e2e
def test_a_disk_filling_up_under_the_warc_archive_stops_the_crawl_and_loses_nothing(
    mounts: Mounts, tmp_path: Path, serve_replica
) -> None:
    """The archive is one more file the crawl writes: the same line, status and stop; nothing
    half-published under `warc/`; no record published without its page archived; the next run
    publishes the rest, each article once."""
    site = site_to_stop()
    server = serve_replica(site)
    data = tmp_path / "data"
    warc = mounts.tmpfs(data / "warc", "256k")

    result = run_crawl(server.base_url, data)
    assert result.status == IO_ERROR
    line = the_line(result)
    assert re.fullmatch(pattern(warc, r"/\.[-\dTZ]+-\d{5}\.warc\.gz\.part", FULL), line)
    (run,) = runs(data)
    assert (run["status"], run["finish_reason"]) == (IO_ERROR, REASON)
    assert len(article_requests(server)) < len(site.ids()) / 2
    # Published: whole WARC records only, and the page of every published record among them.
    assert not list(warc.glob(".*"))
    archived = set()
    for path in warc.glob("*.warc.gz"):
        for found in read_archive(path):
            assert isinstance(found, Capture), found
            archived.add(article_key(found.url))
    assert {record["id"] for record in result.records} <= archived

    mounts.resize(warc, "16m")
    again = run_crawl(server.base_url, data, *MAX_PAGES)
    assert (again.status, again.stderr) == (OK, "")
    assert_each_article_once(data, site)


@pytest.mark.e2e
def test_a_whole_data_directory_filling_up_loses_nothing(
    mounts: Mounts, tmp_path: Path, serve_replica
) -> None:
    """The usual case: records, WARC archive, store, log and runs.jsonl all on one disk that
    fills up (large enough that some records are written before it does)."""
    site = site_to_stop()
    server = serve_replica(site)
    data = mounts.tmpfs(tmp_path / "data", "1m")

    result = run_crawl(server.base_url, data)
    assert result.status == IO_ERROR
    # Whichever write found the disk full first: a part file, the store, the log.
    assert re.fullmatch(pattern(data, r"/\S+", r"(.+ \((ENOSPC|SQLITE_FULL)\))"), the_line(result))
    assert len(article_requests(server)) < len(site.ids())
    records, _ = read_records(data)  # whole lines only
    assert records

    mounts.resize(data, "8m")
    again = run_crawl(server.base_url, data, *MAX_PAGES)
    assert (again.status, again.stderr) == (OK, "")
    assert_each_article_once(data, site)


@pytest.mark.e2e
def test_a_full_disk_at_the_store_update_publishes_and_the_next_run_records_it_once(
    mounts: Mounts, tmp_path: Path, serve_replica
) -> None:
    site = site_to_stop()
    server = serve_replica(site)
    # The store and runs.jsonl on a disk of their own, which fills up during the crawl.
    data = mounts.tmpfs(tmp_path / "data", "512k")
    mounts.tmpfs(data / "devdiscourse", "8m")
    mounts.tmpfs(data / "logs", "8m")
    mounts.tmpfs(data / "warc", "16m")
    fillers: list[Path] = []

    crawl = start_crawl(server.base_url, data)
    pause_and(crawl, data, lambda: fillers.append(fill(data)))
    result = finish(crawl)
    assert result.status == IO_ERROR
    full = "database or disk is full (SQLITE_FULL)"
    assert the_line(result) == f"newsbot: could not write {data / STORE_NAME}: {full}"
    assert "SQLITE_FULL" in log_text(data) and "Traceback" in log_text(data)
    # The records are published; the store does not claim them; runs.jsonl could not be written.
    assert_each_article_once(data, site)
    assert stored_ids(data) == set()
    assert (data / "runs.jsonl").read_text() == ""

    fillers[0].unlink()
    again = run_crawl(server.base_url, data, *MAX_PAGES)
    assert (again.status, again.stderr) == (OK, "")
    assert_each_article_once(data, site)  # nothing published twice
    assert runs(data)[-1]["counts"]["recovery/records_absorbed"] == len(site.ids())


@pytest.mark.e2e
def test_a_full_disk_at_runs_jsonl_is_74_and_everything_else_is_done(
    mounts: Mounts, tmp_path: Path, serve_replica
) -> None:
    site = small_site()
    server = serve_replica(site)
    data = tmp_path / "data"
    data.mkdir()
    # runs.jsonl is a file on a disk of one page that its old lines fill exactly.
    full = mounts.tmpfs(tmp_path / "full", "4k")
    padding = json.dumps({"pad": ""})
    old_line = json.dumps({"pad": "x" * (4096 - len(padding) - 1)}) + "\n"
    (full / "runs.jsonl").write_text(old_line)
    (data / "runs.jsonl").touch()
    mounts.bind(full / "runs.jsonl", data / "runs.jsonl")

    result = run_crawl(server.base_url, data, *MAX_PAGES)
    assert result.status == IO_ERROR
    assert the_line(result) == f"newsbot: could not write {data}/runs.jsonl: {ENOSPC}"
    assert "Traceback" in log_text(data)
    assert_each_article_once(data, site)
    assert stored_ids(data) == set(site.ids())

    mounts.resize(full, "1m")
    again = run_crawl(server.base_url, data, *MAX_PAGES)
    assert (again.status, again.stderr) == (OK, "")
    assert_each_article_once(data, site)
    old, line = runs(data)
    assert (old, line["status"], line["new"]) == (json.loads(old_line), OK, 0)


@pytest.mark.e2e
def test_a_full_disk_at_the_log_stops_the_crawl_with_one_line_and_no_logging_error(
    mounts: Mounts, tmp_path: Path, serve_replica
) -> None:
    site = site_to_stop()
    server = serve_replica(site)
    data = tmp_path / "data"
    logs = mounts.tmpfs(data / "logs", "2m")
    fillers: list[Path] = []

    # Every request logged, so the log is written all along the crawl.
    crawl = start_crawl(server.base_url, data, LOG_LEVEL="DEBUG")
    pause_and(crawl, data, lambda: fillers.append(fill(logs)))
    result = finish(crawl)
    assert result.status == IO_ERROR
    line = the_line(result)
    assert re.fullmatch(pattern(logs, r"/[-\dTZ]+\.log", FULL), line)
    (run,) = runs(data)
    assert (run["finish_reason"], run["file_fault"]) == (REASON, line.removeprefix("newsbot: "))
    assert len(article_requests(server)) < len(site.ids())
    records, _ = read_records(data)
    assert stored_ids(data) == {record["id"] for record in records}

    fillers[0].unlink()
    again = run_crawl(server.base_url, data, *MAX_PAGES)
    assert (again.status, again.stderr) == (OK, "")
    assert_each_article_once(data, site)


# -- what newsbot may not write, and a store it cannot read ------------------------------------


def existing(data: Path, name: str) -> Path:
    """`data/name` as a run finds it: directories and files of an earlier run."""
    path = data / name
    if name in ("devdiscourse", "logs", "warc"):
        path.mkdir(parents=True)
    elif name == STORE_NAME:
        SeenStore(path).close()
    elif name:
        path.touch()
    return path


@pytest.mark.e2e
@pytest.mark.parametrize(
    "name", ["", "devdiscourse", "logs", "warc", LOCK_NAME, STORE_NAME, "runs.jsonl"]
)
def test_what_newsbot_may_not_write_is_one_line_and_2_before_any_request(
    mounts: Mounts, tmp_path: Path, serve_replica, name: str
) -> None:
    server = serve_replica(small_site())
    data = tmp_path / "data"
    data.mkdir()
    claim(data, server.base_url)  # an earlier run's marker: this directory holds the replica
    target = mounts.read_only(existing(data, name))

    result = run_crawl(server.base_url, data)
    assert result.status == USAGE
    assert the_line(result) == f"newsbot: error: could not write {target}: {EROFS}"
    assert list(server.requests) == []
    if name not in ("", "runs.jsonl"):  # runs.jsonl can be written: the run has its line
        (run,) = runs(data)
        assert (run["status"], run["file_fault"]) == (USAGE, f"could not write {target}: {EROFS}")


def garbage(store: Path) -> None:
    store.write_bytes(b"not a database, just text " * 200)


def truncated(store: Path) -> None:
    with store.open("r+b") as file:
        file.truncate(4096)  # the first page (the schema) and nothing of the tables


@pytest.mark.e2e
@pytest.mark.parametrize("corrupt", [garbage, truncated])
def test_a_corrupt_store_is_one_line_and_74_and_moving_it_aside_rebuilds_it(
    tmp_path: Path, serve_replica, corrupt
) -> None:
    site = small_site()
    server = serve_replica(site)
    data = tmp_path / "data"
    first = run_crawl(server.base_url, data, *MAX_PAGES)
    assert first.status == OK
    store = data / STORE_NAME
    corrupt(store)
    server.requests.clear()

    result = run_crawl(server.base_url, data)
    assert result.status == IO_ERROR
    corrupt = r"(file is not a database \(SQLITE_NOTADB\)|.+ \(SQLITE_CORRUPT\))"
    assert re.fullmatch(pattern(store, "", corrupt, "(open|read)"), the_line(result))
    assert list(server.requests) == []
    assert runs(data)[-1]["status"] == IO_ERROR
    assert "Traceback" in sorted((data / "logs").glob("*.log"))[-1].read_text()

    # What the troubleshooting table says to do: move the store aside; it is rebuilt.
    for path in data.glob(f"{STORE_NAME}*"):
        path.rename(tmp_path / path.name)
    again = run_crawl(server.base_url, data, *MAX_PAGES)
    assert (again.status, again.stderr) == (OK, "")
    assert again.files == first.files  # nothing published twice
    assert_each_article_once(data, site)
