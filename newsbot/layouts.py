"""Where each field lives on a page: one class per page layout (markup generation; docs/site.md §5),
and one per markup of a listing's items (`LISTING_LAYOUTS`; docs/site.md §3, §8.2).

A layout is one unit: how to recognise its pages (`CONTAINER`, `MARK`) and, as class constants
compiled once, the fallback chain of each field. `detect` picks a page's layout once per page;
extraction (newsbot/extract.py) then runs only that layout's chains, on its container, and after
them the generic fallbacks every layout shares (`Head`: meta tags, links, JSON-LD). A page that
no layout recognises gets `AnyLayout`: every layout's chains over the whole page.

To add a layout: a `Layout` subclass with its `CONTAINER`, `MARK` and the chains that differ,
registered in `LAYOUTS`; the golden pages and the replica sweep show it works.
"""

from typing import ClassVar

from lxml import etree


def _xpath(path: str) -> etree.XPath:
    # Plain strings: a result is read, never navigated back to its element.
    return etree.XPath(path, smart_strings=False)


def _class(name: str) -> str:
    """XPath predicate for CSS `.name`: the class attribute holds the token `name`."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


# A fallback chain: queries tried in order until one gives the field a value.
Chain = tuple[etree.XPath, ...]


class Layout:
    """The selectors of one page layout; every chain runs on the layout's container element."""

    name: ClassVar[str]
    # On the document root: the element that holds the article in this layout.
    CONTAINER: ClassVar[etree.XPath]
    # On the container: true only on this layout's pages (None: finding the container is enough).
    MARK: ClassVar[etree.XPath | None] = None

    TITLE: ClassVar[Chain] = (_xpath(f"descendant::h1[{_class('title')}]"),)
    SUBTITLE: ClassVar[Chain] = (_xpath(f"descendant::h2[{_class('sub-title')}]"),)
    # The byline's elements in page order; their texts joined by ` | ` make the byline line
    # (`PTI | Moscow | Updated: … | Created: …`), which is parsed from its text, not its markup.
    BYLINE: ClassVar[Chain] = ()
    # In the byline's first element: the source's link, and a blog post's author link.
    SOURCE_LINKS: ClassVar[etree.XPath] = _xpath(
        "descendant::a[not(contains(@href, 'AuthorArticles'))]/text()"
    )
    AUTHOR_LINKS: ClassVar[etree.XPath] = _xpath("descendant::a[contains(@href, 'AuthorArticles')]")
    # A blog post's `FIRST PUBLISHED IN` badge.
    FIRST_PUBLISHED_IN: ClassVar[Chain] = (
        _xpath(f"descendant::span[{_class('badge')}][{_class('tag')}]"),
    )
    IMAGES: ClassVar[Chain] = ()
    CAPTIONS: ClassVar[Chain] = ()
    BODY: ClassVar[Chain] = ()
    TAGS: ClassVar[Chain] = (_xpath(f"descendant::a[{_class('tag')}]"),)
    COUNTRIES: ClassVar[Chain] = ()
    SECTOR_LINKS: ClassVar[Chain] = ()
    # A live blog's view (docs/site.md §5.4): its byline times run on the server's clock, its
    # updates are only in the updates API (newsbot/liveblog.py).
    LIVE: ClassVar[bool] = False


# The figure, unless `hidden`: a hidden figure holds the stock image of an article without one.
_FIGURE = f"descendant::figure[{_class('figure')}][not({_class('hidden')})]"


class Desktop(Layout):
    """What the desktop generations share (docs/site.md §5.2); they differ in their bylines,
    which is how they are told apart (`MARK`)."""

    CONTAINER = _xpath(f"descendant::article[parent::div[{_class('col-md-8')}]]")
    IMAGES = (
        _xpath(f"{_FIGURE}/descendant::img/@src"),
        _xpath(f"{_FIGURE}/descendant::img/@data-src"),
        # Video articles show a player instead of the figure.
        _xpath("descendant::video/@poster"),
    )
    CAPTIONS = (_xpath(f"{_FIGURE}/descendant::figcaption"),)
    BODY = (_xpath(f"descendant::section[{_class('article-cont')}]"),)
    COUNTRIES = (_xpath(f"descendant::li[{_class('fg-orange')}]"),)
    # Breadcrumb: `ul.breadcrumb.breadcrumb_new` in 2024; older pages, as far as known, the same.
    SECTOR_LINKS = (_xpath(f"descendant::ul[{_class('breadcrumb')}]/descendant::a/@href"),)


