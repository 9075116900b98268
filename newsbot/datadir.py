"""Where newsbot keeps what outlives a run: the published records, the seen store, the lock,
the logs and the run history."""

import os
from pathlib import Path

from scrapy.settings import BaseSettings

ENV_VAR = "NEWSBOT_DATA_DIR"


def data_dir(settings: BaseSettings) -> Path:
    """The setting NEWSBOT_DATA_DIR, else the environment variable of that name, else ./data.

    The setting wins so that `-s NEWSBOT_DATA_DIR=...` can override a deployment's environment.
    """
    configured = settings.get("NEWSBOT_DATA_DIR") or os.environ.get(ENV_VAR)
    return Path(configured) if configured else Path.cwd() / "data"


def output_dir(settings: BaseSettings, spider_name: str) -> Path:
    """Where a spider's records are published: `<data dir>/<spider name>/`."""
    return data_dir(settings) / spider_name


def warc_dir(settings: BaseSettings) -> Path:
    """Where the runs' WARC files are published: `<data dir>/warc/`."""
    return data_dir(settings) / "warc"
