"""Extract one article page into an `Article`: every field through its fallback chain.

The page's layout is detected once (newsbot/layouts.py); each field then tries that layout's
chain on the layout's container, then the generic fallbacks: meta tags and links (read in one
pass), then JSON-LD (often invalid on this site, parsed only when a field falls back to it).
The values go into `ArticleLoader`, which normalises them; nothing here decides formats.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property

from itemloaders.processors import MapCompose
from lxml import etree
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector

from newsbot import statkeys as keys
from newsbot import urls
from newsbot.items import BLOG, LIVE_BLOG, NEWS, OPINION, Article
from newsbot.layouts import BODY_BLOCK_TAGS, Chain, Head, Layout, detect
from newsbot.loaders import ArticleLoader
from newsbot.processors import (
    MAX_TAGS,
    author_from_href,
    byline_created,
    byline_location,
    byline_source,
    byline_updated,
    caption_part,
    clean_text,
    clock_offset,
    credit_part,
    distinct,
    has_disclaimer,
    is_opinion_headline,
    is_syndicated,
    parse_datetime,
    parse_json_ld,
    sector_from_href,
    split_keywords,
    strip_title_suffix,
    subtitle_from_description,
    to_ist_iso,
    unescape_html,
    utc_iso,
)

# Their text is code or furniture, never words of the story.
_SILENT_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "svg")
_TEXT_XPATH = etree.XPath(
    ".//text()[not(" + " or ".join(f"ancestor::{tag}" for tag in _SILENT_TAGS) + ")] | .//br",
    smart_strings=False,
)
# Elements whose text a reader does not see as written: itertext() alone would not do.
_NOT_PLAIN_TEXT = (*_SILENT_TAGS, "br")
_HEAD_TAGS = ("meta", "link", "title", "script")
_SECTOR_FROM_HREF = MapCompose(sector_from_href)
_CAPTION = MapCompose(caption_part)
_CREDIT = MapCompose(credit_part)
_ARTICLE_TYPES = {"NewsArticle", "Article", "BlogPosting", "ReportageNewsArticle"}

# Every record's `extractor_version`. Bump it (the date of the change, then a counter) with any
# change to this module, layouts.py, loaders.py or processors.py that changes what a page yields,
# so a consumer can select or re-derive (`scrapy replay`) records by the extraction that made them.
# 2026.12.2: AMP pages' protocol-relative `//img?imageUrl=…` unwrapped to the image itself
# (processors.image_from_proxy), where 2026.12.1 kept the proxy URL.
# 2026.12.3: `kind`; live blogs read from their own view (their `updates` by the spider).
EXTRACTOR_VERSION = "2026.12.3"
# Request meta: when the page was fetched (an aware UTC datetime), set by
# archive.WarcArchiveMiddleware for a crawl and by `scrapy replay` from the WARC-Date.
FETCHED_AT = "newsbot_fetched_at"


def node_text(node: etree._Element) -> str:
    """The text a reader sees in an element: no script or style, a space for each `<br>`."""
    if next(node.iter(_NOT_PLAIN_TEXT), None) is None:  # most paragraphs: plain text
        return "".join(node.itertext())
    return "".join(part if isinstance(part, str) else " " for part in _TEXT_XPATH(node))


def texts(found: Iterable[etree._Element | str]) -> list[str]:
    """Each element's text; strings (attributes, text nodes) as they are."""
    return [item if isinstance(item, str) else node_text(item) for item in found]


def first_hit(chain: Chain, node: etree._Element) -> list:
    """What the first query of a fallback chain that finds anything finds; else []."""
    for query in chain:
        if found := query(node):
            return found
    return []


def outermost_blocks(element: etree._Element) -> Iterator[etree._Element]:
    """The story's paragraph elements below `element`, in order, none inside another."""
    for child in element:
        if not isinstance(child.tag, str) or child.tag in _SILENT_TAGS:  # comments, scripts
            continue
        if child.tag in BODY_BLOCK_TAGS:
            yield child
        else:
            yield from outermost_blocks(child)


def body_paragraphs(body: etree._Element) -> list[str]:
    """One text per outermost `p`, `li`, `h2` to `h4`, or table row (cells joined by ` | `)."""
    paragraphs = []
    for block in outermost_blocks(body):
        if block.tag == "tr":
            cells = (clean_text(node_text(cell)) for cell in block if cell.tag in ("td", "th"))
            paragraphs.append(" | ".join(cell for cell in cells if cell))
        else:
            paragraphs.append(node_text(block))
    if not paragraphs:  # text straight inside the container, without blocks
        paragraphs.append(node_text(body))
    return paragraphs


