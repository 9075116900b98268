"""ArticleData: everything one article page is rendered from, and its expected record."""

import random
from dataclasses import dataclass, field
from datetime import datetime

from newsbot.replica.text import (
    NO_LABEL,
    PRODUCTION,
    enc,
    iso_ist,
    printed_location,
    slug,
)

WIRE_AGENCIES = frozenset({"PTI", "Reuters", "IANS", "ANI", "AFP"})
# The agencies whose stories carry the syndication disclaimer, whose News Desk rewrites carry
# "(With inputs from agencies.)" and whose AMP pages fail (docs/site.md §8.4).
DISCLAIMED_AGENCIES = frozenset({"PTI", "Reuters", "IANS", "ANI"})
MARKUPS = ("2026", "2024", "pre2023")
# Article types (docs/site.md §5.4, §8.2): the source listings show only News; a LiveBlog has a
# layout of its own and its updates come from an API (§5.4, §8.3).
KINDS = ("News", "Blog", "LiveBlog")
LIVE_BLOG = "LiveBlog"
OPINION = "Opinion"
SYNDICATED_NOTE = (
    "(This story has not been edited by Devdiscourse staff and is auto-generated from a "
    "syndicated feed.)"
)
INPUTS_NOTE = "(With inputs from agencies.)"
APP_LINE = "Download The Devdiscourse News App for Latest News."
STOCK_IMAGE = "/images/newstheme.jpg"


def collapse(text: str) -> str:
    return " ".join(text.split())


# The story is stored as the editor wrote it, HTML with named entities, and printed raw
# (docs/site.md §8.4): the server only turns these into plain characters; other entities stay.
SERVER_REPLACEMENTS = (
    ("&nbsp;", " "),
    ("&rsquo;", "'"),
    ("&lsquo;", "'"),
    ("&ldquo;", '"'),
    ("&rdquo;", '"'),
)
_EDITOR_ESCAPES = {
    ord("&"): "&amp;",
    ord("<"): "&lt;",
    ord(">"): "&gt;",
    ord("'"): "&rsquo;",
    ord("\u00e9"): "&eacute;",
    ord("\u2014"): "&mdash;",
}


def stored_html(text: str) -> str:
    """Text as the site's editor stores it: apostrophes and quotes as typographic entities,
    `é` and an em dash as named entities, a non-breaking space before "per cent", other
    characters raw."""
    escaped = text.translate(_EDITOR_ESCAPES)
    if '"' in escaped:
        parts = escaped.split('"')
        escaped = parts[0] + "".join(
            ("&ldquo;" if n % 2 == 0 else "&rdquo;") + part for n, part in enumerate(parts[1:])
        )
    if " per cent" in escaped:
        escaped = escaped.replace(" per cent", "&nbsp;per cent")
    return escaped


def served_html(stored: str) -> str:
    """The story HTML as the page prints it (docs/site.md §8.4)."""
    for entity, plain in SERVER_REPLACEMENTS:
        stored = stored.replace(entity, plain)
    return stored


@dataclass(frozen=True)
class Image:
    """A real article image; `credit` is printed after `Image Credit: ` exactly as given."""

    url: str
    caption: str = ""
    credit: str = ""


@dataclass(frozen=True)
class Block:
    """One outermost block of the story: its HTML and the record paragraphs it yields."""

    html: str
    texts: tuple[str, ...]


def paragraph(*parts: str | tuple[str, ...]) -> Block:
    """A `<p>`; a part is plain text or an inline element.

    Inline parts: ("b", text), ("a", text, href), ("img", src), ("iframe", src).
    """
    html: list[str] = []
    text: list[str] = []
    for part in parts:
        if isinstance(part, str):
            html.append(stored_html(part))
            text.append(part)
            continue
        kind = part[0]
        if kind == "b":
            html.append(f"<b>{stored_html(part[1])}</b>")
            text.append(part[1])
        elif kind == "a":
            html.append(f'<a href="{enc(part[2])}">{stored_html(part[1])}</a>')
            text.append(part[1])
        elif kind == "img":
            html.append(f'<img src="{enc(part[1])}" alt="" width="600" height="400">')
        elif kind == "iframe":
            html.append(
                f'<iframe src="{enc(part[1])}" width="560" height="315" frameborder="0" '
                "allowfullscreen></iframe>"
            )
        else:
            raise ValueError(f"unknown inline part {kind!r}")
    return Block(f"<p>{''.join(html)}</p>", (collapse("".join(text)),))


