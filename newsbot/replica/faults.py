"""Faults on purpose: the replica misbehaves deterministically, by seed and by URL (issue 4).

`ReplicaSite(faults={"500_once": 0.03, "truncated": [3990123], ...})` or `site.faults = {...}`.
A value is a rate in [0, 1] or a list of explicit targets (article ids for article modes, paths
for discovery modes).

Article modes: every article draws one number u in [0, 1) from (seed, id); the modes with a rate
share [0, 1) as consecutive intervals in the fixed order of ARTICLE_MODES, so one article has at
most one fault and each rate is honoured exactly in expectation. Explicit targets win over
rates; an id listed under two modes is an error. The two pinned old articles get a fault only
when listed. A fault applies wherever the article page is served (desktop and `?amp`), after
the site's own alias redirects.

Discovery modes: a rate above 0 turns the mode on for its default targets (see
`FaultPlan.path_targets`); a list names the paths.

Ground truth is `ReplicaSite.fault_of`, `.fault_targets`, `.expected_outcome`, `.healthy_ids`.
"""

import hashlib
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields, replace
from datetime import timedelta
from typing import TYPE_CHECKING

from newsbot.replica.article_page import _byline, amp_tag_order
from newsbot.replica.content import is_live_blog_id
from newsbot.replica.model import ArticleData, Block, expected_record, served_html
from newsbot.replica.text import enc

if TYPE_CHECKING:
    from newsbot.replica.website import ReplicaSite

# -- the modes ------------------------------------------------------------------------------------

# Served healthy after one failure: the record must be written once.
ONCE_MODES = ("500_once", "503_retry_after", "429_retry_after")
ARTICLE_MODES = (
    *ONCE_MODES,
    "500_permanent",
    "404",
    "slow",
    "reset",
    "truncated",
    "empty",
    "pdf",
    "image",
    "huge",
    "redirect_loop",
    "redirect_offhost",
    "redirect_other_port",
    "redirect_file",
    "redirect_ftp",
    "no_byline",
    "no_title",
    "no_dates",
    "impossible_dates",
    "updated_before_created",
    "jsonld_missing",
    "jsonld_broken",
    "bad_utf8",
    "script_in_title",
    "many_tags",
)
SITEMAP_MODES = ("sitemap_malformed", "sitemap_bomb", "sitemap_xxe")
LISTING_MODES = ("endless_pagination", "junk_links")
DISCOVERY_MODES = (*SITEMAP_MODES, *LISTING_MODES)
MODES = (*ARTICLE_MODES, *DISCOVERY_MODES)

# What a correct crawler reports for an article whose page is served with the fault.
DROP_REASONS: dict[str, str] = {
    "500_permanent": "http_500",
    "404": "http_404",
    "slow": "timeout",
    "reset": "connection",
    "truncated": "truncated",
    "empty": "empty",
    "pdf": "not_html",
    "image": "not_html",
    "huge": "too_large",
    "redirect_loop": "redirect",
    "redirect_offhost": "redirect",
    "redirect_other_port": "redirect",
    "redirect_file": "redirect",
    "redirect_ftp": "redirect",
    "no_byline": "missing_source",
    "no_title": "missing_title",
    "no_dates": "missing_created",
    "impossible_dates": "missing_created",
}
# The reasons themselves, each once.
REASONS = tuple(dict.fromkeys(DROP_REASONS.values()))
RECORD_MODES = tuple(mode for mode in ARTICLE_MODES if mode not in DROP_REASONS)
# Served 200 with hostile markup (render_faulted); the others are decided by HTTP.
CONTENT_MODES = (
    "no_byline",
    "no_title",
    "no_dates",
    "impossible_dates",
    "updated_before_created",
    "jsonld_missing",
    "jsonld_broken",
    "bad_utf8",
    "script_in_title",
    "many_tags",
)
LOOP_SUFFIX = "-loop-b"
# Redirect targets when the site was given no decoy: closed ports, never the replica.
FALLBACK_DECOY = "http://127.0.0.2:9"
FALLBACK_DECOY_PORT = "http://127.0.0.1:9"

