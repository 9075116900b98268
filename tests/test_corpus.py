"""`scrapy corpus`: the published records as one current view (issue 7 §6).

The rules (which record is current, what a filter keeps, how a broken line is skipped) are unit
tests on files written here; the command line is tested on the same kind of files and, end to
end, on two real crawls of the replica, whose truth (`expected_record`, `changes_between`) says
what the current view must hold.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tracemalloc
from datetime import UTC, datetime, timedelta, timezone
from io import BytesIO
from pathlib import Path

import pytest

from newsbot.corpus import (
    BrokenLine,
    Selection,
    Tally,
    UnreadableFile,
    parse_instant,
    parse_record,
    published_files,
    read_back,
    read_lines,
    split_values,
    write_all_revisions,
    write_current_view,
)
from newsbot.cron import DATA_ERROR, IO_ERROR, OK, USAGE
from newsbot.publish import atomic_output
from newsbot.runlock import LOCK_NAME, RunLock
from tests.crawling import field_differences

PROJECT = Path(__file__).resolve().parent.parent
IST = timezone(timedelta(hours=5, minutes=30))


def record(news_id: int, revision: int = 1, **fields: object) -> dict:
    return {
        "id": str(news_id),
        "revision": revision,
        "section": "business",
        "source": "PTI",
        "created": "2026-01-15T10:00:00+05:30",
        **fields,
    }


def line(value: dict) -> bytes:
    # As the writer pipeline prints them: non-ASCII kept, one object per line.
    return json.dumps(value, ensure_ascii=False).encode() + b"\n"


def publish(data_dir: Path, name: str, *lines: dict | bytes) -> Path:
    """A published file of `<data dir>/devdiscourse/`, as a run leaves it."""
    path = data_dir / "devdiscourse" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(item if isinstance(item, bytes) else line(item) for item in lines))
    return path


def read_jsonl(data: bytes) -> list[dict]:
    return [json.loads(text) for text in data.splitlines()]


class Broken:
    """Collects what the writers report as skipped."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, int, str]] = []

    def __call__(self, path: str, number: int, why: str) -> None:
        self.lines.append((Path(path).name, number, why))


def current_view(data_dir: Path, selection: Selection | None = None) -> tuple[list[dict], Broken]:
    out, broken = BytesIO(), Broken()
    files = published_files(data_dir / "devdiscourse")
    write_current_view(files, selection or Selection(), out, broken)
    return read_jsonl(out.getvalue()), broken


# -- pure functions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "end_of_day", "expected"),
    [
        ("2026-01-01", False, datetime(2026, 1, 1, tzinfo=IST)),
        ("2026-01-31", True, datetime(2026, 2, 1, tzinfo=IST)),
        ("2026-12-31", True, datetime(2027, 1, 1, tzinfo=IST)),
        # Day first is the byline's habit, not ISO's: 02-03 here is February 3rd.
        ("2020-02-03", False, datetime(2020, 2, 3, tzinfo=IST)),
        ("2026-01-01T09:30:00+05:30", False, datetime(2026, 1, 1, 4, 0, tzinfo=UTC)),
        ("2026-01-01T04:00:00Z", True, datetime(2026, 1, 1, 9, 30, tzinfo=IST)),
        ("2026-01-01T04:00:00+00:00", False, datetime(2026, 1, 1, 4, 0, tzinfo=UTC)),
        # No offset: IST, the records' zone.
        ("2026-01-01T09:30", False, datetime(2026, 1, 1, 4, 0, tzinfo=UTC)),
        ("2026-01-01 09:30:00", False, datetime(2026, 1, 1, 4, 0, tzinfo=UTC)),
        (" 2026-01-01 ", False, datetime(2026, 1, 1, tzinfo=IST)),
    ],
)
def test_parse_instant(raw: str, end_of_day: bool, expected: datetime) -> None:
    assert parse_instant(raw, end_of_day=end_of_day) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "yesterday",
        "01-02-2026",
        "2026-13-01",
        "2026-02-30",
        "20260101",
        "2026-W01",
        "2026-01-01T9",
    ],
)
def test_parse_instant_refuses(raw: str) -> None:
    with pytest.raises(ValueError):
        parse_instant(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ([], frozenset()),
        (["business"], {"business"}),
        (["business,health", "law-order"], {"business", "health", "law-order"}),
        (["PTI, Reuters"], {"pti", "reuters"}),
        (["Devdiscourse News Desk"], {"devdiscourse news desk"}),
        ([",", " "], frozenset()),
    ],
)
def test_split_values(raw: list[str], expected: set[str]) -> None:
    assert split_values(raw) == expected


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (b"", "not a JSON record"),
        (b"\n", "not a JSON record"),
        (b'{"id": "1", "revision": 1', "not a JSON record"),
        (b"\xff\xfe{}", "not a JSON record"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"revision": 1}', "id is not a NewsId"),
        (b'{"id": 1234567, "revision": 1}', "id is not a NewsId"),
        (b'{"id": "12a", "revision": 1}', "id is not a NewsId"),
        (b'{"id": "1234567890123456789", "revision": 1}', "id is not a NewsId"),
        (b'{"id": "1"}', "revision is not a positive integer"),
        (b'{"id": "1", "revision": 0}', "revision is not a positive integer"),
        (b'{"id": "1", "revision": "2"}', "revision is not a positive integer"),
        (b'{"id": "1", "revision": true}', "revision is not a positive integer"),
        (b'{"id": "1", "revision": 1.0}', "revision is not a positive integer"),
    ],
)
def test_parse_record_refuses(raw: bytes, why: str) -> None:
    with pytest.raises(BrokenLine, match=why):
        parse_record(raw)


