"""ArticleData: everything one article page is rendered from, and its expected record."""

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
MARKUPS = ("2026", "2024", "pre2023")
SYNDICATED_NOTE = (
    "(This story has not been edited by Devdiscourse staff and is auto-generated from a "
    "syndicated feed.)"
)
INPUTS_NOTE = "(With inputs from agencies.)"
APP_LINE = "Download The Devdiscourse News App for Latest News."
STOCK_IMAGE = "/images/newstheme.jpg"


def collapse(text: str) -> str:
    return " ".join(text.split())


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
            html.append(enc(part))
            text.append(part)
            continue
        kind = part[0]
        if kind == "b":
            html.append(f"<b>{enc(part[1])}</b>")
            text.append(part[1])
        elif kind == "a":
            html.append(f'<a href="{enc(part[2])}">{enc(part[1])}</a>')
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
    return Block(f"<h{level}>{enc(text)}</h{level}>", (collapse(text),))


def item_list(items: list[str], ordered: bool = False) -> Block:
    tag = "ol" if ordered else "ul"
    lis = "".join(f"<li>{enc(item)}</li>" for item in items)
    return Block(f"<{tag}>{lis}</{tag}>", tuple(collapse(item) for item in items))


def table(rows: list[list[str]], header: bool = True) -> Block:
    """A table; each row is one record paragraph, its cells joined by ` | `."""
    html_rows = []
    for index, row in enumerate(rows):
        cell = "th" if header and index == 0 else "td"
        html_rows.append("<tr>" + "".join(f"<{cell}>{enc(c)}</{cell}>" for c in row) + "</tr>")
    html = f'<table class="table table-bordered"><tbody>{"".join(html_rows)}</tbody></table>'
    return Block(html, tuple(" | ".join(collapse(c) for c in row) for row in rows))


@dataclass
class ArticleData:
    """One article. Built by the generator, or by hand (e.g. the seed article of docs/site.md §7).

    `image` None means the hidden stock figure; for a video it is the poster (None: no poster).
    `disclaimer` is None, "syndicated" or "inputs". `meta_dates` says whether the itemprop
    datePublished/dateModified metas are printed (only pre-2023 pages omit them).
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

    @property
    def body_texts(self) -> list[str]:
        return [text for block in self.blocks for text in block.texts]


def strip_parentheses(credit: str) -> str:
    credit = credit.strip()
    if credit.startswith("(") and credit.endswith(")"):
        return credit[1:-1].strip()
    return credit


def expected_record(
    data: ArticleData,
    variant: str = "desktop",
    bot: bool = False,
    amp_tags: list[str] | None = None,
) -> dict:
    """The record newsbot must produce for this page (README: the record), minus `crawled_at`."""
    if variant not in ("desktop", "amp"):
        raise ValueError(f"unknown variant {variant!r}")
    amp = variant == "amp"
    # Only the desktop page's itemprop metas carry trustworthy seconds.
    seconds = not amp and data.meta_dates
    real_image = data.image is not None
    caption = None
    credit = None
    if real_image and not data.video:
        caption = None if amp else (collapse(data.image.caption) or None)
        credit = strip_parentheses(data.image.credit) or None
    if bot:
        tags = data.keywords
    elif amp:
        tags = amp_tags if amp_tags is not None else list(data.tags)
    else:
        tags = list(data.tags)
    return {
        "id": str(data.news_id),
        "url": data.canonical_url,
        "section": data.section,
        "sector": None if amp else data.sector,  # AMP pages show no breadcrumb
        "title": collapse(data.title),
        "subtitle": collapse(data.subtitle) if data.subtitle else None,
        "source": data.source,
        "author": data.author,
        "location": data.location,
        "created": iso_ist(data.created, seconds),
        "updated": iso_ist(data.modified, seconds),
        "image_url": data.image.url if real_image else None,
        "image_caption": caption,
        "image_credit": credit,
        "body": "\n\n".join(data.body_texts),
        "syndicated": data.source in WIRE_AGENCIES or (not bot and data.disclaimer is not None),
        "tags": tags,
        "countries": [] if amp else list(dict.fromkeys(data.countries)),  # nor countries
        "language": "en",
    }
