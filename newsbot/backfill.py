"""A backfill: exactly the ids of a range, newest first, each once, resumable (`-a ids=LOW-HIGH`);
or every article created since a moment (`-a since=2026-01-01`, the spider's `since_*` methods).

The job's progress is the ids it has *settled*: done (published, or unchanged since a cron run
or an earlier backfill published them) or missing (the site has no such article: 404 or 500
after the retry budget, docs/site.md §8.1). Settled ids are committed to the seen store with the
file that publishes them (newsbot/pipelines.py checkpoints every few hundred records or seconds),
so a killed backfill, restarted with the same arguments, skips what it settled and fetches again
only what it had in flight or written but not yet published. Nothing holds the range: ids are
generated in windows and in batches the engine asks for (`DevdiscourseSpider.start`).

Each id is requested the way that costs the site least: `/article/<digits>`, served 200 directly
(docs/site.md §8.1, inferred from its routes), where `/article/agency-wire/<id>` answers a 301
for a labelled article. Until the short form has served one article, a "missing" answer to it is
checked under the plain form; if the plain form serves that article, the short form is given up
for the rest of the run and counted (`newsbot/backfill/plain_form`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from scrapy.settings import BaseSettings

from newsbot import statkeys as keys
from newsbot.arguments import IdRange
from newsbot.store import Progress

if TYPE_CHECKING:
    from scrapy.statscollectors import StatsCollector

# Ids looked up in the store at once when skipping the settled ones.
WINDOW = 1000
# Answers that mean "no such article" once retries are spent (docs/site.md §8.1).
MISSING_STATUSES = frozenset({404, 410, 500})


@dataclass
class IdWalk:
    """A backfill by creation time without GetAllNews: ids walked downward a batch at a time,
    the next batch once the last is all answered, until an article older than the moment."""

    batch: int = 32
    # The lowest id GetAllNews listed (the walk goes on below it), the next id to ask for, the
    # ids asked for and not answered yet, and whether an older article came back.
    floor: int | None = None
    next_id: int | None = None
    outstanding: set[int] = field(default_factory=set)
    older: bool = False


class ProgressStore(Protocol):
    """What a backfill needs of the seen store (newsbot/store.py SeenStore, or its Redis twin)."""

    def settled(self, job: str, low: int, high: int) -> set[int]: ...

    def progress_counts(self, job: str) -> tuple[int, int]: ...


def backfill_batch(settings: BaseSettings) -> int:
    """Ids handed to the scheduler at once: enough to keep every connection busy."""
    return 2 * settings.getint("CONCURRENT_REQUESTS")


def short_path(news_id: int) -> str:
    return f"/article/{news_id}"


def plain_path(news_id: int) -> str:
    return f"/article/agency-wire/{news_id}"


class Backfill:
    """One backfill job in one run: which ids are left, and what this run settled. `ids` is None
    for a job by creation time (`since`), whose ids are found as it goes."""

    def __init__(
        self, name: str, ids: IdRange | None, store: ProgressStore, stats: StatsCollector
    ) -> None:
        self.name = name
        self.ids = ids
        self.store = store
        self.stats = stats
        done, missing = store.progress_counts(name)
        # Settled by earlier runs; this run's are added as they come.
        self.done_before, self.missing_before = done, missing
        self.done = 0
        self.missing = 0
        self.started = time.monotonic()
        # Settled in this run and not yet committed (at most a checkpoint's worth).
        self.pending_done: set[int] = set()
        self.pending_missing: set[int] = set()
        # Whether `/article/<digits>` has served an article in this run (see the module doc),
        # and whether it was given up.
        self.short_form_served = False
        self.plain_form = False
        stats.set_value(keys.BACKFILL_JOB, name)
        if ids is not None:
            stats.set_value(keys.BACKFILL_TOTAL, len(ids))
        self._count()

    def left(self) -> Iterator[int]:
        """The ids not settled yet, newest first; the store is asked one window at a time."""
        assert self.ids is not None
        high = self.ids.high
        while high >= self.ids.low:
            low = max(high - WINDOW + 1, self.ids.low)
            settled = self.store.settled(self.name, low, high)
            for news_id in range(high, low - 1, -1):
                if news_id not in settled:
                    yield news_id
            high = low - 1

    def path(self, news_id: int) -> str:
        return plain_path(news_id) if self.plain_form else short_path(news_id)

    def settle(self, news_id: int, missing: bool = False) -> None:
        (self.pending_missing if missing else self.pending_done).add(news_id)
        if missing:
            self.missing += 1
        else:
            self.done += 1
        self._count()

    def fail(self, news_id: int) -> None:
        """An id left unsettled in this run (a download error, an invalid page)."""
        self.stats.inc_value(keys.BACKFILL_FAILED)

    def take(self) -> Progress:
        """What to commit with the next publication; forgotten here once taken."""
        progress = Progress(
            self.name, tuple(sorted(self.pending_done)), tuple(sorted(self.pending_missing))
        )
        self.pending_done, self.pending_missing = set(), set()
        return progress

    def _count(self) -> None:
        self.stats.set_value(keys.BACKFILL_DONE, self.done_before + self.done)
        self.stats.set_value(keys.BACKFILL_MISSING, self.missing_before + self.missing)
        if (left := self.remaining()) is not None:
            self.stats.set_value(keys.BACKFILL_LEFT, left)

    def remaining(self) -> int | None:
        """Ids of the range not settled; None for a job by creation time (not known)."""
        if self.ids is None:
            return None
        settled = self.done_before + self.done + self.missing_before + self.missing
        return max(len(self.ids) - settled, 0)