def test_parse_record_reads_a_published_line() -> None:
    value = record(1234567, 3, title="São Paulo")
    assert parse_record(line(value)) == value


JAN = datetime(2026, 1, 1, tzinfo=IST)
FEB = datetime(2026, 2, 1, tzinfo=IST)


@pytest.mark.parametrize(
    ("selection", "fields", "selected"),
    [
        (Selection(), {}, True),
        (Selection(sections=frozenset({"business"})), {"section": "business"}, True),
        (Selection(sections=frozenset({"business"})), {"section": "health"}, False),
        (Selection(sources=frozenset({"pti"})), {"source": "PTI"}, True),
        (Selection(sources=frozenset({"pti", "reuters"})), {"source": "Reuters"}, True),
        (Selection(sources=frozenset({"pti"})), {"source": "IANS"}, False),
        (Selection(sources=frozenset({"pti"})), {"source": None}, False),
        # Bounds: since inclusive, until exclusive, compared as instants.
        (Selection(since=JAN), {"created": "2026-01-01T00:00:00+05:30"}, True),
        (Selection(since=JAN), {"created": "2025-12-31T23:59:59+05:30"}, False),
        (Selection(since=JAN), {"created": "2025-12-31T18:30:00+00:00"}, True),
        (Selection(until=FEB), {"created": "2026-01-31T23:59:59+05:30"}, True),
        (Selection(until=FEB), {"created": "2026-02-01T00:00:00+05:30"}, False),
        (Selection(until=FEB), {"created": "2026-01-31T18:29:59Z"}, True),
        (Selection(since=JAN, until=FEB), {"created": "2026-01-15T10:00:00+05:30"}, True),
        (
            Selection(since=JAN, sections=frozenset({"health"})),
            {"created": "2026-01-15T10:00:00+05:30"},
            False,
        ),
    ],
)
def test_selection(selection: Selection, fields: dict, selected: bool) -> None:
    assert selection.matches(record(1, **fields)) is selected


@pytest.mark.parametrize("created", [None, "", "yesterday", "2026-01-15T10:00:00"])
def test_a_time_bound_needs_a_created_with_an_offset(created: object) -> None:
    with pytest.raises(BrokenLine, match="created"):
        Selection(since=JAN).matches(record(1, created=created))
    assert Selection(sections=frozenset({"business"})).matches(record(1, created=created))


# -- the current view -----------------------------------------------------------------------------


def test_current_view_keeps_the_highest_revision_in_publication_order(tmp_path: Path) -> None:
    publish(tmp_path, "2026-01-01T00-17-00Z.jsonl", record(1), record(2), record(3))
    publish(tmp_path, "2026-01-01T01-17-00Z.jsonl", record(2, 2), record(4))
    publish(tmp_path, "2026-01-01T02-17-00Z.jsonl", record(2, 3), record(1, 2))
    records, broken = current_view(tmp_path)
    assert [(r["id"], r["revision"]) for r in records] == [("3", 1), ("4", 1), ("2", 3), ("1", 2)]
    assert broken.lines == []