SITEMAP_PATHS = ("/sitemap.xml", "/RSS/GoogleNews")
PAGED_LISTINGS = ("/pti-stories", "/devdiscourse-stories", "/AgencyWire")
IMPOSSIBLE_TIME = "31-02-2020 25:61 IST"
# Invalid UTF-8: a cut 3-byte sequence, then a byte that never occurs in UTF-8.
# `BAD_UTF8.decode("utf-8", "replace")` is exactly two U+FFFD.
BAD_UTF8 = b"\xe2\x82\xff"
BAD_UTF8_TEXT = "\ufffd\ufffd"
SHOWN_LT = " <updated>"  # printed as `&lt;updated&gt;` in the h1: text, not an element
BACKDATE = timedelta(hours=2, minutes=17)
PDF_BODY = (
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
JPEG_BODY = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    + bytes(range(64))
    + b"\xff\xd9"
)
SERVICE_UNAVAILABLE_PAGE = (
    "<!DOCTYPE html>\n<html><head><title>Service Unavailable</title></head><body>"
    "<h1>Service Unavailable</h1><p>Please retry later.</p></body></html>\n"
)
TOO_MANY_REQUESTS_PAGE = (
    "<!DOCTYPE html>\n<html><head><title>Too Many Requests</title></head><body>"
    "<h1>Too Many Requests</h1><p>Slow down.</p></body></html>\n"
)


def every_mode(rate: float) -> dict[str, float]:
    """Every article-level mode at `rate` each, and every discovery mode on: a mixed-fault site.

    The sitemap modes take turns on the site's two sitemaps, so one of the three is left out.
    """
    return dict.fromkeys(ARTICLE_MODES, rate) | dict.fromkeys(DISCOVERY_MODES, 1.0)


def unit(seed: int, key: str) -> float:
    """A number in [0, 1) that depends only on (seed, key)."""
    digest = hashlib.sha256(f"{seed}:fault:{key}".encode()).digest()
    return int.from_bytes(digest[:7], "big") / (1 << 56)


# -- the plan -------------------------------------------------------------------------------------