def add_first(
    loader: ArticleLoader, field: str, chain: Iterable[object], *processors: MapCompose
) -> None:
    """A fallback chain: each step's values are added only while no step before gave the field a
    value. `chain` is lazy (a generator): steps after the first hit are never computed. TakeFirst
    would pick the same value; this spares the later lookups."""
    for values in chain:
        loader.add_value(field, values, *processors)
        if loader.get_collected_values(field):
            return


@dataclass
class PageHead:
    """The generic fallbacks of one page (`layouts.Head`), read in one pass over its tags."""

    tags: dict[tuple[str, str], str] = field(default_factory=dict)
    title: str | None = None
    json_ld: list[str] = field(default_factory=list)

    def get(self, key: tuple[str, str]) -> str | None:
        return self.tags.get(key)


def read_head(root: etree._Element) -> PageHead:
    """Every `<meta>` and `<link>` of the page by (attribute, value), the first of each; the first
    `<title>`'s text; the JSON-LD blocks."""
    head = PageHead()
    tags = head.tags
    for element in root.iter(_HEAD_TAGS):
        tag = element.tag
        if tag == "meta":
            content = element.get("content")
            if content is not None:
                for attribute in Head.META_NAMES:
                    if (value := element.get(attribute)) is not None:
                        tags.setdefault((attribute, value), content)
        elif tag == "link":
            rel, href = element.get("rel"), element.get("href")
            if rel is not None and href is not None:
                tags.setdefault(("rel", rel), href)
        elif tag == "title":
            if head.title is None:
                head.title = element.text
        elif element.get("type") == Head.JSON_LD_TYPE and element.text:
            head.json_ld.append(element.text)
    return head


class JsonLd:
    """The page's NewsArticle and BreadcrumbList objects ({} when missing or unreadable).

    Read only when a field falls back to them: reading (and often repairing) the blocks costs
    more than all the markup lookups of a page together.
    """

    def __init__(self, blocks: list[str]) -> None:
        self.blocks = blocks

    @cached_property
    def objects(self) -> tuple[dict, dict]:
        article, breadcrumbs = {}, {}
        for block in self.blocks:
            for obj in parse_json_ld(block):
                kind = obj.get("@type")
                kinds = set(kind) if isinstance(kind, list) else {kind}
                if kinds & _ARTICLE_TYPES and not article:
                    article = obj
                elif "BreadcrumbList" in kinds and not breadcrumbs:
                    breadcrumbs = obj
        return article, breadcrumbs

    @property
    def article(self) -> dict:
        return self.objects[0]

    @property
    def breadcrumbs(self) -> dict:
        return self.objects[1]


class Page:
    """One article page as extraction reads it: its layout (detected once), the layout's
    container, the generic fallbacks, its URL. Built once per page: the spider checks that it
    is an article page (`is_article`) and extracts it from the same `Page`."""

    def __init__(self, response: Response) -> None:
        self.response = response
        root = response.selector.root
        self.layout: type[Layout]
        self.layout, self.container = detect(root)
        self.head = read_head(root)
        self.url = article_url(self.head, response)
        self.language = root.get("lang")
        self.json_ld = JsonLd(self.head.json_ld)
        self.byline: list[etree._Element] = first_hit(self.layout.BYLINE, self.container)
        # `PTI | Moscow | Updated: … | Created: …`, on desktop or AMP
        self.byline_line = " | ".join(texts(self.byline))

    def find(self, chain: Chain) -> list:
        return first_hit(chain, self.container)

    def texts(self, chain: Chain) -> list[str]:
        return texts(self.find(chain))

    @property
    def is_article(self) -> bool:
        """An article page names a NewsId in its canonical URL or its own URL."""
        return bool(urls.news_id(self.url))


def is_article_page(response: Response) -> bool:
    """An article page names a NewsId in its canonical URL or its own URL."""
    return bool(urls.news_id(article_url(read_head(response.selector.root), response)))


def stated_url(head: PageHead) -> str | None:
    """The article URL the page states (canonical, else og:url); None when it states none."""
    url = head.get(Head.CANONICAL) or head.get(Head.OG_URL)
    url = clean_text(url or "")
    return url if url and urls.is_article_url(url) else None


def article_url(head: PageHead, response: Response) -> str:
    return stated_url(head) or urls.desktop_url(response.url)