def test_the_highest_revision_wins_whatever_the_file_order(tmp_path: Path) -> None:
    # A store rebuilt from files copied back out of order can leave revision 2 in an older file.
    publish(tmp_path, "2026-01-01T00-17-00Z.jsonl", record(1, 2, title="new"))
    publish(tmp_path, "2026-01-01T01-17-00Z.jsonl", record(1, 1, title="old"))
    records, _ = current_view(tmp_path)
    assert [(r["revision"], r["title"]) for r in records] == [(2, "new")]


def test_a_record_published_twice_is_written_once_from_the_later_file(tmp_path: Path) -> None:
    publish(tmp_path, "2026-01-01T00-17-00Z.jsonl", record(1, crawled_at="first"))
    publish(tmp_path, "2026-01-01T01-17-00Z.jsonl", record(1, crawled_at="second"))
    records, _ = current_view(tmp_path)
    assert [r["crawled_at"] for r in records] == ["second"]


def test_a_filter_applies_to_the_current_revision(tmp_path: Path) -> None:
    # Article 1 moved from business to health: it is in health's view only, not as revision 1.
    publish(tmp_path, "2026-01-01T00-17-00Z.jsonl", record(1), record(2))
    publish(tmp_path, "2026-01-01T01-17-00Z.jsonl", record(1, 2, section="health"))
    business, _ = current_view(tmp_path, Selection(sections=frozenset({"business"})))
    health, _ = current_view(tmp_path, Selection(sections=frozenset({"health"})))
    assert [(r["id"], r["revision"]) for r in business] == [("2", 1)]
    assert [(r["id"], r["revision"]) for r in health] == [("1", 2)]


def test_lines_are_written_byte_for_byte(tmp_path: Path) -> None:
    raw = b'{"id": "7", "revision": 1, "title": "S\xc3\xa3o Paulo", "x":  1}'  # no final newline
    publish(tmp_path, "2026-01-01T00-17-00Z.jsonl", raw)
    out = BytesIO()
    write_current_view(published_files(tmp_path / "devdiscourse"), Selection(), out, Broken())
    assert out.getvalue() == raw + b"\n"


def test_broken_lines_are_reported_by_file_and_line_and_the_rest_is_written(
    tmp_path: Path,
) -> None:
    publish(tmp_path, "2026-01-01T00-17-00Z.jsonl", record(1), b'{"id": "2", "rev\n', record(3))
    publish(tmp_path, "2026-01-01T01-17-00Z.jsonl", b"[]\n", record(1, 2))
    for write in (write_current_view, write_all_revisions):
        out, broken = BytesIO(), Broken()
        tally = write(published_files(tmp_path / "devdiscourse"), Selection(), out, broken)
        assert [name_line[:2] for name_line in broken.lines] == [
            ("2026-01-01T00-17-00Z.jsonl", 2),
            ("2026-01-01T01-17-00Z.jsonl", 1),
        ]
        assert (tally.files, tally.lines, tally.broken) == (2, 5, 2)
        written = [(r["id"], r["revision"]) for r in read_jsonl(out.getvalue())]
        if write is write_current_view:
            assert written == [("3", 1), ("1", 2)]
        else:
            assert written == [("1", 1), ("3", 1), ("1", 2)]


def test_a_file_gone_between_the_passes_is_reported_and_the_rest_written(tmp_path: Path) -> None:
    kept = publish(tmp_path, "2026-01-01T00-17-00Z.jsonl", record(1), record(2))
    gone = tmp_path / "devdiscourse" / "2026-01-01T01-17-00Z.jsonl"
    tally = Tally()
    places = [(0, 0, len(line(record(1)))), (1, 0, 10), (1, 10, 10)]
    assert list(read_back([kept, gone], places, tally)) == [line(record(1))]
    assert tally.unreadable == [f"{gone}: No such file or directory"]
    with pytest.raises(UnreadableFile, match="No such file"):
        list(read_lines(gone))


def test_hidden_part_files_and_other_names_are_not_published(tmp_path: Path) -> None:
    publish(tmp_path, "2026-01-01T00-17-00Z.jsonl", record(1))
    publish(tmp_path, ".2026-01-01T01-17-00Z.jsonl.part", record(1, 2))
    publish(tmp_path, "notes.txt", b"hello\n")
    assert [Path(path).name for path in published_files(tmp_path / "devdiscourse")] == [
        "2026-01-01T00-17-00Z.jsonl"
    ]
    assert published_files(tmp_path / "nothing-here") == []


