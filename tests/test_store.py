"""The seen store: schema and migrations, lookups, publication records, recovery after a kill."""

import json
import logging
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from newsbot.filefaults import FileFault
from newsbot.store import (
    SCHEMA_VERSION,
    STORE_NAME,
    Recovery,
    SeenStore,
    StoredArticle,
    content_hash,
    recover,
)

RECORD = {
    "id": "1234567",
    "revision": 1,
    "url": "https://www.devdiscourse.com/article/international/1234567-kremlin",
    "title": "Kremlin says cooperation with Turkey on Syria of 'great importance'",
    "source": "PTI",
    "created": "2020-03-02T17:29:00+05:30",
    "updated": "2020-03-02T17:54:00+05:30",
    "body": "First paragraph.\n\nSecond paragraph.",
    "tags": ["Kremlin", "Turkey"],
    "crawled_at": "2026-11-26T10:15:02Z",
}


def row(
    news_id: int, revision: int = 1, updated: str = "2020-03-02T17:54:00+05:30"
) -> StoredArticle:
    seen = f"2026-11-26T10:{revision:02d}:00Z"
    return StoredArticle(
        news_id, "2020-03-02T17:29:00+05:30", updated, f"{news_id:064x}", revision, seen, seen
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SeenStore]:
    store = SeenStore(tmp_path / STORE_NAME)
    yield store
    store.close()


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = (json.dumps(record, ensure_ascii=False) + "\n" for record in records)
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_new_store_is_at_the_current_schema_in_wal_mode(store: SeenStore) -> None:
    assert store.db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    assert store.db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    columns = {info[1] for info in store.db.execute("PRAGMA table_info(articles)")}
    assert columns == {
        "id",
        "created",
        "updated",
        "content_hash",
        "revision",
        "first_seen",
        "last_seen",
        "updates",
        "served",
    }


def test_empty_store_knows_nothing(store: SeenStore) -> None:
    assert store.get("1234567") is None
    assert store.newest_id() is None
    assert not store.is_recorded("2026-11-26T10-00-00Z.jsonl")


def test_published_rows_are_found_by_string_or_integer_id(store: SeenStore) -> None:
    store.record_publication("a.jsonl", [row(5), row(1234567)])
    assert store.get("1234567") == row(1234567)
    assert store.get(5) == row(5)
    assert store.get(6) is None
    assert store.newest_id() == 1234567
    assert store.is_recorded("a.jsonl")


def test_a_later_revision_replaces_the_row_but_keeps_first_seen(store: SeenStore) -> None:
    store.record_publication("a.jsonl", [row(5)])
    store.record_publication("b.jsonl", [row(5, revision=2, updated="2020-03-04T08:00:00+05:30")])
    stored = store.get(5)
    assert stored is not None
    assert (stored.revision, stored.updated) == (2, "2020-03-04T08:00:00+05:30")
    assert (stored.first_seen, stored.last_seen) == (row(5).first_seen, row(5, 2).last_seen)


def test_an_older_revision_never_moves_an_article_back(store: SeenStore) -> None:
    store.record_publication("b.jsonl", [row(5, revision=2)])
    store.record_publication("a.jsonl", [row(5, revision=1)])
    assert store.get(5) == row(5, revision=2)


def test_recording_one_file_twice_changes_nothing(store: SeenStore) -> None:
    store.record_publication("a.jsonl", [row(5)])
    store.record_publication("a.jsonl", [row(5, revision=2), row(6)])
    assert store.get(5) == row(5)
    assert store.get(6) is None
    assert store.db.execute("SELECT file, records FROM published").fetchall() == [("a.jsonl", 1)]


def test_a_failed_publication_records_neither_file_nor_rows(store: SeenStore) -> None:
    def rows() -> Iterator[StoredArticle]:
        yield row(5)
        raise OSError("disk gone")

    with pytest.raises(OSError):
        store.record_publication("a.jsonl", rows())
    assert not store.is_recorded("a.jsonl")
    assert store.get(5) is None