def extract_article(
    response: Response, stats: StatsCollector | None = None, page: Page | None = None
) -> Article:
    """The page's record; `stats`, when given, counts the page's layout and what was odd about
    it (`oddities`). `page`: the response's `Page`, when the caller has built it already."""
    page = page or Page(response)
    # The response's own selector: the loader would otherwise parse the page a second time.
    loader = ArticleLoader(response=response, selector=response.selector)

    url = page.url
    loader.add_value("url", url)
    loader.add_value("id", urls.news_id(url) or urls.news_id(response.url))
    loader.add_value("section", urls.section(url) or urls.NO_LABEL)
    add_first(loader, "title", _titles(page))
    loader.add_value("subtitle", page.texts(page.layout.SUBTITLE))
    loader.add_value("subtitle", subtitle_from_description(page.head.get(Head.DESCRIPTION) or ""))
    blog_post = _add_source_and_author(loader, page)
    loader.add_value("location", byline_location(page.byline_line))
    shift = _add_times(loader, page)
    _add_image(loader, page)
    _add_body(loader, page)
    add_first(loader, "tags", _tags(page))
    add_first(
        loader, "countries", (texts(query(page.container)) for query in page.layout.COUNTRIES)
    )
    add_first(loader, "sector", _sector_links(page), _SECTOR_FROM_HREF)
    add_first(loader, "language", (page.language, "en"))
    loader.add_value("kind", page_kind(page, blog_post))
    loader.add_value("crawled_at", utc_iso(fetched_at(response)))
    loader.add_value("fetched_from", urls.site_root(response.url))
    loader.add_value("extractor_version", EXTRACTOR_VERSION)
    article = loader.load_item()
    if article.updated is None:  # never updated: the page shows one time
        article.updated = article.created
    # A live blog's updates are only in the updates API: unknown until the spider reads it.
    article.updates = None if page.layout.LIVE else []
    if stats is not None:
        stats.inc_value(keys.layout(page.layout.name))
        if shift:
            stats.inc_value(keys.LIVEBLOG_CLOCK_SHIFTED)
        for oddity in oddities(article, loader):
            stats.inc_value(oddity)
    return article


def fetched_at(response: Response) -> datetime:
    """When the page was fetched (FETCHED_AT); now, for a response built without a request."""
    try:
        return response.meta[FETCHED_AT]
    except (AttributeError, KeyError):  # AttributeError: a response without a request
        return datetime.now(UTC)


def oddities(article: Article, loader: ArticleLoader) -> list[str]:
    """What the record keeps as the page says but a reader may want to know about: stats keys."""
    found = []
    if len(distinct(loader.get_collected_values("tags"))) > MAX_TAGS:
        found.append(keys.TAGS_CAPPED)
    if article.created and article.updated and article.updated < article.created:
        found.append(keys.DATES_UPDATED_BEFORE_CREATED)  # same offset: text order is time order
    return found


def _titles(page: Page) -> Iterator[object]:
    for query in page.layout.TITLE:
        yield texts(query(page.container))
    # Only the head's titles carry the ` | <Label>` suffix; an h1 may hold a real ` | `.
    yield _without_suffix(page.head.get(Head.OG_TITLE))
    yield _without_suffix(page.head.title)
    yield _without_suffix(_ld_string(page.json_ld.article.get("headline")))


def _without_suffix(title: str | None) -> str | None:
    text = clean_text(title) if title else None
    return strip_title_suffix(text) if text else None


def page_kind(page: Page, blog_post: bool) -> str:
    """What the page shows of the article's type (README: `kind`): a live blog by its view; an
    opinion by the `Opinion: ` its JSON-LD headline alone carries (docs/site.md §8.4); a blog
    post by its author link. Nothing else on a page tells a type apart: a News Desk piece of
    type Blog without an author looks like news, and video articles most likely show the
    ordinary figure (docs/site.md §5.2)."""
    if page.layout.LIVE:
        return LIVE_BLOG
    if any(is_opinion_headline(block) for block in page.head.json_ld):
        return OPINION
    return BLOG if blog_post else NEWS


def _add_source_and_author(loader: ArticleLoader, page: Page) -> bool:
    """Adds the source and a blog post's author; whether the byline links an author."""
    # The desktop byline, or on AMP its `p.source` half.
    names = page.byline[0] if page.byline else None
    author_links = page.layout.AUTHOR_LINKS(names) if names is not None else []
    if author_links:  # a blog post: the byline names its author, not the publication
        loader.add_value("author", texts(author_links))
        loader.add_value("author", author_from_href(author_links[0].get("href") or ""))
    add_first(loader, "source", _sources(page, names, bool(author_links)))
    return bool(author_links)


def _sources(page: Page, names: etree._Element | None, blog_post: bool) -> Iterator[object]:
    if names is not None:
        yield page.layout.SOURCE_LINKS(names)
    if not blog_post:
        yield byline_source(page.byline_line)
    yield page.texts(page.layout.FIRST_PUBLISHED_IN)
    yield page.head.get(Head.META_AUTHOR)
    if not blog_post:  # JSON-LD names a blog post's author, not its source
        yield _ld_string(_ld_author_name(page.json_ld.article))


