"""The WARC archive on built responses: what each record holds, rollover, publication, salvage
after a kill, and reading back damaged files. Written records are checked with warcio's own
reader and `warcio check`, not with newsbot's."""

import base64
import fcntl
import gzip
import hashlib
import ipaddress
import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse, TextResponse
from scrapy.settings import Settings
from scrapy.utils.conf import build_component_list
from warcio.archiveiterator import ArchiveIterator

from newsbot import settings as project_settings
from newsbot import statkeys as keys
from newsbot.archive import Unarchived, WarcArchiveMiddleware
from newsbot.extract import FETCHED_AT
from newsbot.publish import part_path, unused
from newsbot.runlock import LOCK_NAME
from newsbot.state import RunState
from newsbot.warc import Capture, Damage, WarcFiles, read_archive, recover_warc_parts
from tests.mounts import Mounts
from tests.stubs import state_crawler

WARCIO = str(Path(sys.executable).with_name("warcio"))
BASE = "http://127.0.0.1:8800"
PAGE = b"<!DOCTYPE html><html><head><title>t</title></head><body><p>story</p></body></html>"


@pytest.fixture
def crawler(tmp_path: Path) -> Iterator[Crawler]:
    crawler = state_crawler(
        tmp_path, {"NEWSBOT_WARC_ENABLED": True, "NEWSBOT_WARC_MAX_BYTES": 2**30}
    )
    yield crawler
    crawler.get_extension(RunState).spider_closed()


def exchange(
    path: str = "/article/international/1234567-x",
    body: bytes = PAGE,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> tuple[Request, HtmlResponse]:
    request = Request(BASE + path, headers={"User-Agent": "Archiver/1", "Accept-Language": "en"})
    response = HtmlResponse(
        request.url,
        status=status,
        headers=headers or {"Content-Type": "text/html; charset=utf-8"},
        body=body,
        request=request,
        ip_address=ipaddress.ip_address("127.0.0.1"),
        protocol="HTTP/1.1",
    )
    return request, response


def archive(crawler: Crawler, *exchanges: tuple[Request, HtmlResponse]) -> list[Path]:
    """Pass each exchange through the middleware, close the run's archive; the published files."""
    middleware = WarcArchiveMiddleware.from_crawler(crawler)
    for request, response in exchanges:
        assert middleware.process_response(request, response) is response
    crawler.get_extension(RunState).spider_closed()
    return sorted((Path(crawler.settings["NEWSBOT_DATA_DIR"]) / "warc").glob("*.warc.gz"))


def records(path: Path) -> list:
    """(type, WARC headers, HTTP headers, raw payload, content) of each record, by warcio."""
    found = []
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream):
            raw = record.raw_stream.read()
            found.append((record.rec_type, record.rec_headers, record.http_headers, raw))
    return found