def test_store_outlives_its_connection(tmp_path: Path) -> None:
    first = SeenStore(tmp_path / STORE_NAME)
    first.record_publication("a.jsonl", [row(5)])
    first.close()
    again = SeenStore(tmp_path / STORE_NAME)
    assert again.get(5) == row(5)
    assert again.is_recorded("a.jsonl")
    again.close()


# The schema newsbot's first store shipped with (user_version 1), written out literally: a
# migration test must not build its "old" file with the code under test.
V1_SCHEMA = """
CREATE TABLE articles (id INTEGER PRIMARY KEY, updated TEXT NOT NULL,
    content_hash TEXT NOT NULL, revision INTEGER NOT NULL,
    first_seen TEXT NOT NULL, last_seen TEXT NOT NULL);
INSERT INTO articles VALUES (42, '2020-03-02T17:54:00+05:30', 'abc', 3,
    '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z');
PRAGMA user_version = 1;
"""


def test_a_v1_store_is_migrated_in_place_keeping_its_rows(tmp_path: Path) -> None:
    path = tmp_path / STORE_NAME
    old = sqlite3.connect(path)
    old.executescript(V1_SCHEMA)
    old.close()

    store = SeenStore(path)

    assert store.db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    assert store.get(42) == StoredArticle(
        42,
        None,
        "2020-03-02T17:54:00+05:30",
        "abc",
        3,
        "2026-01-01T00:00:00Z",
        "2026-02-01T00:00:00Z",
    )
    store.record_publication("a.jsonl", [row(42, revision=4)])
    assert store.get(42) == replace(row(42, revision=4), first_seen="2026-01-01T00:00:00Z")
    store.close()


def test_a_store_from_a_newer_newsbot_is_refused(tmp_path: Path) -> None:
    path = tmp_path / STORE_NAME
    newer = sqlite3.connect(path)
    newer.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    newer.close()
    with pytest.raises(RuntimeError, match="upgrade newsbot"):
        SeenStore(path)


def test_content_hash_ignores_what_changes_per_fetch() -> None:
    refetched = {**RECORD, "crawled_at": "2027-01-01T00:00:00Z", "revision": 2}
    assert content_hash(refetched) == content_hash(RECORD)
    assert content_hash(dict(reversed(RECORD.items()))) == content_hash(RECORD)
    # A field that is null, empty or absent is the same record.
    assert content_hash({**RECORD, "subtitle": None, "countries": []}) == content_hash(RECORD)


def test_content_hash_ignores_which_extraction_made_the_record() -> None:
    """Records stored before `extractor_version` and `reextracted` existed (RECORD has neither)
    keep their hash: adding the fields makes no stored article look changed."""
    assert "extractor_version" not in RECORD
    marked = {**RECORD, "extractor_version": "2026.12.1", "reextracted": False}
    assert content_hash(marked) == content_hash(RECORD)
    assert content_hash({**marked, "reextracted": True}) == content_hash(RECORD)


def test_content_hash_changes_with_the_content() -> None:
    assert content_hash({**RECORD, "body": RECORD["body"] + "!"}) != content_hash(RECORD)
    assert content_hash({**RECORD, "tags": ["Turkey", "Kremlin"]}) != content_hash(RECORD)
    assert len(content_hash(RECORD)) == 64


def test_stored_row_of_a_record() -> None:
    no_update = {**RECORD, "updated": None}
    stored = StoredArticle.from_record(no_update)
    assert stored.id == 1234567
    # the README's record table: `updated` equals `created` when the page shows no update time.
    assert stored.updated == RECORD["created"]
    assert stored.content_hash == content_hash(no_update)
    assert stored.first_seen == stored.last_seen == RECORD["crawled_at"]