def test_all_revisions_filters_each_record(tmp_path: Path) -> None:
    publish(tmp_path, "2026-01-01T00-17-00Z.jsonl", record(1), record(2, source="Reuters"))
    publish(tmp_path, "2026-01-01T01-17-00Z.jsonl", record(1, 2, source="IANS"))
    out = BytesIO()
    selection = Selection(sources=frozenset({"pti", "ians"}))
    write_all_revisions(published_files(tmp_path / "devdiscourse"), selection, out, Broken())
    assert [(r["id"], r["revision"]) for r in read_jsonl(out.getvalue())] == [("1", 1), ("1", 2)]


def python_peak(data_dir: Path) -> int:
    """Peak bytes Python allocated while writing the current view (to a sink)."""

    class Sink:
        def write(self, data: bytes) -> int:
            return len(data)

    tracemalloc.start()
    try:
        write_current_view(
            published_files(data_dir / "devdiscourse"), Selection(), Sink(), Broken()
        )
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_current_view_holds_no_id_in_python_memory(tmp_path: Path) -> None:
    """Ten times the records, the same Python peak: ids live in the index on disk (SQLite's own
    memory is bounded by its cache size; benchmarks/corpus_scale.py measures the whole process).
    """
    peaks = []
    for count in (2_000, 20_000):
        data_dir = tmp_path / str(count)
        per_file = 1_000
        for first in range(0, count, per_file):
            publish(
                data_dir,
                f"2026-01-01T00-00-{first // per_file:02d}Z.jsonl",
                *(record(1_000_000 + n, body="x" * 200) for n in range(first, first + per_file)),
            )
        peaks.append(python_peak(data_dir))
    assert peaks[1] < peaks[0] * 1.5 + 64 * 1024, peaks


def test_atomic_output_appears_complete_or_not_at_all(tmp_path: Path) -> None:
    target = tmp_path / "corpus.jsonl"
    with pytest.raises(RuntimeError), atomic_output(target) as out:
        out.write(b"half a corpus")
        raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []
    with atomic_output(target) as out:
        out.write(b"{}\n")
        assert not target.exists()
        assert (tmp_path / ".corpus.jsonl.part").exists()
    assert target.read_bytes() == b"{}\n"
    assert [path.name for path in tmp_path.iterdir()] == ["corpus.jsonl"]


# -- the command line ---------------------------------------------------------------------------


def corpus(*args: str, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "corpus", *args],
        cwd=PROJECT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        timeout=120,
        **kwargs,
    )


def stderr_lines(done: subprocess.CompletedProcess[bytes]) -> list[str]:
    return done.stderr.decode().splitlines()


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    publish(
        tmp_path,
        "2026-01-31T12-17-00Z.jsonl",
        record(1, created="2026-01-31T23:59:00+05:30"),
        record(2, section="health", source="Reuters", created="2026-02-01T00:00:00+05:30"),
        record(3, section="law-order", source="IANS", created="2026-01-01T00:00:00+05:30"),
    )
    publish(tmp_path, "2026-02-01T12-17-00Z.jsonl", record(1, 2, created="2026-01-31T23:59:00Z"))
    return tmp_path


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), [("2", 1), ("3", 1), ("1", 2)]),
        (("--all-revisions",), [("1", 1), ("2", 1), ("3", 1), ("1", 2)]),
        # Record 1's current revision says 23:59 UTC, i.e. 05:29 IST on 1 February.
        (("--since", "2026-02-01"), [("2", 1), ("1", 2)]),
        (("--since", "2026-01-01", "--until", "2026-01-01"), [("3", 1)]),
        (("--until", "2026-02-01T00:00:00+05:30"), [("3", 1)]),
        (("--section", "health", "--section", "business"), [("2", 1), ("1", 2)]),
        (("--source", "Reuters,IANS", "--section", "health"), [("2", 1)]),
        (("--all-revisions", "--until", "2026-01-31", "--source", "pti"), [("1", 1)]),
    ],
)
def test_command_line_current_view_and_filters(
    small_corpus: Path, args: tuple[str, ...], expected: list[tuple[str, int]]
) -> None:
    done = corpus("--data-dir", str(small_corpus), *args)
    assert (done.returncode, done.stderr) == (OK, b"")
    assert [(r["id"], r["revision"]) for r in read_jsonl(done.stdout)] == expected