def sha1_digest(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def warcio_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([WARCIO, "check", str(path)], capture_output=True, text=True)


# -- what is written ----------------------------------------------------------------------------


def test_response_and_request_records_hold_the_exchange(crawler: Crawler) -> None:
    request, response = exchange(path="/article/international/1234567-x?utm=1")
    (path,) = archive(crawler, (request, response))

    (info, answer, question) = records(path)
    assert info[0] == "warcinfo" and info[1].protocol == "WARC/1.1"
    assert b"software: newsbot" in info[3]
    assert answer[0] == "response"
    headers = answer[1]
    assert headers.get_header("WARC-Target-URI") == request.url
    assert headers.get_header("WARC-IP-Address") == "127.0.0.1"
    assert headers.get_header("WARC-Payload-Digest") == sha1_digest(PAGE)
    assert answer[2].protocol == "HTTP/1.1" and answer[2].statusline == "200 OK"
    assert answer[2].get_header("Content-Type") == "text/html; charset=utf-8"
    assert answer[3] == PAGE
    assert question[0] == "request"
    assert question[1].get_header("WARC-Concurrent-To") == headers.get_header("WARC-Record-ID")
    assert question[1].get_header("WARC-Date") == headers.get_header("WARC-Date")
    assert question[2].protocol == "GET"
    assert question[2].statusline == "/article/international/1234567-x?utm=1 HTTP/1.1"
    assert question[2].get_header("Host") == "127.0.0.1:8800"
    assert question[2].get_header("User-Agent") == "Archiver/1"
    assert warcio_check(path).returncode == 0


def test_compressed_body_is_archived_as_sent_and_keeps_its_encoding(crawler: Crawler) -> None:
    compressed = gzip.compress(PAGE)
    headers = {"Content-Type": "text/html", "Content-Encoding": "gzip"}
    (path,) = archive(crawler, exchange(body=compressed, headers=headers))

    with path.open("rb") as stream:
        decoded = [
            (r.http_headers, r.rec_headers, r.content_stream().read())
            for r in ArchiveIterator(stream)
            if r.rec_type == "response"
        ]
    ((http_headers, warc_headers, content),) = decoded
    assert http_headers.get_header("Content-Encoding") == "gzip"
    # The payload digest is of the entity as sent (RFC 9110: content coding included).
    assert warc_headers.get_header("WARC-Payload-Digest") == sha1_digest(compressed)
    assert content == PAGE
    assert warcio_check(path).returncode == 0


def test_decoded_body_does_not_claim_an_encoding(crawler: Crawler) -> None:
    """A body that reached the archive decoded (HttpCompression removes the header when it
    decodes) is stored plain, without Content-Encoding."""
    (path,) = archive(crawler, exchange(headers={"Content-Type": "text/html"}))
    (_, answer, _) = records(path)
    assert answer[2].get_header("Content-Encoding") is None
    assert answer[3] == PAGE


def test_redirect_and_error_answers_are_archived(crawler: Crawler) -> None:
    moved = exchange(path="/Home/Detail/abc", status=301, headers={"Location": "/article/1-x"})
    failed = exchange(path="/article/2-x", status=500, body=b"oops")
    (path,) = archive(crawler, moved, failed)
    statuses = [r[2].statusline for r in records(path) if r[0] == "response"]
    assert statuses == ["301 Moved Permanently", "500 Internal Server Error"]


def test_fetch_time_is_stamped_and_is_the_warc_date(crawler: Crawler) -> None:
    request, response = exchange()
    request.meta["download_latency"] = 2.0
    before = datetime.now(UTC)
    (path,) = archive(crawler, (request, response))
    fetched = request.meta[FETCHED_AT]
    assert before - timedelta(seconds=2.5) <= fetched <= before - timedelta(seconds=1.5)
    (_, answer, _) = records(path)
    date = answer[1].get_header("WARC-Date")
    assert date == fetched.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_files_roll_over_at_the_size_limit_each_with_its_warcinfo(tmp_path: Path) -> None:
    crawler = state_crawler(tmp_path, {"NEWSBOT_WARC_ENABLED": True, "NEWSBOT_WARC_MAX_BYTES": 1})
    paths = archive(crawler, exchange("/article/1-a"), exchange("/article/2-b"))
    stamp = crawler.get_extension(RunState).stamp
    assert [p.name for p in paths] == [f"{stamp}-00000.warc.gz", f"{stamp}-00001.warc.gz"]
    for path in paths:
        assert [r[0] for r in records(path)] == ["warcinfo", "response", "request"]
        assert warcio_check(path).returncode == 0
    assert crawler.stats.get_value(keys.WARC_FILES) == 2
    assert crawler.stats.get_value(keys.WARC_RESPONSES) == 2
    assert crawler.stats.get_value(keys.WARC_BYTES) > 0
    assert list((tmp_path / "warc").glob(".*")) == []


def test_nothing_is_published_before_the_run_closes(crawler: Crawler, tmp_path: Path) -> None:
    middleware = WarcArchiveMiddleware.from_crawler(crawler)
    middleware.process_response(*exchange())
    assert list((tmp_path / "warc").glob("*.warc.gz")) == []
    assert len(list((tmp_path / "warc").glob(".*.warc.gz.part"))) == 1


def test_switched_off_archives_nothing_but_still_stamps_the_fetch_time(tmp_path: Path) -> None:
    crawler = state_crawler(tmp_path, {"NEWSBOT_WARC_ENABLED": False})
    request, response = exchange()
    assert archive(crawler, (request, response)) == []
    assert FETCHED_AT in request.meta
    assert not (tmp_path / "warc").exists()


def test_a_crawl_without_the_lock_archives_nothing(tmp_path: Path) -> None:
    # Another process's lock: a descriptor of ours that RunLock does not know about.
    lock = tmp_path / LOCK_NAME
    lock.write_text('{"pid": 1, "started": "2026-01-01T00:00:00+00:00"}\n')
    fd = os.open(lock, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        crawler = state_crawler(tmp_path, {"NEWSBOT_WARC_ENABLED": True})
        assert not crawler.get_extension(RunState).writable
        assert archive(crawler, exchange()) == []
    finally:
        os.close(fd)


def test_a_read_only_command_archives_nothing(tmp_path: Path) -> None:
    """`scrapy parse`, `shell`, … (NEWSBOT_READ_ONLY), even with no crawl holding the lock."""
    crawler = state_crawler(tmp_path, {"NEWSBOT_WARC_ENABLED": True, "NEWSBOT_READ_ONLY": True})
    request, response = exchange()
    assert archive(crawler, (request, response)) == []
    assert FETCHED_AT in request.meta
    assert not (tmp_path / "warc").exists()


def test_a_full_disk_stops_the_archive_and_publishes_its_whole_exchanges(
    mounts: Mounts, tmp_path: Path
) -> None:
    """A file fault like any other (newsbot/filefaults.py): recorded as the run's fault; the
    response that met it and every later one dropped, so nothing is extracted without its page
    archived; the part cut back to its whole exchanges and published at the close."""
    warc = mounts.tmpfs(tmp_path / "warc", "64k")
    crawler = state_crawler(
        tmp_path, {"NEWSBOT_WARC_ENABLED": True, "NEWSBOT_WARC_MAX_BYTES": 2**30}
    )
    middleware = WarcArchiveMiddleware.from_crawler(crawler)
    archived = 0
    with pytest.raises(Unarchived):
        for number in range(100):
            # Incompressible bodies: the disk fills within a few exchanges.
            page = PAGE.replace(b"story", os.urandom(3000).hex().encode())
            middleware.process_response(*exchange(f"/article/{number + 1}-x", body=page))
            archived += 1
    with pytest.raises(Unarchived, match="not archived after could not write"):
        middleware.process_response(*exchange("/article/999-x"))
    stamp = crawler.get_extension(RunState).stamp
    fault = crawler.stats.get_value(keys.FILE_FAULT)
    assert (
        fault
        == f"could not write {warc}/.{stamp}-00000.warc.gz.part: No space left on device (ENOSPC)"
    )

    crawler.get_extension(RunState).spider_closed()
    (published,) = warc.glob("*.warc.gz")
    assert [r[0] for r in records(published)] == ["warcinfo"] + ["response", "request"] * archived
    assert warcio_check(published).returncode == 0
    assert list(warc.glob(".*")) == []
    assert crawler.stats.get_value(keys.WARC_RESPONSES) == archived > 0


def test_archive_sees_responses_before_every_built_in_middleware() -> None:
    """Responses travel the chain from the highest order down: the archive must be the highest,
    beyond HttpCompression, Redirect, Retry, RobotsTxt and HttpCache."""
    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    chain = build_component_list(settings.getwithbase("DOWNLOADER_MIDDLEWARES"))
    assert chain[-1] == "newsbot.archive.WarcArchiveMiddleware"
    assert settings.getbool("NEWSBOT_WARC_ENABLED")


def test_unused_name_keeps_every_suffix(tmp_path: Path) -> None:
    taken = tmp_path / "2026-01-01T00-00-00Z-00000.warc.gz"
    taken.touch()
    assert unused(taken).name == "2026-01-01T00-00-00Z-00000-1.warc.gz"
    assert unused(tmp_path / "free.jsonl").name == "free.jsonl"


# -- a killed run's part ------------------------------------------------------------------------


def killed_part(directory: Path, exchanges: int, torn: bytes = b"") -> Path:
    """The part a run killed after `exchanges` whole exchanges (and `torn` bytes more) leaves."""
    files = WarcFiles(directory, "2026-01-01T00-00-00Z", 2**30, {"software": "test"})
    for number in range(exchanges):
        files.write_exchange(*exchange(f"/article/{number + 1}-x"), datetime.now(UTC))
    if files.current is None:  # no exchange yet: the file is opened with the first one
        files._open()
    assert files.current is not None and files.current.file is not None
    files.current.file.write(torn)
    files.current.file.close()
    return files.current.part


def test_killed_runs_part_is_cut_to_its_whole_records_and_published(tmp_path: Path) -> None:
    torn = gzip.compress(b"WARC/1.1\r\n" + os.urandom(5000))[:100]
    part = killed_part(tmp_path, 3, torn=torn)
    size = part.stat().st_size - len(torn)

    assert recover_warc_parts(tmp_path) == 1

    (published,) = tmp_path.glob("*.warc.gz")
    assert published.name == "2026-01-01T00-00-00Z-00000.warc.gz"
    assert published.stat().st_size == size
    assert [r[0] for r in records(published)] == ["warcinfo"] + ["response", "request"] * 3
    assert warcio_check(published).returncode == 0
    assert not part.exists()


def test_part_with_no_exchange_is_deleted(tmp_path: Path) -> None:
    killed_part(tmp_path, 0, torn=b"\x1f\x8b\x08\x00")
    assert recover_warc_parts(tmp_path) == 0
    assert list(tmp_path.iterdir()) == []
    assert part_path(tmp_path / "x").name == ".x.part"


def test_the_next_run_recovers_parts_before_it_starts(tmp_path: Path) -> None:
    killed_part(tmp_path / "warc", 2)
    crawler = state_crawler(tmp_path)
    try:
        assert crawler.stats.get_value(keys.WARC_PARTS_SALVAGED) == 1
        assert len(list((tmp_path / "warc").glob("*.warc.gz"))) == 1
    finally:
        crawler.get_extension(RunState).spider_closed()


# -- reading damaged files ----------------------------------------------------------------------


@pytest.fixture
def sound(tmp_path: Path) -> Path:
    """A published WARC of five article exchanges."""
    crawler = state_crawler(
        tmp_path, {"NEWSBOT_WARC_ENABLED": True, "NEWSBOT_WARC_MAX_BYTES": 2**30}
    )
    pages = [PAGE.replace(b"story", f"story {n}".encode()) for n in range(5)]
    (path,) = archive(crawler, *(exchange(f"/article/{n}-x", body=p) for n, p in enumerate(pages)))
    return path


def offsets(path: Path) -> list[tuple[int, str]]:
    """(offset, type) of each record, by warcio."""
    with path.open("rb") as stream:
        iterator = ArchiveIterator(stream)
        return [(iterator.get_record_offset(), record.rec_type) for record in iterator]


def urls_read(found: list) -> list[str]:
    return [item.url.rsplit("/", 1)[1] for item in found if isinstance(item, Capture)]


def damages(found: list) -> list[Damage]:
    return [item for item in found if isinstance(item, Damage)]


def test_sound_file_reads_every_response(sound: Path) -> None:
    found = list(read_archive(sound))
    assert urls_read(found) == ["0-x", "1-x", "2-x", "3-x", "4-x"]
    assert damages(found) == []


def test_truncated_file_reads_every_whole_record_and_reports_the_cut(
    sound: Path, tmp_path: Path
) -> None:
    responses = [offset for offset, kind in offsets(sound) if kind == "response"]
    cut = tmp_path / "truncated.warc.gz"
    cut.write_bytes(sound.read_bytes()[: responses[3] + 200])

    found = list(read_archive(cut))

    assert urls_read(found) == ["0-x", "1-x", "2-x"]
    (damage,) = damages(found)
    assert damage.offset == responses[3]
    assert "truncated" in str(damage) and str(cut) in str(damage)


def test_bad_gzip_member_costs_only_that_record(sound: Path, tmp_path: Path) -> None:
    layout = offsets(sound)
    start, end = layout[5][0], layout[6][0]  # the third response's member
    data = bytearray(sound.read_bytes())
    middle = (start + end) // 2
    data[middle : middle + 8] = bytes(b ^ 0xFF for b in data[middle : middle + 8])
    broken = tmp_path / "bad-gzip.warc.gz"
    broken.write_bytes(bytes(data))

    found = list(read_archive(broken))

    assert urls_read(found) == ["0-x", "1-x", "3-x", "4-x"]
    (damage,) = damages(found)
    assert damage.offset == start and "gzip" in damage.problem


def test_wrong_digest_costs_only_that_record(sound: Path, tmp_path: Path) -> None:
    layout = offsets(sound)
    start, end = layout[3][0], layout[4][0]  # the second response's member
    data = sound.read_bytes()
    record = gzip.decompress(data[start:end]).replace(b"story 1", b"story X")
    forged = tmp_path / "forged.warc.gz"
    forged.write_bytes(data[:start] + gzip.compress(record) + data[end:])

    found = list(read_archive(forged))

    assert urls_read(found) == ["0-x", "2-x", "3-x", "4-x"]
    (damage,) = damages(found)
    assert damage.offset == start and "digest" in damage.problem


def test_uncompressed_warc_is_read_and_resynchronised(sound: Path, tmp_path: Path) -> None:
    members = offsets(sound)
    data = sound.read_bytes()
    bounds = [offset for offset, _ in members] + [len(data)]
    plain = [gzip.decompress(data[a:b]) for a, b in itertools.pairwise(bounds)]
    plain[3] = plain[3][:300]  # the second response, cut short in the middle of the file
    path = tmp_path / "plain.warc"
    path.write_bytes(b"".join(plain))

    found = list(read_archive(path))

    assert urls_read(found) == ["0-x", "2-x", "3-x", "4-x"]
    assert len(damages(found)) == 1


def test_not_a_text_response_is_still_archived(crawler: Crawler) -> None:
    request = Request(BASE + "/robots.txt")
    response = TextResponse(request.url, body=b"User-agent: *\n", request=request)
    (path,) = archive(crawler, (request, response))
    assert [r[1].get_header("WARC-Target-URI") for r in records(path)][1:] == [request.url] * 2
