"""Where each field lives on an article page, per page layout (markup generation; docs/site.md §5),
and where a listing's items live (`LISTING_LAYOUTS`).

Lists are fallback chains: the first that matches wins. Desktop markup comes first, then AMP.
"""

from dataclasses import dataclass

CANONICAL = 'link[rel="canonical"]::attr(href)'
OG_URL = 'meta[property="og:url"]::attr(content)'
HTML_LANG = "html::attr(lang)"

TITLE = "h1.title"
OG_TITLE = 'meta[property="og:title"]::attr(content)'
DOCUMENT_TITLE = "title::text"
SUBTITLE = "h2.sub-title"
DESCRIPTION = 'meta[name="description"]::attr(content)'

# The byline: 2026 `div.metadata`; 2024 an unnamed div after `hr.seperator`; before 2023 a
# `ul.list-inline` of items. AMP pages split it into `p.source` and `div.meta` (AMP_SOURCE,
# AMP_TIMES); failing all of these, the innermost block that mentions `Created:`.
BYLINES = (
    "//div[contains(concat(' ', normalize-space(@class), ' '), ' metadata ')]",
    "//hr[contains(concat(' ', normalize-space(@class), ' '), ' seperator ')]"
    "/following-sibling::div[1]",
    "//ul[contains(concat(' ', normalize-space(@class), ' '), ' list-inline ')]"
    "[contains(., 'Created:') or contains(., 'Updated:')]",
)
BYLINE_LAST_RESORT = (
    "//*[self::div or self::ul or self::p][contains(., 'Created:')]"
    "[not(.//*[self::div or self::ul or self::p][contains(., 'Created:')])]",
)
AMP_SOURCE = "p.source"
AMP_TIMES = "div.meta"
SOURCE_LINK = 'a:not([href*="AuthorArticles"])::text'
AUTHOR_LINK = 'a[href*="AuthorArticles"]'
FIRST_PUBLISHED_IN = "span.badge.tag"
META_AUTHOR = 'meta[name="article:author"]::attr(content)'
META_PUBLISHED = 'meta[itemprop="datePublished"]::attr(content)'
META_MODIFIED = 'meta[itemprop="dateModified"]::attr(content)'

# `hidden figure` holds the stock image when the article has none.
FIGURE = "figure.figure:not(.hidden)"
FIGURE_IMAGES = ("img::attr(src)", "img::attr(data-src)")
FIGURE_CAPTION = "figcaption"
# The article image, not the `amp-img`s inside the story.
AMP_IMAGE = "div.news-box > amp-img::attr(src)"
AMP_CAPTION = "p.img-caption"
VIDEO_POSTER = "video::attr(poster)"
OG_IMAGE = 'meta[property="og:image"]::attr(content)'

BODIES = ("section.article-cont", "div.description")
# A story paragraph is the outermost of these inside the body; a table row is one paragraph.
BODY_BLOCK_TAGS = frozenset({"p", "li", "h2", "h3", "h4", "tr"})

TAG_LINKS = "a.tag"
NEWS_KEYWORDS = 'meta[name="news_keywords"]::attr(content)'
COUNTRIES = "li.fg-orange"
BREADCRUMB_LINKS = "ul.article-breadcrumb a::attr(href), ul.breadcrumb a::attr(href)"
JSON_LD = 'script[type="application/ld+json"]::text'


@dataclass(frozen=True)
class ListingLayout:
    """One markup of a listing's items: the item elements (XPath), and relative to an item its
    article link and its relative time (docs/site.md §3, §8.2)."""

    items: str
    link: str
    time: str


def _has_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


# A listing's own items, not its sidebars' (which use the same markup, in the `col-md-4` column).
_OUTSIDE_SIDEBAR = f"[not(ancestor::div[{_has_class('col-md-4')}])]"
_TITLE_LINK = f"a[{_has_class('text-decoration')}]"
# First match wins, as in the fallback chains above.
LISTING_LAYOUTS = (
    # `/stories/<label>`: `div.media`, the title in `h3.trend-title` inside the link, the time in
    # `small.font-oswald` beside it.
    ListingLayout(
        items=f"//div[{_has_class('media')}][.//{_TITLE_LINK}]{_OUTSIDE_SIDEBAR}",
        link=f".//{_TITLE_LINK}/@href",
        time=f".//small[{_has_class('font-oswald')}]//text()",
    ),
    # The `/Home/GetNewsItems` and `/news-analysis` fragments, `/pti-stories` and the other source
    # listings: `a.text-decoration` around the item; in fragments the time is `h5.font-oswald`.
    ListingLayout(
        items=f"//{_TITLE_LINK}{_OUTSIDE_SIDEBAR}",
        link="@href",
        time=f".//h5[{_has_class('font-oswald')}]//text()",
    ),
)


class LiveBlog:
    """The live-blog view (docs/site.md §5.4, §8.3), one unit: how to tell its pages and where its
    fields live. Its desktop page is a view of its own; its AMP page is §5.3's with an
    `amp-live-list` (whose fields the AMP selectors above read). Neither holds the updates, which
    only the updates API lists (newsbot/liveblog.py)."""

    # `em.live` comes before the desktop view's article; the AMP page's live list is empty.
    MARK = "em.live, amp-live-list"
    # The times, `<span>Updated: …</span><span>Created: …</span>` between empty dividers, read
    # through the server's own clock; the head's last-modified meta is converted to IST.
    TIMES = "div.news-meta div.news-date span"
    LAST_MODIFIED = 'meta[http-equiv="last-modified"]::attr(content)'
    SUBTITLE = "h2.subtitle"
    IMAGE = "div.article-image-container > img::attr(src)"
    # Caption and credit together, as in a figure's caption.
    CAPTION = "div.article-image-container + p.meta"
    # The intro's paragraphs and the disclaimer, then, inside it, the tags and countries blocks.
    BODY = "div.newsDescArticle"
    TAGS = "div.newsDescArticle a.badge.tag"
    COUNTRIES = "div.newsDescArticle span.badge"