def test_command_line_reads_the_configured_data_directory(small_corpus: Path) -> None:
    by_env = corpus(env={"NEWSBOT_DATA_DIR": str(small_corpus)})
    by_setting = corpus("-s", f"NEWSBOT_DATA_DIR={small_corpus}")
    assert by_env.returncode == by_setting.returncode == OK
    by_option = corpus("--data-dir", str(small_corpus))
    # Quoted in a crontab line, `~` reaches the command as it is.
    by_home = corpus("--data-dir", f"~/{small_corpus.name}", env={"HOME": str(small_corpus.parent)})
    assert by_env.stdout == by_setting.stdout == by_option.stdout == by_home.stdout
    assert len(read_jsonl(by_env.stdout)) == 3


def test_output_file_is_written_atomically_and_never_inside_the_data_directory(
    small_corpus: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    out_dir = tmp_path_factory.mktemp("out")
    target = out_dir / "corpus.jsonl"
    done = corpus("--data-dir", str(small_corpus), "-o", str(target))
    assert (done.returncode, done.stdout, done.stderr) == (OK, b"", b"")
    assert target.read_bytes() == corpus("--data-dir", str(small_corpus)).stdout
    assert [path.name for path in out_dir.iterdir()] == ["corpus.jsonl"]

    inside = small_corpus / "export.jsonl"
    refused = corpus("--data-dir", str(small_corpus), "-o", str(inside))
    assert refused.returncode == USAGE
    assert stderr_lines(refused) == [
        f"newsbot: error: {inside} is inside the data directory {small_corpus}; write it elsewhere"
    ]
    assert not inside.exists()


def test_an_unwritable_output_is_one_line_and_status_74(small_corpus: Path, tmp_path_factory):
    target = tmp_path_factory.mktemp("out") / "no-such-dir" / "corpus.jsonl"
    done = corpus("--data-dir", str(small_corpus), "-o", str(target))
    assert done.returncode == IO_ERROR
    (message,) = stderr_lines(done)
    assert message.startswith("newsbot: could not write ") and "No such file" in message
    assert not target.parent.exists()


def test_a_broken_line_is_reported_and_the_rest_streamed(small_corpus: Path) -> None:
    broken = small_corpus / "devdiscourse" / "2026-02-01T12-17-00Z.jsonl"
    with broken.open("ab") as lines:
        lines.write(b'{"id": "9", "revision": 1, "title": "cut off by a full dis')
    done = corpus("--data-dir", str(small_corpus))
    assert done.returncode == DATA_ERROR
    assert [(r["id"], r["revision"]) for r in read_jsonl(done.stdout)] == [
        ("2", 1),
        ("3", 1),
        ("1", 2),
    ]
    first, summary = stderr_lines(done)
    assert first.startswith(f"newsbot: {broken}:2: skipped: not a JSON record")
    assert summary == "newsbot: skipped 1 line(s) that are not records; the rest was written"


def test_only_the_first_broken_lines_are_listed_one_by_one(tmp_path: Path) -> None:
    publish(tmp_path, "2026-01-01T00-17-00Z.jsonl", *(b"junk\n" for _ in range(50)), record(1))
    done = corpus("--data-dir", str(tmp_path))
    assert done.returncode == DATA_ERROR
    lines = stderr_lines(done)
    assert len(lines) == 21 and lines[-1].startswith("newsbot: skipped 50 line(s)")
    assert len(read_jsonl(done.stdout)) == 1


def tree(directory: Path) -> dict[str, tuple[int, int, int]]:
    return {
        str(path.relative_to(directory)): (
            path.stat().st_mode,
            path.stat().st_size,
            path.stat().st_mtime_ns,
        )
        for path in [directory, *directory.rglob("*")]
    }


def test_corpus_needs_no_lock_and_changes_nothing(small_corpus: Path) -> None:
    (small_corpus / "seen.sqlite3").write_bytes(b"")
    (small_corpus / "runs.jsonl").write_bytes(b"")
    lock = RunLock(small_corpus / LOCK_NAME)
    lock.acquire(datetime.now(UTC))  # as a cron crawl running now holds it
    try:
        before = tree(small_corpus)
        done = corpus("--data-dir", str(small_corpus))
        all_revisions = corpus("--data-dir", str(small_corpus), "--all-revisions")
    finally:
        lock.release()
    assert (done.returncode, all_revisions.returncode) == (OK, OK)
    assert len(read_jsonl(done.stdout)) == 3
    assert tree(small_corpus) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--since", "yesterday"), "--since 'yesterday': give a date (2026-01-01)"),
        (("--until", "31-01-2026"), "--until '31-01-2026': give a date"),
        (("--since", "2026-02-01", "--until", "2026-01-01"), "--since must be earlier"),
        (("--sinse", "2026-01-01"), "unexpected argument '--sinse'"),
        (("business",), "unexpected argument 'business'"),
    ],
)
def test_bad_options_are_one_line_and_status_2(
    small_corpus: Path, args: tuple[str, ...], message: str
) -> None:
    done = corpus("--data-dir", str(small_corpus), *args)
    assert (done.returncode, done.stdout) == (USAGE, b"")
    (line_,) = stderr_lines(done)
    assert line_.startswith(f"newsbot: error: {message}")


