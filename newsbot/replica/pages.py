"""Every page that is not an article: listings, sitemaps, home, hub pages (docs/site.md §3, §4)."""

from functools import lru_cache
from typing import TYPE_CHECKING

from newsbot.replica.chrome import EDITIONS, OTHER_PAGES, SOURCE_PAGES, layout
from newsbot.replica.content import LABELS, SECTORS, headline
from newsbot.replica.text import PRODUCTION, enc, iso_ist, relative_time, slug, xml_text

if TYPE_CHECKING:
    from newsbot.replica.website import ReplicaSite

LISTING_DAYS = 30
AGENCY_WIRE_DAYS = 10
PER_PAGE = 20
COUNTRY_LINES = ("India", "Global", "United States", "Kenya")
AGENCY_WIRE_PER_PAGE = 40
HUB_PAGES = (
    ["/", "/blogs", "/blogs/interview", "/press-release", "/sdg-stories", "/top-stories"]
    + ["/research", "/news-analysis", "/pti-stories", "/devdiscourse-stories", "/AgencyWire"]
    + [f"/news/{sector}" for sector in SECTORS]
    + list(EDITIONS)
)
ROBOTS = """User-agent: *
Disallow: /Home/AdvancedSearch
Disallow: /api/
Disallow: /Account/
Disallow: /search
Allow: /

Sitemap: https://www.devdiscourse.com/sitemap.xml
Sitemap: https://www.devdiscourse.com/RSS/GoogleNews
"""
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


def _pager(path: str, page: int, pages: int) -> str:
    numbers = range(max(1, page - 2), min(pages, page + 2) + 1)
    items = []
    if page > 1:
        items.append(f'<li><a href="{path}?page={page - 1}">&#xAB;</a></li>')
    for n in numbers:
        active = ' class="active"' if n == page else ""
        items.append(f'<li{active}><a href="{path}?page={n}">{n}</a></li>')
    if page < pages:
        items.append(f'<li><a href="{path}?page={page + 1}">&#xBB;</a></li>')
    return (
        f'<ul class="pagination">{"".join(items)}</ul>'
        f'<p class="page-count">Page {page} of {pages}</p>'
    )


def _country_line(site: "ReplicaSite", position: int) -> str:
    # Countries live in the article's own data; a listing only needs a plausible line.
    return COUNTRY_LINES[site.id_at(position) % 4]


def _title_link(site: "ReplicaSite", position: int, href: str) -> str:
    return f'<a href="{enc(href)}">{enc(headline(site.seed, site.id_at(position)))}</a>'


def _row_item(site: "ReplicaSite", position: int) -> str:
    news_id = site.id_at(position)
    title = enc(headline(site.seed, news_id))
    cover = f"https://devdiscourse.blob.core.windows.net/devnews/cover_{news_id}.jpg"
    return (
        f'<a href="{enc(site.link(position, "canonical"))}" class="text-decoration">'
        '<div class="row list-row"><div class="col-xs-4"><div class="cover-img lazyload" '
        f'data-bg="{cover}"></div></div><div class="col-xs-8"><div class="country-sub">'
        f'{_country_line(site, position)}</div><h3 class="title-sub">{title}</h3></div></div></a>'
    )


def source_listing(
    site: "ReplicaSite",
    path: str,
    heading: str,
    sources: list[str],
    page: int,
    endless: bool = False,
    junk: int = 0,
) -> str:
    """`/pti-stories`, `/devdiscourse-stories`, `/AgencyWire` and the other agency pages.

    Faults: `endless` pages never end (every page number has items, repeating the listing's
    articles, and a next link); `junk` adds that many items linking ids that answer 500.
    """
    wire = path.lower() == "/agencywire"
    days, per_page = (AGENCY_WIRE_DAYS, AGENCY_WIRE_PER_PAGE) if wire else (LISTING_DAYS, PER_PAGE)
    positions = sorted(
        (p for source in sources for p in site.window(site.positions_of_source(source), days)),
        reverse=True,
    )
    pages = _page_count(len(positions), per_page)
    chosen = positions[(page - 1) * per_page : page * per_page]
    if endless:
        pool = positions or site.newest_positions(per_page)
        start = (page - 1) * per_page
        chosen = [pool[(start + n) % len(pool)] for n in range(per_page)] if pool else []
        pages = page + 1
    items = "".join(_row_item(site, p) for p in chosen)
    if junk:
        items += junk_items(junk)
    main = (
        f'<h2 class="section-title"><span>{enc(heading)}</span></h2>'
        f'<div class="listing">{items}</div>'
        f"{_pager(path, page, pages)}"
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


def _media_item(site: "ReplicaSite", news_id: int, label: str) -> str:
    title = enc(site.title_of(news_id))
    created = site.created_at(news_id)
    age = (site.now - created).total_seconds()
    href = f"/article/{label}/{slug(news_id, site.title_of(news_id))}"
    return (
        f'<div class="media"><div class="media-left"><img data-src="https://devdiscourse.blob.core.'
        f'windows.net/devnews/thumb_{news_id}.jpg" class="lazyload media-object" alt="{title}">'
        f'</div><div class="media-body"><a href="{enc(href)}" class="text-decoration"><h3 '
        f'class="trend-title">{title}</h3></a><small class="ls-1">{COUNTRY_LINES[news_id % 4]}'
        f'</small> <small class="font-oswald">{relative_time(age, created)}</small></div></div>'
    )


def label_ids(site: "ReplicaSite", label: str) -> list[int]:
    """All articles of a label, newest first, the pinned old ones last."""
    ids = [site.id_at(p) for p in reversed(site.positions_of_label(label))]
    return ids + [i for i in site.pinned_ids() if site.section_of(i) == label]


def label_items(site: "ReplicaSite", label: str, page: int) -> str:
    chosen = label_ids(site, label)[(page - 1) * PER_PAGE : page * PER_PAGE]
    return "".join(_media_item(site, news_id, label) for news_id in chosen)


def label_listing(site: "ReplicaSite", label: str) -> str:
    name = label.replace("-", " ").title()
    main = (
        f'<h2 class="section-title"><span>{enc(name)}</span></h2>'
        f'<div id="news-items" data-label="{enc(label)}">{label_items(site, label, 1)}</div>'
        '<button class="load-more" data-page="2">Load More</button>'
    )
    return layout(f"{name} | Devdiscourse", "", main, site.sidebar(0))


def news_sitemap(site: "ReplicaSite") -> str:
    entries = [site.id_at(p) for p in site.sitemap_positions()] + site.pinned_ids()
    urls = []
    for news_id in entries:
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
            f'<a href="/Home/Detail/{site.decoy_guid()}">Archive story</a></p>'
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
