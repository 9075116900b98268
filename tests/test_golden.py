"""Golden pages: each saved page in tests/golden yields exactly its saved record, field by field.

The records were written by the replica's generator (tests/golden/regenerate.py), not by newsbot.
"""

import json
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from newsbot.extract import extract_article
from newsbot.items import ARTICLE_FIELDS

GOLDEN_DIR = Path(__file__).parent / "golden"
PAGES = sorted(path.stem for path in GOLDEN_DIR.glob("*.html"))


def test_there_are_enough_golden_pages():
    assert len(PAGES) >= 12


@pytest.mark.parametrize("name", PAGES)
def test_golden_page_yields_its_record(name):
    expected = json.loads((GOLDEN_DIR / f"{name}.json").read_text(encoding="utf-8"))
    body = (GOLDEN_DIR / f"{name}.html").read_bytes()
    response = HtmlResponse(url=expected["url"], body=body, encoding="utf-8")
    record = vars(extract_article(response))
    assert set(record) == set(ARTICLE_FIELDS)
    got = {name: record[name] for name in expected["record"]}
    assert got == expected["record"]
