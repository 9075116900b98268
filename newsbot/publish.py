"""Publication by rename: a file is written under a hidden name beside its final one and renamed
when complete, so a reader globbing the final names never sees a partial file, and a killed
process leaves only the hidden part for the next run's recovery.

One helper for every file newsbot publishes: the run's JSON Lines (pipelines.py), its WARC files
(warc.py) and `-o` outputs. Also the tests' kill points, which sit at the phases of publication.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

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
    if `path` exists); the final path."""
    final = path if overwrite else unused(path)
    kill_point(kill_phase)
    os.replace(part, final)
    fsync_dir(final.parent)
    return final


class PartFile:
    """A file to be published as `path`: written under its hidden part name, then renamed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.part = part_path(path)
        self.file: IO[bytes] | None = None

    def open(self) -> IO[bytes]:
        self.part.parent.mkdir(parents=True, exist_ok=True)
        self.file = self.part.open("wb")
        return self.file

    def publish(self, kill_phase: str = "before_rename", overwrite: bool = False) -> Path:
        """Sync, close and rename; the path it was published under."""
        assert self.file is not None
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        return rename_into_place(self.part, self.path, kill_phase, overwrite)

    def discard(self) -> None:
        if self.file is not None:
            self.file.close()
        self.part.unlink(missing_ok=True)


@contextmanager
def atomic_output(path: Path) -> Iterator[IO[bytes]]:
    """A file that appears at `path` complete or not at all (deleted if the block fails)."""
    output = PartFile(path)
    try:
        yield output.open()
    except BaseException:
        output.discard()
        raise
    # An existing `path` is replaced: the user named it.
    output.publish(overwrite=True)


def kill_point(phase: str, flush: IO[bytes] | None = None) -> None:
    """Tests only: SIGKILL this process at `phase` if NEWSBOT_TEST_KILL_AT names it, after
    flushing `flush` to the OS (so a half-written file is on disk as a kill would leave it).

    The marker file lets a test tell the kill it asked for from any other death.
    """
    if os.environ.get(KILL_AT_ENV) != phase:
        return
    if flush is not None:
        flush.flush()
    if marker := os.environ.get(KILL_MARKER_ENV):
        Path(marker).write_text(f"killed at {phase}\n", encoding="utf-8")
    os.kill(os.getpid(), signal.SIGKILL)
