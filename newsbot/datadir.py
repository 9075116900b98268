"""Where newsbot keeps what outlives a run: the published records, the seen store, the lock,
the logs and the run history."""

import os
from pathlib import Path

from scrapy.settings import BaseSettings

ENV_VAR = "NEWSBOT_DATA_DIR"


def configured_data_dir(settings: BaseSettings) -> str | None:
    """The setting NEWSBOT_DATA_DIR, else the environment variable of that name.

    The setting wins so that `-s NEWSBOT_DATA_DIR=...` can override a deployment's environment.
    """
    return settings.get("NEWSBOT_DATA_DIR") or os.environ.get(ENV_VAR) or None


def data_dir(settings: BaseSettings) -> Path:
    """The configured directory with `~` expanded as a shell would, else ./data.

    Raises ValueError for a `~user` that names no user: a literal `~` directory is never meant.
    """
    configured = configured_data_dir(settings)
    if not configured:
        return Path.cwd() / "data"
    path = Path(os.path.expanduser(configured))  # Path.expanduser raises on an unknown user
    if path.parts[0].startswith("~"):
        raise ValueError(f"cannot expand {path.parts[0]} in {configured!r}")
    return path


def output_dir(settings: BaseSettings, spider_name: str) -> Path:
    """Where a spider's records are published: `<data dir>/<spider name>/`."""
    return data_dir(settings) / spider_name


def fsync_dir(directory: Path) -> None:
    """Make a rename into `directory` durable, not just the renamed file's contents."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
