"""The seen store: what newsbot has published, per NewsId, in `<data dir>/seen.sqlite3`.

One row per article (its latest published revision) and one row per published file. The store is
only ever a record of published files: it learns a file's records in the same transaction that
records the file's name, after the file is renamed into place. So after a kill at any point it is
either in step with the published files or behind them by whole files, which `recover` re-absorbs.
A few named marks carry discovery over from one run to the next (newsbot/discovery.py); they are
written with a run's publication, or at its end when it published nothing, so they never claim
more than what was published.

Every lookup is a primary-key query and nothing is read whole at start, so opening a store of
millions of ids costs what opening an empty one does.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import astuple, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from scrapy.settings import BaseSettings

if TYPE_CHECKING:
    from newsbot.shared import RedisStore

from newsbot.datadir import data_dir
from newsbot.filefaults import FileFault, file_fault
from newsbot.items import ARTICLE_FIELDS, LIVE_BLOG
from newsbot.publish import published_path, rename_into_place
from newsbot.urls import NO_LABEL

logger = logging.getLogger(__name__)

STORE_NAME = "seen.sqlite3"
# A killed run's unpublished file (pipelines.JsonLinesWriterPipeline names it so).
PART_GLOB = ".*.jsonl.part"
PUBLISHED_GLOB = "*.jsonl"
# Fields that describe the fetch, the extraction or the publication, not the article: a re-fetch
# of an unchanged article must hash the same (from another mirror too), and so must a
# re-extraction that yields the same record (the hashes stored before these fields existed stay
# valid). `kind` too: it is read from what the hashed fields come from (the page's view, its
# author link, its headline), and hashing it would make every article stored before it existed
# look changed.
UNHASHED_FIELDS = frozenset(
    {"crawled_at", "revision", "fetched_from", "extractor_version", "reextracted", "kind"}
)


@dataclass(frozen=True, slots=True)
class StoredArticle:
    """The latest published revision of one article, as stored (first/last seen are UTC times)."""

    id: int
    created: str | None
    updated: str
    content_hash: str
    revision: int
    first_seen: str
    last_seen: str
    # A live blog's `updates` as published, JSON (None: not a live blog, or not known): what a
    # re-visit compares the updates API's first pages with, and completes the list from.
    updates: str | None = None
    # The site's clock (its `Date` header) when the stored revision's page was served: a listing
    # time up to then names that revision or an older one. None when not known (a store kept
    # before it, a record absorbed from a file).
    served: str | None = None

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Self:
        """The row that publishing `record` (a normalised record with its `revision`) stores."""
        seen = record.get("crawled_at") or _utc_now()
        updates = record.get("updates") if record.get("kind") == LIVE_BLOG else None
        return cls(
            id=int(record["id"]),
            created=record.get("created"),
            updated=effective_updated(record),
            content_hash=content_hash(record),
            revision=int(record["revision"]),
            first_seen=seen,
            last_seen=seen,
            updates=None if updates is None else json.dumps(updates, ensure_ascii=False),
        )

    def stored_updates(self) -> list[dict] | None:
        return None if self.updates is None else json.loads(self.updates)


@dataclass(frozen=True)
class Progress:
    """Ids a backfill job (its name, newsbot/backfill.py) settled since its last commit: `done`
    (published, or unchanged since their last publication) and `missing` (no such article)."""

    job: str
    done: tuple[int, ...] = ()
    missing: tuple[int, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.done or self.missing)


@dataclass(frozen=True)
class Recovery:
    """What `recover` found left over from killed runs."""

    parts_deleted: int = 0
    files_absorbed: int = 0
    records_absorbed: int = 0

    def __bool__(self) -> bool:
        return any(astuple(self))


def effective_updated(record: Mapping[str, Any]) -> str:
    """`updated`, else `created`: the README's record table makes them equal when a page shows
    no update time."""
    return record.get("updated") or record["created"]


def published_label(record: Mapping[str, Any]) -> str | None:
    """The `/stories/<label>` label a published record shows the site has; None for none."""
    section = record.get("section")
    return section if section and section != NO_LABEL else None


def content_hash(record: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of the record's fields, without those that change per fetch.

    Empty values (None, []) are left out so that adding a field to the record later does not
    make every stored article look changed.
    """
    content = {
        name: value
        for name in ARTICLE_FIELDS
        if name not in UNHASHED_FIELDS and (value := record.get(name)) is not None and value != []
    }
    if record.get("kind") == LIVE_BLOG and record.get("updates") is None:
        # Unknown updates are not "none": a live blog whose updates could not be read differs
        # from one that has none.
        content["updates"] = None
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def default_path(settings: BaseSettings) -> Path:
    return data_dir(settings) / STORE_NAME


