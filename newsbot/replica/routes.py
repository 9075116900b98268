"""Request routing of the replica: which path answers what, with which status (SITE.md §1, §3)."""

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

from newsbot.replica import pages
from newsbot.replica.article_page import SOURCE_PAGES
from newsbot.replica.site import ReplicaSite
from newsbot.replica.text import slug

HTML = "text/html; charset=utf-8"
XML = "application/xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
_LEADING_DIGITS = re.compile(r"^(\d+)")
_LABEL = re.compile(r"^[a-z0-9-]+$")
_DESK_SOURCES = {path.lower(): source for source, path in SOURCE_PAGES.items()}


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = HTML
    headers: dict[str, str] = field(default_factory=dict)


def _html(text: str, status: int = 200) -> Response:
    return Response(status, text.encode("utf-8"))


def _redirect(location: str) -> Response:
    return Response(301, b"", HTML, {"Location": location})


def _not_found() -> Response:
    return _html(pages.NOT_FOUND_PAGE, 404)


def _error() -> Response:
    return _html(pages.ERROR_PAGE, 500)


def _page_number(query: dict[str, list[str]]) -> int:
    try:
        return max(1, int(query.get("page", ["1"])[0]))
    except ValueError:
        return 1


def _user_is_bot(user_agent: str) -> bool:
    return "bot" in user_agent.lower()


def _article(site: ReplicaSite, label: str | None, segment: str, query: str, bot: bool) -> Response:
    """The article routes: only the leading digits of the last segment matter."""
    match = _LEADING_DIGITS.match(segment)
    if not match or not site.has(int(match[1])):
        # The site raises a 404 that its exception handler turns into a 500.
        return _error()
    news_id = int(match[1])
    data = site.article(news_id)
    if data.label and (label is None or label == "agency-wire"):
        suffix = f"?{query}" if query else ""
        return _redirect(f"/article/{data.label}/{slug(news_id, data.title)}{suffix}")
    variant = "amp" if "amp" in parse_qs(query, keep_blank_values=True) else "desktop"
    return _html(site.render_article(news_id, variant, bot))


def _detail(site: ReplicaSite, guid: str) -> Response:
    if site.decoy_url and guid.lower() == site.decoy_guid():
        return _redirect(site.decoy_article_url(0))
    news_id = site.id_for_guid(guid)
    if news_id is None:
        return _error()
    return _redirect(f"/article/agency-wire/{slug(news_id, site.title_of(news_id))}")


def _listing(
    site: ReplicaSite, path: str, lower: str, query: dict[str, list[str]]
) -> Response | None:
    page = _page_number(query)
    if lower == "/pti-stories":
        return _html(pages.source_listing(site, path, "PTI STORIES", ["PTI"], page))
    if lower == "/agencywire":
        return _html(
            pages.source_listing(site, path, "AGENCY WIRE", ["PTI", "Reuters", "IANS"], page)
        )
    if lower in _DESK_SOURCES:
        source = _DESK_SOURCES[lower]
        return _html(pages.source_listing(site, path, f"{source.upper()} STORIES", [source], page))
    if lower.startswith("/news-source/"):
        source = unquote(path.split("/", 2)[2])
        return _html(pages.source_listing(site, path, source, [source], page))
    if lower.startswith("/stories/"):
        label = lower.split("/", 2)[2]
        return _html(pages.label_listing(site, label)) if _LABEL.match(label) else _not_found()
    if lower == "/home/getnewsitems":
        label = query.get("label", [""])[0].lower()
        return _html(pages.label_items(site, label, page))
    return None


def handle(site: ReplicaSite, target: str, user_agent: str) -> Response:
    """Answer one GET for `target` (path and query) as devdiscourse.com would.

    The whole answer is computed from one snapshot of the site's clock and breakage, so a
    concurrent `advance()` never mixes two moments in one page.
    """
    site = site.snapshot()
    if site.breakage == "http500":
        return _error()
    parts = urlsplit(target)
    path, lower = parts.path, parts.path.lower()
    query = parse_qs(parts.query, keep_blank_values=True)
    bot = _user_is_bot(user_agent)
    if lower == "/":
        return _html(pages.home_page(site))
    if lower == "/robots.txt":
        return Response(200, pages.ROBOTS.encode(), TEXT)
    if lower == "/sitemap.xml":
        return Response(200, pages.hub_sitemap().encode(), XML)
    if lower == "/rss/googlenews":
        return Response(200, pages.news_sitemap(site).encode("utf-8"), XML)
    segments = path.split("/")[1:]
    if lower.startswith("/article/") and len(segments) in (2, 3):
        label = segments[1].lower() if len(segments) == 3 else None
        if label is not None and not _LABEL.match(label):
            return _not_found()
        return _article(site, label, segments[-1], parts.query, bot)
    if lower.startswith("/home/detail/") and len(segments) == 3:
        return _detail(site, segments[2])
    listing = _listing(site, path, lower, query)
    if listing is not None:
        return listing
    name = pages.page_name(path)
    return _html(pages.generic_page(site, name)) if name else _not_found()
