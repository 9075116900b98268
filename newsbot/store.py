"""The seen store: what newsbot has published, per NewsId, in `<data dir>/seen.sqlite3`.

One row per article (its latest published revision) and one row per published file. The store is
only ever a record of published files: it learns a file's records in the same transaction that
records the file's name, after the file is renamed into place. So after a kill at any point it is
either in step with the published files or behind them by whole files, which `recover` re-absorbs.

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
from contextlib import contextmanager
from dataclasses import astuple, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from scrapy.settings import BaseSettings

from newsbot.datadir import data_dir
from newsbot.items import ARTICLE_FIELDS

logger = logging.getLogger(__name__)

STORE_NAME = "seen.sqlite3"
# A killed run's unpublished file (pipelines.JsonLinesWriterPipeline names it so).
PART_GLOB = ".*.jsonl.part"
PUBLISHED_GLOB = "*.jsonl"
# Fields that describe the fetch or the publication, not the article: a re-fetch of an unchanged
# article must hash the same.
UNHASHED_FIELDS = frozenset({"crawled_at", "revision"})


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

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Self:
        """The row that publishing `record` (a normalised record with its `revision`) stores."""
        seen = record.get("crawled_at") or _utc_now()
        return cls(
            id=int(record["id"]),
            created=record.get("created"),
            updated=effective_updated(record),
            content_hash=content_hash(record),
            revision=int(record["revision"]),
            first_seen=seen,
            last_seen=seen,
        )


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
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def default_path(settings: BaseSettings) -> Path:
    return data_dir(settings) / STORE_NAME


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


MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_v0_to_v1, _v1_to_v2)
SCHEMA_VERSION = len(MIGRATIONS)

_COLUMNS = "id, created, updated, content_hash, revision, first_seen, last_seen"
_UPSERT = (
    f"INSERT INTO articles ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT(id) DO UPDATE SET created = excluded.created, updated = excluded.updated,"
    " content_hash = excluded.content_hash, revision = excluded.revision,"
    " last_seen = excluded.last_seen"
    # Absorbing files out of order (a rebuilt store) must never move an article back.
    " WHERE excluded.revision > articles.revision"
)


class SeenStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit mode: transactions are explicit (`_transaction`), never implicit.
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL survives a killed process; a power cut may lose the last commit,
        # which then looks like a kill before the store update and is recovered the same way.
        self.db.execute("PRAGMA synchronous=NORMAL")
        self._migrate()

    def _migrate(self) -> None:
        with self._transaction():
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise RuntimeError(
                    f"{self.path} has schema version {version}; this newsbot knows up to "
                    f"{SCHEMA_VERSION}: upgrade newsbot"
                )
            for step in MIGRATIONS[version:]:
                step(self.db)
            if version != SCHEMA_VERSION:
                # PRAGMA takes no parameters; the value is our own integer.
                self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                logger.info(
                    "Seen store %s migrated from v%d to v%d", self.path, version, SCHEMA_VERSION
                )

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        # IMMEDIATE takes the write lock up front, so a transaction never fails half-way on it.
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def get(self, news_id: str | int) -> StoredArticle | None:
        row = self.db.execute(
            f"SELECT {_COLUMNS} FROM articles WHERE id = ?", (int(news_id),)
        ).fetchone()
        return StoredArticle(*row) if row else None

    def newest_id(self) -> int | None:
        """The highest stored NewsId: ids grow over time, so the newest article stored."""
        # max() of the rowid is read off the end of the b-tree, not a scan.
        return self.db.execute("SELECT max(id) FROM articles").fetchone()[0]

    def is_recorded(self, file_name: str) -> bool:
        found = self.db.execute("SELECT 1 FROM published WHERE file = ?", (file_name,))
        return found.fetchone() is not None

    def record_publication(self, file_name: str, rows: Iterable[StoredArticle]) -> int:
        """Learn a published file's records and its name at once; again for one file: no-op.
        How many records it learned.

        `rows` may be a generator (`read_rows`): they are stored as they come, never all held.
        """
        with self._transaction():
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
            return records

    def seed(self, rows: Iterable[StoredArticle]) -> None:
        """Insert many articles at once, as if published (tests and benchmarks)."""
        with self._transaction():
            self.db.executemany(
                f"INSERT INTO articles ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (astuple(row) for row in rows),
            )

    def close(self) -> None:
        self.db.close()


def recover(store: SeenStore, output_dir: Path) -> Recovery:
    """Undo what killed runs left in `output_dir`; the caller holds the run lock.

    A hidden part file is a killed run's unpublished output: none of it was published and the
    store never learned it, so it is deleted and those articles are fetched again. A published
    file the store has not recorded was renamed just before a kill: its records are published,
    so the store learns them now, exactly once.
    """
    parts = sorted(output_dir.glob(PART_GLOB))
    for part in parts:
        part.unlink()
    files = records = 0
    for path in sorted(output_dir.glob(PUBLISHED_GLOB)):
        if store.is_recorded(path.name):
            continue
        records += store.record_publication(path.name, read_rows(path))
        files += 1
    recovery = Recovery(parts_deleted=len(parts), files_absorbed=files, records_absorbed=records)
    if recovery:
        logger.warning(
            "Recovered from a killed run in %s: deleted %d unpublished part file(s) %s; "
            "recorded %d published file(s) the store had missed (%d records)",
            output_dir,
            len(parts),
            [part.name for part in parts],
            files,
            records,
        )
    return recovery


def read_rows(path: Path) -> Iterator[StoredArticle]:
    """The store rows of a published file's records, one at a time, read from the file itself."""
    return (StoredArticle.from_record(record) for record in _read_records(path))


def _read_records(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            try:
                yield json.loads(line)
            except ValueError as error:
                # Published files are complete by construction; a broken one needs a human, and
                # guessing would publish its articles twice or lose them.
                raise ValueError(f"{path}:{number}: not a JSON record: {error}") from None
