"""`scrapy replay`'s arguments and the lock, without a crawl."""

import argparse
import fcntl
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.settings import Settings

from newsbot import replay as replay_module
from newsbot.commands import replay as command
from newsbot.cron import DATA_ERROR, IO_ERROR, LOCKED, OK, USAGE
from newsbot.provenance import SITE_FILE, claim
from newsbot.replica import ReplicaSite
from newsbot.runlock import LOCK_NAME
from newsbot.store import STORE_NAME, SeenStore
from newsbot.warc import WarcFiles
from tests.mounts import Mounts

PROJECT = Path(__file__).resolve().parent.parent
HTML = {"Content-Type": "text/html; charset=utf-8"}


def replay(data: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "replay", *arguments],
        cwd=PROJECT,
        env={**os.environ, "NEWSBOT_DATA_DIR": str(data)},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        ((), "name a WARC file"),
        (("{tmp}/nowhere",), "no such file or directory"),
        (("{tmp}", "-o", "{tmp}/data/out.jsonl"), "inside the data directory"),
        (("{tmp}", "--publish", "-o", "{tmp}/out.jsonl"), "exclude each other"),
    ],
)
def test_bad_arguments_are_one_line_and_status_2(
    tmp_path: Path, arguments: tuple[str, ...], says: str
) -> None:
    done = replay(tmp_path / "data", *(a.format(tmp=tmp_path) for a in arguments))
    assert (done.returncode, done.stdout) == (USAGE, "")
    (line,) = done.stderr.splitlines()
    assert line.startswith("newsbot: error: ") and says in line


def test_publish_waits_for_no_one_when_a_run_holds_the_lock(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    lock = data / LOCK_NAME
    lock.write_text('{"pid": 4242, "started": "2026-01-01T00:00:00+00:00"}\n')
    fd = os.open(lock, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        done = replay(data, str(tmp_path), "--publish")
    finally:
        os.close(fd)
    assert done.returncode == LOCKED
    assert (
        done.stderr
        == f"newsbot: another run holds {lock}: pid 4242, started 2026-01-01T00:00:00+00:00\n"
    )
    assert sorted(p.name for p in data.iterdir()) == [LOCK_NAME]


def test_an_empty_directory_replays_nothing(tmp_path: Path) -> None:
    done = replay(tmp_path / "data", str(tmp_path))
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_a_page_the_extractor_fails_on_is_reported_and_the_rest_replayed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    site = ReplicaSite(articles=3, seed=3)
    files = WarcFiles(tmp_path / "warc", "2026-01-01T00-00-00Z", 2**30, {"software": "test"})
    for news_id in site.ids():
        url = site.canonical_url(news_id)
        body = site.render_article(news_id).encode()
        request = Request(url)
        response = HtmlResponse(url, body=body, request=request, headers=HTML)
        files.write_exchange(request, response, datetime.now(UTC))
    files.close()
    broken = site.ids()[1]
    real = replay_module.extract_article

    def extract(response, stats=None):
        if broken in response.url:
            raise ValueError("a bug")
        return real(response, stats)

    monkeypatch.setattr(replay_module, "extract_article", extract)
    settings = Settings()
    settings.setmodule("newsbot.settings", priority="project")
    settings.set("NEWSBOT_DATA_DIR", str(tmp_path / "data"), priority="cmdline")
    out = tmp_path / "out.jsonl"
    opts = argparse.Namespace(output=str(out), publish=False)

    assert command._run(settings, [tmp_path / "warc"], opts) == DATA_ERROR

    ids = sorted(json.loads(line)["id"] for line in out.read_text().splitlines())
    assert ids == sorted(i for i in site.ids() if i != broken)
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == f"newsbot: could not extract {site.canonical_url(broken)}: ValueError: a bug"
    assert lines[1].startswith("newsbot: skipped 1 page(s) the extractor failed on")


def archived(directory: Path, site: ReplicaSite, base: str) -> Path:
    """A WARC file of every article page of `site`, fetched from `base`."""
    files = WarcFiles(directory, "2026-01-01T00-00-00Z", 2**30, {"software": "test"})
    for news_id in site.ids():
        url = base + site.canonical_path(int(news_id))
        request = Request(url)
        body = site.render_article(news_id).encode()
        response = HtmlResponse(url, body=body, request=request, headers=HTML)
        files.write_exchange(request, response, datetime.now(UTC))
    (path,) = files.close()
    return path


def publish(data: Path, warc: Path) -> int:
    settings = Settings()
    settings.setmodule("newsbot.settings", priority="project")
    settings.set("NEWSBOT_DATA_DIR", str(data), priority="cmdline")
    return command._run(settings, [warc], argparse.Namespace(output=None, publish=True))


def test_publish_refuses_a_data_directory_of_the_other_kind_of_site(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """As a crawl does (newsbot/provenance.py): the replica's pages never join live records."""
    warc = archived(tmp_path / "warc", ReplicaSite(articles=3, seed=3), "http://127.0.0.1:8800")
    data = tmp_path / "data"
    data.mkdir()
    claim(data, "https://www.devdiscourse.com")

    assert publish(data, warc) == USAGE
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"newsbot: error: {data} holds records of the live site")
    assert sorted(path.name for path in data.iterdir()) == [LOCK_NAME, SITE_FILE]

    # A new data directory takes the archive's kind, and publishes it.
    fresh = tmp_path / "fresh"
    assert publish(fresh, warc) == OK
    assert json.loads((fresh / SITE_FILE).read_text())["site"] == "mirror"
    assert len(list((fresh / "devdiscourse").glob("*.jsonl"))) == 1


def test_a_full_disk_while_publishing_is_74_and_publishes_whole_records_only(
    mounts: Mounts, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The crawl's writer and its file faults (newsbot/filefaults.py), in a replay."""
    site = ReplicaSite(articles=20, seed=3)
    warc = archived(tmp_path / "warc", site, "http://127.0.0.1:8800")
    data = tmp_path / "data"
    records = mounts.tmpfs(data / "devdiscourse", "16k")

    assert publish(data, warc) == IO_ERROR
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"newsbot: could not write {records}/.")
    assert line.endswith(".jsonl.part: No space left on device (ENOSPC)")
    (published,) = records.glob("*.jsonl")
    ids = [json.loads(record)["id"] for record in published.read_text().splitlines()]
    assert 0 < len(ids) < len(site.ids())
    assert not list(records.glob(".*"))
    store = SeenStore(data / STORE_NAME)
    try:
        assert {news_id for news_id in site.ids() if store.get(news_id)} == set(ids)
    finally:
        store.close()