class FaultPlan:
    """The fault configuration of one site, its assignment rule and the per-URL hit counters."""

    def __init__(self, config: dict | None, seed: int, pinned: Iterable[int] = ()) -> None:
        self.seed = seed
        self.config: dict[str, float | list] = {}
        self._pinned = frozenset(pinned)
        self._explicit: dict[int, str] = {}
        self._intervals: list[tuple[float, str]] = []
        self._paths: dict[str, str] = {}
        self._lock = threading.Lock()
        self._hits: Counter[str] = Counter()
        for mode, value in (config or {}).items():
            if mode not in MODES:
                raise ValueError(f"unknown fault mode {mode!r}; one of {MODES}")
            if isinstance(value, bool) or not isinstance(value, int | float | list | tuple | set):
                raise ValueError(f"fault {mode!r}: a rate in [0, 1] or a list of targets")
            if isinstance(value, int | float):
                if not 0 <= value <= 1:
                    raise ValueError(f"fault {mode!r}: rate {value} is not in [0, 1]")
                self.config[mode] = float(value)
            else:
                self.config[mode] = list(value)
        self._build_articles()
        self._build_paths()

    def __bool__(self) -> bool:
        return bool(self._explicit or self._intervals or self._paths)

    def _build_articles(self) -> None:
        total = 0.0
        for mode in ARTICLE_MODES:
            value = self.config.get(mode)
            if isinstance(value, float) and value > 0:
                total += value
                self._intervals.append((total, mode))
            elif isinstance(value, list):
                for target in value:
                    news_id = int(target)
                    if self._explicit.get(news_id, mode) != mode:
                        raise ValueError(f"article {news_id} listed under two fault modes")
                    self._explicit[news_id] = mode
        if total > 1 + 1e-9:
            raise ValueError(f"article fault rates add up to {total:.3f} > 1")

    def _enabled(self, modes: tuple[str, ...]) -> list[str]:
        return [m for m in modes if isinstance(self.config.get(m), float) and self.config[m] > 0]

    def _build_paths(self) -> None:
        # Sitemap modes on by rate share the two sitemaps, rotated by seed; one alone takes both.
        sitemap_modes = self._enabled(SITEMAP_MODES)
        if sitemap_modes:
            offset = int(unit(self.seed, "sitemaps") * len(sitemap_modes))
            for index, path in enumerate(SITEMAP_PATHS):
                self._paths[path.lower()] = sitemap_modes[(index + offset) % len(sitemap_modes)]
        # Listing modes on by rate: distinct paged listings, chosen by seed.
        listings = list(PAGED_LISTINGS)
        start = int(unit(self.seed, "listings") * len(listings))
        for index, mode in enumerate(self._enabled(LISTING_MODES)):
            self._paths[listings[(start + index) % len(listings)].lower()] = mode
        # Explicit paths override the default choices above.
        for mode in DISCOVERY_MODES:
            value = self.config.get(mode)
            for path in value if isinstance(value, list) else []:
                self._paths[str(path).lower()] = mode

    # -- queries ------------------------------------------------------------------------------

    def article_fault(self, news_id: int) -> str | None:
        if news_id in self._explicit:
            return self._explicit[news_id]
        # Live blogs have a view of their own, which the content faults do not know how to
        # break: they are faulted only when named.
        if not self._intervals or news_id in self._pinned or is_live_blog_id(news_id):
            return None
        u = unit(self.seed, f"article:{news_id}")
        for end, mode in self._intervals:
            if u < end:
                return mode
        return None

    def path_fault(self, path: str) -> str | None:
        return self._paths.get(path.lower()) if self._paths else None

    def path_targets(self, mode: str) -> list[str]:
        """Paths with a discovery fault, as the site spells them where it knows them."""
        known = {p.lower(): p for p in (*SITEMAP_PATHS, *PAGED_LISTINGS)}
        return sorted(known.get(p, p) for p, m in self._paths.items() if m == mode)

    # -- hit counters -------------------------------------------------------------------------

    def hit(self, key: str) -> int:
        """Count one request for `key` (path and query); returns the count including it."""
        with self._lock:
            self._hits[key] += 1
            return self._hits[key]

    def hits(self, key: str) -> int:
        with self._lock:
            return self._hits[key]


# -- article pages with a fault -------------------------------------------------------------------


@dataclass
class _Backdated(ArticleData):
    """An article whose page says it was updated before it was created."""

    @property
    def modified(self):  # type: ignore[override]
        return self.updated

    @property
    def was_updated(self) -> bool:  # type: ignore[override]
        return True


def backdated(data: ArticleData) -> ArticleData:
    values = {f.name: getattr(data, f.name) for f in fields(ArticleData)}
    values["updated"] = data.created - BACKDATE
    return _Backdated(**values)


def many_tags(data: ArticleData, count: int) -> ArticleData:
    """Thousands of tag links: 15 distinct first (news_keywords), the same 15 again, then the
    rest of the article's own tags and made-up ones. The first 20 distinct are thus the first
    15 and the five after the repeats."""
    topics = (f"Topic {n:05d}" for n in range(count))
    first = list(data.tags[:15])
    first += [next(topics) for _ in range(15 - len(first))]
    tags = first + first + list(data.tags[15:])
    tags += [next(topics) for _ in range(max(0, count - len(tags)))]
    return replace(data, tags=tags)


def _bad_block_index(data: ArticleData) -> int | None:
    for index, block in enumerate(data.blocks):
        if block.html.startswith("<p>") and block.texts and block.texts[0]:
            return index
    return None


