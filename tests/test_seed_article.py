"""The seed article of docs/site.md §7 (a real page, kept as text in tests/fixtures), rebuilt as a
page in the 2024 and pre-2023 markups: newsbot must yield exactly the values docs/site.md §7
gives."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from newsbot.extract import extract_article
from newsbot.replica import ArticleData, render_article_page
from newsbot.replica.model import Image, paragraph

SEED_TEXT = (Path(__file__).parent / "fixtures" / "seed-article.txt").read_text(encoding="utf-8")
TITLE = "Kremlin says cooperation with Turkey on Syria of 'great importance'"
DISCLAIMER = (
    "(This story has not been edited by Devdiscourse staff and is auto-generated from a "
    "syndicated feed.)"
)


def seed_paragraphs() -> list[str]:
    """The story's paragraphs as the real page shows them, between the caption and disclaimer."""
    lines = SEED_TEXT.split("Image Credit: (en.kremlin.ru)", 1)[1].split(DISCLAIMER, 1)[0]
    return [line.strip() for line in lines.splitlines() if line.strip()]


def seed_article(markup: str) -> ArticleData:
    return ArticleData(
        news_id=1005000,
        label="international",
        title=TITLE,
        source="PTI",
        location_raw="moscow",
        created=datetime(2020, 3, 2, 11, 59, tzinfo=UTC),
        updated=datetime(2020, 3, 2, 12, 24, tzinfo=UTC),
        image=Image(
            url="https://devdiscourse.blob.core.windows.net/devnews/02_03_2020_17_29_00_1.jpg",
            caption="Representative Image",
            credit="(en.kremlin.ru)",
        ),
        blocks=[paragraph(text) for text in seed_paragraphs()],
        disclaimer="syndicated",
        app_line=True,
        markup=markup,
    )


@pytest.mark.parametrize("markup", ["2024", "pre2023"])
def test_seed_article_yields_the_values_of_site_md(markup):
    data = seed_article(markup)
    html = render_article_page(data, markup)
    url = "http://127.0.0.1:8800" + data.canonical_path
    article = extract_article(HtmlResponse(url=url, body=html.encode(), encoding="utf-8"))

    assert article.title == TITLE
    assert article.source == "PTI"
    assert article.location == "Moscow"
    assert article.created == "2020-03-02T17:29:00+05:30"
    assert article.updated == "2020-03-02T17:54:00+05:30"
    assert article.image_caption == "Representative Image"
    assert article.image_credit == "en.kremlin.ru"
    assert article.syndicated is True
    paragraphs = article.body.split("\n\n")
    assert len(paragraphs) == 4
    assert paragraphs[0].startswith("The Kremlin said Monday that cooperation with Turkey")
    assert paragraphs[3].endswith("the worst humanitarian crisis since fighting began in 2011.")
    assert "Devdiscourse" not in article.body
    assert article.id == "1005000"
    assert article.section == "international"
