"""Shared state for several workers: a Redis server named by `REDIS_URL`.

`-s REDIS_URL=redis://host:port/db`, or the environment variable REDIS_URL, shares one backfill
between workers on several machines (README "A shared backfill"). Without it nothing here is
used and Redis is never needed.
"""

from __future__ import annotations

import os

from scrapy.settings import BaseSettings

REDIS_URL_ENV = "REDIS_URL"


def redis_url(settings: BaseSettings) -> str | None:
    """The Redis server the workers share: the setting, else the environment; None for none."""
    return settings.get("REDIS_URL") or os.environ.get(REDIS_URL_ENV) or None