def store_files(settings: BaseSettings) -> tuple[Path, ...]:
    """The store and the two files SQLite keeps beside it in WAL mode while it is open (and
    after a killed run): together they are the store."""
    path = default_path(settings)
    return path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")


def _utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# Schema migrations: MIGRATIONS[n] takes a store at user_version n to n + 1. A new store runs
# them all; an old one only those it lacks. Never edit a released step: append a new one.


def _v0_to_v1(db: sqlite3.Connection) -> None:
    db.execute(
        "CREATE TABLE articles (id INTEGER PRIMARY KEY, updated TEXT NOT NULL,"
        " content_hash TEXT NOT NULL, revision INTEGER NOT NULL,"
        " first_seen TEXT NOT NULL, last_seen TEXT NOT NULL)"
    )


def _v1_to_v2(db: sqlite3.Connection) -> None:
    # The ledger of published files is what makes a kill between a file's rename and the store
    # update recoverable: the file is on disk but not in `published`.
    db.execute("ALTER TABLE articles ADD COLUMN created TEXT")
    db.execute("CREATE TABLE published (file TEXT PRIMARY KEY, records INTEGER, recorded_at TEXT)")


def _v2_to_v3(db: sqlite3.Connection) -> None:
    # The labels of published articles: `-a sections=` accepts them besides newsbot's own list,
    # so a label the site adds becomes known once an article of it is published.
    db.execute("CREATE TABLE labels (label TEXT PRIMARY KEY)")


def _v3_to_v4(db: sqlite3.Connection) -> None:
    # Named marks that carry discovery over from one run to the next (newsbot/discovery.py).
    db.execute("CREATE TABLE marks (name TEXT PRIMARY KEY, value TEXT NOT NULL)")


def _v4_to_v5(db: sqlite3.Connection) -> None:
    # A backfill's progress (newsbot/backfill.py): the ids it has settled, per job, so that a
    # restart skips them. A job's name is stored once; an id costs a small row.
    db.execute("CREATE TABLE backfill_jobs (job INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)")
    db.execute(
        "CREATE TABLE backfill_ids (job INTEGER NOT NULL, id INTEGER NOT NULL,"
        " missing INTEGER NOT NULL, PRIMARY KEY (job, id)) WITHOUT ROWID"
    )


def _v5_to_v6(db: sqlite3.Connection) -> None:
    # A live blog's published updates: a re-visit reads the updates API only until it meets
    # them (newsbot/liveblog.py). Rows of a store kept before live blogs were read have none,
    # so their next visit reads every page once.
    db.execute("ALTER TABLE articles ADD COLUMN updates TEXT")


def _v6_to_v7(db: sqlite3.Connection) -> None:
    # When the site served each stored revision, by its own clock (StoredArticle.served).
    db.execute("ALTER TABLE articles ADD COLUMN served TEXT")


MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _v0_to_v1,
    _v1_to_v2,
    _v2_to_v3,
    _v3_to_v4,
    _v4_to_v5,
    _v5_to_v6,
    _v6_to_v7,
)
SCHEMA_VERSION = len(MIGRATIONS)

