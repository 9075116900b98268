"""A first crawl against bare Scrapy (issue 8, targets 1, 3, 4): what newsbot costs beyond fetching.

A replica (3,000 articles; `--quick`: 150) is served from this process on 127.0.0.1. In each round,
`scrapy crawl devdiscourse` runs in its own process with the loopback settings (no delay, 16
concurrent requests), the WARC archive off (the `warc` benchmark measures it) and a fresh data
directory; then a bare Scrapy spider (benchmarks/_bare_spider.py, no project settings) fetches
exactly the URLs newsbot fetched, as the server logged them, each as often, with the same
concurrency and User-Agent, redirects and retries off (the log already holds every hop and every
retry), and does nothing with them.

Figures (medians over the rounds): newsbot's CPU beyond bare Scrapy's per published article, as a
multiple of an lxml parse of the replica's article pages; the throughput ratio (bare wall time /
newsbot's); requests per published article; peak RSS against bare Scrapy's. It measures whatever
the spider does at the time.
"""

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from benchmarks import PROJECT_DIR, Figure, benchmark, median, per_item_cpu, ratio, run_module
from benchmarks.extraction import parse
from newsbot import settings as shipped
from newsbot.demo import LOOPBACK_SETTINGS, crawl_command
from newsbot.replica import ReplicaSite, serve_in_thread
from tests.crawling import read_records

BARE_SPIDER = Path(__file__).resolve().parent / "_bare_spider.py"


@dataclass
class Run:
    wall: float  # seconds
    cpu: float  # user + system seconds of the crawl process
    rss: float  # peak RSS, MiB
    requests: int
    articles: int = 0


# The WARC archive off: what it costs is the `warc` benchmark's figure (benchmarks/warc_cost.py).
SETTINGS = {**LOOPBACK_SETTINGS, "NEWSBOT_WARC_ENABLED": "False"}


def newsbot_crawl(server, data_dir: Path) -> Run:
    server.requests.clear()
    command = crawl_command(server.base_url, data_dir, SETTINGS, "-a", "max_pages=500")
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}
    # Exit status 1: a health check failed; the crawl's figures still hold.
    cost = run_module(command[2:], PROJECT_DIR, env, ok=(0, 1))
    records, _ = read_records(data_dir)
    return Run(cost.wall, cost.cpu, cost.peak_mb, len(server.requests), len(records))


def bare_crawl(server, urls: list[str], work: Path) -> Run:
    urls_file = work / "urls.txt"
    urls_file.write_text("".join(url + "\n" for url in urls), encoding="utf-8")
    server.requests.clear()
    settings = {
        **LOOPBACK_SETTINGS,
        "USER_AGENT": shipped.USER_AGENT,
        "ROBOTSTXT_OBEY": "False",  # robots.txt is in the list if newsbot fetched it
        "REDIRECT_ENABLED": "False",
        "RETRY_ENABLED": "False",
        "TELNETCONSOLE_ENABLED": "False",
        "REMOTE_CONTROL_ENABLED": "False",
        "LOG_LEVEL": shipped.LOG_LEVEL,
    }
    command = ["scrapy", "runspider", str(BARE_SPIDER), "-a", f"urls_file={urls_file}"]
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    # Outside the project: no scrapy.cfg, so none of newsbot's settings or components.
    env = {name: value for name, value in os.environ.items() if not name.startswith("SCRAPY_")}
    cost = run_module(command, work, env)
    return Run(cost.wall, cost.cpu, cost.peak_mb, len(server.requests))


@benchmark("crawl")
def crawl(quick: bool) -> list[Figure]:
    articles, rounds = (150, 1) if quick else (3000, 2)
    site = ReplicaSite(articles=articles, seed=1)
    server = serve_in_thread(site)
    newsbot_runs, bare_runs = [], []
    try:
        for _ in range(rounds):
            with tempfile.TemporaryDirectory(prefix="newsbot-bench-crawl-") as work:
                newsbot_runs.append(newsbot_crawl(server, Path(work) / "data"))
                urls = [server.base_url + path for _, path, _ in server.requests]
                bare_runs.append(bare_crawl(server, urls, Path(work)))
    finally:
        server.stop()
    sample = [(news_id, "", site.render_article(news_id).encode()) for news_id in site.ids()[:100]]
    parse_cpu = per_item_cpu({"parse": parse}, sample, 7)["parse"]

    def med(runs: list[Run], field: str) -> float:
        return median(getattr(one, field) for one in runs)

    published = med(newsbot_runs, "articles")
    beyond = (med(newsbot_runs, "cpu") - med(bare_runs, "cpu")) / published
    requests = med(newsbot_runs, "requests")
    basis = (
        f"{articles:,}-article replica, first run, loopback settings, WARC off, median of {rounds}"
    )
    return [
        Figure(
            "CPU beyond bare Scrapy per article / lxml parse",
            ratio(beyond / parse_cpu),
            f"{beyond * 1000:.2f} ms vs {parse_cpu * 1000:.2f} ms; {basis}",
        ),
        Figure(
            "throughput (bare wall time / newsbot's)",
            ratio(med(bare_runs, "wall") / med(newsbot_runs, "wall")),
            f"{med(newsbot_runs, 'wall'):.1f} s vs {med(bare_runs, 'wall'):.1f} s",
        ),
        Figure(
            "requests per published article",
            f"{requests / published:.2f}",
            f"{requests:.0f} requests for {published:.0f} articles ({len(site.ids())} in the"
            " replica)",
        ),
        Figure(
            "peak RSS / bare Scrapy's",
            ratio(med(newsbot_runs, "rss") / med(bare_runs, "rss")),
            f"{med(newsbot_runs, 'rss'):.0f} MB vs {med(bare_runs, 'rss'):.0f} MB",
        ),
    ]
