"""WARC files of every HTTP exchange a crawl makes, and reading them back despite damage.

Writing (`WarcFiles`): warcio builds each `response` record and its `request` record
(WARC-Concurrent-To), computes their block and payload digests and gzips each record as its own
member, the layout `warcio index`, pywb and replayweb.page expect. Records are WARC/1.1 (ISO
28500:2017): its WARC-Date carries microseconds, so the captures of one second keep their order,
and every reader newsbot targets reads 1.1. Each file starts with a `warcinfo` record, is written
under a hidden part name and published by rename (newsbot/publish.py) when it reaches its size
limit or the run ends.

Reading (`read_archive`): one gzip member is one record, so damage (a truncated file, a bad gzip
member, a record whose digest is wrong) costs only that record: the reader reports it with its
offset and resumes at the next gzip member. Memory holds one record at a time.

Recovery (`recover_warc_parts`): a killed run's part keeps every complete record; see there.
"""

from __future__ import annotations

import logging
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import IO, TYPE_CHECKING
from urllib.parse import urlsplit

from warcio.recordloader import ArcWarcRecordLoader
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date, iso_date_to_datetime
from warcio.warcwriter import WARCWriter

from newsbot.filefaults import FileFault, file_fault
from newsbot.publish import PartFile, published_path, rename_into_place

if TYPE_CHECKING:
    from scrapy.http import Request, Response

logger = logging.getLogger(__name__)

WARC_VERSION = "1.1"
WARC_CONFORMS_TO = "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"
SUFFIXES = (".warc.gz", ".warc")
PART_GLOB = ".*.warc.gz.part"
# A page is at most DOWNLOAD_MAXSIZE (8 MiB): a record claiming far more is damage, not a page.
MAX_RECORD_BYTES = 64 * 1024 * 1024
_GZIP_MAGIC = b"\x1f\x8b\x08"
_PLAIN_MAGIC = b"WARC/1."
_CHUNK = 64 * 1024
_MAX_HEADER_LINE = 64 * 1024


def warc_date(moment: datetime) -> str:
    """`2026-11-26T10:15:02.123456Z`: WARC/1.1's date with microseconds."""
    return datetime_to_iso_date(moment.astimezone(UTC).replace(tzinfo=None), use_micros=True)


# -- writing ----------------------------------------------------------------------------------


def _latin1(value: bytes) -> str:
    return value.decode("latin-1")