def _add_times(loader: ArticleLoader, page: Page) -> timedelta:
    """The byline's minute, with the seconds of the meta tag when they agree (`reconcile_times`);
    JSON-LD only when neither is there (docs/site.md §5.1: prefer the meta tags). A live blog's
    byline is first moved onto IST (`_server_clock`, returned), and its last-modified meta has
    the seconds of `updated`."""
    shift = _server_clock(page) if page.layout.LIVE else timedelta(0)
    for field_name, from_byline, meta, ld_key in (
        ("created", byline_created, Head.META_PUBLISHED, "datePublished"),
        ("updated", byline_updated, Head.META_MODIFIED, "dateModified"),
    ):
        shown = from_byline(page.byline_line)
        if shift and (moment := parse_datetime(shown or "")) is not None:
            shown = to_ist_iso(moment + shift)
        loader.add_value(field_name, shown)
        if page.layout.LIVE and field_name == "updated":
            loader.add_value(field_name, page.head.get(Head.LAST_MODIFIED))
        loader.add_value(field_name, page.head.get(meta))
        if not loader.get_collected_values(field_name):
            loader.add_value(field_name, _ld_string(page.json_ld.article.get(ld_key)))
    return shift


def _server_clock(page: Page) -> timedelta:
    """How far a live blog's byline clock runs behind IST.

    The live-blog view prints its byline times through the server's own clock zone and labels
    them IST whatever that zone is; the head's last-modified meta (like the sitemap's lastmod
    and the API's UTC times) is converted explicitly, so it is right (docs/site.md §5.4). Both
    show the same modification: their difference is the server clock's offset from IST (5 h 30
    on a UTC server), which then corrects `Created:` too, of which the page has no other copy.
    """
    modified = parse_datetime(page.head.get(Head.LAST_MODIFIED) or "")
    shown = parse_datetime(byline_updated(page.byline_line) or "")
    if modified is None or shown is None:
        return timedelta(0)  # nothing to compare with: the byline as it is
    return clock_offset(modified, shown)


def _images(page: Page) -> Iterator[object]:
    for query in page.layout.IMAGES:
        yield query(page.container)
    yield page.head.get(Head.OG_IMAGE)
    yield _ld_image_url(page.json_ld.article)


def _add_image(loader: ArticleLoader, page: Page) -> None:
    add_first(loader, "image_url", _images(page))
    if loader.get_output_value("image_url") is None:
        return  # the caption of a stock or missing image is the title, not a caption
    captions = page.texts(page.layout.CAPTIONS)[:1]
    loader.add_value("image_caption", captions, _CAPTION)
    loader.add_value("image_credit", captions, _CREDIT)


def _add_body(loader: ArticleLoader, page: Page) -> None:
    bodies = page.find(page.layout.BODY)
    paragraphs = body_paragraphs(bodies[0]) if bodies else []
    loader.add_value("body", paragraphs)
    source = loader.get_output_value("source")
    loader.add_value("syndicated", is_syndicated(source, has_disclaimer(paragraphs)))


def _tags(page: Page) -> Iterator[object]:
    for query in page.layout.TAGS:
        yield texts(query(page.container))
    # Holds only the first 15 tags (docs/site.md §5.1): the fallback for "bot" agents.
    yield split_keywords(page.head.get(Head.NEWS_KEYWORDS) or "")


def _sector_links(page: Page) -> Iterator[object]:
    for query in page.layout.SECTOR_LINKS:
        yield query(page.container)
    yield _ld_breadcrumb_urls(page.json_ld.breadcrumbs)


def _ld_string(value: object) -> str | None:
    return unescape_html(value) if isinstance(value, str) else None


def _ld_author_name(ld_article: dict) -> object:
    author = ld_article.get("author")
    if isinstance(author, list):
        author = author[0] if author else None
    return author.get("name") if isinstance(author, dict) else author


def _ld_image_url(ld_article: dict) -> str | None:
    image = ld_article.get("image")
    if isinstance(image, list):
        image = image[0] if image else None
    if isinstance(image, dict):
        image = image.get("url")
    return _ld_string(image)


def _ld_breadcrumb_urls(ld_breadcrumbs: dict) -> list[str]:
    found = []
    elements = ld_breadcrumbs.get("itemListElement")
    for element in elements if isinstance(elements, list) else []:
        item = element.get("item") if isinstance(element, dict) else None
        url = item.get("@id") if isinstance(item, dict) else item
        if isinstance(url, str):
            found.append(url)
    return found
