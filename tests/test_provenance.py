"""A data directory holds one kind of site: the live one, or a mirror or the replica."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from newsbot.cron import USAGE
from newsbot.provenance import LIVE, MIRROR, SITE_FILE, WrongSite, claim, site_kind
from newsbot.replica import ReplicaSite
from newsbot.store import STORE_NAME, SeenStore
from newsbot.urls import PRODUCTION_BASE_URL
from tests.crawling import ENV, PROJECT_DIR, run_crawl

REPLICA = "http://127.0.0.1:8800"


@pytest.mark.parametrize(
    ("base_url", "kind"),
    [
        (PRODUCTION_BASE_URL, LIVE),
        ("https://devdiscourse.com", LIVE),
        ("http://www.devdiscourse.com", LIVE),
        (REPLICA, MIRROR),
        ("https://mirror.example.org", MIRROR),
    ],
)
def test_the_kind_of_a_base_url(base_url: str, kind: str) -> None:
    assert site_kind(base_url) == kind


def marker(directory: Path) -> dict:
    return json.loads((directory / SITE_FILE).read_text())


def test_a_new_directory_is_marked_and_a_replica_on_another_port_is_the_same_kind(tmp_path):
    claim(tmp_path, REPLICA)
    assert marker(tmp_path)["site"] == MIRROR
    assert marker(tmp_path)["base_url"] == REPLICA
    claim(tmp_path, "http://127.0.0.1:41234")  # the demo's next run, on a random port
    assert marker(tmp_path)["base_url"] == REPLICA
    assert [p.name for p in tmp_path.iterdir()] == [SITE_FILE]


@pytest.mark.parametrize(
    ("first", "then", "message"),
    [
        (REPLICA, PRODUCTION_BASE_URL, "holds records of a mirror or the replica (first crawled"),
        (PRODUCTION_BASE_URL, REPLICA, "holds records of the live site (first crawled from"),
    ],
)
def test_the_other_kind_of_site_is_refused(tmp_path: Path, first, then, message) -> None:
    claim(tmp_path, first)
    with pytest.raises(WrongSite) as refused:
        claim(tmp_path, then)
    assert message in str(refused.value)
    assert str(refused.value).endswith(f"crawl {then} into another data directory")


def unmarked_with_records(directory: Path, published: bool) -> Path:
    if published:
        (directory / "devdiscourse").mkdir(parents=True)
        (directory / "devdiscourse" / "2026-01-01T00-00-00Z.jsonl").write_text("{}\n")
    else:
        SeenStore(directory / STORE_NAME).close()
    return directory


@pytest.mark.parametrize("published", [True, False])
def test_records_from_before_the_marker_are_taken_as_live(tmp_path: Path, published: bool):
    unmarked_with_records(tmp_path, published)
    with pytest.raises(WrongSite, match="from before newsbot marked"):
        claim(tmp_path, REPLICA)
    assert not (tmp_path / SITE_FILE).exists()
    claim(tmp_path, PRODUCTION_BASE_URL)  # the cron job that has always crawled it
    assert marker(tmp_path)["site"] == LIVE


@pytest.mark.parametrize("text", ["{not json", '{"site": "moon"}', "[]"])
def test_a_marker_newsbot_did_not_write_is_refused(tmp_path: Path, text: str) -> None:
    (tmp_path / SITE_FILE).write_text(text)
    with pytest.raises(WrongSite, match="is not a marker newsbot wrote"):
        claim(tmp_path, REPLICA)


@pytest.mark.e2e
def test_a_replica_crawl_into_a_live_directory_stops_before_any_request(
    tmp_path: Path, serve_replica
) -> None:
    server = serve_replica(ReplicaSite(articles=12, seed=7))
    claim(tmp_path, PRODUCTION_BASE_URL)
    before = sorted(tmp_path.rglob("*"))
    result = run_crawl(server.base_url, tmp_path)
    assert (result.status, result.stdout) == (USAGE, "")
    assert result.stderr == (
        f"newsbot: error: {tmp_path} holds records of the live site (first crawled from"
        f" {PRODUCTION_BASE_URL}), not of a mirror or the replica: crawl {server.base_url}"
        " into another data directory\n"
    )
    assert len(server.requests) == 0
    assert sorted(tmp_path.rglob("*")) == before


def test_a_live_crawl_into_a_replica_directory_stops_before_any_request(tmp_path: Path) -> None:
    claim(tmp_path, REPLICA)
    # Were a request made after all, it would go to a closed local port, never to the site.
    proxy = "http://127.0.0.1:9"
    done = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "devdiscourse"],
        cwd=PROJECT_DIR,
        env={**ENV, "NEWSBOT_DATA_DIR": str(tmp_path), "http_proxy": proxy, "https_proxy": proxy},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (USAGE, "")
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"newsbot: error: {tmp_path} holds records of a mirror or the replica")
    assert [p.name for p in tmp_path.iterdir()] == [SITE_FILE]