def request_headers(request: Request) -> StatusAndHeaders:
    """The request line and headers as sent: Scrapy's headers after every middleware, plus the
    `Host` header the HTTP client adds."""
    parts = urlsplit(request.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = [] if b"Host" in request.headers else [("Host", parts.netloc)]
    for name, values in request.headers.items():
        headers += [(_latin1(name), _latin1(value)) for value in values]
    line = f"{request.method} {target} HTTP/1.1"
    return StatusAndHeaders(line, headers, is_http_request=True)


def response_headers(response: Response) -> StatusAndHeaders:
    """The status line and headers as received. The body is stored as it came off the wire
    after de-chunking (Twisted keeps the connection headers such as Transfer-Encoding apart), so
    `Content-Encoding` stays exactly as true as the server made it."""
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:  # a status the standard library does not know
        reason = ""
    headers = [
        (_latin1(name), _latin1(value))
        for name, values in response.headers.items()
        if name.lower() != b"transfer-encoding"
        for value in values
    ]
    return StatusAndHeaders(
        f"{response.status} {reason}".rstrip(), headers, protocol=response.protocol or "HTTP/1.1"
    )


class WarcFiles:
    """`<directory>/<stamp>-00000.warc.gz`, `-00001`, …: one run's archive, a new file once one
    reaches `max_bytes` (an exchange is never split across files).

    A write that fails (full disk, I/O error) raises FileFault (newsbot/filefaults.py) and the
    archive takes nothing more; `close` still publishes the exchanges written whole before it.
    """

    def __init__(self, directory: Path, stamp: str, max_bytes: int, info: dict[str, str]) -> None:
        self.directory = directory
        self.stamp = stamp
        self.max_bytes = max_bytes
        self.info = info
        self.buffer = BytesIO()
        self.writer = WARCWriter(self.buffer, gzip=True, warc_version=WARC_VERSION)
        self.current: PartFile | None = None
        self.sequence = 0
        self.exchanges = 0
        self.published: list[Path] = []
        self.fault: FileFault | None = None

    def write_exchange(self, request: Request, response: Response, fetched_at: datetime) -> int:
        """Archive one response and the request it answers; the bytes written."""
        assert self.fault is None, "the archive takes nothing after a file fault"
        try:
            if self.current is None:
                self._open()
            date = warc_date(fetched_at)
            response_warc = {"WARC-Date": date}
            if response.ip_address is not None:
                response_warc["WARC-IP-Address"] = str(response.ip_address)
            answer = self.writer.create_warc_record(
                response.url,
                "response",
                payload=BytesIO(response.body),
                length=len(response.body),
                http_headers=response_headers(response),
                warc_headers_dict=response_warc,
            )
            question = self.writer.create_warc_record(
                response.url,
                "request",
                payload=BytesIO(request.body),
                length=len(request.body),
                http_headers=request_headers(request),
                warc_headers_dict={"WARC-Date": date},
            )
            self.writer.write_request_response_pair(question, answer)
            written = self._append(f"warc_torn:{self.exchanges + 1}")
            self.exchanges += 1
            assert self.current is not None
            if self.current.size >= self.max_bytes:
                self._publish()
        except FileFault as fault:
            self.fault = fault
            raise
        return written

    def _open(self) -> None:
        name = f"{self.stamp}-{self.sequence:05d}.warc.gz"
        self.sequence += 1
        self.current = PartFile(self.directory / name)
        self.writer.write_record(self.writer.create_warcinfo_record(name, self.info))
        self._append("warc_torn:warcinfo")

    def _append(self, kill_phase: str) -> int:
        """Move the records just serialised into the current file, whole; the bytes moved."""
        assert self.current is not None
        data = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        # A crash keeps every complete record (the part is salvaged by the next run).
        self.current.write(data, kill_phase=kill_phase)
        return len(data)

    def _publish(self) -> None:
        assert self.current is not None
        current, self.current = self.current, None
        # A file whose every exchange failed to be written holds nothing worth a name.
        if current.records <= 1:
            current.discard()
            return
        self.published.append(current.publish(kill_phase="warc_before_rename"))

    def close(self) -> list[Path]:
        """Publish the file being written, cut back to its whole records; every file published
        by this archive. Raises FileFault, leaving the part for the next run's recovery."""
        if self.current is not None:
            self._publish()
        return self.published


# -- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Capture:
    """One archived response: as the server sent it (the body still content-encoded if it was)."""

    path: Path
    offset: int
    url: str
    fetched_at: datetime
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    protocol: str
    ip_address: str | None


@dataclass(frozen=True)
class Damage:
    """A part of a WARC file that could not be read: where it starts and what is wrong."""

    path: Path
    offset: int
    problem: str

    def __str__(self) -> str:
        return f"{self.path} at offset {self.offset}: {self.problem}"


class _Broken(Exception):
    """The bytes at an offset are not one whole, sound record."""


def is_warc(path: Path) -> bool:
    return path.name.endswith(SUFFIXES) and not path.name.startswith(".")


def read_archive(path: Path) -> Iterator[Capture | Damage]:
    """Every `response` record of one WARC file in order, and each damaged stretch found.

    After damage, reading resumes at the next record that reads whole (the next gzip member, or
    in an uncompressed file the next `WARC/1.x` line), so every good record is still read.
    """
    gzipped = path.name.endswith(".gz")
    with path.open("rb") as file:
        offset: int | None = 0
        while offset is not None:
            try:
                found = _read_raw(file, offset, gzipped)
            except _Broken as broken:
                yield Damage(path, offset, str(broken))
                offset = _resynchronise(file, offset + 1, gzipped)
                continue
            if found is None:
                return
            data, length = found
            try:
                capture = _parse(path, offset, data)
            except _Broken as broken:
                yield Damage(path, offset, str(broken))
                capture = None
            if capture is not None:
                yield capture
            offset += length


def capture_at(path: Path, offset: int) -> Capture | Damage:
    """The response record at `offset` (one `read_archive` found there)."""
    with path.open("rb") as file:
        try:
            found = _read_raw(file, offset, path.name.endswith(".gz"))
            capture = _parse(path, offset, found[0]) if found else None
        except _Broken as broken:
            return Damage(path, offset, str(broken))
    return capture or Damage(path, offset, "no response record here")


def _read_raw(file: IO[bytes], offset: int, gzipped: bool) -> tuple[bytes, int] | None:
    """The record starting at `offset`, undecoded, and its length in the file; None at the end."""
    file.seek(offset)
    return _read_member(file) if gzipped else _read_plain(file)


def _read_member(file: IO[bytes]) -> tuple[bytes, int] | None:
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    parts, size, consumed = [], 0, 0
    while not decompressor.eof:
        chunk = file.read(_CHUNK)
        if not chunk:
            if consumed == 0:
                return None
            raise _Broken("the file ends inside a gzip member (truncated)")
        consumed += len(chunk)
        try:
            data = decompressor.decompress(chunk, MAX_RECORD_BYTES + 1 - size)
        except zlib.error as error:
            raise _Broken(f"bad gzip member: {error}") from None
        size += len(data)
        if size > MAX_RECORD_BYTES or decompressor.unconsumed_tail:
            raise _Broken(f"a record larger than {MAX_RECORD_BYTES} bytes")
        parts.append(data)
    return b"".join(parts), consumed - len(decompressor.unused_data)


def _read_plain(file: IO[bytes]) -> tuple[bytes, int] | None:
    start = file.tell()
    line = file.readline(_MAX_HEADER_LINE)
    while line in (b"\r\n", b"\n"):  # blank lines between records
        line = file.readline(_MAX_HEADER_LINE)
    if not line:
        return None
    if not line.startswith(b"WARC/"):
        raise _Broken("not the start of a WARC record")
    head, length = [line], None
    while line not in (b"\r\n", b"\n"):
        line = file.readline(_MAX_HEADER_LINE)
        if not line:
            raise _Broken("the file ends inside a record's headers (truncated)")
        head.append(line)
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                length = int(value)
            except ValueError:
                raise _Broken("unreadable Content-Length") from None
    if length is None or not 0 <= length <= MAX_RECORD_BYTES:
        raise _Broken("no usable Content-Length")
    content = file.read(length)
    if len(content) < length or file.read(4) != b"\r\n\r\n":
        raise _Broken("the record is shorter than its Content-Length (truncated)")
    return b"".join(head) + content, file.tell() - start


def _resynchronise(file: IO[bytes], offset: int, gzipped: bool) -> int | None:
    """The first offset from `offset` on where a whole record starts; None if none does."""
    magic = _GZIP_MAGIC if gzipped else _PLAIN_MAGIC
    while (candidate := _find(file, magic, offset)) is not None:
        try:
            found = _read_raw(file, candidate, gzipped)
        except _Broken:
            found = None
        if found is not None and found[0].startswith(b"WARC/"):
            return candidate
        offset = candidate + 1
    return None


def _find(file: IO[bytes], magic: bytes, offset: int) -> int | None:
    file.seek(offset)
    carry = b""
    while chunk := file.read(_CHUNK):
        window = carry + chunk
        if (found := window.find(magic)) >= 0:
            return offset - len(carry) + found
        offset += len(chunk)
        carry = window[-(len(magic) - 1) :]
    return None


def _parse(path: Path, offset: int, data: bytes) -> Capture | None:
    """The capture in one raw record, None if it is not a `response`; _Broken if damaged."""
    try:
        record = ArcWarcRecordLoader(verify_http=False).parse_record_stream(
            BytesIO(data), check_digests=True, ensure_http_headers=False
        )
    except Exception as error:  # warcio raises its own and plain errors on a malformed record
        raise _Broken(f"unreadable record: {error}") from None
    if record.rec_type != "response" or record.http_headers is None:
        return None
    body = record.raw_stream.read()
    if getattr(record.raw_stream, "limit", 0) > 0:
        raise _Broken("the record is shorter than its Content-Length (truncated)")
    if record.digest_checker.passed is False:
        raise _Broken("; ".join(record.digest_checker.problems))
    headers = record.rec_headers
    try:
        status = int(record.http_headers.get_statuscode())
        fetched_at = iso_date_to_datetime(headers.get_header("WARC-Date"), tz_aware=True)
    except (TypeError, ValueError):
        raise _Broken("no usable status or WARC-Date") from None
    return Capture(
        path=path,
        offset=offset,
        url=headers.get_header("WARC-Target-URI"),
        fetched_at=fetched_at,
        status=status,
        headers=record.http_headers.headers,
        body=body,
        protocol=record.http_headers.protocol,
        ip_address=headers.get_header("WARC-IP-Address"),
    )


# -- recovery ---------------------------------------------------------------------------------


def recover_warc_parts(directory: Path) -> int:
    """Publish what killed runs left in their WARC parts; the number of parts published.

    A part is cut back to its last whole record (one gzip member each) and published under the
    name it was meant to have, rather than deleted as an unpublished JSON Lines part is: the
    killed run may already have published records whose pages are only here (a kill after the
    JSON Lines rename), and every page it holds is evidence of what the site served then. A part
    with nothing but its `warcinfo` record is deleted. The caller holds the run lock.
    """
    published = 0
    for part in sorted(directory.glob(PART_GLOB)):
        with file_fault(part, "recover"):
            end, records = _whole_records(part)
            if records <= 1:
                part.unlink()
                continue
            with part.open("r+b") as file:
                file.truncate(end)
                os.fsync(file.fileno())
        with file_fault(published_path(part)):
            final = rename_into_place(part, published_path(part), kill_phase="warc_salvage")
        logger.warning(
            "Recovered a killed run's WARC part: %d whole records kept as %s", records, final
        )
        published += 1
    return published


def _whole_records(path: Path) -> tuple[int, int]:
    """Where the last whole gzip member of `path` ends, and how many whole members precede it."""
    end = records = 0
    with path.open("rb") as file:
        while True:
            try:
                found = _read_raw(file, end, gzipped=True)
            except _Broken:
                break
            if found is None:
                break
            end += found[1]
            records += 1
    return end, records
