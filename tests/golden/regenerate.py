"""Write the golden pages: `python -m tests.golden.regenerate`.

Each entry of GOLDEN_PAGES picks the first article of the replica (seed 1, 300 articles) that has
a feature, and saves the page as served (`<name>.html`) with the record the replica's generator
says it must yield (`<name>.json`). The expected values never come from running newsbot.
"""

import json
from collections.abc import Callable
from pathlib import Path

from newsbot.replica import ArticleData, ReplicaSite

GOLDEN_DIR = Path(__file__).resolve().parent
MIRROR = "http://127.0.0.1:8800"
NEWS_DESK = "Devdiscourse News Desk"


def _is(**values: object) -> Callable[[ArticleData], bool]:
    return lambda data: all(getattr(data, name) == value for name, value in values.items())


# name: (which article, page variant, served to a "bot" User-Agent)
GOLDEN_PAGES: dict[str, tuple[Callable[[ArticleData], bool], str, bool]] = {
    "markup-2026-wire": (_is(markup="2026", source="PTI", video=False), "desktop", False),
    "markup-2024-wire": (_is(markup="2024", source="Reuters", video=False), "desktop", False),
    "markup-pre2023": (lambda d: d.markup == "pre2023" and d.news_id > 1_000_000, "desktop", False),
    "pinned-old-809210": (_is(news_id=809210), "desktop", False),
    # The site answers 500 for the AMP page of a PTI, Reuters, IANS or ANI story
    # (docs/site.md §8.4).
    "amp": (_is(markup="2026", source=NEWS_DESK, video=False, subtype=None), "amp", False),
    "amp-countries-without-city": (
        lambda d: d.source == "AFP" and not d.location_raw and d.countries,
        "amp",
        False,
    ),
    "amp-blog-post": (lambda d: d.author is not None, "amp", False),
    "news-desk-with-inputs": (
        _is(source=NEWS_DESK, disclaimer="inputs"),
        "desktop",
        False,
    ),
    "blog-post": (lambda d: d.author is not None, "desktop", False),
    "hidden-figure": (lambda d: d.image is None and not d.video, "desktop", False),
    "video": (_is(video=True), "desktop", False),
    "no-subtitle-no-location": (_is(subtitle=None, location_raw=None), "desktop", False),
    "washington-dc": (lambda d: "washington" in (d.location_raw or ""), "desktop", False),
    "los-angeles": (_is(location_raw="losangeles"), "desktop", False),
    "several-countries": (lambda d: len(d.countries) >= 3, "desktop", False),
    "many-tags": (lambda d: len(d.tags) > 15, "desktop", False),
    "non-ascii-title": (lambda d: any(ord(c) > 127 for c in d.title), "desktop", False),
    "bot-user-agent": (lambda d: len(d.tags) > 15 and d.disclaimer == "inputs", "desktop", True),
    "bot-stored-disclaimer": (
        lambda d: d.disclaimer_stored and d.source == "Reuters" and d.news_id > 1_000_000,
        "desktop",
        True,
    ),
    "opinion": (_is(subtype="Opinion", markup="2026"), "desktop", False),
    "several-sectors": (lambda d: len(d.sectors) >= 3, "desktop", False),
    # Live blogs (docs/site.md §5.4): a view of their own; AMP only for non-agency sources.
    "live-blog": (_is(kind="LiveBlog", server_utc=False), "desktop", False),
    "live-blog-utc-clock": (_is(kind="LiveBlog", server_utc=True), "desktop", False),
    "live-blog-bot-user-agent": (_is(kind="LiveBlog", source="PTI"), "desktop", True),
    "live-blog-amp": (_is(kind="LiveBlog", source=NEWS_DESK), "amp", False),
}


def first_article(site: ReplicaSite, wanted: Callable[[ArticleData], bool]) -> ArticleData:
    for news_id in site.ids():
        if wanted(data := site.article(news_id)):
            return data
    raise LookupError("no article of the replica has this feature")


def main() -> None:
    site = ReplicaSite(articles=300, seed=1)
    for name, (wanted, variant, bot) in GOLDEN_PAGES.items():
        data = first_article(site, wanted)
        news_id = str(data.news_id)
        url = MIRROR + data.canonical_path + ("?amp" if variant == "amp" else "")
        html = site.render_article(news_id, variant=variant, bot=bot)
        (GOLDEN_DIR / f"{name}.html").write_text(html, encoding="utf-8")
        # A page alone says nothing of a live blog's updates: `updates` unknown (null).
        record = site.expected_record(news_id, variant=variant, bot=bot, api=False)
        expected = {"url": url, "record": record}
        text = json.dumps(expected, indent=2, ensure_ascii=False) + "\n"
        (GOLDEN_DIR / f"{name}.json").write_text(text, encoding="utf-8")
        print(f"{name}: article {news_id}")


if __name__ == "__main__":
    main()
