"""Every page that is not an article: listings, sitemaps, home, hub pages (docs/site.md §3, §4,
§8)."""

import json
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import quote

from newsbot.replica.chrome import EDITIONS, OTHER_PAGES, SOURCE_PAGES, layout
from newsbot.replica.content import LABELS, SECTORS, headline
from newsbot.replica.text import (
    PRODUCTION,
    enc,
    iso_ist,
    iso_naive_utc,
    relative_time,
    slug,
    xml_text,
)

if TYPE_CHECKING:
    from newsbot.replica.model import Update
    from newsbot.replica.website import ReplicaSite

PTI_DAYS = 30
AGENCY_WIRE_DAYS = 10
PER_PAGE = 20
AGENCY_WIRE_PER_PAGE = 40
# `/stories/<label>` renders only the first items of its first page (docs/site.md §3).
LABEL_PAGE_ITEMS = 5
ALL_NEWS_PER_PAGE = 20
COUNTRY_LINES = ("India", "Global", "United States", "Kenya")
HUB_PAGES = (
    ["/", "/blogs", "/blogs/interview", "/press-release", "/sdg-stories", "/top-stories"]
    + ["/research", "/news-analysis", "/pti-stories", "/devdiscourse-stories", "/AgencyWire"]
    + [f"/news/{sector}" for sector in SECTORS]
    + list(EDITIONS)
)
_ROBOTS = """User-agent: *
Disallow: /Home/AdvancedSearch
Disallow: /Account/
Disallow: /search
{api}
Allow: /

Sitemap: https://www.devdiscourse.com/sitemap.xml
Sitemap: https://www.devdiscourse.com/RSS/GoogleNews
"""
ROBOTS = {
    "allow_api": _ROBOTS.format(api="Allow: /api/"),
    "disallow_api": _ROBOTS.format(api="Disallow: /api/"),
}
ERROR_PAGE = (
    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Error - Devdiscourse'
    '</title></head><body><h1 class="text-danger">Error.</h1><h2 class="text-danger">An error '
    "occurred while processing your request.</h2></body></html>\n"
)
NOT_FOUND_PAGE = (
    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Page not found - '
    "Devdiscourse</title></head><body><h1>404</h1><p>The page you are looking for does not "
    'exist.</p><p><a href="/">Go to the home page</a></p></body></html>\n'
)


