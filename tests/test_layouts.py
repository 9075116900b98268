"""Page layouts (newsbot/layouts.py): each golden page is recognised as the layout it was
rendered in, once per page; a page no layout recognises falls back to every chain, and says so.

Which layout a page is comes from the replica's generator (the article's markup generation and
the page variant), never from running newsbot.
"""

import json
import re
from pathlib import Path

import pytest
from lxml import html
from scrapy.http import HtmlResponse
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from newsbot import layouts
from newsbot import statkeys as keys
from newsbot.extract import extract_article
from newsbot.replica import ReplicaSite

GOLDEN_DIR = Path(__file__).parent / "golden"
PAGES = sorted(path.stem for path in GOLDEN_DIR.glob("*.html"))


@pytest.fixture(scope="module")
def golden_site() -> ReplicaSite:
    """The replica the golden pages were saved from (tests/golden/regenerate.py)."""
    return ReplicaSite(articles=300, seed=1)


def golden(name: str) -> tuple[dict, bytes]:
    expected = json.loads((GOLDEN_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return expected, (GOLDEN_DIR / f"{name}.html").read_bytes()


def rendered_layout(site: ReplicaSite, expected: dict) -> str:
    """The layout the replica rendered the page in: AMP for `?amp`, else its markup generation;
    a live blog's own view (docs/site.md §5.4) in either variant."""
    data = site.article(expected["record"]["id"])
    if expected["url"].endswith("?amp"):
        return "amp-liveblog" if data.is_live_blog else "amp"
    return "liveblog" if data.is_live_blog else data.markup


def test_every_layout_has_a_golden_page(golden_site):
    found = {rendered_layout(golden_site, golden(name)[0]) for name in PAGES}
    assert found == {layout.name for layout in layouts.LAYOUTS}


@pytest.mark.parametrize("name", PAGES)
def test_golden_page_is_detected_as_the_layout_it_was_rendered_in(name, golden_site):
    expected, body = golden(name)
    layout, container = layouts.detect(html.fromstring(body))
    assert layout.name == rendered_layout(golden_site, expected)
    # The container holds the article's title: the layout's chains run inside it.
    assert layout.TITLE[0](container)


def test_extraction_counts_the_layout_of_each_page(golden_site):
    stats = MemoryStatsCollector(get_crawler())
    for name in PAGES:
        expected, body = golden(name)
        extract_article(HtmlResponse(url=expected["url"], body=body, encoding="utf-8"), stats)
    counted = {
        key.removeprefix(keys.layout("")): count
        for key, count in stats.get_stats().items()
        if key.startswith(keys.layout(""))
    }
    truth: dict[str, int] = {}
    for name in PAGES:
        layout = rendered_layout(golden_site, golden(name)[0])
        truth[layout] = truth.get(layout, 0) + 1
    assert counted == truth


@pytest.mark.parametrize("name", ["markup-2026-wire", "markup-2024-wire", "markup-pre2023"])
def test_an_unrecognised_page_falls_back_to_every_chain(name):
    """Without its byline no desktop layout recognises the page: every layout's chains over the
    whole page still find every field the byline does not hold."""
    expected, body = golden(name)
    root = html.fromstring(body)
    layout, _ = layouts.detect(root)
    byline = layout.BYLINE[0](root)[0]
    byline.getparent().remove(byline)
    page = html.tostring(root)
    assert layouts.detect(html.fromstring(page))[0] is layouts.AnyLayout
    stats = MemoryStatsCollector(get_crawler())
    record = vars(
        extract_article(HtmlResponse(url=expected["url"], body=page, encoding="utf-8"), stats)
    )
    assert stats.get_value(keys.layout("unknown")) == 1
    # The byline held the source, the city and the minutes; the meta tags keep the rest.
    byline_fields = {"source", "author", "location", "created", "updated", "syndicated"}
    for field, value in expected["record"].items():
        if field not in byline_fields:
            assert record[field] == value, field


def test_a_desktop_page_served_as_amp_is_not_taken_for_one():
    """The AMP layout needs the AMP document's own mark (`<html ⚡>`), not just its markup."""
    _, body = golden("amp")
    page = re.sub(rb"<html \xe2\x9a\xa1", b"<html", body, count=1)
    assert layouts.detect(html.fromstring(page))[0] is layouts.AnyLayout


def test_any_layout_tries_every_layouts_chain():
    for chain in ("TITLE", "BYLINE", "IMAGES", "CAPTIONS", "BODY", "TAGS", "SECTOR_LINKS"):
        every = getattr(layouts.AnyLayout, chain)
        for layout in layouts.LAYOUTS:
            assert set(getattr(layout, chain)) <= set(every), (chain, layout.name)
