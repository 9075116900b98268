"""Request routing of the replica: which path answers what, with which status
(docs/site.md §1, §3)."""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

from newsbot.replica import faults, pages
from newsbot.replica.article_page import SOURCE_PAGES
from newsbot.replica.text import slug
from newsbot.replica.website import ReplicaSite

HTML = "text/html; charset=utf-8"
XML = "application/xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
_LEADING_DIGITS = re.compile(r"^(\d+)")
_LABEL = re.compile(r"^[a-z0-9-]+$")
_DESK_SOURCES = {path.lower(): source for source, path in SOURCE_PAGES.items()}


@dataclass
class Response:
    """An answer. The last four fields are for faults: `delay` seconds before answering;
    `reset_after` body bytes sent (after a full Content-Length) before the connection is reset;
    `stream` chunks sent instead of `body`, `length` bytes in all."""

    status: int
    body: bytes = b""
    content_type: str = HTML
    headers: dict[str, str] = field(default_factory=dict)
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


def _page_number(query: dict[str, list[str]]) -> int:
    try:
        return max(1, int(query.get("page", ["1"])[0]))
    except ValueError:
        return 1


def _user_is_bot(user_agent: str) -> bool:
    return "bot" in user_agent.lower()


def _article(
    site: ReplicaSite, label: str | None, segment: str, query: str, bot: bool, target: str
) -> Response:
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


def _detail(site: ReplicaSite, guid: str) -> Response:
    if site.decoy_url and guid.lower() == site.decoy_guid():
        return _redirect(site.decoy_article_url(0))
    news_id = site.id_for_guid(guid)
    if news_id is None:
        return _error()
    return _redirect(f"/article/agency-wire/{slug(news_id, site.title_of(news_id))}")


def _sitemap(site: ReplicaSite, lower: str, xml: str) -> Response:
    fault = site.path_fault(lower)
    if fault == "sitemap_malformed":
        xml = faults.malformed_sitemap(xml)
    elif fault == "sitemap_bomb":
        xml = faults.bomb_sitemap(xml)
    elif fault == "sitemap_xxe":
        xml = faults.xxe_sitemap(xml, site.decoy_url or faults.FALLBACK_DECOY)
    return Response(200, xml.encode("utf-8"), XML)


def _source_listing(
    site: ReplicaSite, path: str, lower: str, heading: str, sources: list[str], page: int
) -> Response:
    fault = site.path_fault(lower)
    endless = fault == "endless_pagination"
    junk = site.junk_link_count if fault == "junk_links" and page == 1 else 0
    return _html(pages.source_listing(site, path, heading, sources, page, endless, junk))


def _listing(
    site: ReplicaSite, path: str, lower: str, query: dict[str, list[str]]
) -> Response | None:
    page = _page_number(query)
    if lower == "/pti-stories":
        return _source_listing(site, path, lower, "PTI STORIES", ["PTI"], page)
    if lower == "/agencywire":
        return _source_listing(site, path, lower, "AGENCY WIRE", ["PTI", "Reuters", "IANS"], page)
    if lower in _DESK_SOURCES:
        source = _DESK_SOURCES[lower]
        return _source_listing(site, path, lower, f"{source.upper()} STORIES", [source], page)
    if lower.startswith("/news-source/"):
        source = unquote(path.split("/", 2)[2])
        return _source_listing(site, path, lower, source, [source], page)
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
        return _sitemap(site, lower, pages.hub_sitemap())
    if lower == "/rss/googlenews":
        return _sitemap(site, lower, pages.news_sitemap(site))
    segments = path.split("/")[1:]
    if lower.startswith("/article/") and len(segments) in (2, 3):
        label = segments[1].lower() if len(segments) == 3 else None
        if label is not None and not _LABEL.match(label):
            return _not_found()
        return _article(site, label, segments[-1], parts.query, bot, target)
    if lower.startswith("/home/detail/") and len(segments) == 3:
        return _detail(site, segments[2])
    listing = _listing(site, path, lower, query)
    if listing is not None:
        return listing
    name = pages.page_name(path)
    return _html(pages.generic_page(site, name)) if name else _not_found()