class Desktop2026(Desktop):
    name = "2026"
    BYLINE = (_xpath(f"(descendant::div[{_class('metadata')}])[1]"),)
    MARK = BYLINE[0]
    SECTOR_LINKS = (_xpath(f"descendant::ul[{_class('article-breadcrumb')}]/descendant::a/@href"),)


class Desktop2024(Desktop):
    """The byline is the unnamed div right after `hr.seperator` (sic)."""

    name = "2024"
    BYLINE = (
        _xpath(f"(descendant::hr[{_class('seperator')}]/following-sibling::*[1][self::div])[1]"),
    )
    MARK = BYLINE[0]


class DesktopPre2023(Desktop):
    """Before the 2023 rebuild the byline was a list of its parts (exact markup unknown)."""

    name = "pre2023"
    BYLINE = (
        _xpath(
            f"(descendant::ul[{_class('list-inline')}]"
            "[contains(., 'Created:') or contains(., 'Updated:')])[1]"
        ),
    )
    MARK = BYLINE[0]


class Amp(Layout):
    """The `?amp` page (docs/site.md §5.3): `<html ⚡>` (or `<html amp>`, its other spelling),
    the article in `div.news-box`, the byline in two parts: `p.source`, then `div.meta`."""

    name = "amp"
    CONTAINER = _xpath(f"/html[@amp or @*[name() = '⚡']]/descendant::div[{_class('news-box')}]")
    BYLINE = (
        _xpath(f"(descendant::p[{_class('source')}])[1] | (descendant::div[{_class('meta')}])[1]"),
    )
    # The article image, not the `amp-img`s inside the story.
    IMAGES = (_xpath(f"descendant-or-self::div[{_class('news-box')}]/amp-img/@src"),)
    CAPTIONS = (_xpath(f"descendant::p[{_class('img-caption')}]"),)
    BODY = (_xpath(f"descendant::div[{_class('description')}]"),)


class LiveBlog(Layout):
    """The live-blog view (docs/site.md §5.4, §8.3), at the same URLs as other articles: `em.live`
    before the article, no ` | ` in the byline, the intro with the tags and countries inside it,
    the image without a figure, and none of the updates (`div#news-content` is empty)."""

    name = "liveblog"
    CONTAINER = Desktop.CONTAINER
    MARK = _xpath(f"preceding-sibling::em[{_class('live')}]")
    LIVE = True
    SUBTITLE = (_xpath(f"descendant::h2[{_class('subtitle')}]"),)
    # The times alone, `<span>Updated: …</span><span>Created: …</span>` between empty dividers;
    # `div.news-meta`'s link is the News Desk whatever the source, which `article:author` names.
    BYLINE = (
        _xpath(
            f"descendant::div[{_class('news-meta')}]/descendant::div[{_class('news-date')}]"
            "/span[normalize-space()]"
        ),
    )
    IMAGES = (_xpath(f"descendant::div[{_class('article-image-container')}]/img/@src"),)
    # Caption and credit together, as in a figure's caption.
    CAPTIONS = (
        _xpath(
            f"descendant::div[{_class('article-image-container')}]"
            f"/following-sibling::*[1][self::p][{_class('meta')}]"
        ),
    )
    # The intro's paragraphs and the disclaimer; the tags and countries blocks inside it hold no
    # paragraph.
    BODY = (_xpath(f"descendant::div[{_class('newsDescArticle')}]"),)
    TAGS = (
        _xpath(
            f"descendant::div[{_class('newsDescArticle')}]"
            f"/descendant::a[{_class('badge')}][{_class('tag')}]"
        ),
    )
    COUNTRIES = (
        _xpath(f"descendant::div[{_class('newsDescArticle')}]/descendant::span[{_class('badge')}]"),
    )


class AmpLiveBlog(Amp):
    """A live blog's `?amp` page: the AMP layout with an (empty) `amp-live-list`."""

    name = "amp-liveblog"
    MARK = _xpath("descendant::amp-live-list")
    LIVE = True


# In detection order: the first layout whose container (and mark) a page has is its layout.
LAYOUTS: tuple[type[Layout], ...] = (
    Desktop2026,
    Desktop2024,
    DesktopPre2023,
    LiveBlog,
    AmpLiveBlog,
    Amp,
)


def _every(chain: str) -> Chain:
    """One field's chain in every layout, in `LAYOUTS` order, each query once."""
    return tuple(dict.fromkeys(query for layout in LAYOUTS for query in getattr(layout, chain)))