_COLUMNS = "id, created, updated, content_hash, revision, first_seen, last_seen, updates, served"
_UPSERT = (
    f"INSERT INTO articles ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT(id) DO UPDATE SET created = excluded.created, updated = excluded.updated,"
    " content_hash = excluded.content_hash, revision = excluded.revision,"
    " last_seen = excluded.last_seen, served = excluded.served,"
    # A revision whose updates could not be read keeps the last ones known: the next visit
    # still stops where it meets them, and its record completes the list from them.
    " updates = coalesce(excluded.updates, articles.updates)"
    # Absorbing files out of order (a rebuilt store) must never move an article back.
    " WHERE excluded.revision > articles.revision"
)


class SeenStore:
    """The store at `path`; `read_only` opens it for reading only (beside a running crawl, which
    may be writing it): never created, migrated or written, and empty when it does not exist
    yet or is of an older schema (until a crawl migrates it).

    Raises FileFault (newsbot/filefaults.py) when SQLite cannot use the file: full disk,
    read-only, corrupt or not a database."""

    # It learns a file after the file is renamed into place (`recover` absorbs a file renamed
    # just before a kill); the Redis store (newsbot/shared.py) learns it before.
    commits_before_rename = False

    def __init__(self, path: Path, read_only: bool = False) -> None:
        self.path = path
        if read_only:
            with file_fault(path, "open"):
                on_disk = self._open_read_only()
            # Else an empty store of the current schema, in memory: nothing on disk is touched.
            self.db = on_disk or sqlite3.connect(":memory:", isolation_level=None)
            if on_disk is None:
                self._migrate()
            return
        with file_fault(path, "open"):
            path.parent.mkdir(parents=True, exist_ok=True)
            # Autocommit mode: transactions are explicit (`_transaction`), never implicit.
            self.db = sqlite3.connect(path, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL survives a killed process; a power cut may lose the last
            # commit, which then looks like a kill before the store update and is recovered
            # the same way.
            self.db.execute("PRAGMA synchronous=NORMAL")
            self._migrate()

    def _open_read_only(self) -> sqlite3.Connection | None:
        """The file, opened read-only, if it exists and has the current schema."""
        if not self.path.exists():
            return None
        uri = f"{self.path.resolve().as_uri()}?mode=ro"
        db = sqlite3.connect(uri, uri=True, isolation_level=None)
        version = db.execute("PRAGMA user_version").fetchone()[0]
        self._check_version(version)
        if version == SCHEMA_VERSION:
            return db
        db.close()
        logger.warning("Seen store %s is at schema v%d: read as empty", self.path, version)
        return None

    def _check_version(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise RuntimeError(
                f"{self.path} has schema version {version}; this newsbot knows up to "
                f"{SCHEMA_VERSION}: upgrade newsbot"
            )

    def _migrate(self) -> None:
        with self._transaction():
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            self._check_version(version)
            for step in MIGRATIONS[version:]:
                step(self.db)
            if version != SCHEMA_VERSION:
                # PRAGMA takes no parameters; the value is our own integer.
                self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                logger.info(
                    "Seen store %s migrated from v%d to v%d", self.path, version, SCHEMA_VERSION
                )

    def _faults(self, doing: str) -> AbstractContextManager[None]:
        """SQLite's errors about the file as FileFault; anything else raised inside as it is."""
        return file_fault(self.path, doing, kinds=(sqlite3.Error,))

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        # IMMEDIATE takes the write lock up front, so a transaction never fails half-way on it.
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
            self.db.execute("COMMIT")
        except BaseException:
            # A full disk or an I/O error may make SQLite roll the whole transaction back
            # itself, and COMMIT itself may fail: roll back what is left, if anything, and
            # report the error that caused it, not a failed ROLLBACK.
            if self.db.in_transaction:
                with suppress(sqlite3.Error):
                    self.db.execute("ROLLBACK")
            raise

    def get(self, news_id: str | int) -> StoredArticle | None:
        with self._faults("read"):
            row = self.db.execute(
                f"SELECT {_COLUMNS} FROM articles WHERE id = ?", (int(news_id),)
            ).fetchone()
        return StoredArticle(*row) if row else None

    def newest_id(self) -> int | None:
        """The highest stored NewsId: ids grow over time, so the newest article stored."""
        # max() of the rowid is read off the end of the b-tree, not a scan.
        with self._faults("read"):
            return self.db.execute("SELECT max(id) FROM articles").fetchone()[0]

    def is_recorded(self, file_name: str) -> bool:
        with self._faults("read"):
            found = self.db.execute("SELECT 1 FROM published WHERE file = ?", (file_name,))
            return found.fetchone() is not None

    def labels(self) -> set[str]:
        """The labels of every article published (`published_label`)."""
        with self._faults("read"):
            return {label for (label,) in self.db.execute("SELECT label FROM labels")}

    def marks(self) -> dict[str, str]:
        with self._faults("read"):
            return dict(self.db.execute("SELECT name, value FROM marks"))

    def record_publication(
        self,
        file_name: str,
        rows: Iterable[StoredArticle],
        labels: Iterable[str] = (),
        marks: Mapping[str, str | None] | None = None,
        progress: Progress | None = None,
    ) -> int:
        """Learn a published file's records (and their labels), its name, the run's marks and a
        backfill's progress at once; again for one file: no-op. How many records it learned.

        `rows` may be a generator (`read_rows`): they are stored as they come, never all held.
        `labels` is read once every row is stored, so it may be a set that reading the rows
        fills. All or nothing: on a full disk neither the file nor any of its rows, labels,
        marks or progress is recorded.
        """
        with self._faults("write"), self._transaction():
            inserted = self.db.execute(
                "INSERT OR IGNORE INTO published (file, records, recorded_at) VALUES (?, 0, ?)",
                (file_name, _utc_now()),
            )
            if not inserted.rowcount:
                return 0
            # zip takes a row, then a number: after the last row, the next number is the count.
            counter = itertools.count()
            self.db.executemany(
                _UPSERT, (astuple(row) for row, _ in zip(rows, counter, strict=False))
            )
            records = next(counter)
            self.db.execute("UPDATE published SET records = ? WHERE file = ?", (records, file_name))
            self.db.executemany(
                "INSERT OR IGNORE INTO labels (label) VALUES (?)", ((x,) for x in set(labels))
            )
            self._write_marks(marks or {})
            self._write_progress(progress)
            return records

    def save_marks(self, marks: Mapping[str, str | None]) -> None:
        """Set marks (a value of None removes the mark), for a run that published nothing."""
        with self._faults("write"), self._transaction():
            self._write_marks(marks)

    def save_progress(self, progress: Progress) -> None:
        """A backfill's settled ids, when there is no file to publish with them."""
        with self._faults("write"), self._transaction():
            self._write_progress(progress)

    def _job(self, name: str, create: bool = False) -> int | None:
        if create:
            self.db.execute("INSERT OR IGNORE INTO backfill_jobs (name) VALUES (?)", (name,))
        row = self.db.execute("SELECT job FROM backfill_jobs WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def _write_progress(self, progress: Progress | None) -> None:
        if not progress:
            return
        job = self._job(progress.job, create=True)
        rows = [(job, i, 0) for i in progress.done] + [(job, i, 1) for i in progress.missing]
        # An id settled twice (refetched after a kill) keeps its latest outcome.
        self.db.executemany("INSERT OR REPLACE INTO backfill_ids VALUES (?, ?, ?)", rows)

    def settled(self, job: str, low: int, high: int) -> set[int]:
        """The ids from `low` to `high` that backfill `job` has settled (done or missing)."""
        with self._faults("read"):
            number = self._job(job)
            if number is None:
                return set()
            found = self.db.execute(
                "SELECT id FROM backfill_ids WHERE job = ? AND id BETWEEN ? AND ?",
                (number, low, high),
            )
            return {news_id for (news_id,) in found}

    def progress_counts(self, job: str) -> tuple[int, int]:
        """How many ids backfill `job` has settled: (done, missing)."""
        with self._faults("read"):
            number = self._job(job)
            if number is None:
                return 0, 0
            done, missing = self.db.execute(
                "SELECT count(*) - coalesce(sum(missing), 0), coalesce(sum(missing), 0)"
                " FROM backfill_ids WHERE job = ?",
                (number,),
            ).fetchone()
            return done, missing

    def _write_marks(self, marks: Mapping[str, str | None]) -> None:
        for name, value in marks.items():
            if value is None:
                self.db.execute("DELETE FROM marks WHERE name = ?", (name,))
            else:
                self.db.execute(
                    "INSERT INTO marks (name, value) VALUES (?, ?)"
                    " ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                    (name, value),
                )

    def seed(self, rows: Iterable[StoredArticle]) -> None:
        """Insert many articles at once, as if published (tests and benchmarks)."""
        with self._faults("write"), self._transaction():
            self.db.executemany(
                f"INSERT INTO articles ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (astuple(row) for row in rows),
            )

    def close(self) -> None:
        self.db.close()


def published_labels(path: Path) -> set[str]:
    """The labels a store has seen published; none when it cannot be read (a crawl reading it
    for real then says why)."""
    try:
        store = SeenStore(path, read_only=True)
    except (sqlite3.Error, RuntimeError):
        return set()
    try:
        return store.labels()
    finally:
        store.close()


def recover(store: SeenStore | RedisStore, output_dir: Path) -> Recovery:
    """Undo what killed runs left in `output_dir`; the caller holds the run lock.

    A hidden part file is a killed run's unpublished output: none of it was published and the
    store never learned it, so it is deleted and those articles are fetched again; unless the
    store recorded its name, which a store shared by workers does before the rename
    (newsbot/shared.py): that rename is completed. A published file the store has not
    recorded was renamed just before a kill: its records are published, so the store learns
    them now, exactly once.
    """
    parts = []
    for part in sorted(output_dir.glob(PART_GLOB)):
        final = published_path(part)
        if store.commits_before_rename and store.is_recorded(final.name):
            with file_fault(final, "rename"):
                rename_into_place(part, final, overwrite=True)
            continue
        with file_fault(part, "delete"):
            part.unlink()
        parts.append(part)
    files = records = 0
    for path in sorted(output_dir.glob(PUBLISHED_GLOB)):
        if store.is_recorded(path.name):
            continue
        labels: set[str] = set()
        records += store.record_publication(path.name, read_rows(path, labels), labels)
        files += 1
    recovery = Recovery(parts_deleted=len(parts), files_absorbed=files, records_absorbed=records)
    if recovery:
        logger.warning(
            "Recovered what an earlier run left unfinished in %s: deleted %d unpublished part "
            "file(s) %s; recorded %d published file(s) the store had missed (%d records)",
            output_dir,
            len(parts),
            [part.name for part in parts],
            files,
            records,
        )
    return recovery


def read_rows(path: Path, labels: set[str]) -> Iterator[StoredArticle]:
    """The store rows of a published file's records, one at a time, read from the file itself;
    each record's label (`published_label`) is added to `labels` as its row is read."""
    for record in _read_records(path):
        if label := published_label(record):
            labels.add(label)
        yield StoredArticle.from_record(record)


def _read_records(path: Path) -> Iterator[dict[str, Any]]:
    # Published files are complete by construction; a broken one needs a human, and guessing
    # would publish its articles twice or lose them.
    with file_fault(path, "read"), path.open("rb") as lines:
        for number, line in enumerate(lines, 1):
            try:
                yield json.loads(line.decode("utf-8"))
            except ValueError as error:  # UnicodeDecodeError too
                reason = ValueError(f"line {number} is not a JSON record: {error}")
                raise FileFault(path, reason, "read") from None
