"""Shared state for several workers: a Redis server named by `REDIS_URL`.

`-s REDIS_URL=redis://host:port/db`, or the environment variable REDIS_URL, puts the seen store
in Redis (`RedisStore`, the SQLite store's twin), so every worker and every later cron run
pointed at it agree on what is published. A backfill (`-a ids=…`) then also shares one frontier:
scrapy-redis's scheduler and queue (SCHEDULER_PERSIST on: one worker leaving must not end the
job for the others) and a dupefilter keyed by NewsId. Without REDIS_URL nothing here is used and
Redis is never needed.

scrapy-redis pops a request without acknowledgement: a worker killed with requests in flight
loses them from the queue. So a backfill's ids are leased when popped (`LeasingScheduler`): a
worker holds a lease while it fetches an id and until the file that publishes it is committed,
renewing it meanwhile; the commit settles the id and drops the lease at once. A lease that
expires (its worker died) is taken back by an idle worker and the id queued again. The lease is
also the gate: an id settled, or leased by a live worker, is never fetched again, so an id
queued twice (a reclaim raced a slow worker, two workers restarted a pass) is fetched once.

Publication in Redis is two-phase, so that no worker ever publishes what another already has: a
worker commits a file's records, progress and name to Redis first, then renames the file into
place. Killed between the two, its next start finds the part's name committed and completes the
rename (store.recover); a part whose name was never committed is deleted and its ids, neither
settled nor leased any more, are fetched again.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import islice
from typing import TYPE_CHECKING, Any

import redis
from limits.errors import StorageError
from scrapy.exceptions import ScrapyDeprecationWarning
from scrapy.settings import BaseSettings
from scrapy.utils.defer import deferred_from_coro
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler

from newsbot import statkeys as keys
from newsbot.arguments import CrawlArguments, IdRange
from newsbot.backfill import Backfill
from newsbot.store import Progress, StoredArticle

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

# scrapy-redis 0.9.1 passes `spider` to stats calls and logs through Spider.log(), both
# deprecated in Scrapy 2.19: warnings on every run that say nothing about it. Only those, and
# only from scrapy_redis, are silenced; newsbot's own warnings still show.
warnings.filterwarnings("ignore", category=ScrapyDeprecationWarning, module=r"scrapy_redis\.")

REDIS_URL_ENV = "REDIS_URL"
PREFIX = "newsbot:"
# The finish reason of a crawl that lost its Redis server (newsbot/cron.py: exit 69).
REDIS_LOST = "redis_unavailable"
# What a lost or refused connection raises: redis-py's own errors, and limits' wrapper of them
# (the rate budget, newsbot/middlewares.py).
REDIS_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, StorageError)


def redis_url(settings: BaseSettings) -> str | None:
    """The Redis server the workers share: the setting, else the environment; None for none."""
    return settings.get("REDIS_URL") or os.environ.get(REDIS_URL_ENV) or None


def job_key(job: str, part: str) -> str:
    """A backfill job's key: its cursor, queue, leases, progress bitmaps."""
    return f"{PREFIX}job:{job}:{part}"


def shared_settings(settings: BaseSettings, arguments: CrawlArguments) -> dict[str, Any]:
    """The settings that share a backfill's frontier in Redis; none without REDIS_URL or for an
    ordinary run (cron keeps Scrapy's own scheduler and shares only the store)."""
    url = redis_url(settings)
    if url is None:
        return {}
    shared: dict[str, Any] = {"REDIS_URL": url}
    if arguments.backfill is None or arguments.ids is None:  # `since`: one listing, one worker
        return shared
    return shared | {
        "SCHEDULER": "newsbot.shared.LeasingScheduler",
        "DUPEFILTER_CLASS": "newsbot.shared.NewsIdRedisDupeFilter",
        # One worker leaving must not delete the queue the others work from.
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_QUEUE_KEY": job_key(arguments.backfill, "requests"),
        "SCHEDULER_DUPEFILTER_KEY": job_key(arguments.backfill, "dupefilter"),
    }


def worker_name(directory: os.PathLike[str]) -> str:
    """This worker, among those sharing a Redis: its host and data directory."""
    return f"{socket.gethostname()}:{os.path.abspath(directory)}"


def connect(url: str) -> redis.Redis:
    # Short timeouts: a Redis that went away is reported, not waited on for minutes. Bytes, not
    # text: the progress bitmaps are binary.
    return redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=10)


class RedisUnavailable(Exception):
    """The shared Redis could not be reached: the crawl stops (exit 69)."""


