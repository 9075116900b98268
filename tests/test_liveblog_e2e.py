"""Live blogs over real crawls (`scrapy crawl devdiscourse` in a subprocess) of the replica as its
clock moves: each run publishes what changed, a live blog that gained updates as a new revision
with every update right, at one or two API requests a visit. Expected values are the replica's
ground truth."""

import json
from datetime import timedelta

import pytest

from newsbot.replica import ReplicaSite
from newsbot.replica.model import LIVE_BLOG
from tests.crawling import field_differences, read_records, run_crawl

pytestmark = pytest.mark.e2e

SUB_BLOGS = "/api/Search/GetSubBlogs/"


def live_ids(site: ReplicaSite) -> list[str]:
    return [i for i in site.ids() if site.kind_of(int(i)) == LIVE_BLOG]


def latest(records: list[dict]) -> dict[str, dict]:
    kept: dict[str, dict] = {}
    for record in records:
        if record["id"] not in kept or record["revision"] > kept[record["id"]]["revision"]:
            kept[record["id"]] = record
    return kept


def test_a_live_blog_gains_updates_between_runs(serve_replica, tmp_path):
    site = ReplicaSite(articles=300, seed=1)
    server = serve_replica(site)
    # The live blog whose coverage goes on longest after `now`.
    ahead = site.state_at(site.now + timedelta(hours=3))
    chosen = max(live_ids(site), key=lambda i: len(ahead.versions(i)) - len(site.versions(i)))

    first = run_crawl(server.base_url, tmp_path)
    assert first.status == 0, first.stderr
    truth = {i: site.expected_record(i) for i in site.ids()}
    assert field_differences(first.records, truth) == []
    assert {r["id"] for r in first.records if r["kind"] == "liveblog"} == set(live_ids(site))

    revision, seen = 1, len(first.records)
    for _ in range(4):
        before = site.article(chosen)
        site.advance(minutes=40)
        server.requests.clear()
        result = run_crawl(server.base_url, tmp_path)
        assert result.status == 0, result.stderr
        records, _ = read_records(tmp_path)
        published, seen = records[seen:], len(records)
        # Every record of the run is the site now, live blogs and the rest.
        assert (
            field_differences(
                published, {r["id"]: site.expected_record(r["id"]) for r in published}
            )
            == []
        )
        ours = [r for r in published if r["id"] == chosen]
        after = site.article(chosen)
        api = [p for _, p, _ in server.requests if p.startswith(f"{SUB_BLOGS}{chosen}/")]
        if after.modified == before.modified:
            assert ours == [] and api == []
            continue
        revision += 1
        assert [r["revision"] for r in ours] == [revision]
        assert ours[0]["updates"] == site.expected_record(chosen)["updates"]
        old = {u.id: u for u in before.updates}
        touched = sum(1 for u in after.updates if old.get(u.id) != u)
        if touched <= 9:
            assert len(api) <= 2, (touched, api)
    assert revision > 2, "the live blog changed in at least two of the runs"

    # The corpus's current state is the site's: every article once, each at its truth.
    current = latest(read_records(tmp_path)[0])
    assert set(current) == set(site.ids())
    assert (
        field_differences(list(current.values()), {i: site.expected_record(i) for i in current})
        == []
    )


def test_with_the_api_disallowed_live_blogs_publish_with_their_updates_unknown(
    serve_replica, tmp_path
):
    site = ReplicaSite(articles=120, seed=4, robots="disallow_api")
    server = serve_replica(site)
    result = run_crawl(server.base_url, tmp_path)
    assert result.status == 0, result.stderr
    live = live_ids(site)
    assert live
    truth = {i: site.expected_record(i, api=False) for i in site.ids()}
    assert field_differences(result.records, truth) == []
    assert all(r["updates"] is None for r in result.records if r["id"] in live)
    assert not any(p.startswith("/api/") for _, p, _ in server.requests)
    runs = [json.loads(line) for line in (tmp_path / "runs.jsonl").read_text().splitlines()]
    assert runs[-1]["counts"]["liveblog/updates_unknown/disallowed"] == len(live)
    assert runs[-1]["errors"] == 0, "what robots.txt refuses is no download error"
