"""What the WARC archive costs, and how fast and lean `scrapy replay` is, side by side.

    python benchmarks/warc_cost.py [--articles 600] [--rounds 2] [--growth 300,600,1200]

1. The same replica crawled with NEWSBOT_WARC_ENABLED on and off (rounds alternate, so machine
   noise falls on both): CPU seconds (user + system) and WARC bytes per published article.
2. For the archive of one of those crawls: pages per second of the crawl itself, of
   `scrapy replay` (index pass, decoding, extraction, pipelines, output) and of extraction
   alone (`extract_article` in this process on the same pages).
3. `scrapy replay` over archives of growing size (written here from the replica's pages, one
   capture per article): peak RSS of each replay process, which must not grow with the archive.

Every crawl and replay is its own process (`scrapy crawl` / `scrapy replay`, as a user runs
them); CPU and peak RSS come from wait4. Figures, not pass/fail.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from scrapy import Request  # noqa: E402
from scrapy.http import HtmlResponse  # noqa: E402

from newsbot.demo import LOOPBACK_SETTINGS, crawl_command  # noqa: E402
from newsbot.extract import extract_article  # noqa: E402
from newsbot.replica import ReplicaSite, serve_in_thread  # noqa: E402
from newsbot.replica.routes import handle  # noqa: E402
from newsbot.warc import Capture, WarcFiles, read_archive  # noqa: E402

ENV = {**os.environ, "PYTHONPATH": str(PROJECT)}


# Linux carries a process's peak RSS across exec, so a child of this (large) process would
# report this one's; a small launcher process starts the measured one and reports its usage.
LAUNCHER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(status, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)
"""


def run(command: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MiB) of one process."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *command],
        cwd=PROJECT,
        env=ENV,
        capture_output=True,
        text=True,
        check=True,
    )
    seconds = time.monotonic() - started
    status, cpu, peak = done.stdout.split()
    if int(status):
        raise SystemExit(f"{command[:4]} failed: wait status {status}")
    return seconds, float(cpu), int(peak) / 1024


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
                    wall, cpu, _ = run(
                        crawl_command(server.base_url, directory, settings, "-a", "max_pages=200")
                    )
                finally:
                    server.stop()
                count = published(directory)
                results[archive].append((wall, cpu, count, warc_bytes(directory)))
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


def extraction_cost(captures: list[Capture]) -> tuple[float, float]:
    """Wall and CPU seconds of `extract_article` alone on the archived pages."""
    responses = [
        HtmlResponse(c.url, body=c.body, headers=dict(c.headers), encoding="utf-8")
        for c in captures
    ]
    started, cpu = time.perf_counter(), time.process_time()
    for response in responses:
        extract_article(response)
    return time.perf_counter() - started, time.process_time() - cpu


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--growth", default="300,600,1200")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        keep = Path(scratch) / "archived"
        crawls = crawl_cost(options.articles, options.rounds, keep)
        print(f"1. Crawl of a {options.articles}-article replica, WARC on and off, ")
        print(f"   median of {options.rounds} rounds each")
        print(
            f"{'WARC':<6}{'seconds':>9}{'CPU s':>8}{'articles':>10}{'CPU ms/article':>16}"
            f"{'WARC KB/article':>17}"
        )
        medians = {}
        for archive, runs in crawls.items():
            wall = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[1] for r in runs)
            count = runs[-1][2]
            per_article = statistics.median(r[3] / r[2] for r in runs) / 1024
            medians[archive] = (wall, cpu, count)
            print(
                f"{archive:<6}{wall:>9.1f}{cpu:>8.1f}{count:>10}{1000 * cpu / count:>16.1f}"
                f"{per_article:>17.1f}"
            )
        ratio = (medians["on"][1] / medians["on"][2]) / (medians["off"][1] / medians["off"][2])
        print(f"   CPU per article, on/off: {ratio:.2f}x")

        captures = article_captures(keep / "warc")
        out = Path(scratch) / "replayed.jsonl"
        wall, cpu, rss = run(replay_command(keep / "warc", output=out))
        replayed = sum(1 for _ in out.open())
        crawl_wall, crawl_cpu, crawled = medians["on"]
        extract_wall, extract_cpu = extraction_cost(captures)
        print(f"\n2. The archive of one crawl ({len(captures)} article pages)")
        print(f"{'':<34}{'pages/s':>9}{'CPU ms/page':>13}")
        rows = [
            ("crawl (WARC on, loopback)", crawled / crawl_wall, crawl_cpu / crawled),
            ("scrapy replay (whole process)", replayed / wall, cpu / replayed),
            ("extract_article alone", len(captures) / extract_wall, extract_cpu / len(captures)),
        ]
        for name, rate, cpu_per_page in rows:
            print(f"{name:<34}{rate:>9.1f}{1000 * cpu_per_page:>13.1f}")
        print(f"   replay's peak RSS {rss:.0f} MiB")

        print("\n3. scrapy replay over growing archives (one capture per article)")
        print(f"{'pages':>9}{'archive MB':>12}{'seconds':>9}{'pages/s':>9}{'peak RSS MiB':>14}")
        for articles in map(int, options.growth.split(",")):
            directory = synthetic_archive(articles, Path(scratch) / f"growth-{articles}")
            size = sum(p.stat().st_size for p in directory.glob("*.warc.gz")) / 1e6
            output = Path(scratch) / "g.jsonl"
            wall, _, rss = run(replay_command(directory, output=output))
            pages = sum(1 for _ in output.open())
            print(f"{pages:>9}{size:>12.1f}{wall:>9.1f}{pages / wall:>9.1f}{rss:>14.1f}")


if __name__ == "__main__":
    main()