class AnyLayout(Layout):
    """A page no layout recognises (the site changed its markup): every layout's chains over the
    whole page; failing those, the byline is the innermost block that mentions `Created:`."""

    name = "unknown"
    TITLE = _every("TITLE")
    SUBTITLE = _every("SUBTITLE")
    BYLINE = (
        *_every("BYLINE"),
        _xpath(
            "(descendant::*[self::div or self::ul or self::p][contains(., 'Created:')]"
            "[not(descendant::*[self::div or self::ul or self::p][contains(., 'Created:')])])[1]"
        ),
    )
    FIRST_PUBLISHED_IN = _every("FIRST_PUBLISHED_IN")
    IMAGES = _every("IMAGES")
    CAPTIONS = _every("CAPTIONS")
    BODY = _every("BODY")
    TAGS = _every("TAGS")
    COUNTRIES = _every("COUNTRIES")
    SECTOR_LINKS = _every("SECTOR_LINKS")


def detect(root: etree._Element) -> tuple[type[Layout], etree._Element]:
    """The page's layout and its container; `AnyLayout` and the root when none matches."""
    containers: dict[etree.XPath, list] = {}  # layouts of one family share their container
    for layout in LAYOUTS:
        if layout.CONTAINER not in containers:
            containers[layout.CONTAINER] = layout.CONTAINER(root)
        for container in containers[layout.CONTAINER][:1]:
            if layout.MARK is None or layout.MARK(container):
                return layout, container
    return AnyLayout, root


class Head:
    """The generic fallbacks, the same in every layout (docs/site.md §5.1): the page's `<meta>`
    and `<link>` tags, keyed by (attribute, value) as extraction reads them in one pass, the
    `<title>`, `<html lang>` and the JSON-LD blocks."""

    # `<meta>` attributes that name the tag's `content`.
    META_NAMES = ("name", "property", "itemprop", "http-equiv")
    JSON_LD_TYPE = "application/ld+json"

    CANONICAL = ("rel", "canonical")  # a <link>: its href
    OG_URL = ("property", "og:url")
    OG_TITLE = ("property", "og:title")
    DESCRIPTION = ("name", "description")
    META_AUTHOR = ("name", "article:author")
    META_PUBLISHED = ("itemprop", "datePublished")
    META_MODIFIED = ("itemprop", "dateModified")
    OG_IMAGE = ("property", "og:image")
    NEWS_KEYWORDS = ("name", "news_keywords")
    # Converted to IST explicitly, where a live blog's byline runs on the server's clock
    # (docs/site.md §5.4).
    LAST_MODIFIED = ("http-equiv", "last-modified")


# A story paragraph is the outermost of these inside the body; a table row is one paragraph.
BODY_BLOCK_TAGS = frozenset({"p", "li", "h2", "h3", "h4", "tr"})


class ListingLayout:
    """One markup of a listing's items: on the document root, the items (a listing's own, not
    its sidebars', which use the same markup in the `col-md-4` column); relative to an item, its
    article link and the text of its relative time."""

    ITEMS: ClassVar[etree.XPath]
    LINK: ClassVar[etree.XPath]
    TIME: ClassVar[etree.XPath]


_OUTSIDE_SIDEBAR = f"[not(ancestor::div[{_class('col-md-4')}])]"
_TITLE_LINK = f"a[{_class('text-decoration')}]"


class StoriesListing(ListingLayout):
    """`/stories/<label>`: `div.media`, the title in `h3.trend-title` inside the link, the time in
    `small.font-oswald` beside it."""

    ITEMS = _xpath(
        f"descendant::div[{_class('media')}][descendant::{_TITLE_LINK}]{_OUTSIDE_SIDEBAR}"
    )
    LINK = _xpath(f"descendant::{_TITLE_LINK}/@href")
    TIME = _xpath(f"descendant::small[{_class('font-oswald')}]/descendant::text()")


class LinkListing(ListingLayout):
    """The `/Home/GetNewsItems` and `/news-analysis` fragments, `/pti-stories` and the other
    source listings: `a.text-decoration` around the item; in fragments the time is
    `h5.font-oswald`."""

    ITEMS = _xpath(f"descendant::{_TITLE_LINK}{_OUTSIDE_SIDEBAR}")
    LINK = _xpath("@href")
    TIME = _xpath(f"descendant::h5[{_class('font-oswald')}]/descendant::text()")


# In detection order: the first layout that finds items on a page is its layout.
LISTING_LAYOUTS: tuple[type[ListingLayout], ...] = (StoriesListing, LinkListing)
