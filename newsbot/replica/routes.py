"""Request routing of the replica: which path answers what, with which status (docs/site.md §1, §3,
§8.1, §8.2). Paths are case-insensitive, as the site's routes are."""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qs, quote, unquote, urlsplit

from newsbot.replica import faults, pages
from newsbot.replica.chrome import EDITIONS
from newsbot.replica.model import DISCLAIMED_AGENCIES, LIVE_BLOG
from newsbot.replica.text import slug
from newsbot.replica.website import GLOBAL_EDITION, ReplicaSite

HTML = "text/html; charset=utf-8"
XML = "application/xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
JSON = "application/json; charset=utf-8"
_LEADING_DIGITS = re.compile(r"^(\d+)")
_LABEL = re.compile(r"^[a-z0-9-]+$")
_ALL_NEWS = re.compile(r"^/api/search/getallnews/(\d+)/?$")
# The updates of a live blog, 10 a page; the other API's action gives 20 (docs/site.md §5.4).
_SUB_BLOGS = re.compile(r"^/api/(search|discourseapi)/getsubblogs/(\d+)/(-?\d+)/?$")
SUB_BLOGS_PER_PAGE = {"search": 10, "discourseapi": 20}
_EDITION_PATHS = {name: path for path, name in EDITIONS.items()}
EDITION_COOKIE = "Edition"


@dataclass
class Response:
    """An answer. `date` is the site's clock when it answered (the `Date` header). The last four
    fields are for faults: `delay` seconds before answering; `reset_after` body bytes sent (after
    a full Content-Length) before the connection is reset; `stream` chunks sent instead of
    `body`, `length` bytes in all."""

    status: int
    body: bytes = b""
    content_type: str = HTML
    headers: dict[str, str] = field(default_factory=dict)
    date: datetime | None = None
    delay: float = 0.0
    reset_after: int | None = None
    stream: Iterator[bytes] | None = None
    length: int | None = None


def _html(text: str, status: int = 200) -> Response:
    return Response(status, text.encode("utf-8"))


def _redirect(location: str) -> Response:
    return Response(301, b"", HTML, {"Location": location})


def _not_found() -> Response:
    return _html(pages.NOT_FOUND_PAGE, 404)


def _error() -> Response:
    return _html(pages.ERROR_PAGE, 500)


def _missing() -> Response:
    """A missing or unpublished article: the code raises a 404 whose error page does not exist,
    so production answers 500 with an empty body (docs/site.md §8.1, inferred)."""
    return Response(500, b"", HTML)


def _page_number(query: dict[str, list[str]]) -> int:
    try:
        return max(1, int(query.get("page", ["1"])[0]))
    except ValueError:
        return 1


def _user_is_bot(user_agent: str) -> bool:
    return "bot" in user_agent.lower()


def _live_view_bot(user_agent: str) -> bool:
    """The live-blog view's own test: case-sensitive (docs/site.md §5.4)."""
    return "bot" in user_agent


def _edition(cookie_header: str) -> str | None:
    """The `Edition` cookie's value, URL-decoded; None without one."""
    cookies = SimpleCookie()
    try:
        cookies.load(cookie_header)
    except CookieError:
        return None
    morsel = cookies.get(EDITION_COOKIE)
    return unquote(morsel.value) if morsel else None


def _article(site: ReplicaSite, segments: list[str], query: str, agent: str, target: str):
    """`/article/<label>/<id…>` and `/article/<digits>`: only the leading digits of the id
    segment matter; a label-less `/article/<id>-<slug>` fails like a missing article."""
    if len(segments) == 2:
        if not segments[1].isdigit():
            return _missing()
        return _serve_article(site, int(segments[1]), agent, target)
    label, match = segments[1].lower(), _LEADING_DIGITS.match(segments[2])
    if not match or not site.has(int(match[1])):
        return _missing()
    news_id = int(match[1])
    data = site.article(news_id)
    # Only `agency-wire` redirects, only for a labelled article, and not when the URL asks for
    # AMP in any way (`?amp`, `?amp=1`): any other label, even a wrong one, is served.
    if label == "agency-wire" and data.label and "?amp" not in target:
        suffix = f"?{query}" if query else ""
        return _redirect(f"/article/{data.label}/{slug(news_id, data.title)}{suffix}")
    return _serve_article(site, news_id, agent, target)


def _serve_article(site: ReplicaSite, news_id: int, agent: str, target: str) -> Response:
    if not site.has(news_id):
        return _missing()
    # Only a URL ending exactly in `?amp` gets the AMP view; `?amp=1` the desktop page.
    variant = "amp" if target.endswith("?amp") else "desktop"
    live_view = variant == "desktop" and site.kind_of(news_id) == LIVE_BLOG
    bot = _live_view_bot(agent) if live_view else _user_is_bot(agent)
    if variant == "amp" and site.article(news_id).source in DISCLAIMED_AGENCIES:
        # The AMP view reads a value the controller never sets for these (docs/site.md §8.4).
        return _missing()
    fault = site.fault_of(news_id)
    if fault:
        return _faulted_article(site, news_id, fault, target, variant, bot)
    return _html(site.render_article(news_id, variant, bot))


