"""Extract one article page into an `Article`: every field through its fallback chain.

Visible markup first, then meta tags, then JSON-LD (which is often invalid on this site). The
values go into `ArticleLoader`, which normalises them; nothing here decides formats.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import cached_property

from itemloaders.processors import MapCompose
from lxml import etree
from parsel import Selector, SelectorList
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector

from newsbot import layouts as css
from newsbot import statkeys as keys
from newsbot import urls
from newsbot.items import BLOG, LIVE_BLOG, NEWS, OPINION, Article
from newsbot.layouts import LiveBlog
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
    ".//text()[not(" + " or ".join(f"ancestor::{tag}" for tag in _SILENT_TAGS) + ")] | .//br"
)
_SUBTITLE_FROM_DESCRIPTION = MapCompose(subtitle_from_description)
_SECTOR_FROM_HREF = MapCompose(sector_from_href)
_TITLE_WITHOUT_SUFFIX = MapCompose(clean_text, strip_title_suffix)
_ARTICLE_TYPES = {"NewsArticle", "Article", "BlogPosting", "ReportageNewsArticle"}

# Every record's `extractor_version`. Bump it (the date of the change, then a counter) with any
# change to this module, layouts.py, loaders.py or processors.py that changes what a page yields,
# so a consumer can select or re-derive (`scrapy replay`) records by the extraction that made them.
# 2026.12.2: AMP pages' protocol-relative `//img?imageUrl=…` unwrapped to the image itself
# (processors.image_from_proxy), where 2026.12.1 kept the proxy URL.
# 2026.12.3: `kind`, and live blogs read from their own view (`updates` by the spider).
EXTRACTOR_VERSION = "2026.12.3"
# Request meta: when the page was fetched (an aware UTC datetime), set by
# archive.WarcArchiveMiddleware for a crawl and by `scrapy replay` from the WARC-Date.
FETCHED_AT = "newsbot_fetched_at"


def element_text(selector: Selector) -> str:
    """The text a reader sees in an element: no script or style, a space for each `<br>`."""
    root = selector.root
    return root if isinstance(root, str) else node_text(root)


def node_text(node: etree._Element) -> str:
    return "".join(part if isinstance(part, str) else " " for part in _TEXT_XPATH(node))


def texts(selection: SelectorList) -> list[str]:
    return [element_text(selector) for selector in selection]


def outermost_blocks(element: etree._Element) -> Iterator[etree._Element]:
    """The story's paragraph elements below `element`, in order, none inside another."""
    for child in element:
        if not isinstance(child.tag, str) or child.tag in _SILENT_TAGS:  # comments, scripts
            continue
        if child.tag in css.BODY_BLOCK_TAGS:
            yield child
        else:
            yield from outermost_blocks(child)


def body_paragraphs(body: Selector) -> list[str]:
    """One text per outermost `p`, `li`, `h2` to `h4`, or table row (cells joined by ` | `)."""
    paragraphs = []
    for block in outermost_blocks(body.root):
        if block.tag == "tr":
            cells = (clean_text(node_text(cell)) for cell in block if cell.tag in ("td", "th"))
            paragraphs.append(" | ".join(cell for cell in cells if cell))
        else:
            paragraphs.append(node_text(block))
    if not paragraphs:  # text straight inside the container, without blocks
        paragraphs.append(element_text(body))
    return paragraphs


def add_first_css(
    loader: ArticleLoader, field: str, queries: tuple[str, ...], *processors: MapCompose
) -> None:
    """A fallback chain: each query is tried only while none before it gave the field a value
    (TakeFirst would pick the same one; this spares the later lookups)."""
    for query in queries:
        if loader.get_collected_values(field):
            return
        loader.add_css(field, query, *processors)


def first_match(
    response: Response, queries: tuple[str, ...], xpath: bool = False
) -> Selector | None:
    """The first element matched by the first query in a fallback chain that matches; else None."""
    for query in queries:
        found = response.xpath(query) if xpath else response.css(query)
        if found:
            return found[0]
    return None


class JsonLd:
    """The page's NewsArticle and BreadcrumbList objects ({} when missing or unreadable).

    Read only when a field falls back to them: reading (and often repairing) the blocks costs
    more than all the markup lookups of a page together.
    """

    def __init__(self, response: Response) -> None:
        self.response = response

    @cached_property
    def objects(self) -> tuple[dict, dict]:
        article, breadcrumbs = {}, {}
        for block in self.response.css(css.JSON_LD).getall():
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


def find_byline(response: Response) -> Selector | None:
    """The desktop byline element; None on AMP pages, whose byline is two elements."""
    if byline := first_match(response, css.BYLINES, xpath=True):
        return byline
    if response.css(css.AMP_SOURCE):
        return None
    return first_match(response, css.BYLINE_LAST_RESORT, xpath=True)