def heading(text: str, level: int = 2) -> Block:
    return Block(f"<h{level}>{stored_html(text)}</h{level}>", (collapse(text),))


def item_list(items: list[str], ordered: bool = False) -> Block:
    tag = "ol" if ordered else "ul"
    lis = "".join(f"<li>{stored_html(item)}</li>" for item in items)
    return Block(f"<{tag}>{lis}</{tag}>", tuple(collapse(item) for item in items))


def table(rows: list[list[str]], header: bool = True) -> Block:
    """A table; each row is one record paragraph, its cells joined by ` | `."""
    html_rows = []
    for index, row in enumerate(rows):
        cell = "th" if header and index == 0 else "td"
        cells = "".join(f"<{cell}>{stored_html(c)}</{cell}>" for c in row)
        html_rows.append(f"<tr>{cells}</tr>")
    html = f'<table class="table table-bordered"><tbody>{"".join(html_rows)}</tbody></table>'
    return Block(html, tuple(" | ".join(collapse(c) for c in row) for row in rows))


@dataclass(frozen=True)
class Update:
    """One update of a live blog as the site stores it (docs/site.md §5.4, §8.3): `html` is the
    stored description (named entities as the editor wrote them), `texts` the record's
    paragraphs of it; `modified` is set once the update was edited."""

    id: int
    title: str
    html: str
    texts: tuple[str, ...]
    created: datetime
    modified: datetime | None = None


@dataclass
class ArticleData:
    """One article. Built by the generator, or by hand (e.g. the seed article of docs/site.md §7).

    `image` None means the hidden stock figure; for a video it is the poster (None: no poster).
    `disclaimer` is None, "syndicated" or "inputs"; `disclaimer_stored` says the syndication note
    is part of the stored story, so "bot" agents see it too (docs/site.md §8.4). `meta_dates` says
    whether the itemprop datePublished/dateModified metas are printed (only pre-2023 pages omit
    them). `kind` is the article type (KINDS), `subtype` None or OPINION. `sectors` are all the
    article's sectors in stored order; `sector`, the one the breadcrumb shows, is the first of
    them by name.

    A live blog (`kind` LIVE_BLOG) has `updates`, newest created first, as they stand at the
    version's moment; `server_utc` says the server that renders its byline runs on UTC (its
    times then print 5 h 30 behind, labelled IST: docs/site.md §5.4); `source_url` is the
    optional source URL its byline prints.
    """

    news_id: int
    title: str
    created: datetime
    updated: datetime | None = None
    source: str = "PTI"
    label: str | None = None
    subtitle: str | None = None
    author: str | None = None
    location_raw: str | None = None
    sector: str | None = None
    image: Image | None = None
    video: bool = False
    blocks: list[Block] = field(default_factory=list)
    disclaimer: str | None = None
    app_line: bool = False
    tags: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    markup: str = "2026"
    meta_dates: bool = True
    summary: str = ""
    kind: str = "News"
    subtype: str | None = None
    original_source: str | None = None
    disclaimer_stored: bool = False
    sectors: tuple[str, ...] = ()
    updates: tuple[Update, ...] = ()
    server_utc: bool = False
    source_url: str | None = None

    @property
    def is_live_blog(self) -> bool:
        return self.kind == LIVE_BLOG

    @property
    def section(self) -> str:
        return self.label or NO_LABEL

    @property
    def modified(self) -> datetime:
        return max(self.created, self.updated) if self.updated else self.created

    @property
    def was_updated(self) -> bool:
        return self.updated is not None and self.updated > self.created

    @property
    def location(self) -> str | None:
        return printed_location(self.location_raw) if self.location_raw else None

    @property
    def canonical_path(self) -> str:
        return f"/article/{self.section}/{slug(self.news_id, self.title)}"

    @property
    def canonical_url(self) -> str:
        return PRODUCTION + self.canonical_path

    @property
    def keywords(self) -> list[str]:
        return self.tags[:15]

    def disclaimer_shown(self, bot: bool) -> bool:
        """Whether the page prints the disclaimer: "bot" agents see only a stored one."""
        return self.disclaimer is not None and (not bot or self.disclaimer_stored)

    @property
    def body_texts(self) -> list[str]:
        return [text for block in self.blocks for text in block.texts]


