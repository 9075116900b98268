"""Publication by rename: a file is written under a hidden name beside its final one and renamed
when complete, so a reader globbing the final names never sees a partial file, and a killed
process leaves only the hidden part for the next run's recovery.

One mechanism for every file newsbot publishes: the run's JSON Lines (pipelines.py) and WARC
files (warc.py) through `PartFile`, which keeps whole records only and reports a failed write as
a file fault (newsbot/filefaults.py); `-o` outputs of `scrapy corpus` and `scrapy replay`
through `atomic_output`; a killed run's salvaged WARC parts through `rename_into_place`. Also the
tests' kill points, which sit at the phases of publication.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from io import FileIO
from pathlib import Path
from typing import IO

from newsbot.filefaults import file_fault

# Tests only (tests/test_revisions.py, tests/test_warc.py): the process kills itself at the
# named phase.
KILL_AT_ENV = "NEWSBOT_TEST_KILL_AT"
KILL_MARKER_ENV = "NEWSBOT_TEST_KILL_MARKER"
PART_SUFFIX = ".part"


def part_path(path: Path) -> Path:
    """`.<name>.part` beside `path`: hidden from `*.jsonl` and `*.warc.gz` globs."""
    return path.with_name(f".{path.name}{PART_SUFFIX}")


def published_path(part: Path) -> Path:
    """The name a hidden part was meant to be published under."""
    return part.with_name(part.name.removeprefix(".").removesuffix(PART_SUFFIX))


def unused(path: Path) -> Path:
    """`path`, or `<stem>-N.<suffixes>` if a run that started in the same second already
    published it: os.replace would silently overwrite that earlier run's file."""
    stem, dot, suffixes = path.name.partition(".")
    candidate, n = path, 1
    while candidate.exists():
        candidate = path.with_name(f"{stem}-{n}{dot}{suffixes}")
        n += 1
    return candidate


def fsync_dir(directory: Path) -> None:
    """Make a rename into `directory` durable, not just the renamed file's contents."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def rename_into_place(
    part: Path, path: Path, kill_phase: str = "before_rename", overwrite: bool = False
) -> Path:
    """Publish the complete, synced `part` as `path` (unless `overwrite`, the next unused name
    if `path` exists); the final path. Raises OSError."""
    final = path if overwrite else unused(path)
    kill_point(kill_phase)
    os.replace(part, final)
    fsync_dir(final.parent)
    return final


class PartFile:
    """A file of whole records to be published as `path`: written under its hidden part name,
    then renamed.

    Unbuffered, so a record is in the part whole or its torn tail is cut off at publication: a
    buffer could still hold part of a record that failed and write it later. A write, sync or
    rename that fails (full disk, I/O error) raises FileFault; the records written before it
    are still whole and can be published.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.part = part_path(path)
        self.file: FileIO | None = None
        self.size = 0  # bytes of whole records in the part
        self.records = 0

    def write(self, record: bytes, kill_phase: str | None = None) -> None:
        """Append one whole record, creating the part at the first one.

        `kill_phase`: tests only, a kill with half of the record written.
        """
        with file_fault(self.part):
            if self.file is None:
                self.part.parent.mkdir(parents=True, exist_ok=True)
                self.file = FileIO(self.part, "w")
            view = memoryview(record)
            if kill_phase is not None:
                view = _write_all(self.file, view, len(view) // 2)
                kill_point(kill_phase)
            _write_all(self.file, view)
        self.size += len(record)
        self.records += 1

    def publish(self, kill_phase: str = "before_rename") -> Path:
        """Cut the part back to its whole records, sync, close and rename it to `path` (or the
        next unused name); the path it was published under. Raises FileFault, leaving the part
        (`discard` deletes it)."""
        self.seal()
        with file_fault(self.path):
            return rename_into_place(self.part, self.path, kill_phase)

    def seal(self) -> None:
        """Cut the part back to its whole records, sync and close it: ready to be renamed (a
        store that commits first, newsbot/shared.py, commits in between). Raises FileFault."""
        assert self.file is not None
        with file_fault(self.part):
            # A failed write may have left the start of a record behind the last whole one.
            self.file.truncate(self.size)
            os.fsync(self.file.fileno())
            self.file.close()

    def discard(self) -> None:
        """Delete the part now: on a full disk, its space is what the next run needs. One that
        can't be deleted is deleted or salvaged by the next run's recovery."""
        with suppress(OSError):
            if self.file is not None:
                self.file.close()
            self.part.unlink(missing_ok=True)


def _write_all(file: FileIO, view: memoryview, until: int = 0) -> memoryview:
    """A system call may write only part of the data (a disk filling up): write on until at
    most `until` bytes are left, or a write fails; what is left."""
    while len(view) > until:
        view = view[file.write(view[: len(view) - until]) :]
    return view


@contextmanager
def atomic_output(path: Path) -> Iterator[IO[bytes]]:
    """A file that appears at `path` complete or not at all: written under its hidden part name
    and renamed when the block ends without an exception (an existing `path` is replaced: the
    user named it); else the part is deleted. Raises OSError, for the command to report."""
    part = part_path(path)
    try:
        # Buffered: a stream of many small writes, published whole or not at all.
        with part.open("wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        rename_into_place(part, path, overwrite=True)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def kill_point(phase: str) -> None:
    """Tests only: SIGKILL this process at `phase` if NEWSBOT_TEST_KILL_AT names it.

    The marker file lets a test tell the kill it asked for from any other death.
    """
    if os.environ.get(KILL_AT_ENV) != phase:
        return
    if marker := os.environ.get(KILL_MARKER_ENV):
        Path(marker).write_text(f"killed at {phase}\n", encoding="utf-8")
    os.kill(os.getpid(), signal.SIGKILL)