def _page_count(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


def _pager(link_path: str, page: int, pages: int) -> str:
    numbers = range(max(1, page - 2), min(pages, page + 2) + 1)
    items = []
    if page > 1:
        items.append(f'<li><a href="{link_path}?page={page - 1}">&#xAB;</a></li>')
    for n in numbers:
        active = ' class="active"' if n == page else ""
        items.append(f'<li{active}><a href="{link_path}?page={n}">{n}</a></li>')
    if page < pages:
        items.append(f'<li><a href="{link_path}?page={page + 1}">&#xBB;</a></li>')
    return (
        f'<ul class="pagination">{"".join(items)}</ul>'
        f'<p class="page-count">Page {page} of {pages}</p>'
    )


def _country_line(news_id: int) -> str:
    # The source listings print a country line of their own; only its presence matters here.
    return COUNTRY_LINES[news_id % 4]


def _title_link(site: "ReplicaSite", position: int, href: str) -> str:
    return f'<a href="{enc(href)}">{enc(headline(site.seed, site.id_at(position)))}</a>'


def _row_item(site: "ReplicaSite", news_id: int) -> str:
    title = enc(site.title_of(news_id))
    cover = f"https://devdiscourse.blob.core.windows.net/devnews/cover_{news_id}.jpg"
    return (
        f'<a href="{enc(site.canonical_path(news_id))}" class="text-decoration">'
        '<div class="row list-row"><div class="col-xs-4"><div class="cover-img lazyload" '
        f'data-bg="{cover}"></div></div><div class="col-xs-8"><div class="country-sub">'
        f'{_country_line(news_id)}</div><h3 class="title-sub">{title}</h3></div></div></a>'
    )


# (heading, sources, days (None: no window), per page, by modification, pager link path)
# docs/site.md §3: only type News. The News Desk listing has no window, is ordered by modification
# and its pager wrongly links `/pti-stories`; `/AgencyWire` prints no pager at all.
SOURCE_LISTINGS: dict[str, tuple[str, tuple[str, ...], int | None, int, bool, str | None]] = {
    "/pti-stories": ("PTI STORIES", ("PTI",), PTI_DAYS, PER_PAGE, False, "/pti-stories"),
    "/devdiscourse-stories": (
        "DEVDISCOURSE NEWS DESK",
        ("Devdiscourse News Desk",),
        None,
        PER_PAGE,
        True,
        "/pti-stories",
    ),
    "/agencywire": (
        "AGENCY WIRE",
        ("PTI", "Reuters", "IANS"),
        AGENCY_WIRE_DAYS,
        AGENCY_WIRE_PER_PAGE,
        False,
        None,
    ),
}


def source_listing(
    site: "ReplicaSite", path: str, page: int, endless: bool = False, junk: int = 0
) -> str:
    """`/pti-stories`, `/devdiscourse-stories`, `/AgencyWire` (`path` lower-case).

    Faults: `endless` pages never end (every page number has items, repeating the listing's
    articles, and a next link); `junk` adds that many items linking ids that answer 500.
    """
    heading, sources, days, per_page, by_modification, link_path = SOURCE_LISTINGS[path]
    ids = site.source_listing_ids(sources, days, by_modification)
    pages = _page_count(len(ids), per_page)
    chosen = ids[(page - 1) * per_page : page * per_page]
    if endless:
        pool = ids or [site.id_at(p) for p in site.newest_positions(per_page)]
        start = (page - 1) * per_page
        chosen = [pool[(start + n) % len(pool)] for n in range(per_page)] if pool else []
        pages = page + 1
    items = "".join(_row_item(site, news_id) for news_id in chosen)
    if junk:
        items += junk_items(junk)
    pager = _pager(link_path, page, pages) if link_path else ""
    main = (
        f'<h2 class="section-title"><span>{enc(heading)}</span></h2>'
        f'<div class="listing">{items}</div>{pager}'
    )
    return layout(f"{heading} | Devdiscourse", "", main, site.sidebar(0))


JUNK_ID_BASE = 6_000_000  # far above every id of the replica and of the decoy


@lru_cache(maxsize=4)
def junk_items(count: int) -> str:
    """Listing items linking ids that exist nowhere (the article route answers them 500)."""
    return "".join(
        f'<a href="/article/agency-wire/{JUNK_ID_BASE + n}-junk" class="text-decoration">'
        f"<h3>Junk {n}</h3></a>"
        for n in range(count)
    )


def _age(site: "ReplicaSite", news_id: int) -> str:
    """The relative time a listing prints: counted from the last modification (docs/site.md
    §8.2)."""
    modified = site.modified_at(news_id)
    return relative_time((site.now - modified).total_seconds(), modified)


def _first_country(site: "ReplicaSite", news_id: int) -> str:
    countries = site.article(news_id).countries
    return countries[0] if countries else "Global"


def fragment_item(site: "ReplicaSite", news_id: int) -> str:
    """One item of the `/Home/GetNewsItems` fragment (docs/site.md §8.2); `/news-analysis` prints
    its items alike (inferred: its template is not described)."""
    title = enc(site.title_of(news_id))
    thumb = f"https://devdiscourse.blob.core.windows.net/devnews/thumb_{news_id}.jpg"
    return (
        f'<a href="{enc(site.canonical_path(news_id))}" class="text-decoration"><div class="row">'
        f'<div class="col-xs-4"><img data-src="{thumb}" class="lazyload img-responsive" '
        f'alt="{title}"></div><div class="col-xs-8"><div class="country-sub">'
        f'{enc(_first_country(site, news_id))}</div><h3 class="title-sub">{title}</h3>'
        f'<h5 class="font-oswald">{_age(site, news_id)}</h5></div></div></a>'
    )


def _media_item(site: "ReplicaSite", news_id: int) -> str:
    """One item as `/stories/<label>` itself renders it (docs/site.md §3)."""
    title = enc(site.title_of(news_id))
    return (
        f'<div class="media"><div class="media-left"><img data-src="https://devdiscourse.blob.core.'
        f'windows.net/devnews/thumb_{news_id}.jpg" class="lazyload media-object" alt="{title}">'
        f'</div><div class="media-body"><a href="{enc(site.canonical_path(news_id))}" '
        f'class="text-decoration"><h3 class="trend-title">{title}</h3></a><small class="ls-1">'
        f"{enc(_first_country(site, news_id))}</small> "
        f'<small class="font-oswald">{_age(site, news_id)}</small></div></div>'
    )


def label_items(site: "ReplicaSite", label: str, region: str, page: int) -> str:
    """`/Home/GetNewsItems?…&region=<region>&page=N&label=<label>`: a fragment of 20 items,
    nothing at all for an empty region (docs/site.md §3)."""
    if not region:
        return ""
    chosen = site.label_listing_ids(label, region)[(page - 1) * PER_PAGE : page * PER_PAGE]
    return "".join(fragment_item(site, news_id) for news_id in chosen)


def _fragment_script(url: str) -> str:
    return (
        "<script>$(function () { var page = 2; $('.load-more').on('click', function () {"
        f" $.get('{url}'.replace('PAGE', page++), function (html) {{"
        " $('#news-items').append(html); }); }).trigger('click'); });</script>"
    )


def label_listing(site: "ReplicaSite", label: str, region: str) -> str:
    """`/stories/<label>`: the first 5 items of page 1; its script asks for page 2 at once."""
    name = label.replace("-", " ").title()
    first = site.label_listing_ids(label, region)[:LABEL_PAGE_ITEMS]
    items = "".join(_media_item(site, news_id) for news_id in first)
    fragment = (
        f"/Home/GetNewsItems?sector=&region={quote(region)}&country=&tag=&page=PAGE&cat="
        f"&label={quote(label)}"
    )
    main = (
        f'<h2 class="section-title"><span>{enc(name)}</span></h2>'
        f'<div id="news-items" data-label="{enc(label)}">{items}</div>'
        f'<button class="load-more">Load More</button>{_fragment_script(fragment)}'
    )
    return layout(f"{name} | Devdiscourse", "", main, site.sidebar(0))


def analysis_items(site: "ReplicaSite", region: str, page: int) -> str:
    """`/AgencyWire/GetNewsAnalysisItems?region=<region>&type=&page=N`: 25 items; nothing for an
    empty region, like `/Home/GetNewsItems` (inferred)."""
    if not region:
        return ""
    return "".join(fragment_item(site, i) for i in site.analysis_listing_ids(region, page))


def analysis_listing(site: "ReplicaSite", region: str) -> str:
    """`/news-analysis`: page 1 rendered by the server; later pages by XHR."""
    fragment = f"/AgencyWire/GetNewsAnalysisItems?region={quote(region)}&type=&page=PAGE"
    main = (
        '<h2 class="section-title"><span>NEWS ANALYSIS</span></h2>'
        f'<div id="news-items">{analysis_items(site, region, 1)}</div>'
        f'<button class="load-more">Load More</button>{_fragment_script(fragment)}'
    )
    return layout("News Analysis | Devdiscourse", "", main, site.sidebar(0))


_JSON_ESCAPES = {ord(c): f"\\u{ord(c):04X}" for c in "<>&'+"}


def all_news(site: "ReplicaSite", page: int) -> list[dict]:
    """A page of `/api/Search/GetAllNews/<page>` (docs/site.md §3): 20 articles, newest created
    first; `[]` past the end. Times are UTC without an offset."""
    chosen = site.all_news_ids()[(page - 1) * ALL_NEWS_PER_PAGE : page * ALL_NEWS_PER_PAGE]
    items = []
    for news_id in chosen:
        data = site.article(news_id)
        items.append(
            {
                "id": site.guid(news_id),
                "title": data.title,
                "createdOn": iso_naive_utc(data.created),
                "imageUrl": data.image.url if data.image else None,
                "newId": news_id,
                "label": data.label,
                "country": data.countries[0] if data.countries else None,
            }
        )
    return items


def sub_blogs(updates: Iterable["Update"]) -> list[dict]:
    """A page of `/api/Search/GetSubBlogs/<id>/<page>` (docs/site.md §5.4, §8.3): the updates'
    stored fields, camelCase, times in UTC without an offset."""
    return [
        {
            "id": update.id,
            "title": update.title,
            "description": update.html,
            "parentId": None,
            "imageUrl": None,
            "fileMimeType": None,
            "imageCopyright": None,
            "fileSize": 0,
            "creator": "Devdiscourse News Desk",
            "createdOn": iso_naive_utc(update.created),
            "modifiedOn": iso_naive_utc(update.modified or update.created),
        }
        for update in updates
    ]


def json_text(value: object) -> str:
    """JSON as ASP.NET Core writes it: ASCII only, HTML-sensitive characters escaped."""
    return json.dumps(value, separators=(",", ":")).translate(_JSON_ESCAPES)


def news_sitemap(site: "ReplicaSite") -> str:
    urls = []
    for news_id in site.sitemap_ids():
        data = site.article(news_id)
        loc = f"{PRODUCTION}/article/{data.section}/{slug(news_id, data.title, 150)}"
        urls.append(
            f"<url><loc>{xml_text(loc)}</loc><lastmod>{iso_ist(data.modified)}</lastmod>"
            "<news:news><news:publication><news:name>Devdiscourse</news:name><news:language>en"
            "</news:language></news:publication><news:publication_date>"
            f"{iso_ist(data.created)}</news:publication_date><news:title>{xml_text(data.title)}"
            f"</news:title><news:keywords>{xml_text(', '.join(data.keywords))}</news:keywords>"
            "</news:news></url>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/'
        'sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
        + "\n".join(urls)
        + "\n</urlset>\n"
    )


def hub_sitemap() -> str:
    urls = "\n".join(
        f"<url><loc>{xml_text(PRODUCTION + path)}</loc><changefreq>hourly</changefreq></url>"
        for path in HUB_PAGES
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/'
        f'sitemap/0.9">\n{urls}\n</urlset>\n'
    )


def home_page(site: "ReplicaSite") -> str:
    """Top stories with ordinary links, sector blocks whose links lack the leading slash."""
    newest = site.newest_positions(60)
    top = "".join(
        f"<li>{_title_link(site, p, site.link(p, 'canonical'))}</li>" for p in newest[:12]
    )
    blocks = []
    for index, (sector, name) in enumerate(list(SECTORS.items())[:8]):
        items = "".join(
            f'<div class="media"><a href="{enc(site.link(p, "canonical").lstrip("/"))}" '
            'class="text-decoration"><h3 class="trend-title">'
            f"{enc(headline(site.seed, site.id_at(p)))}</h3></a></div>"
            for p in newest[12 + index * 6 : 18 + index * 6]
        )
        blocks.append(
            f'<div class="sector-block"><h2 class="section-title"><a href="/news/{sector}">'
            f"{enc(name)}</a></h2>{items}</div>"
        )
    decoy = ""
    if site.decoy_url:
        decoy = (
            f'<p class="partner"><a href="{enc(site.decoy_article_url(0))}">From our partners</a> '
            f'<a href="{site.legacy_link(site.decoy_guid())}">Archive story</a></p>'
        )
    labels = "".join(f'<li><a href="/stories/{label}">{label}</a></li>' for label in LABELS)
    main = (
        f'<h2 class="section-title"><span>TOP STORIES</span></h2><ul class="top-stories">{top}</ul>'
        f'{"".join(blocks)}<ul class="label-links">{labels}</ul>{decoy}'
    )
    return layout("Devdiscourse: Development News", "", main, site.sidebar(0))


def generic_page(site: "ReplicaSite", title: str) -> str:
    """Hub pages of docs/site.md §4 and the JavaScript shells: a heading and the latest links."""
    latest = "".join(
        f"<li>{_title_link(site, p, site.link(p, 'canonical'))}</li>"
        for p in site.newest_positions(10)
    )
    main = (
        f'<h1 class="page-title">{enc(title)}</h1><div id="app-root" data-edition="Global Edition">'
        f'</div><ul class="latest">{latest}</ul>'
    )
    return layout(f"{title} | Devdiscourse", "", main, site.sidebar(0))


def page_name(path: str) -> str | None:
    """The title of a known non-article page, or None when the path is not one."""
    lower = path.lower()
    for known in (*OTHER_PAGES, *EDITIONS, *SOURCE_PAGES):
        if lower == known.lower():
            return {**OTHER_PAGES, **EDITIONS, **SOURCE_PAGES}[known]
    prefixes = {
        "/live-discourse/": "Live Discourse",
        "/news/videos/": "Videos",
        "/news/": "Sector News",
        "/home/authorarticles": "Author Articles",
    }
    for prefix, name in prefixes.items():
        if lower.startswith(prefix):
            return name
    return "News" if lower == "/news" else None
