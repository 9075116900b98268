"""Where newsbot keeps what outlives a run: the published records, the WARC archive, the seen
store, the lock, the logs and the run history, and how a run's files are named."""

import os
from datetime import datetime
from pathlib import Path

from scrapy.settings import BaseSettings

ENV_VAR = "NEWSBOT_DATA_DIR"
# A run's start, UTC, in the names of what it leaves (`<spider>/<stamp>.jsonl`,
# `warc/<stamp>-00000.warc.gz`, `logs/<stamp>.log`): names sort by time.
RUN_STAMP_FORMAT = "%Y-%m-%dT%H-%M-%SZ"


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


def warc_dir(settings: BaseSettings) -> Path:
    """Where the runs' WARC files are published: `<data dir>/warc/`."""
    return data_dir(settings) / "warc"


def run_stamp(started: datetime) -> str:
    """`2026-11-26T10-15-02Z`: a run's start (an aware datetime) as its files are named."""
    return started.strftime(RUN_STAMP_FORMAT)
