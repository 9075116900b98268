"""Extraction (issue 8, target 2): newsbot's `extract_article` against an lxml parse of the same
page, and trafilatura (a general-purpose extractor) beside both: CPU per page, and each one's
accuracy against the replica's ground truth for title, body and created.

`extract_article` counts from the bytes: the response, the parse, detection, every chain and the
ItemLoader, as in a crawl. The parse alone is what Scrapy's `response.selector` costs (lxml
through parsel). trafilatura is installed for the benchmarks only (benchmarks/requirements.txt).
"""

import re

from parsel import Selector
from scrapy.http import HtmlResponse

from benchmarks import Figure, benchmark, per_item_cpu, ratio
from newsbot.extract import extract_article
from newsbot.replica import ReplicaSite

BASE_URL = "http://127.0.0.1:8800"
_WORD_RE = re.compile(r"\w+")


def replica_pages(articles: int) -> tuple[ReplicaSite, list[tuple[str, str, bytes]]]:
    """(id, URL, body) of every desktop page of a replica: every markup generation."""
    site = ReplicaSite(articles=articles, seed=1)
    pages = [
        (news_id, BASE_URL + site.article(news_id).canonical_path, site.render_article(news_id))
        for news_id in site.ids()
    ]
    return site, [(news_id, url, html.encode()) for news_id, url, html in pages]


def parse(page: tuple[str, str, bytes]) -> object:
    return Selector(body=page[2], type="html").root


def extract(page: tuple[str, str, bytes]) -> dict:
    return vars(extract_article(HtmlResponse(url=page[1], body=page[2], encoding="utf-8")))


def word_f1(got: str | None, want: str | None) -> float:
    """How much of the true text an extractor got, and nothing else: F1 of the word bags."""
    got_words, want_words = _WORD_RE.findall(got or ""), _WORD_RE.findall(want or "")
    if not got_words or not want_words:
        return float(got_words == want_words)
    common, left = 0, {}
    for word in want_words:
        left[word] = left.get(word, 0) + 1
    for word in got_words:
        if left.get(word):
            left[word] -= 1
            common += 1
    precision, recall = common / len(got_words), common / len(want_words)
    return 2 * precision * recall / (precision + recall) if common else 0.0


def share(flags: list[bool]) -> str:
    return f"{sum(flags) / len(flags):.0%}"


@benchmark("extraction")
def extraction(quick: bool) -> list[Figure]:
    site, pages = replica_pages(40 if quick else 300)
    rounds = 2 if quick else 5
    try:
        import trafilatura
    except ImportError:
        trafilatura = None
    cpu = per_item_cpu({"parse": parse, "extract": extract}, pages, rounds)
    kb = sum(len(page[2]) for page in pages) / len(pages) / 1024
    basis = f"{len(pages)} desktop pages of {kb:.0f} KB, fastest of {rounds} rounds"
    truth = {news_id: site.expected_record(news_id) for news_id, _, _ in pages}
    records = {page[0]: extract(page) for page in pages}
    figures = [
        Figure(
            "extract_article / lxml parse, CPU per page",
            ratio(cpu["extract"] / cpu["parse"]),
            f"{cpu['extract'] * 1000:.2f} ms vs {cpu['parse'] * 1000:.2f} ms; {basis}",
        ),
        Figure(
            "newsbot right: title, body, created",
            " / ".join(
                share([records[i][field] == truth[i][field] for i in truth])
                for field in ("title", "body", "created")
            ),
            "exact match with the replica's truth",
        ),
    ]
    if trafilatura is None:
        figures.append(
            Figure("trafilatura", "-", "not installed: pip install -r benchmarks/requirements.txt")
        )
        return figures

    def extract_trafilatura(page: tuple[str, str, bytes]) -> dict:
        found = trafilatura.bare_extraction(page[2].decode(), url=page[1], with_metadata=True)
        return found.as_dict()

    # Ten times slower than the rest: fewer rounds, its own parse beside it.
    cpu |= per_item_cpu(
        {"parse_t": parse, "trafilatura": extract_trafilatura}, pages, max(1, rounds // 2)
    )
    found = {page[0]: extract_trafilatura(page) for page in pages}
    f1 = [word_f1(found[i].get("text"), truth[i]["body"]) for i in truth]
    figures += [
        Figure(
            "trafilatura / lxml parse, CPU per page",
            ratio(cpu["trafilatura"] / cpu["parse_t"]),
            f"{cpu['trafilatura'] * 1000:.2f} ms; trafilatura {trafilatura.__version__}",
        ),
        Figure(
            "trafilatura right: title, body, created day",
            " / ".join(
                [
                    share([found[i].get("title") == truth[i]["title"] for i in truth]),
                    share([found[i].get("text") == truth[i]["body"] for i in truth]),
                    share([found[i].get("date") == truth[i]["created"][:10] for i in truth]),
                ]
            ),
            f"exact; its body's word F1 against the truth: {sum(f1) / len(f1):.2f} on average"
            " (it keeps byline, captions, AI summary, tags)",
        ),
    ]
    return figures