def byline_text(response: Response, byline: Selector | None) -> str:
    """The byline as text, `PTI | Moscow | Updated: … | Created: …`, on desktop or AMP."""
    if byline is not None:
        return element_text(byline)
    amp_parts = texts(response.css(css.AMP_SOURCE)[:1]) + texts(response.css(css.AMP_TIMES)[:1])
    return " | ".join(amp_parts)


def is_article_page(response: Response) -> bool:
    """An article page names a NewsId in its canonical URL or its own URL."""
    return bool(urls.news_id(article_url(response)))


def article_url(response: Response) -> str:
    url = response.css(css.CANONICAL).get() or response.css(css.OG_URL).get()
    url = clean_text(url or "")
    return url if url and urls.is_article_url(url) else urls.desktop_url(response.url)


def extract_article(response: Response, stats: StatsCollector | None = None) -> Article:
    """The page's record; `stats`, when given, counts what was odd about it (`oddities`)."""
    # The response's own selector: the loader would otherwise parse the page a second time.
    loader = ArticleLoader(response=response, selector=response.selector)
    ld = JsonLd(response)
    live = is_live_blog(response)
    # The live blog's desktop byline has no ` | ` and no source of its own: only its times.
    desktop_live = live and not response.css(css.AMP_SOURCE)
    byline = None if desktop_live else find_byline(response)
    byline_line = live_times_text(response) if desktop_live else byline_text(response, byline)

    url = article_url(response)
    loader.add_value("url", url)
    loader.add_value("id", urls.news_id(url) or urls.news_id(response.url))
    loader.add_value("section", urls.section(url) or urls.NO_LABEL)

    loader.add_value("title", texts(response.css(css.TITLE)))
    # Only the head's titles carry the ` | <Label>` suffix; an h1 may hold a real ` | `.
    add_first_css(loader, "title", (css.OG_TITLE, css.DOCUMENT_TITLE), _TITLE_WITHOUT_SUFFIX)
    if not loader.get_collected_values("title"):
        loader.add_value("title", _ld_string(ld.article.get("headline")), _TITLE_WITHOUT_SUFFIX)

    loader.add_value("subtitle", texts(response.css(css.SUBTITLE)))
    if live:
        loader.add_value("subtitle", texts(response.css(LiveBlog.SUBTITLE)))
    loader.add_value("subtitle", response.css(css.DESCRIPTION).get(), _SUBTITLE_FROM_DESCRIPTION)

    author_links = _add_source_and_author(loader, byline, byline_line, ld)
    loader.add_value("location", byline_location(byline_line))
    shift = _live_clock(response, byline_line) if live else timedelta(0)
    if shift and stats is not None:
        stats.inc_value(keys.LIVEBLOG_CLOCK_SHIFTED)
    _add_times(loader, byline_line, ld, live, shift)
    _add_image(loader, response, ld, live)
    _add_body(loader, response, live)

    if live:
        loader.add_value("tags", texts(response.css(LiveBlog.TAGS)))
    if not loader.get_collected_values("tags"):
        loader.add_value("tags", texts(response.css(css.TAG_LINKS)))
    if not loader.get_collected_values("tags"):
        loader.add_value("tags", split_keywords(response.css(css.NEWS_KEYWORDS).get() or ""))
    if live:
        loader.add_value("countries", texts(response.css(LiveBlog.COUNTRIES)))
    loader.add_value("countries", texts(response.css(css.COUNTRIES)))
    loader.add_value("kind", page_kind(response, live, author_links))

    loader.add_value("sector", response.css(css.BREADCRUMB_LINKS).getall(), _SECTOR_FROM_HREF)
    if not loader.get_collected_values("sector"):
        loader.add_value("sector", _ld_breadcrumb_urls(ld.breadcrumbs), _SECTOR_FROM_HREF)
    loader.add_css("language", css.HTML_LANG)
    loader.add_value("language", "en")
    loader.add_value("crawled_at", utc_iso(fetched_at(response)))
    loader.add_value("fetched_from", urls.site_root(response.url))
    loader.add_value("extractor_version", EXTRACTOR_VERSION)
    article = loader.load_item()
    if article.updated is None:  # never updated: the page shows one time
        article.updated = article.created
    # A live blog's updates are only in the updates API: unknown until the spider reads it.
    article.updates = None if live else []
    if stats is not None:
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


def is_live_blog(response: Response) -> bool:
    return bool(response.css(LiveBlog.MARK))


def live_times_text(response: Response) -> str:
    """The live blog's desktop times as a byline line, `Updated: … | Created: …`: its spans
    are separated by empty dividers, not ` | ` (docs/site.md §5.4)."""
    return " | ".join(text for text in texts(response.css(LiveBlog.TIMES)) if text.strip())


