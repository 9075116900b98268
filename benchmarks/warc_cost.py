"""What the WARC archive costs, and how fast and lean `scrapy replay` is, side by side (issue 9).

    python -m benchmarks warc      (--quick: 60 articles, one round)

1. The same replica crawled with NEWSBOT_WARC_ENABLED on and off (rounds alternate, so machine
   noise falls on both): CPU seconds (user + system) and WARC bytes per published article.
2. For the archive of one of those crawls: pages per second of the crawl itself and of
   `scrapy replay` (index pass, decoding, extraction, pipelines, output), and replay's CPU per
   page against extraction alone (`extract_article` in this process on the same pages).
3. `scrapy replay` over archives of growing size (written here from the replica's pages, one
   capture per article): peak RSS of each replay process, which must not grow with the archive.

Every crawl and replay is its own process (`scrapy crawl` / `scrapy replay`, as a user runs
them), measured by the harness (`run_module`: CPU from wait4, peak RSS from VmHWM).
"""

import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from scrapy import Request
from scrapy.http import HtmlResponse

from benchmarks import PROJECT_DIR, Figure, Process, benchmark, ratio, run_module
from newsbot.demo import LOOPBACK_SETTINGS, crawl_command
from newsbot.extract import extract_article
from newsbot.replica import ReplicaSite, serve_in_thread
from newsbot.replica.routes import handle
from newsbot.warc import Capture, WarcFiles, read_archive

ENV = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}


def run(command: list[str]) -> Process:
    """One `python -m scrapy …` process (`command` as `crawl_command` builds it)."""
    # Exit status 1: a health check failed; the figures still hold.
    return run_module(command[2:], PROJECT_DIR, ENV, ok=(0, 1))


def published(data: Path) -> int:
    return sum(1 for path in (data / "devdiscourse").glob("*.jsonl") for _ in path.open())


def warc_bytes(data: Path) -> int:
    return sum(path.stat().st_size for path in (data / "warc").glob("*.warc.gz"))


def replay_command(*paths: Path, output: Path) -> list[str]:
    return [sys.executable, "-m", "scrapy", "replay", *map(str, paths), "-o", str(output)]


def crawl_cost(articles: int, rounds: int, keep: Path) -> dict[str, list[tuple]]:
    """Per setting: (wall, cpu, articles, warc bytes) of each crawl; the last WARC crawl's data
    directory is left in `keep`."""
    results: dict[str, list[tuple]] = {"on": [], "off": []}
    for number in range(rounds):
        for archive in results:
            site = ReplicaSite(articles=articles, seed=31)
            server = serve_in_thread(site)
            data = keep if archive == "on" and number == rounds - 1 else None
            with tempfile.TemporaryDirectory() as scratch:
                directory = data or Path(scratch) / "data"
                settings = {**LOOPBACK_SETTINGS, "NEWSBOT_WARC_ENABLED": str(archive == "on")}
                try:
                    cost = run(
                        crawl_command(server.base_url, directory, settings, "-a", "max_pages=200")
                    )
                finally:
                    server.stop()
                count = published(directory)
                results[archive].append((cost.wall, cost.cpu, count, warc_bytes(directory)))
    return results


def article_captures(directory: Path) -> list[Capture]:
    found = []
    for path in sorted(directory.glob("*.warc.gz")):
        for capture in read_archive(path):
            if (
                isinstance(capture, Capture)
                and capture.status == 200
                and "/article/" in capture.url
            ):
                found.append(capture)
    return found


def extraction_cpu(captures: list[Capture]) -> float:
    """CPU seconds of `extract_article` alone on the archived pages."""
    responses = [
        HtmlResponse(c.url, body=c.body, headers=dict(c.headers), encoding="utf-8")
        for c in captures
    ]
    started = time.process_time()
    for response in responses:
        extract_article(response)
    return time.process_time() - started


def synthetic_archive(articles: int, directory: Path) -> Path:
    """One capture of each article page of a replica of `articles`, as a crawl would archive it."""
    site = ReplicaSite(articles=articles, seed=37)
    files = WarcFiles(directory, "2026-01-01T00-00-00Z", 1024**3, {"software": "benchmark"})
    base = "http://127.0.0.1:8800"
    for news_id in site.ids():
        path = "/" + site.canonical_url(news_id).split("/", 3)[3]
        answer = handle(site, path, "Archiver/1")
        request = Request(base + path)
        response = HtmlResponse(
            request.url,
            status=answer.status,
            headers={"Content-Type": "text/html; charset=utf-8"},
            body=answer.body,
            request=request,
        )
        files.write_exchange(request, response, datetime.now(UTC))
    files.close()
    return directory


@benchmark("warc")
def warc(quick: bool) -> list[Figure]:
    articles, rounds, growth = (60, 1, (50, 200)) if quick else (600, 2, (400, 1600))
    with tempfile.TemporaryDirectory(prefix="newsbot-bench-warc-") as scratch:
        keep = Path(scratch) / "archived"
        crawls = crawl_cost(articles, rounds, keep)
        per_article = {
            archive: statistics.median(r[1] / r[2] for r in runs)
            for archive, runs in crawls.items()
        }
        kb = statistics.median(r[3] / r[2] for r in crawls["on"]) / 1024

        captures = article_captures(keep / "warc")
        out = Path(scratch) / "replayed.jsonl"
        replay = run(replay_command(keep / "warc", output=out))
        replayed = sum(1 for _ in out.open())
        crawl_wall, _, crawled, _ = crawls["on"][-1]
        extract_cpu = extraction_cpu(captures) / len(captures)

        peaks = {}
        for size in growth:
            directory = synthetic_archive(size, Path(scratch) / f"growth-{size}")
            peaks[size] = run(replay_command(directory, output=Path(scratch) / "g.jsonl")).peak_mb
    small, large = growth
    basis = f"{articles}-article replica, loopback settings, median of {rounds}"
    return [
        Figure(
            "crawl CPU per article, WARC on / off",
            ratio(per_article["on"] / per_article["off"]),
            f"{per_article['on'] * 1000:.1f} ms vs {per_article['off'] * 1000:.1f} ms; {basis}",
        ),
        Figure(
            "WARC bytes per published article",
            f"{kb:.1f} KB",
            "listings, sitemap, robots.txt and redirects included; gzip level 9 (warcio's)",
        ),
        Figure(
            "scrapy replay / the crawl (WARC on), pages per second",
            ratio((replayed / replay.wall) / (crawled / crawl_wall)),
            f"{replayed / replay.wall:.1f} vs {crawled / crawl_wall:.1f} pages/s; replay's whole"
            " process: start-up, index pass, decoding, extraction, pipelines, output",
        ),
        Figure(
            "scrapy replay / extract_article alone, CPU per page",
            ratio((replay.cpu / replayed) / extract_cpu),
            f"{replay.cpu / replayed * 1000:.1f} ms vs {extract_cpu * 1000:.1f} ms;"
            f" {len(captures)} archived article pages",
        ),
        Figure(
            f"replay peak RSS, {large:,} / {small:,} archived pages",
            ratio(peaks[large] / peaks[small]),
            f"{peaks[large]:.0f} MB vs {peaks[small]:.0f} MB (flat: records read one at a time,"
            " the index on disk)",
        ),
    ]
