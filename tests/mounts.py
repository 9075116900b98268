"""Real faults of the machine, for tests: small tmpfs file systems and read-only bind mounts.

Mounting needs root with CAP_SYS_ADMIN (CI runs as root); the `mounts` fixture (tests/conftest.py)
skips a test, saying why, where the machine does not allow it. Root ignores permission bits, so
a read-only directory is a read-only bind mount, not a chmod.
"""

import errno
import os
import subprocess
from pathlib import Path

CHUNK = 64 * 1024


class MountRefused(Exception):
    """This machine does not let the tests mount file systems."""


class Mounts:
    """Mounts made for one test, undone in reverse order when it ends, passed or failed."""

    def __init__(self) -> None:
        self._mounted: list[Path] = []

    def tmpfs(self, path: Path, size: str) -> Path:
        """A tmpfs of `size` (`64k`, `1m`) at `path`, created if need be."""
        path.mkdir(parents=True, exist_ok=True)
        _mount("-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path))
        self._mounted.append(path)
        return path

    def resize(self, path: Path, size: str) -> None:
        """Grow (or shrink) the tmpfs at `path`: how a test clears a full disk."""
        _mount("-o", f"remount,size={size}", str(path))

    def read_only(self, path: Path) -> Path:
        """`path` (a directory or a file) made read-only in place by a read-only bind mount."""
        _mount("--bind", str(path), str(path))
        self._mounted.append(path)
        _mount("-o", "remount,bind,ro", str(path))
        return path

    def bind(self, source: Path, target: Path) -> Path:
        """`source` seen at `target` (a file or directory that must exist)."""
        _mount("--bind", str(source), str(target))
        self._mounted.append(target)
        return target

    def unmount_all(self) -> None:
        errors = []
        for path in reversed(self._mounted):
            done = subprocess.run(["umount", str(path)], capture_output=True, text=True)
            if done.returncode != 0:
                # Still busy (a process of the test not yet reaped): detach it anyway.
                lazy = subprocess.run(["umount", "-l", str(path)], capture_output=True, text=True)
                if lazy.returncode != 0:
                    errors.append(f"{path}: {done.stderr.strip()} / {lazy.stderr.strip()}")
        self._mounted.clear()
        if errors:
            raise RuntimeError("could not unmount: " + "; ".join(errors))


def _mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise MountRefused(f"mount {' '.join(args)}: {done.stderr.strip()}")


def check_mounting_allowed(scratch: Path) -> None:
    """Raise MountRefused unless a tmpfs can be mounted (and unmounted) here."""
    if os.geteuid() != 0:
        raise MountRefused("mounting needs root (CAP_SYS_ADMIN); CI runs the tests as root")
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        _mount("-t", "tmpfs", "-o", "size=4k", "tmpfs", str(scratch))
    except FileNotFoundError as error:  # no mount(8) at all
        raise MountRefused(str(error)) from None
    subprocess.run(["umount", str(scratch)], check=True)


def fill(directory: Path) -> Path:
    """Fill the file system of `directory` to the last byte with one file; delete it to free
    the space again."""
    filler = directory / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        size = CHUNK
        while size:
            try:
                os.write(fd, b"\0" * size)
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise
                size //= 2  # then whatever smaller piece still fits
    finally:
        os.close(fd)
    return filler