def describe(url: str, error: BaseException) -> str:
    return f"Redis at {url} unreachable: {' '.join(str(error).split()) or type(error).__name__}"


# -- the seen store in Redis --------------------------------------------------------------------

# KEYS: published, articles, newest, labels, marks, done, missing, leases, holders
# ARGV: the file ("" for progress alone), the payload (JSON)
_COMMIT = """
local p = cjson.decode(ARGV[2])
if ARGV[1] ~= '' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
for _, r in ipairs(p.rows) do
  local old = redis.call('HGET', KEYS[2], r[1])
  local first = r[6]
  local updates = r[9]
  local write = true
  if old then
    local rev, ofirst = string.match(old, '^(%d+)\\t[^\\t]*\\t[^\\t]*\\t[^\\t]*\\t([^\\t]*)')
    write = tonumber(rev) < tonumber(r[2])
    first = ofirst
    -- Updates not known this time keep the last known ones, as the SQLite store does.
    if updates == '' then updates = string.match(old, '\\t([^\\t]*)$') end
  end
  if write then
    local row = {r[2], r[3], r[4], r[5], first, r[7], r[8], updates}
    redis.call('HSET', KEYS[2], r[1], table.concat(row, '\\t'))
    if tonumber(r[1]) > tonumber(redis.call('GET', KEYS[3]) or '0') then
      redis.call('SET', KEYS[3], r[1])
    end
  end
end
for _, label in ipairs(p.labels) do redis.call('SADD', KEYS[4], label) end
for name, value in pairs(p.marks) do
  if value == '' then
    redis.call('HDEL', KEYS[5], name)
  else
    redis.call('HSET', KEYS[5], name, value)
  end
end
for _, id in ipairs(p.done) do
  redis.call('SETBIT', KEYS[6], id, 1)
  redis.call('SETBIT', KEYS[7], id, 0)
  redis.call('ZREM', KEYS[8], id)
  redis.call('HDEL', KEYS[9], id)
end
for _, id in ipairs(p.missing) do
  redis.call('SETBIT', KEYS[7], id, 1)
  redis.call('ZREM', KEYS[8], id)
  redis.call('HDEL', KEYS[9], id)
end
return 1
"""


