"""The run lock: one crawl at a time per data directory.

`flock` on `<data dir>/.lock`: the kernel drops it when the holder dies, even by SIGKILL, so a
crashed run never blocks the next one. The cron runner (newsbot/cron.py) takes it before it
builds the crawler; the seen store's extension (newsbot/state.py) takes it itself when a crawl
is started some other way, and recovers from killed runs only while it is held.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from newsbot.filefaults import FileFault, file_fault

LOCK_NAME = ".lock"


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


@dataclass(frozen=True)
class Holder:
    pid: int | None
    started: str | None


class LockHeld(Exception):
    def __init__(self, path: Path, holder: Holder) -> None:
        super().__init__(f"{path} is held by pid {holder.pid}, started {holder.started}")
        self.holder = holder


class RunLock:
    """The lock file names its holder, for the run it refuses."""

    # Lock files this process holds: a crawl started under the cron runner's lock must not try
    # to take it again (flock would refuse a second descriptor, even in the same process).
    _held: ClassVar[set[Path]] = set()

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self, started: datetime) -> None:
        """Take the lock at once or raise LockHeld; never waits. FileFault if the lock file
        can't be created, locked or written."""
        with file_fault(self.path):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Not opened with truncation: that would erase the holder's line before we know we
            # lost.
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _wait_for_holder(fd)
            os.close(fd)
            raise LockHeld(self.path, holder) from None
        except OSError as error:  # e.g. a file system without locks
            os.close(fd)
            raise FileFault(self.path, error, "lock") from error
        try:
            with file_fault(self.path):
                os.ftruncate(fd, 0)
                line = json.dumps({"pid": os.getpid(), "started": iso(started)}).encode()
                os.write(fd, line + b"\n")
        except FileFault:
            os.close(fd)
            raise
        self._fd = fd
        RunLock._held.add(self.path.resolve())

    @classmethod
    def held_here(cls, path: Path) -> bool:
        """Whether this process holds the lock file at `path`."""
        return path.resolve() in cls._held

    def release(self) -> None:
        if self._fd is not None:
            RunLock._held.discard(self.path.resolve())
            os.close(self._fd)  # closing the only descriptor releases the flock
            self._fd = None


def _wait_for_holder(fd: int, patience: float = 1.0) -> Holder:
    """The holder's line; a holder that has just won the lock may not have written it yet."""
    deadline = time.monotonic() + patience
    while (holder := _read_holder(fd)).pid is None and time.monotonic() < deadline:
        time.sleep(0.02)
    return holder


def _read_holder(fd: int) -> Holder:
    try:
        data = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except ValueError:  # the holder is between truncating and writing its line
        data = {}
    return Holder(data.get("pid"), data.get("started"))