def with_bad_utf8_text(data: ArticleData) -> ArticleData:
    """The data whose record is that of the page with BAD_UTF8 inside its first paragraph."""
    index = _bad_block_index(data)
    if index is None:
        return data
    blocks = list(data.blocks)
    block = blocks[index]
    blocks[index] = Block(block.html, (BAD_UTF8_TEXT + block.texts[0], *block.texts[1:]))
    return replace(data, blocks=blocks)


def page_data(site: "ReplicaSite", news_id: int, mode: str | None) -> ArticleData:
    """The article data a faulted page is rendered from (or whose record it yields)."""
    data = site.article(news_id)
    if mode == "updated_before_created":
        return backdated(data)
    if mode == "many_tags":
        return many_tags(data, site.many_tags_count)
    return data


def expected_outcome(
    site: "ReplicaSite", news_id: int, variant: str = "desktop", bot: bool = False
) -> tuple[str, dict | str]:
    mode = site.fault_of(news_id)
    if mode in DROP_REASONS:
        return "dropped", DROP_REASONS[mode]
    data = page_data(site, news_id, mode)
    if mode == "bad_utf8":
        data = with_bad_utf8_text(data)
    record = expected_record(data, variant, bot, amp_tag_order(data))
    if mode == "script_in_title":
        record["title"] = " ".join((data.title + SHOWN_LT).split())
    if mode == "many_tags":
        record["tags"] = list(dict.fromkeys(record["tags"]))[:20]
    return "record", record


def _sub(pattern: str, repl: str | Callable, text: str, flags: int = 0) -> str:
    """re.subn that insists on a match; a string `repl` is taken literally."""
    result, count = re.subn(pattern, repl if callable(repl) else lambda _: repl, text, flags=flags)
    if not count:
        raise AssertionError(f"fault surgery found no {pattern!r}")
    return result


_JSON_LD = r'<script type="application/ld\+json">(.*?)</script>'
_LD_DATES = r'"datePublished":"[^"]*","dateModified":"[^"]*",'
_DATE_METAS = r'<meta itemprop="date(?:Published|Modified)" content="[^"]*">\n'