class RedisStore:
    """The seen store's interface (newsbot/store.py SeenStore) over a Redis shared by workers.

    Every worker publishes its own files in its own data directory; the ledger of published
    files is keyed by `worker` (host and data directory), since two workers may name a file
    alike. An article is one hash field (`revision, created, updated, hash, first, last seen`,
    when the site served it,
    a live blog's updates):
    about 150 bytes. Raises RedisUnavailable when Redis can't be reached, after `lost` is told.
    """

    # Commit to Redis first, then rename the file into place (the module's doc).
    commits_before_rename = True

    def __init__(self, url: str, worker: str, lost: Callable[[str], None] | None = None):
        self.url = url
        self.worker = worker
        self.lost = lost
        self.db = connect(url)
        self._commit = self.db.register_script(_COMMIT)
        self.call(self.db.ping)

    def call(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except REDIS_ERRORS as error:
            message = describe(self.url, error)
            if self.lost is not None:
                self.lost(message)
            raise RedisUnavailable(message) from error

    def get(self, news_id: str | int) -> StoredArticle | None:
        row = self.call(self.db.hget, f"{PREFIX}articles", str(int(news_id)))
        if row is None:
            return None
        # A live blog's updates are JSON, whose strings escape tabs: the last field is whole.
        fields = row.decode().split("\t")
        revision, created, updated, content, first, last, served, updates = fields
        return StoredArticle(
            int(news_id),
            created or None,
            updated,
            content,
            int(revision),
            first,
            last,
            updates or None,
            served or None,
        )

    def newest_id(self) -> int | None:
        newest = self.call(self.db.get, f"{PREFIX}newest")
        return int(newest) if newest else None

    def is_recorded(self, file_name: str) -> bool:
        member = f"{self.worker}/{file_name}"
        return bool(self.call(self.db.sismember, f"{PREFIX}published", member))

    def labels(self) -> set[str]:
        return {label.decode() for label in self.call(self.db.smembers, f"{PREFIX}labels")}

    def marks(self) -> dict[str, str]:
        marks = self.call(self.db.hgetall, f"{PREFIX}marks")
        return {name.decode(): value.decode() for name, value in marks.items()}

    def record_publication(
        self,
        file_name: str,
        rows: Iterable[StoredArticle],
        labels: Iterable[str] = (),
        marks: Mapping[str, str | None] | None = None,
        progress: Progress | None = None,
    ) -> int:
        """All at once, in one script: the file, its rows, labels, the marks and a backfill's
        progress (whose leases it drops); again for one file: no-op. How many records it
        learned. A script takes its arguments whole: the rows of one file (a checkpoint's
        worth) are held for it."""
        return self._run(f"{self.worker}/{file_name}", rows, labels, marks or {}, progress)

    def save_marks(self, marks: Mapping[str, str | None]) -> None:
        self._run("", (), (), marks, None)

    def save_progress(self, progress: Progress) -> None:
        self._run("", (), (), {}, progress)

    def seed(self, rows: Iterable[StoredArticle]) -> None:
        """Insert many articles at once, as if published (tests and benchmarks)."""
        self._run("", rows, (), {}, None)

    def _run(
        self,
        member: str,
        rows: Iterable[StoredArticle],
        labels: Iterable[str],
        marks: Mapping[str, str | None],
        progress: Progress | None,
    ) -> int:
        payload = {
            "rows": [
                # Field order as the script reads it: id, revision, the stored row, updates last.
                [
                    str(r.id),
                    r.revision,
                    r.created or "",
                    r.updated,
                    r.content_hash,
                    r.first_seen,
                    r.last_seen,
                    r.served or "",
                    r.updates or "",
                ]
                for r in rows
            ],
            "labels": sorted(set(labels)),
            # "" removes a mark (None in SeenStore.save_marks).
            "marks": {name: value or "" for name, value in marks.items()},
            "done": list(progress.done) if progress else [],
            "missing": list(progress.missing) if progress else [],
        }
        job = progress.job if progress else ""
        keys_ = [
            f"{PREFIX}published",
            f"{PREFIX}articles",
            f"{PREFIX}newest",
            f"{PREFIX}labels",
            f"{PREFIX}marks",
            job_key(job, "done"),
            job_key(job, "missing"),
            job_key(job, "leases"),
            job_key(job, "holders"),
        ]
        learned = self.call(self._commit, keys=keys_, args=[member, json.dumps(payload)])
        return len(payload["rows"]) if learned else 0

    # -- a backfill's progress: two bitmaps, indexed by NewsId ----------------------------------

    def settled(self, job: str, low: int, high: int) -> set[int]:
        pipe = self.db.pipeline(transaction=False)
        for part in ("done", "missing"):
            pipe.getrange(job_key(job, part), low // 8, high // 8)
        found: set[int] = set()
        for chunk in self.call(pipe.execute):
            for index, byte in enumerate(chunk):
                for bit in range(8):
                    news_id = (low // 8 + index) * 8 + bit
                    if byte & (0x80 >> bit) and low <= news_id <= high:
                        found.add(news_id)
        return found

    def progress_counts(self, job: str) -> tuple[int, int]:
        pipe = self.db.pipeline(transaction=False)
        pipe.bitcount(job_key(job, "done"))
        pipe.bitcount(job_key(job, "missing"))
        done, missing = self.call(pipe.execute)
        return done, missing

    def close(self) -> None:
        self.db.close()


# -- a backfill shared by workers ---------------------------------------------------------------

# KEYS: cursor, leases, queue. ARGV: low, high. A new pass over the range, when the last one is
# over: every id handed out, none leased, none queued (ids that failed get another try).
_NEW_PASS = """
local cursor = redis.call('GET', KEYS[1])
if cursor and tonumber(cursor) < tonumber(ARGV[1]) and redis.call('ZCARD', KEYS[2]) == 0
    and redis.call('ZCARD', KEYS[3]) == 0 then
  redis.call('SET', KEYS[1], ARGV[2])
  return 1
end
return 0
"""
# KEYS: cursor. ARGV: low, high, count. The next `count` ids (or fewer) to queue, from the top.
_CLAIM = """
local cursor = tonumber(redis.call('GET', KEYS[1]) or ARGV[2])
if cursor < tonumber(ARGV[1]) then return {} end
local low = math.max(cursor - tonumber(ARGV[3]) + 1, tonumber(ARGV[1]))
redis.call('SET', KEYS[1], low - 1)
return {cursor, low}
"""
# KEYS: done, missing, leases, holders. ARGV: id, worker, lease ms. Take the id's lease unless
# it is settled or leased by a live worker; the server's clock, the same for every worker.
_LEASE = """
if redis.call('GETBIT', KEYS[1], ARGV[1]) == 1 or redis.call('GETBIT', KEYS[2], ARGV[1]) == 1 then
  return 0
end
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local expiry = redis.call('ZSCORE', KEYS[3], ARGV[1])
if expiry and tonumber(expiry) > now then return 0 end
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[3]), ARGV[1])
redis.call('HSET', KEYS[4], ARGV[1], ARGV[2])
return 1
"""
# KEYS: leases, holders. ARGV: worker, lease ms (0: release), ids... Renew or release the
# leases this worker still holds.
_RENEW = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
for i = 3, #ARGV do
  if redis.call('HGET', KEYS[2], ARGV[i]) == ARGV[1] then
    if tonumber(ARGV[2]) > 0 then
      redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[i])
    else
      redis.call('ZREM', KEYS[1], ARGV[i])
      redis.call('HDEL', KEYS[2], ARGV[i])
    end
  end
end
return 1
"""
# KEYS: leases, holders. ARGV: at most how many. The ids whose lease expired, leases dropped.
_RECLAIM = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('HDEL', KEYS[2], id)
end
return ids
"""


class SharedBackfill(Backfill):
    """A backfill whose frontier, leases and progress are in Redis (the module's doc).

    `left()` hands out ids from a shared cursor, a batch at a time, so that every worker's
    `start()` seeds the one queue: the first to come starts a pass over the range, the others
    join it. Ids a worker holds (fetching, or settled and not yet committed) keep their leases
    renewed; a worker with nothing left to do takes back expired leases (`reclaim`) and stays
    open while other workers still hold some.
    """

    def __init__(
        self,
        name: str,
        ids: IdRange,
        store: RedisStore,
        stats: StatsCollector,
        lease_seconds: float,
        batch: int,
    ) -> None:
        super().__init__(name, ids, store, stats)
        self.ids: IdRange = ids
        self.shared = store
        self.lease_ms = int(lease_seconds * 1000)
        self.batch = batch
        db = store.db
        self._new_pass = db.register_script(_NEW_PASS)
        self._claim = db.register_script(_CLAIM)
        self._lease = db.register_script(_LEASE)
        self._renew = db.register_script(_RENEW)
        self._reclaim = db.register_script(_RECLAIM)
        self.leases = [job_key(name, "leases"), job_key(name, "holders")]
        self.bounds = [ids.low, ids.high]
        # Ids this worker holds a lease on.
        self.held: set[int] = set()
        self._sweep: Iterator[int] | None = None

    def left(self) -> Iterator[int]:
        if self.new_pass():
            logger.info("Backfill %s: a new pass over the range", self.name)
        return self.handed_out()

    def new_pass(self) -> bool:
        """Start a new pass if the last one is over: every id handed out, none leased or
        queued. The first worker to come starts it; the others join."""
        keys_ = [job_key(self.name, "cursor"), self.leases[0], job_key(self.name, "requests")]
        return bool(self.shared.call(self._new_pass, keys=keys_, args=self.bounds))

    def handed_out(self) -> Iterator[int]:
        """The ids this worker takes from the shared cursor, a batch at a time, not settled."""
        cursor = [job_key(self.name, "cursor")]
        while chunk := self.shared.call(self._claim, keys=cursor, args=[*self.bounds, self.batch]):
            high, low = int(chunk[0]), int(chunk[1])
            settled = self.store.settled(self.name, low, high)
            yield from (i for i in range(high, low - 1, -1) if i not in settled)

    def lease(self, news_id: int) -> bool:
        """Take the id's lease: False when it is settled or a live worker holds it."""
        args = [news_id, self.shared.worker, self.lease_ms]
        if not self.shared.call(self._lease, keys=self.shared_keys(), args=args):
            return False
        self.held.add(news_id)
        return True

    def shared_keys(self) -> list[str]:
        return [job_key(self.name, "done"), job_key(self.name, "missing"), *self.leases]

    def take(self) -> Progress:
        progress = super().take()
        # The commit that stores it drops their leases.
        self.held.difference_update(progress.done, progress.missing)
        return progress

    def fail(self, news_id: int) -> None:
        super().fail(news_id)
        if news_id in self.held:  # neither settled nor leased: the next pass tries it again
            self.held.discard(news_id)
            self.shared.call(self._renew, keys=self.leases, args=[self.shared.worker, 0, news_id])

    def renew(self) -> None:
        """Renew the leases held; and learn what the other workers settled meanwhile."""
        if self.held:
            args = [self.shared.worker, self.lease_ms, *self.held]
            self.shared.call(self._renew, keys=self.leases, args=args)
        done, missing = self.store.progress_counts(self.name)
        # The shared counts hold what this run committed, not what it has yet to.
        self.done_before = done - (self.done - len(self.pending_done))
        self.missing_before = missing - (self.missing - len(self.pending_missing))
        self._count()

    def reclaim(self) -> list[int]:
        """Ids whose lease expired (their worker died): to be queued again."""
        ids = self.shared.call(self._reclaim, keys=self.leases, args=[self.batch])
        return [int(i) for i in ids]

    def sweep(self) -> list[int] | None:
        """Once the range is handed out and nothing is held elsewhere: the next batch of a new
        pass over what is left, once per run. It finds the ids lost between a pop and its lease
        (a worker, or Redis, dying in between) and those that failed. Empty when all are
        settled or another worker swept first; None while this worker's own settled ids wait
        for their commit (at this same idle: newsbot/pipelines.py)."""
        if self._sweep is None:
            done, missing = self.store.progress_counts(self.name)
            if done + missing >= len(self.ids):
                self._sweep = iter(())
            elif self.held:
                return None
            else:
                self._sweep = self.handed_out() if self.new_pass() else iter(())
        return list(islice(self._sweep, self.batch))

    def held_elsewhere(self) -> bool:
        """Whether other workers still hold leases, or requests wait in the queue."""
        pipe = self.shared.db.pipeline(transaction=False)
        pipe.zcard(self.leases[0])
        pipe.zcard(job_key(self.name, "requests"))
        leased, queued = self.shared.call(pipe.execute)
        return leased > len(self.held) or queued > 0


def is_shared_request(request: Request) -> bool:
    """A backfill's first request for an id: the one the workers share. Its retries,
    redirects and checks stay with the worker that holds the id's lease."""
    meta = request.meta
    return meta.get("backfill") == "range" and not (
        meta.get("retry_times") or meta.get("redirect_times")
    )


class LeasingScheduler(Scheduler):
    """scrapy-redis's scheduler, sharing only a backfill's first requests for its ids, and
    leasing each id as it is popped (the module's doc); every other request stays in this
    worker's memory. A lost Redis stops the crawl (`lose_redis`)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LeasingScheduler:
        scheduler = super().from_crawler(crawler)
        scheduler.crawler = crawler
        scheduler.local = deque()
        return scheduler

    def enqueue_request(self, request: Request) -> bool:
        if not is_shared_request(request):
            self.local.append(request)
            return True
        try:
            if not request.dont_filter and self.df.request_seen(request):
                return False
            self.queue.push(request)
        except REDIS_ERRORS as error:
            lose_redis(self.crawler, describe(redis_url(self.crawler.settings) or "", error))
            return False
        return True

    def next_request(self) -> Request | None:
        if self.local:
            return self.local.popleft()
        job = backfill_job(self.crawler)
        try:
            while (request := self.queue.pop()) is not None:
                news_id = int(request.meta["news_id"])
                if not isinstance(job, SharedBackfill) or job.lease(news_id):
                    return request
                self.crawler.stats.inc_value(keys.BACKFILL_NOT_LEASED)
        except (RedisUnavailable, *REDIS_ERRORS) as error:
            lose_redis(self.crawler, describe(redis_url(self.crawler.settings) or "", error))
        return None

    def has_pending_requests(self) -> bool:
        if self.local:
            return True
        try:
            return len(self.queue) > 0
        except REDIS_ERRORS:
            return False


class NewsIdRedisDupeFilter(RFPDupeFilter):
    """scrapy-redis's shared dupefilter, keyed like the crawl's own (newsbot/fingerprints.py):
    by NewsId, so every URL of one article is one request for all workers."""

    @classmethod
    def from_spider(cls, spider: Any) -> NewsIdRedisDupeFilter:
        dupefilter = super().from_spider(spider)
        dupefilter.fingerprinter = spider.crawler.request_fingerprinter
        return dupefilter

    def request_fingerprint(self, request: Request) -> str:
        return self.fingerprinter.fingerprint(request).hex()


def backfill_job(crawler: Crawler) -> Backfill | None:
    from newsbot.state import backfill_of  # newsbot.state builds the store from here

    return backfill_of(crawler)


def lose_redis(crawler: Crawler, message: str) -> None:
    """Redis went away: say so once (a stat, newsbot/cron.py prints it) and stop the crawl.
    What is written and not committed stays unpublished; the next run fetches it again."""
    if crawler.stats.get_value(keys.REDIS_LOST) is not None:
        return
    crawler.stats.set_value(keys.REDIS_LOST, message)
    logger.error("%s: stopping the crawl", message)
    if crawler.engine is not None and crawler.engine.spider is not None:
        deferred_from_coro(crawler.engine.close_spider_async(reason=REDIS_LOST))
