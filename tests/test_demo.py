"""`make demo` (`python -m newsbot.demo`): its own directory, never live data, again and again.

Expected counts come from the replica's ground truth (`ids`, `changes_between`).
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from newsbot.cron import USAGE
from newsbot.demo import CLOCK_STEP, DEFAULT_DIR
from newsbot.processors import parse_datetime
from newsbot.provenance import SITE_FILE, claim
from newsbot.replica import DEFAULT_NOW, ReplicaSite
from newsbot.urls import PRODUCTION_BASE_URL, is_production
from tests.crawling import ENV, read_records

pytestmark = pytest.mark.e2e

ARTICLES = 60


def demo(cwd: Path, *arguments: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "newsbot.demo", "--articles", str(ARTICLES), *arguments],
        cwd=cwd,
        env=env or ENV,
        capture_output=True,
        text=True,
        timeout=600,
    )


def published(data: Path) -> list[list[dict]]:
    """The records of each published file, oldest first."""
    _, files = read_records(data)
    return [[json.loads(line) for line in path.read_text().splitlines()] for path in files]


def test_the_demo_keeps_its_own_directory_and_a_second_demo_publishes_what_changed(tmp_path):
    live = tmp_path / "live-data"
    env = {**ENV, "NEWSBOT_DATA_DIR": str(live)}  # a deployment's variable: not the demo's
    first = demo(tmp_path, env=env)
    again = demo(tmp_path, env=env)
    assert (first.returncode, again.returncode) == (0, 0), first.stderr + again.stderr
    assert not live.exists()
    data = tmp_path / DEFAULT_DIR
    first_file, second_file = published(data)

    # The first demo: the whole replica. The second: its clock moved on, so exactly the articles
    # created or updated since.
    site = ReplicaSite(articles=ARTICLES)
    assert sorted(record["id"] for record in first_file) == sorted(site.ids())
    newest = parse_datetime(site.expected_record(site.ids()[-1])["created"])
    changes = site.changes_between(DEFAULT_NOW, newest + CLOCK_STEP)
    assert changes["new"] and changes["updated"]
    assert sorted(record["id"] for record in second_file) == sorted(
        changes["new"] + changes["updated"]
    )
    assert {r["revision"] for r in second_file if r["id"] in changes["updated"]} == {2}

    # Replica records say so without reading their URL.
    records = first_file + second_file
    assert not any(is_production(record["fetched_from"]) for record in records)
    assert all(record["fetched_from"].startswith("http://127.0.0.1:") for record in records)

    for done, file, count in ((first, 0, len(first_file)), (again, 1, len(second_file))):
        line = done.stdout.splitlines()[-1]
        assert line.startswith(f"demo: wrote {count} records (")
        assert str(read_records(data)[1][file]) in line and f"; log: {data / 'logs'}" in line
        assert "see the log above" not in done.stdout + done.stderr


@pytest.mark.parametrize("marked", [True, False])
def test_the_demo_refuses_a_directory_of_live_records(tmp_path: Path, marked: bool) -> None:
    live = tmp_path / "data"
    (live / "devdiscourse").mkdir(parents=True)
    (live / "devdiscourse" / "2026-01-01T00-00-00Z.jsonl").write_text('{"id": "1"}\n')
    if marked:
        claim(live, PRODUCTION_BASE_URL)
    before = sorted(live.rglob("*"))
    refused = demo(tmp_path, "--data-dir", str(live))
    assert (refused.returncode, refused.stdout) == (USAGE, "")
    (line,) = refused.stderr.splitlines()
    assert line.startswith(f"demo: {live} holds records ")
    assert sorted(live.rglob("*")) == before
    assert (live / SITE_FILE).exists() == marked
