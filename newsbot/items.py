"""The one record newsbot produces: one `Article` per devdiscourse.com story.

Every field is documented (meaning, type, format, example) in the README's record table;
that table and this class must say the same thing.
"""

from dataclasses import dataclass, field, fields

# `kind`: what the page shows of the article's type (newsbot/extract.py `page_kind`).
NEWS = "news"
BLOG = "blog"
OPINION = "opinion"
LIVE_BLOG = "liveblog"
KINDS = (NEWS, BLOG, OPINION, LIVE_BLOG)


@dataclass
class Article:
    id: str | None = None
    # Set by pipelines.RevisionPipeline, not by extraction: 1, then +1 per changed republication.
    revision: int | None = None
    url: str | None = None
    section: str | None = None
    sector: str | None = None
    kind: str | None = None
    title: str | None = None
    subtitle: str | None = None
    source: str | None = None
    author: str | None = None
    location: str | None = None
    created: str | None = None
    updated: str | None = None
    image_url: str | None = None
    image_caption: str | None = None
    image_credit: str | None = None
    body: str | None = None
    syndicated: bool | None = None
    tags: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    # A live blog's updates, newest first (each UPDATE_FIELDS); [] for other kinds; None while
    # the spider still reads them, or for good when the updates API could not be read.
    updates: list[dict] | None = field(default_factory=list)
    language: str | None = None
    crawled_at: str | None = None
    # The site root the page was fetched from: the live site, or a mirror or the replica.
    fetched_from: str | None = None
    # extract.EXTRACTOR_VERSION of the code that extracted the record.
    extractor_version: str | None = None
    # True when `scrapy replay` re-extracted the record from an archived page (newsbot/replay.py).
    reextracted: bool = False


ARTICLE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Article))
# The fields of one element of `updates`, in this order.
UPDATE_FIELDS: tuple[str, ...] = ("id", "time", "title", "body", "url")