def _faulted_article(
    site: ReplicaSite, news_id: int, fault: str, target: str, variant: str, bot: bool
) -> Response:
    """The article page served with its fault (faults.py)."""
    if fault in faults.ONCE_MODES:
        if site.fault_hit(target) > 1:
            return _html(site.render_article(news_id, variant, bot))
        if fault == "500_once":
            return _error()
        if fault == "503_retry_after":
            page = faults.SERVICE_UNAVAILABLE_PAGE.encode()
            return Response(503, page, HTML, {"Retry-After": "1"})
        page = faults.TOO_MANY_REQUESTS_PAGE.encode()
        return Response(429, page, HTML, {"Retry-After": str(site.retry_after_seconds)})
    if fault == "500_permanent":
        return _error()
    if fault == "404":
        return _not_found()
    if fault == "empty":
        return Response(200, b"", HTML)
    if fault == "pdf":
        return Response(200, faults.PDF_BODY, "application/pdf")
    if fault == "image":
        return Response(200, faults.JPEG_BODY, "image/jpeg")
    if fault.startswith("redirect_"):
        return _redirect(_fault_location(site, news_id, fault, target))
    if fault in faults.CONTENT_MODES:
        page = faults.render_faulted(site, news_id, fault, variant, bot)
        return Response(200, page if isinstance(page, bytes) else page.encode("utf-8"))
    body = site.render_article(news_id, variant, bot).encode("utf-8")
    if fault == "slow":
        return Response(200, body, delay=float(site.slow_seconds))
    if fault == "reset":
        return Response(200, body, reset_after=len(body) // 2)
    if fault == "truncated":
        return Response(200, body[: len(body) * 2 // 3])
    if fault == "huge":
        length, chunks = faults.huge_stream(body, int(site.huge_bytes))
        return Response(200, b"", stream=chunks, length=length)
    raise AssertionError(f"unhandled fault {fault!r}")


def _fault_location(site: ReplicaSite, news_id: int, fault: str, target: str) -> str:
    parts = urlsplit(target)
    suffix = f"?{parts.query}" if parts.query else ""
    if fault == "redirect_loop":
        # A -> B -> A: B is the same article under a path ending in `-loop-b`.
        if parts.path.endswith(faults.LOOP_SUFFIX):
            return site.canonical_path(news_id) + suffix
        return f"/article/{site.section_of(news_id)}/{news_id}{faults.LOOP_SUFFIX}{suffix}"
    if fault == "redirect_offhost":
        return (site.decoy_url or faults.FALLBACK_DECOY) + parts.path + suffix
    if fault == "redirect_other_port":
        return (site.decoy_port_url or faults.FALLBACK_DECOY_PORT) + parts.path + suffix
    if fault == "redirect_file":
        return "file:///etc/passwd"
    return "ftp://127.0.0.1/x"


def _legacy(site: ReplicaSite, lower: str, query: dict[str, list[str]]) -> Response | None:
    """`/Home/Detail?id=<GUID>` → `/article/agency-wire/<id-slug>` (which may redirect again);
    `/Article?id=N` → the article. The path form `/Home/Detail/<GUID>` has no route."""
    key = query.get("id", [""])[0]
    if lower == "/home/detail":
        if site.decoy_url and key.lower() == site.decoy_guid():
            return _redirect(site.decoy_article_url(0))
        news_id = site.id_for_guid(key)
        if news_id is None:
            return _missing()
        return _redirect(f"/article/agency-wire/{slug(news_id, site.title_of(news_id))}")
    if lower == "/article":
        if not key.isdigit() or not site.has(int(key)):
            return _missing()
        return _redirect(site.canonical_path(int(key)))
    return None


def _sitemap(site: ReplicaSite, lower: str, xml: str) -> Response:
    fault = site.path_fault(lower)
    if fault == "sitemap_malformed":
        xml = faults.malformed_sitemap(xml)
    elif fault == "sitemap_bomb":
        xml = faults.bomb_sitemap(xml)
    elif fault == "sitemap_xxe":
        xml = faults.xxe_sitemap(xml, site.decoy_url or faults.FALLBACK_DECOY)
    return Response(200, xml.encode("utf-8"), XML)


def _listing(
    site: ReplicaSite, lower: str, query: dict[str, list[str]], edition: str
) -> Response | None:
    """The listings of docs/site.md §3. The pages read the region from the `Edition` cookie; the
    fragments from their `region` parameter."""
    page = _page_number(query)
    if lower in pages.SOURCE_LISTINGS:
        fault = site.path_fault(lower)
        junk = site.junk_link_count if fault == "junk_links" and page == 1 else 0
        endless = fault == "endless_pagination"
        return _html(pages.source_listing(site, lower, page, endless, junk))
    if lower.startswith("/stories/"):
        label = lower.split("/", 2)[2]
        return _html(pages.label_listing(site, label, edition)) if _LABEL.match(label) else None
    region = query.get("region", [""])[0]
    if lower == "/home/getnewsitems":
        label = query.get("label", [""])[0].lower()
        return _html(pages.label_items(site, label, region, page))
    if lower == "/news-analysis":
        return _html(pages.analysis_listing(site, edition))
    if lower == "/agencywire/getnewsanalysisitems":
        return _html(pages.analysis_items(site, region, page))
    return None


def _all_news(site: ReplicaSite, lower: str) -> Response | None:
    match = _ALL_NEWS.match(lower)
    if match is None:
        return None
    if site.all_news == "error":
        return _error()
    page = int(match[1])
    if page < 1:
        return _error()  # a negative skip fails in the database
    items = pages.all_news(site, page)
    body = {"data": items, "page": page} if site.all_news == "shape" else items
    return Response(200, pages.json_text(body).encode(), JSON)


def _sub_blogs(site: ReplicaSite, lower: str) -> Response | None:
    """A live blog's updates (docs/site.md §5.4, §8.3): a JSON array, newest created first, `[]`
    past the end or for an article without updates; `site.sub_blogs` may make it fail or change
    its shape."""
    match = _SUB_BLOGS.match(lower)
    if match is None:
        return None
    if site.sub_blogs == "error":
        return _error()
    page = int(match[3])
    if page < 1:
        return _error()  # a negative skip fails in the database
    per_page = SUB_BLOGS_PER_PAGE[match[1]]
    news_id = int(match[2])
    updates = site.updates_of(news_id) if site.has(news_id) else ()
    items = pages.sub_blogs(updates[(page - 1) * per_page : page * per_page])
    body = {"items": items} if site.sub_blogs == "shape" else items
    return Response(200, pages.json_text(body).encode(), JSON)


def _home(site: ReplicaSite, bot: bool, edition: str | None) -> Response:
    """A visitor without an `Edition` cookie is geolocated and sent to that edition's page; a
    "bot" agent is not (docs/site.md §8.1)."""
    if bot or edition is not None:
        return _html(pages.home_page(site))
    chosen = site.geolocated_edition
    return Response(
        302,
        b"",
        HTML,
        {
            "Set-Cookie": f"{EDITION_COOKIE}={quote(chosen)}; path=/",
            "Location": _EDITION_PATHS.get(chosen, "/"),
        },
    )


def handle(site: ReplicaSite, target: str, user_agent: str, cookie: str = "") -> Response:
    """Answer one GET for `target` (path and query) as devdiscourse.com would.

    The whole answer is computed from one snapshot of the site's clock and breakage, so a
    concurrent `advance()` never mixes two moments in one page.
    """
    site = site.snapshot()
    response = _answer(site, target, user_agent, cookie)
    response.date = site.now
    return response


def _answer(site: ReplicaSite, target: str, user_agent: str, cookie: str) -> Response:
    if site.breakage == "http500":
        return _error()
    parts = urlsplit(target)
    path, lower = parts.path, parts.path.lower()
    query = parse_qs(parts.query, keep_blank_values=True)
    bot = _user_is_bot(user_agent)
    edition = _edition(cookie)
    if lower == "/":
        return _home(site, bot, edition)
    if lower == "/robots.txt":
        if site.robots is None:
            return _not_found()  # no route serves it (docs/site.md §8.1)
        return Response(200, pages.ROBOTS[site.robots].encode(), TEXT)
    if lower == "/sitemap.xml":
        return _sitemap(site, lower, pages.hub_sitemap())
    if lower == "/rss/googlenews":
        return _sitemap(site, lower, pages.news_sitemap(site))
    segments = path.split("/")[1:]
    if lower.startswith("/article/") and len(segments) in (2, 3) and segments[-1]:
        return _article(site, segments, parts.query, user_agent, target)
    legacy = _legacy(site, lower, query)
    if legacy is not None:
        return legacy
    if lower.startswith("/api/"):
        return _all_news(site, lower) or _sub_blogs(site, lower) or _not_found()
    listing = _listing(site, lower, query, edition or GLOBAL_EDITION)
    if listing is not None:
        return listing
    name = pages.page_name(path)
    return _html(pages.generic_page(site, name)) if name else _not_found()