def test_recover_deletes_part_files_and_absorbs_an_unrecorded_file_once(
    store: SeenStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    output = tmp_path / "devdiscourse"
    part = write_jsonl(output / ".2026-11-26T11-00-00Z.jsonl.part", [{**RECORD, "id": "9"}])
    (output / ".2026-11-26T12-00-00Z.jsonl.part").write_bytes(b'{"id": "10", "ti')
    recorded = write_jsonl(output / "2026-11-26T09-00-00Z.jsonl", [{**RECORD, "id": "3"}])
    store.record_publication(recorded.name, [StoredArticle.from_record({**RECORD, "id": "3"})])
    second = {**RECORD, "id": "4", "revision": 2}
    unrecorded = write_jsonl(output / "2026-11-26T10-00-00Z.jsonl", [RECORD, second])

    with caplog.at_level(logging.WARNING, logger="newsbot.store"):
        recovery = recover(store, output)

    assert recovery == Recovery(parts_deleted=2, files_absorbed=1, records_absorbed=2)
    assert not part.exists()
    assert sorted(path.name for path in output.iterdir()) == [recorded.name, unrecorded.name]
    assert store.is_recorded(unrecorded.name)
    assert store.get(RECORD["id"]) == StoredArticle.from_record(RECORD)
    assert store.get(4) == StoredArticle.from_record(second)
    assert "deleted 2 unpublished part file(s)" in caplog.text
    assert "recorded 1 published file(s)" in caplog.text

    caplog.clear()
    assert recover(store, output) == Recovery()
    assert not recover(store, output)
    assert caplog.text == ""


def test_recover_with_no_output_yet_does_nothing(store: SeenStore, tmp_path: Path) -> None:
    assert recover(store, tmp_path / "devdiscourse") == Recovery()


@pytest.mark.parametrize("damage", [b'{"id": "5", "ti', b'{"id": "5", "title": "\xff"}\n'])
def test_recover_refuses_a_broken_published_file(
    store: SeenStore, tmp_path: Path, damage: bytes
) -> None:
    output = tmp_path / "devdiscourse"
    broken = output / "2026-11-26T10-00-00Z.jsonl"
    write_jsonl(broken, [RECORD])
    with broken.open("ab") as file:
        file.write(damage)
    with pytest.raises(FileFault, match=rf"read {broken}: line 2 is not a JSON record"):
        recover(store, output)
    # All or nothing: the good first line was not absorbed either.
    assert store.get(RECORD["id"]) is None
    assert not store.is_recorded(broken.name)


def test_a_large_store_answers_lookups_and_stays_small(store: SeenStore) -> None:
    count = 100_000
    first = 1_000_000
    store.seed(row(news_id) for news_id in range(first, first + count))

    assert store.newest_id() == first + count - 1
    for news_id in (first, first + 1234, first + count - 1):
        assert store.get(str(news_id)) == row(news_id)
    assert store.get(first - 1) is None
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    # About 200 bytes a row (a 64-digit hash, four times, ids): 1,000,000 ids stay near 200 MB.
    assert store.path.stat().st_size < 250 * count


# -- read-only: beside a running crawl --------------------------------------------------------


def test_a_read_only_store_reads_what_was_published_and_cannot_write(tmp_path: Path) -> None:
    writer = SeenStore(tmp_path / STORE_NAME)
    writer.record_publication("a.jsonl", [row(5)], labels={"brand-new"})
    reader = SeenStore(tmp_path / STORE_NAME, read_only=True)
    assert reader.get(5) == row(5)
    assert reader.labels() == {"brand-new"}
    writer.record_publication("b.jsonl", [row(6)])  # the running crawl goes on
    assert reader.get(6) == row(6)
    with pytest.raises(FileFault, match="readonly"):
        reader.record_publication("c.jsonl", [row(7)])
    reader.close()
    writer.close()


def test_a_read_only_store_that_does_not_exist_is_empty_and_not_created(tmp_path: Path) -> None:
    reader = SeenStore(tmp_path / "none" / STORE_NAME, read_only=True)
    assert (reader.get(5), reader.newest_id(), reader.labels()) == (None, None, set())
    reader.close()
    assert not (tmp_path / "none").exists()


def test_a_read_only_store_of_an_older_schema_reads_as_empty_and_is_left_alone(tmp_path: Path):
    path = tmp_path / STORE_NAME
    old = sqlite3.connect(path)
    old.executescript(V1_SCHEMA)
    old.close()
    reader = SeenStore(path, read_only=True)
    assert reader.get(42) is None
    reader.close()
    check = sqlite3.connect(path)
    assert check.execute("PRAGMA user_version").fetchone() == (1,)
    check.close()


# The schema of the store that kept labels (user_version 3), written out literally.
V3_SCHEMA = """
CREATE TABLE articles (id INTEGER PRIMARY KEY, updated TEXT NOT NULL,
    content_hash TEXT NOT NULL, revision INTEGER NOT NULL,
    first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, created TEXT);
CREATE TABLE published (file TEXT PRIMARY KEY, records INTEGER, recorded_at TEXT);
CREATE TABLE labels (label TEXT PRIMARY KEY);
INSERT INTO articles VALUES (42, '2020-03-02T17:54:00+05:30', 'abc', 3,
    '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z', '2020-03-02T17:29:00+05:30');
INSERT INTO published VALUES ('a.jsonl', 1, '2026-02-01T00:00:00Z');
INSERT INTO labels VALUES ('brand-new');
PRAGMA user_version = 3;
"""


def test_a_v3_store_gains_the_discovery_marks_keeping_its_rows_and_labels(tmp_path: Path):
    path = tmp_path / STORE_NAME
    old = sqlite3.connect(path)
    old.executescript(V3_SCHEMA)
    old.close()
    reader = SeenStore(path, read_only=True)  # beside a crawl that has not migrated it yet
    assert (reader.get(42), reader.labels(), reader.marks()) == (None, set(), {})
    reader.close()
    store = SeenStore(path)
    assert store.db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    assert store.get(42).created == "2020-03-02T17:29:00+05:30"
    assert (store.labels(), store.marks()) == ({"brand-new"}, {})
    store.close()


def test_a_v4_store_gains_served_times_unknown_for_its_rows(tmp_path: Path):
    path = tmp_path / STORE_NAME
    old = sqlite3.connect(path)
    old.executescript(V3_SCHEMA.replace("PRAGMA user_version = 3;", ""))
    old.executescript("CREATE TABLE marks (name TEXT PRIMARY KEY, value TEXT NOT NULL);")
    old.execute("PRAGMA user_version = 4")
    old.close()
    store = SeenStore(path)
    assert store.db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    assert store.get(42).served is None and store.get(42).revision == 3
    served = replace(row(42, revision=4), served="2026-11-26T10:04:07+00:00")
    store.record_publication("b.jsonl", [served])
    assert store.get(42) == replace(served, first_seen="2026-01-01T00:00:00Z")
    store.close()


def test_marks_are_stored_with_a_publication_and_once(tmp_path: Path) -> None:
    store = SeenStore(tmp_path / STORE_NAME)
    store.record_publication("a.jsonl", [row(5)], marks={"since": "1", "gap": "x/y"})
    assert store.marks() == {"since": "1", "gap": "x/y"}
    store.record_publication("a.jsonl", [row(5)], marks={"since": "2"})  # recorded already
    assert store.marks() == {"since": "1", "gap": "x/y"}
    store.save_marks({"since": "3", "gap": None})  # a run that published nothing
    assert store.marks() == {"since": "3"}
    reader = SeenStore(tmp_path / STORE_NAME, read_only=True)
    assert reader.marks() == {"since": "3"}
    reader.close()
    store.close()


def test_a_read_only_store_from_a_newer_newsbot_is_refused(tmp_path: Path) -> None:
    path = tmp_path / STORE_NAME
    newer = sqlite3.connect(path)
    newer.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    newer.close()
    with pytest.raises(RuntimeError, match="upgrade newsbot"):
        SeenStore(path, read_only=True)


def test_recovery_learns_the_labels_of_the_files_it_absorbs(tmp_path: Path) -> None:
    output = tmp_path / "devdiscourse"
    output.mkdir()
    sections = {"1": "international", "2": "agency-wire", "3": "brand-new", "4": None}
    records = [{**RECORD, "id": news_id, "section": s} for news_id, s in sections.items()]
    lines = "".join(json.dumps(record) + "\n" for record in records)
    (output / "2026-01-01T00-00-00Z.jsonl").write_text(lines)
    store = SeenStore(tmp_path / STORE_NAME)
    recover(store, output)
    assert store.labels() == {"international", "brand-new"}  # agency-wire is no label
    store.close()


def test_content_hash_ignores_where_the_page_was_fetched_from() -> None:
    mirrored = {**RECORD, "fetched_from": "http://127.0.0.1:8800"}
    assert content_hash(mirrored) == content_hash(RECORD)


# -- live blogs: their updates --------------------------------------------------------------------

UPDATE = {
    "id": "3992252005",
    "time": "2026-11-26T13:50:49+05:30",
    "title": "Crowds gather in Kyiv",
    "body": "Officials said the talks would resume next week.",
    "url": "https://www.devdiscourse.com/article/education/3992252-x#post_3992252005",
}
LIVE_RECORD = {**RECORD, "kind": "liveblog", "updates": [UPDATE]}
# The schema of main before live blogs (user_version 4), as far as `articles` goes.
V4_ARTICLES = """
CREATE TABLE articles (id INTEGER PRIMARY KEY, updated TEXT NOT NULL,
    content_hash TEXT NOT NULL, revision INTEGER NOT NULL,
    first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, created TEXT);
CREATE TABLE published (file TEXT PRIMARY KEY, records INTEGER, recorded_at TEXT);
CREATE TABLE labels (label TEXT PRIMARY KEY);
CREATE TABLE marks (name TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO articles VALUES (42, '2020-03-02T17:54:00+05:30', 'abc', 3,
    '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z', '2020-03-02T17:29:00+05:30');
PRAGMA user_version = 4;
"""


def test_a_v4_store_gains_the_updates_column_keeping_its_rows(tmp_path: Path) -> None:
    path = tmp_path / STORE_NAME
    old = sqlite3.connect(path)
    old.executescript(V4_ARTICLES)
    old.close()
    store = SeenStore(path)
    kept = store.get(42)
    assert kept is not None and kept.revision == 3 and kept.updates is None
    assert kept.stored_updates() is None  # its next visit reads every page once
    store.close()


def test_the_store_keeps_a_live_blogs_published_updates(store: SeenStore) -> None:
    first = StoredArticle.from_record(LIVE_RECORD)
    assert first.stored_updates() == [UPDATE]
    store.record_publication("a.jsonl", [first])
    assert store.get(RECORD["id"]).stored_updates() == [UPDATE]
    # A revision whose updates could not be read keeps the last ones known.
    unknown = StoredArticle.from_record({**LIVE_RECORD, "revision": 2, "updates": None})
    assert unknown.updates is None
    store.record_publication("b.jsonl", [unknown])
    stored = store.get(RECORD["id"])
    assert stored.revision == 2 and stored.stored_updates() == [UPDATE]
    # Every other kind stores none.
    assert StoredArticle.from_record({**RECORD, "kind": "news", "updates": []}).updates is None


def test_content_hash_covers_updates_and_tells_unknown_from_none() -> None:
    assert content_hash({**RECORD, "kind": "news", "updates": []}) == content_hash(RECORD), (
        "records stored before `kind` and `updates` existed keep their hash"
    )
    none = {**LIVE_RECORD, "updates": []}
    unknown = {**LIVE_RECORD, "updates": None}
    edited = {**LIVE_RECORD, "updates": [{**UPDATE, "body": UPDATE["body"] + " Corrected."}]}
    hashes = {content_hash(r) for r in (LIVE_RECORD, none, unknown, edited)}
    assert len(hashes) == 4