def strip_parentheses(credit: str) -> str:
    credit = credit.strip()
    if credit.startswith("(") and credit.endswith(")"):
        return credit[1:-1].strip()
    return credit


def amp_countries(data: ArticleData) -> str:
    return ", ".join(dict.fromkeys(data.countries))


def amp_location(data: ArticleData) -> str | None:
    return data.location or amp_countries(data) or None


def live_tag_order(data: ArticleData) -> list[str]:
    """The live-blog view prints its tags in random order (docs/site.md §5.4): the same on every
    request, so that a page and its truth agree."""
    tags = list(data.tags)
    random.Random(f"live:{data.news_id}:{len(tags)}").shuffle(tags)
    return tags


def record_kind(data: ArticleData) -> str:
    """What the page shows of the article's type (README: `kind`): a live blog by its view, an
    opinion by the `Opinion: ` of its JSON-LD headline, a blog post by its author link; a
    News Desk piece of type Blog without an author looks like news, and is news to a reader."""
    if data.is_live_blog:
        return "liveblog"
    if data.subtype == OPINION:
        return "opinion"
    return "blog" if data.author else "news"


def update_record(data: ArticleData, update: Update) -> dict:
    """One element of a live blog's `updates` (README: the record)."""
    return {
        "id": str(update.id),
        "time": iso_ist(update.created),
        "title": collapse(update.title),
        "body": "\n\n".join(update.texts) or None,
        "url": f"{data.canonical_url}#post_{update.id}",
    }


def expected_record(
    data: ArticleData,
    variant: str = "desktop",
    bot: bool = False,
    amp_tags: list[str] | None = None,
    api: bool = True,
) -> dict:
    """The record newsbot must produce for this page (README: the record), minus `crawled_at`.

    An AMP page prints the countries after the city in its byline (docs/site.md §8.4), so when there
    is no city nothing tells the two apart and the countries read as the location.

    A live blog's `updates` come from the updates API: `api=False` is the record of its page
    alone (or of a crawl that could not read the API), whose updates are unknown (null).
    """
    if variant not in ("desktop", "amp"):
        raise ValueError(f"unknown variant {variant!r}")
    amp = variant == "amp"
    live = data.is_live_blog
    # Only the desktop page's itemprop metas carry trustworthy seconds; a live blog has none
    # for its creation, and its modification's in the head's last-modified meta.
    seconds = not amp and data.meta_dates and not live
    real_image = data.image is not None
    caption = None
    credit = None
    if real_image and not data.video:
        caption = None if amp else (collapse(data.image.caption) or None)
        credit = strip_parentheses(data.image.credit) or None
    if live and not amp:
        tags = live_tag_order(data)  # shown to "bot" agents too (docs/site.md §5.4)
    elif bot:
        tags = data.keywords
    elif amp:
        tags = amp_tags if amp_tags is not None else list(data.tags)
    else:
        tags = list(data.tags)
    updates: list[dict] | None = []
    if live:
        updates = [update_record(data, u) for u in data.updates] if api else None
    return {
        "id": str(data.news_id),
        "url": data.canonical_url,
        "section": data.section,
        # AMP pages and the live-blog view show no breadcrumb.
        "sector": None if amp or live else data.sector,
        "kind": record_kind(data),
        "title": collapse(data.title),
        "subtitle": collapse(data.subtitle) if data.subtitle else None,
        "source": data.source,
        "author": data.author,
        "location": amp_location(data) if amp else data.location,
        "created": iso_ist(data.created, seconds),
        "updated": iso_ist(data.modified, seconds or live),
        "image_url": data.image.url if real_image else None,
        "image_caption": caption,
        "image_credit": credit,
        "body": "\n\n".join(data.body_texts),
        "syndicated": data.source in WIRE_AGENCIES or data.disclaimer_shown(bot),
        "tags": tags,
        "countries": [] if amp else list(dict.fromkeys(data.countries)),  # nor countries
        "updates": updates,
        "language": "en",
    }
