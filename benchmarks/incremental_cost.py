"""What an incremental run costs as the site grows (issue 8, target 5): roots + k article requests,
flat from 1,000 to 100,000 articles.

    python -m benchmarks incremental      (--quick: 300 and 1,000 articles)

For each size, a replica of that many articles and a data directory that holds it all, as after a
complete crawl; then the replica's clock moves on two hours and `scrapy crawl devdiscourse` runs
once (loopback settings, WARC off) in its own process. Figures: the requests the server saw,
those for article pages against what the replica says changed in those two hours (new and
updated articles: `changes_between`), and the run's wall and CPU time, largest site against
smallest.

The data directory is built here, not crawled (a first crawl of 100,000 articles takes an hour):
the newest articles' records are the replica's ground truth (`expected_record`), written as a
published file that the store absorbs as a run's recovery does (rows and labels). Only those can
still change or show in a source an ordinary run reads: updates come at most 42 hours after
creation (about 2,000 articles at the replica's rate), the sitemap covers two to three days and
the listings are read back to the last run. Older articles are stored with their id and
creation time (the replica's timeline), which is all an ordinary run can ask of them.
"""

import json
import os
import tempfile
from datetime import timedelta
from pathlib import Path

from benchmarks import PROJECT_DIR, Figure, benchmark, ratio, run_module
from newsbot.demo import LOOPBACK_SETTINGS, crawl_command
from newsbot.processors import utc_iso
from newsbot.provenance import claim
from newsbot.replica import ReplicaSite, serve_in_thread
from newsbot.store import STORE_NAME, SeenStore, StoredArticle, recover

SETTINGS = {**LOOPBACK_SETTINGS, "NEWSBOT_WARC_ENABLED": "False"}
# The newest articles stored exactly as the site shows them (see the docstring).
EXACT = 3_000
STEP = timedelta(hours=2)


def data_dir_of(site: ReplicaSite, base_url: str, root: Path) -> Path:
    """A data directory holding every article of `site` at its clock, as a complete crawl."""
    data = root / f"data-{len(site)}"
    published = data / "devdiscourse"
    published.mkdir(parents=True)
    claim(data, base_url)  # a replica's directory, before it holds records
    ids = site.ids()
    crawled = utc_iso(site.now)
    with (published / "seeded.jsonl").open("w", encoding="utf-8") as out:
        for news_id in ids[:2] + ids[max(2, len(ids) - EXACT) :]:  # the pinned two, the newest
            record = {**site.expected_record(news_id), "revision": 1, "crawled_at": crawled}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    store = SeenStore(data / STORE_NAME)
    try:
        recover(store, published)
        older = range(2, max(2, len(ids) - EXACT))  # positions in the timeline, after the pinned
        store.seed(old_row(site, position - 2, crawled) for position in older)
    finally:
        store.close()
    return data


def old_row(site: ReplicaSite, position: int, seen: str) -> StoredArticle:
    created = site.created_of(position).isoformat()
    return StoredArticle(site.id_at(position), created, created, "-", 1, seen, seen)


def incremental_run(articles: int, root: Path) -> dict:
    site = ReplicaSite(articles=articles, seed=1)
    server = serve_in_thread(site)
    try:
        data = data_dir_of(site, server.base_url, root)
        before = site.now
        site.advance(STEP)
        changes = site.changes_between(before, site.now)
        command = crawl_command(server.base_url, data, SETTINGS)
        env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}
        cost = run_module(command[2:], PROJECT_DIR, env)
        paths = [path for _, path, _ in server.requests]
    finally:
        server.stop()
    article_requests = sum(1 for path in paths if path.startswith("/article/"))
    return {
        "requests": len(paths),
        "articles": article_requests,
        "changed": len(changes["new"]) + len(changes["updated"]),
        "new": len(changes["new"]),
        "wall": cost.wall,
        "cpu": cost.cpu,
    }


@benchmark("incremental")
def incremental(quick: bool) -> list[Figure]:
    sizes = (300, 1_000) if quick else (1_000, 10_000, 100_000)
    with tempfile.TemporaryDirectory(prefix="newsbot-bench-incremental-") as scratch:
        runs = {size: incremental_run(size, Path(scratch)) for size in sizes}
    small, large = runs[sizes[0]], runs[sizes[-1]]
    each = "; ".join(
        f"{size:,}: {run['requests']} requests, {run['articles']} article pages for"
        f" {run['changed']} changed ({run['new']} new), {run['wall']:.1f} s"
        for size, run in runs.items()
    )
    return [
        Figure(
            f"requests of a 2-hour incremental run, {sizes[-1]:,} / {sizes[0]:,} articles",
            ratio(large["requests"] / small["requests"]),
            each,
        ),
        Figure(
            "article requests / articles changed (new or updated), largest site",
            ratio(large["articles"] / large["changed"]),
            f"{large['articles']} vs {large['changed']}; the rest are the roots:"
            f" {large['requests'] - large['articles']}",
        ),
        Figure(
            f"incremental run's wall time, {sizes[-1]:,} / {sizes[0]:,} articles",
            ratio(large["wall"] / small["wall"]),
            f"{large['wall']:.1f} s vs {small['wall']:.1f} s; CPU {large['cpu']:.1f} s vs"
            f" {small['cpu']:.1f} s; loopback settings, one run each",
        ),
    ]