def test_a_missing_data_directory_is_status_2(tmp_path: Path) -> None:
    done = corpus("--data-dir", str(tmp_path / "nothing"))
    assert (done.returncode, done.stdout) == (USAGE, b"")
    assert stderr_lines(done) == [f"newsbot: error: no data directory at {tmp_path / 'nothing'}"]


def test_an_empty_data_directory_is_an_empty_corpus(tmp_path: Path) -> None:
    assert corpus("--data-dir", str(tmp_path)).returncode == OK


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    # Far more than a pipe's buffer, so the reader closes it while the command still writes.
    publish(
        tmp_path,
        "2026-01-01T00-17-00Z.jsonl",
        *(record(1_000_000 + n, body="x" * 1000) for n in range(3000)),
    )
    done = subprocess.run(
        f"{sys.executable} -m scrapy corpus --data-dir {tmp_path} | head -c 10",
        shell=True,
        cwd=PROJECT,
        capture_output=True,
        timeout=120,
    )
    assert (done.returncode, done.stderr) == (0, b"")
    assert len(done.stdout) == 10


# -- end to end: two crawls of the replica ----------------------------------------------------


@pytest.mark.e2e
def test_current_view_of_two_crawls_is_the_site_as_it_stands(two_crawls) -> None:
    site = two_crawls.site
    done = corpus("--data-dir", str(two_crawls.data_dir))
    assert (done.returncode, done.stderr) == (OK, b"")
    records = read_jsonl(done.stdout)
    assert [r["id"] for r in records].count(records[0]["id"]) == 1
    assert sorted(r["id"] for r in records) == sorted(site.ids())
    truth = {news_id: site.expected_record(news_id) for news_id in site.ids()}
    assert field_differences(records, truth) == []
    updated = set(two_crawls.updated)
    assert {r["id"]: r["revision"] for r in records} == {
        news_id: 2 if news_id in updated else 1 for news_id in site.ids()
    }


@pytest.mark.e2e
def test_all_revisions_of_two_crawls_is_every_published_record(two_crawls) -> None:
    site = two_crawls.site
    done = corpus("--data-dir", str(two_crawls.data_dir), "--all-revisions")
    assert (done.returncode, done.stderr) == (OK, b"")
    published = b"".join(
        Path(path).read_bytes() for path in published_files(two_crawls.data_dir / "devdiscourse")
    )
    assert done.stdout == published
    pairs = [(r["id"], r["revision"]) for r in read_jsonl(done.stdout)]
    assert len(pairs) == len(set(pairs)) == len(site.ids()) + len(two_crawls.updated)


@pytest.mark.e2e
def test_filters_on_two_crawls_match_the_truth(two_crawls) -> None:
    site = two_crawls.site
    truth = [site.expected_record(news_id) for news_id in site.ids()]
    since = parse_instant("2026-11-26T12:00:00+05:30")
    done = corpus(
        "--data-dir",
        str(two_crawls.data_dir),
        "--section",
        "business,health",
        "--source",
        "pti",
        "--since",
        since.isoformat(),
    )
    assert done.returncode == OK
    expected = sorted(
        r["id"]
        for r in truth
        if r["section"] in ("business", "health")
        and r["source"] == "PTI"
        and datetime.fromisoformat(r["created"]) >= since
    )
    assert expected
    assert sorted(r["id"] for r in read_jsonl(done.stdout)) == expected