def page_kind(response: Response, live: bool, author_links: bool) -> str:
    """What the page shows of the article's type (README: `kind`): a live blog by its view; an
    opinion by the `Opinion: ` its JSON-LD headline alone carries (docs/site.md §8.4); a blog
    post by its author link. Nothing else on a page tells a type apart: a News Desk piece of
    type Blog without an author looks like news, and video articles most likely show the
    ordinary figure (docs/site.md §5.2)."""
    if live:
        return LIVE_BLOG
    if any(is_opinion_headline(block) for block in response.css(css.JSON_LD).getall()):
        return OPINION
    return BLOG if author_links else NEWS


def _live_clock(response: Response, line: str) -> timedelta:
    """How far the live blog's byline clock runs behind IST.

    The live-blog view prints its byline times through the server's own clock zone and labels
    them IST whatever that zone is; the head's last-modified meta (like the sitemap's lastmod
    and the API's UTC times) is converted explicitly, so it is right (docs/site.md §5.4). Both
    show the same modification: their difference is the server clock's offset from IST (5 h 30
    on a UTC server), which then corrects `Created:` too, of which the page has no other copy.
    """
    modified = parse_datetime(response.css(LiveBlog.LAST_MODIFIED).get() or "")
    shown = parse_datetime(byline_updated(line) or "")
    if modified is None or shown is None:
        return timedelta(0)  # nothing to compare with: the byline as it is
    return clock_offset(modified, shown)


def _add_source_and_author(
    loader: ArticleLoader, byline: Selector | None, line: str, ld: JsonLd
) -> bool:
    """Adds the source and a blog post's author; whether the byline links an author."""
    response = loader.context["response"]
    # The desktop byline, or on AMP its `p.source` half.
    names = byline if byline is not None else response.css(css.AMP_SOURCE)[:1]
    author_links = names.css(css.AUTHOR_LINK) if names else []
    if author_links:  # a blog post: the byline names its author, not the publication
        loader.add_value("author", texts(author_links))
        loader.add_value("author", author_links.attrib.get("href"), MapCompose(author_from_href))
    if names:
        loader.add_value("source", names.css(css.SOURCE_LINK).getall())
    if not author_links:
        loader.add_value("source", byline_source(line))
    if not loader.get_collected_values("source"):
        loader.add_value("source", texts(response.css(css.FIRST_PUBLISHED_IN)))
    add_first_css(loader, "source", (css.META_AUTHOR,))
    if not author_links and not loader.get_collected_values("source"):
        loader.add_value("source", _ld_string(_ld_author_name(ld.article)))
    return bool(author_links)


def _add_times(loader: ArticleLoader, line: str, ld: JsonLd, live: bool, shift: timedelta) -> None:
    """The byline's minute, with the seconds of the meta tag when they agree (`reconcile_times`);
    JSON-LD only when neither is there (docs/site.md §5.1: prefer the meta tags). `shift` moves
    a live blog's byline onto IST (`_live_clock`), whose last-modified meta has the seconds."""
    for field, from_byline, meta, ld_key in (
        ("created", byline_created, css.META_PUBLISHED, "datePublished"),
        ("updated", byline_updated, css.META_MODIFIED, "dateModified"),
    ):
        shown = from_byline(line)
        if shift and (moment := parse_datetime(shown or "")) is not None:
            shown = to_ist_iso(moment + shift)
        loader.add_value(field, shown)
        if live and field == "updated":
            loader.add_css(field, LiveBlog.LAST_MODIFIED)
        loader.add_css(field, meta)
        if not loader.get_collected_values(field):
            loader.add_value(field, _ld_string(ld.article.get(ld_key)))


def _add_image(loader: ArticleLoader, response: Response, ld: JsonLd, live: bool) -> None:
    if live:
        loader.add_css("image_url", LiveBlog.IMAGE)
    figure = response.css(css.FIGURE)
    for query in css.FIGURE_IMAGES:
        loader.add_value("image_url", figure.css(query).getall())
    add_first_css(loader, "image_url", (css.AMP_IMAGE, css.VIDEO_POSTER, css.OG_IMAGE))
    if not loader.get_collected_values("image_url"):
        loader.add_value("image_url", _ld_image_url(ld.article))
    if loader.get_output_value("image_url") is None:
        return  # the caption of a stock or missing image is the title, not a caption
    captions = texts(figure.css(css.FIGURE_CAPTION)) or texts(response.css(css.AMP_CAPTION))
    if live and not captions:
        captions = texts(response.css(LiveBlog.CAPTION))
    loader.add_value("image_caption", captions[:1], MapCompose(caption_part))
    loader.add_value("image_credit", captions[:1], MapCompose(credit_part))


def _add_body(loader: ArticleLoader, response: Response, live: bool) -> None:
    body = first_match(response, (*css.BODIES, LiveBlog.BODY) if live else css.BODIES)
    paragraphs = body_paragraphs(body) if body is not None else []
    loader.add_value("body", paragraphs)
    source = loader.get_output_value("source")
    loader.add_value("syndicated", is_syndicated(source, has_disclaimer(paragraphs)))


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