def render_faulted(
    site: "ReplicaSite", news_id: int, mode: str, variant: str, bot: bool
) -> str | bytes:
    """The page of an article with a content fault (the markup is hostile, the HTTP is fine)."""
    data = page_data(site, news_id, mode)
    amp = variant == "amp"
    if mode == "no_dates":
        return site.render_data(data, variant, bot, dates=False)
    if mode == "impossible_dates":
        page = site.render_data(replace(data, updated=None), variant, bot)
        page = re.sub(_DATE_METAS, "", page)
        page = _sub(_LD_DATES, "", page)
        return _sub(r"Created: \d\d-\d\d-\d{4} \d\d:\d\d IST", f"Created: {IMPOSSIBLE_TIME}", page)
    page = site.render_data(data, variant, bot)
    if mode == "no_byline":
        if amp:
            page = _sub(r'<p class="source">.*?</p>', "", page)
            page = _sub(r'<div class="meta">.*?</div>', "", page)
        else:
            page = page.replace(_byline(data, data.markup), "", 1)
            page = re.sub(
                r'<ul class="list-inline"><li class="f-18">FIRST PUBLISHED IN:</li>.*?</ul>',
                "",
                page,
            )
        page = _sub(r'<meta name="article:author" content="[^"]*">\n', "", page)
        return _sub(r'"author":\{"@type":"Person","name":"[^"]*"\},', "", page)
    if mode == "no_title":
        page = _sub(r'<h1 class="title">[^<]*</h1>', "", page)
        page = _sub(r"<title>[^<]*</title>\n?", "", page)
        page = re.sub(r'<meta property="og:title" content="[^"]*">\n', "", page)
        return _sub(r'"headline":"[^"]*",', "", page)
    if mode == "jsonld_missing":
        return _sub(_JSON_LD + r"\n?", "", page, re.S)
    if mode == "jsonld_broken":
        return _sub(
            _JSON_LD,
            lambda m: (
                '<script type="application/ld+json">'
                + m[1][: len(m[1]) // 2]
                + ',,{"@type":</script>'
            ),
            page,
            flags=re.S,
        )
    if mode == "script_in_title":
        h1 = (
            f'<h1 class="title"><b>{enc(data.title)}</b>{enc(SHOWN_LT)}<script>document.title = '
            '"<i>" + document.title + "</i> | Breaking";</script></h1>'
        )
        page = _sub(r'<h1 class="title">[^<]*</h1>', h1, page)
        if data.image and not data.video and not amp:
            caption = f'<figcaption class="fig-caption">{enc(data.image.caption)} Image Credit:'
            page = page.replace(
                caption,
                f'<figcaption class="fig-caption"><b>{enc(data.image.caption)}</b> Image Credit:',
                1,
            ).replace(
                "</figcaption></figure>",
                '<script>var credit = "Image Credit: tracker";</script></figcaption></figure>',
                1,
            )
        return page
    if mode == "bad_utf8":
        return _with_bad_bytes(page, data, amp)
    # updated_before_created, many_tags: the data says it all.
    return page


def _with_bad_bytes(page: str, data: ArticleData, amp: bool) -> bytes:
    body = page.encode("utf-8")
    index = _bad_block_index(data)
    if index is None:
        return body
    start = body.index(b'<div class="description">' if amp else b'<section class="article-cont">')
    # The block's opening text, as printed, is unique enough: its first 40 characters after `<p>`.
    html = served_html(data.blocks[index].html)
    probe = html[: 3 + 40].encode("utf-8")
    at = body.index(probe, start) + 3
    return body[:at] + BAD_UTF8 + body[at:]


def huge_stream(page: bytes, size: int) -> tuple[int, Iterator[bytes]]:
    """(length, chunks) of a page padded to at least `size` bytes with a comment in its body."""
    cut = page.rindex(b"</body>")
    padding = max(0, size - len(page) - 7)

    def chunks() -> Iterator[bytes]:
        yield page[:cut]
        yield b"<!--"
        block = b"x" * 65536
        left = padding
        while left > 0:
            yield block[: min(left, len(block))]
            left -= len(block)
        yield b"-->"
        yield page[cut:]

    return len(page) + padding + 7, chunks()


# -- discovery pages ------------------------------------------------------------------------------


def malformed_sitemap(xml: str) -> str:
    """Cut in the middle, then garbage: no parser gets a well-formed document."""
    return xml[: max(len(xml) // 2, 80)] + "<url><loc>&bogus;</lo<<</url>\n"


def bomb_sitemap(xml: str) -> str:
    """Billion laughs: ten levels of ten-fold entity expansion (10**9 'lol'), used in a loc."""
    levels = ['<!ENTITY lol0 "lol">']
    levels += [f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)]
    doctype = "<!DOCTYPE urlset [\n" + "\n".join(levels) + "\n]>\n"
    bomb = "<url><loc>https://www.devdiscourse.com/&lol9;</loc></url>\n"
    return _with_doctype(xml, doctype, bomb)


def xxe_sitemap(xml: str, decoy: str) -> str:
    """External entities: a local file, an http URL on the decoy, and a parameter entity."""
    doctype = (
        "<!DOCTYPE urlset [\n"
        '<!ENTITY xxe SYSTEM "file:///etc/passwd">\n'
        f'<!ENTITY web SYSTEM "{decoy}/xxe-entity">\n'
        f'<!ENTITY % remote SYSTEM "{decoy}/xxe.dtd">\n%remote;\n'
        "]>\n"
    )
    urls = (
        "<url><loc>https://www.devdiscourse.com/&xxe;</loc></url>\n"
        "<url><loc>https://www.devdiscourse.com/&web;</loc></url>\n"
    )
    return _with_doctype(xml, doctype, urls)


def _with_doctype(xml: str, doctype: str, first_urls: str) -> str:
    declaration, _, rest = xml.partition("\n")
    head, _, tail = rest.partition(">\n")
    return f"{declaration}\n{doctype}{head}>\n{first_urls}{tail}"
