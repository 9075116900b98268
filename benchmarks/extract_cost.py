"""Per-page CPU of extraction against the cost of parsing the HTML, side by side.

    python benchmarks/extract_cost.py [--pages 300] [--repeats 5]

For the same replica pages (desktop, ~83 KB each), times: parsing alone (lxml through parsel,
plus one query so the tree is built), and newsbot's whole `extract_article` (parse, every
fallback chain, the loader). Prints per-page medians and their ratio. Figures, not pass/fail.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from parsel import Selector
from scrapy.http import HtmlResponse

from newsbot.extract import extract_article
from newsbot.replica import ReplicaSite


def per_page(work, pages: list[tuple[str, bytes]], repeats: int) -> float:
    """Median over `repeats` of the mean seconds per page."""
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        for url, body in pages:
            work(url, body)
        runs.append((time.perf_counter() - started) / len(pages))
    return statistics.median(runs)


def parse_only(url: str, body: bytes) -> None:
    Selector(body=body, type="html").xpath("//h1")


def extract(url: str, body: bytes) -> None:
    extract_article(HtmlResponse(url=url, body=body, encoding="utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    options = parser.parse_args()
    site = ReplicaSite(articles=options.pages, seed=1)
    pages = [
        ("http://127.0.0.1:8800" + site.article(i).canonical_path, site.render_article(i).encode())
        for i in site.ids()
    ]
    # Alternate the two, twice, so that machine noise falls on both.
    timings = {"parse": [], "extract": []}
    for _ in range(2):
        timings["parse"].append(per_page(parse_only, pages, options.repeats))
        timings["extract"].append(per_page(extract, pages, options.repeats))
    parse, full = min(timings["parse"]), min(timings["extract"])
    kb = sum(len(body) for _, body in pages) / len(pages) / 1024
    print(f"{len(pages)} desktop pages, {kb:.0f} KB each on average")
    print(f"parse only       {parse * 1000:7.2f} ms/page")
    print(f"extract_article  {full * 1000:7.2f} ms/page")
    print(f"extract/parse    {full / parse:7.2f}x")


if __name__ == "__main__":
    main()
