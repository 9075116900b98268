"""Normalising functions: small, pure and typed, wired into `ArticleLoader` (newsbot/loaders.py).

Each takes one raw value as the page gives it and returns the normalised value, or None when
there is nothing usable (MapCompose then drops it, so the next source in a fallback chain wins).
"""

import html
import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import SplitResult, parse_qs, urlsplit

# India Standard Time: UTC+05:30 all year. The site stores UTC and prints IST (docs/site.md §6).
IST = timezone(timedelta(hours=5, minutes=30), "IST")

AGENCIES = frozenset({"PTI", "Reuters", "IANS", "ANI", "AFP"})
SYNDICATED_DISCLAIMER = (
    "(This story has not been edited by Devdiscourse staff and is auto-generated from a "
    "syndicated feed.)"
)
AGENCY_INPUTS_DISCLAIMER = "(With inputs from agencies.)"
APP_LINE = "Download The Devdiscourse News App for Latest News."
MAX_TAGS = 20
STOCK_IMAGE_PATH = "/images/newstheme.jpg"

# Zero-width characters and the BOM carry no text but defeat equality tests on titles and tags.
_INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_BYLINE_TIME_RE = re.compile(
    r"(?P<day>\d{1,2})-(?P<month>\d{1,2})-(?P<year>\d{4})\s+"
    r"(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?(?:\s*IST)?\s*$",
    re.IGNORECASE,
)
_ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_TIME_PART_RE = {
    "Created": re.compile(r"Created\s*:\s*([^|]*)", re.IGNORECASE),
    "Updated": re.compile(r"Updated\s*:\s*([^|]*)", re.IGNORECASE),
}
_TITLE_SUFFIX_RE = re.compile(r"\s+(?:\|\s*[A-Z][A-Za-z]*(?:-[A-Z][A-Za-z]*)*|-\s*Devdiscourse)$")
_CREDIT_PREFIX_RE = re.compile(r"^\s*Image\s+Credit\s*:?", re.IGNORECASE)
_CREDIT_SPLIT_RE = re.compile(r"Image\s+Credit\s*:", re.IGNORECASE)
_STOCK_DESCRIPTION_RE = re.compile(r"^Read more about .* on Devdiscourse\.?$", re.DOTALL)
# `, ` joins tags; a comma without a space is part of a tag (`Rs 2,000 notes`).
_KEYWORD_SPLIT_RE = re.compile(r",\s+|,$")
_SECTOR_PATH_RE = re.compile(r"^/news/(?P<sector>[a-z0-9-]+)/?$")
# The 2024+ NewsArticle block prints `"description": <text>,` without quotes (docs/site.md §5.1).
# The value ends where the next `, "key":` starts, at the object's end, or at the line's end.
_UNQUOTED_DESCRIPTION_RE = re.compile(
    r'("description"\s*:\s*)(?!["{\[]|null|true|false)[^\n]*?'
    r'(?=\s*,\s*"[^"\n]*"\s*:|\s*}\s*$|\s*\n)'
)
_TRAILING_COMMA_RE = re.compile(r",(\s*[}\]])")
_BOILERPLATE = frozenset(
    text.casefold() for text in (SYNDICATED_DISCLAIMER, AGENCY_INPUTS_DISCLAIMER, APP_LINE)
)
_DISCLAIMERS = frozenset(
    text.casefold() for text in (SYNDICATED_DISCLAIMER, AGENCY_INPUTS_DISCLAIMER)
)
_DATEPARSER_SETTINGS = {
    "DATE_ORDER": "DMY",
    "PREFER_DAY_OF_MONTH": "first",
    "TIMEZONE": "Asia/Kolkata",
    "RETURN_AS_TIMEZONE_AWARE": True,
    "STRICT_PARSING": True,
}


def clean_text(text: str) -> str | None:
    """Collapse every run of whitespace to one space and trim; None for nothing left."""
    # str.split() splits on exactly what `\s` matches, at a third of a regex's cost.
    return " ".join(_INVISIBLE_RE.sub("", text).split()) or None


def unescape_html(text: str) -> str:
    """JSON-LD strings arrive HTML-escaped (`&#x27;`); script text is not decoded by the parser."""
    return html.unescape(text)


def strip_title_suffix(title: str) -> str:
    """`Title | Science-Environment` or `Title - Devdiscourse` → `Title` (og:title, <title>)."""
    return _TITLE_SUFFIX_RE.sub("", title.strip())


def byline_created(byline: str) -> str | None:
    """The text after `Created:` in a byline, e.g. `02-03-2020 17:29 IST`."""
    return _byline_part(byline, "Created")


def byline_updated(byline: str) -> str | None:
    """The text after `Updated:` in a byline, e.g. `02-03-2020 17:54 IST`."""
    return _byline_part(byline, "Updated")


def _byline_part(byline: str, name: str) -> str | None:
    match = _TIME_PART_RE[name].search(byline)
    return clean_text(match[1]) if match else None


def byline_parts(byline: str) -> list[str]:
    """The byline's non-time parts in order: source or author first, then the dateline city."""
    parts = (clean_text(part) for part in byline.split("|"))
    return [p for p in parts if p and not re.match(r"(?i)(updated|created)\s*:", p)]


def byline_source(byline: str) -> str | None:
    """The first part of a byline (`PTI | Moscow | Updated: …` → `PTI`)."""
    parts = byline_parts(byline)
    return parts[0] if parts else None


def byline_location(byline: str) -> str | None:
    """The dateline city: the part after the source (`PTI | Moscow | Updated: …` → `Moscow`)."""
    parts = byline_parts(byline)
    return parts[1] if len(parts) > 1 else None


def parse_datetime(text: str) -> datetime | None:
    """A site time as an aware datetime in IST, or None when it is not a real, zoned time.

    The site's own formats take an exact fast path: the byline's day-first `dd-MM-yyyy HH:mm IST`
    and ISO 8601 with an offset. An ISO time without an offset is refused (docs/site.md §5.3: the
    AMP JSON-LD prints those and they are not to be trusted). Anything else goes to dateparser,
    told that IST is UTC+05:30 and that days come first.
    """
    text = clean_text(text) or ""
    text = re.sub(r"^(?:updated|created)\s*:\s*", "", text, flags=re.IGNORECASE)
    if not text:
        return None
    if match := _BYLINE_TIME_RE.match(text):
        return _byline_datetime(match)
    if _ISO_RE.match(text):
        return _iso_datetime(text)
    return _dateparser_datetime(text)


def _byline_datetime(match: re.Match[str]) -> datetime | None:
    try:
        return datetime(
            int(match["year"]),
            int(match["month"]),
            int(match["day"]),
            int(match["hour"]),
            int(match["minute"]),
            int(match["second"] or 0),
            tzinfo=IST,
        )
    except ValueError:  # 31-02-2020 or 25:61: the page is wrong, guessing would be worse
        return None


def _iso_datetime(text: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return parsed.astimezone(IST) if parsed.tzinfo else None
    except (ValueError, OverflowError):  # 9999-12-31T23:59Z has no IST equivalent
        return None


def _dateparser_datetime(text: str) -> datetime | None:
    # Imported here, on the slow path only: the site's own formats never reach it, and importing
    # dateparser costs every run about 10 MB and 0.4 s.
    import dateparser

    # dateparser reads "IST" as Israel (+02:00); spell the offset out instead.
    text = re.sub(r"\bIST\b", "+0530", text, flags=re.IGNORECASE)
    try:
        parsed = dateparser.parse(text, languages=["en"], settings=_DATEPARSER_SETTINGS)
        return parsed.astimezone(IST) if parsed else None
    except (ValueError, OverflowError):
        return None


def to_ist_iso(value: datetime) -> str:
    """`2020-03-02T17:29:00+05:30`: seconds precision, the IST offset."""
    return value.astimezone(IST).replace(microsecond=0).isoformat()


def utc_iso(value: datetime) -> str:
    """`2020-03-02T11:59:00Z`."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def reconcile_times(values: Iterable[datetime]) -> str | None:
    """The first (most visible) time, with the seconds of a later source that agrees to the minute.

    The byline shows minutes only; the meta tags carry seconds but may be stale. Their seconds
    are used only when they agree with the byline to the minute.
    """
    values = list(values)
    if not values:
        return None
    first = values[0]
    minute = first.replace(second=0, microsecond=0)
    if first != minute:  # not a minute-only byline time: it already has its own seconds
        return to_ist_iso(first)
    for other in values[1:]:
        if other.replace(second=0, microsecond=0) == minute:
            return to_ist_iso(other)
    return to_ist_iso(first)


def caption_part(figcaption: str) -> str | None:
    """The editor's caption: the text before `Image Credit:`, e.g. `Representative Image`."""
    return clean_text(_CREDIT_SPLIT_RE.split(figcaption, maxsplit=1)[0])


def credit_part(figcaption: str) -> str | None:
    """The credit in a caption, without its prefix and one pair of wrapping parentheses."""
    pieces = _CREDIT_SPLIT_RE.split(figcaption, maxsplit=1)
    if len(pieces) < 2:
        return None
    return clean_credit(pieces[1])


def clean_credit(credit: str) -> str | None:
    """`Image Credit: (en.kremlin.ru)` → `en.kremlin.ru`; `Twitter (@ANI)` stays as it is."""
    text = clean_text(_CREDIT_PREFIX_RE.sub("", credit)) or ""
    if text.startswith("(") and text.endswith(")") and _closing_paren(text) == len(text) - 1:
        text = clean_text(text[1:-1]) or ""
    return text or None


def _closing_paren(text: str) -> int:
    """Index of the parenthesis that closes the one at index 0, or -1 if unbalanced."""
    depth = 0
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return index
    return -1


def _urlsplit(url: str) -> SplitResult | None:
    """`urlsplit`, or None for a malformed URL (`http://[x` raises "Invalid IPv6 URL")."""
    try:
        return urlsplit(url)
    except ValueError:
        return None


def image_from_proxy(url: str) -> str:
    """The image inside the site's image proxies: the resizer of current pages
    (`/img?imageUrl=<image>&width=920…`) and the `/remote.axd?<image>` of older ones. AMP pages
    print the resizer protocol-relative, as if `img` were a host (`//img?…`; docs/site.md §8.4)."""
    parts = _urlsplit(url)
    path = parts.path.rstrip("/").lower() if parts else ""
    if parts and not path and parts.netloc.lower() == "img" and not parts.scheme:
        path = "/img"
    if path == "/img":
        inner = parse_qs(parts.query).get("imageUrl") or parse_qs(parts.query).get("imageurl")
        if inner:
            return inner[0]
    if path.endswith("/remote.axd") and parts.query.lower().startswith(("http://", "https://")):
        return parts.query
    return url


def drop_stock_image(url: str) -> str | None:
    """None for the stock picture the site shows when an article has no image of its own."""
    parts = _urlsplit(url)
    return None if parts is None or parts.path.lower().endswith(STOCK_IMAGE_PATH) else url


def sector_from_href(href: str) -> str | None:
    """`/news/economy-business` (or an absolute URL to it) → `economy-business`."""
    parts = _urlsplit(href.strip())
    match = _SECTOR_PATH_RE.match(parts.path) if parts else None
    return match["sector"] if match else None


def author_from_href(href: str) -> str | None:
    """The author named by `/Home/AuthorArticles?fl=<Author>`."""
    parts = _urlsplit(href)
    names = parse_qs(parts.query).get("fl") if parts else None
    return clean_text(names[0]) if names else None


def split_keywords(keywords: str) -> list[str]:
    """`meta[name=news_keywords]`: tags joined by `, `."""
    return [tag for tag in (clean_text(part) for part in _KEYWORD_SPLIT_RE.split(keywords)) if tag]


def subtitle_from_description(description: str) -> str | None:
    """The meta description is the subtitle, unless it is the stock `Read more about …` line."""
    text = clean_text(description)
    return None if text is None or _STOCK_DESCRIPTION_RE.match(text) else text


def is_boilerplate(paragraph: str) -> bool:
    """The disclaimers and the old app line: site furniture, never story text."""
    return (clean_text(paragraph) or "").casefold() in _BOILERPLATE


def drop_boilerplate(paragraph: str) -> str | None:
    return None if is_boilerplate(paragraph) else paragraph


def has_disclaimer(paragraphs: Iterable[str]) -> bool:
    """Whether the story carries either syndication disclaimer."""
    return any((clean_text(p) or "").casefold() in _DISCLAIMERS for p in paragraphs)


def is_syndicated(source: str | None, disclaimer: bool) -> bool:
    """Wire copy: an agency source, or a page that says its text came from a feed or agencies."""
    return disclaimer or (source or "").strip() in AGENCIES


def join_paragraphs(paragraphs: Iterable[str]) -> str | None:
    """Paragraphs separated by a blank line; None when there are none."""
    return "\n\n".join(paragraphs) or None


def distinct(values: Iterable[str]) -> list[str]:
    """Values in first-seen order, each once."""
    return list(dict.fromkeys(values))


def distinct_tags(values: Iterable[str]) -> list[str]:
    """Distinct tags in page order, at most the site's own maximum of 20."""
    return distinct(values)[:MAX_TAGS]


def parse_json_ld(text: str) -> list[dict]:
    """The objects in a JSON-LD block; [] when it cannot be read.

    Since 2024 the NewsArticle block prints its description unquoted, so a failed parse is normal:
    make that value null and try once more before giving up.
    """
    repaired = _TRAILING_COMMA_RE.sub(r"\1", _UNQUOTED_DESCRIPTION_RE.sub(r"\1null", text))
    for candidate in (text, repaired):
        try:
            data = json.loads(candidate, strict=False)
        except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
            continue
        objects = data if isinstance(data, list) else [data]
        return [obj for obj in objects if isinstance(obj, dict)]
    return []


# -- live blogs (docs/site.md §5.4, §8.3) ---------------------------------------------------------

# Zones are whole quarter hours from UTC: a server clock's offset from IST is one too.
_CLOCK_STEP = timedelta(minutes=15)
_OPINION_HEADLINE_RE = re.compile(r'"headline"\s*:\s*"Opinion: ')


# The entity replacements the site makes when it prints a stored story (docs/site.md §5.2, §8.4).
_PRINTED_ENTITIES = (
    ("&nbsp;", " "),
    ("&rsquo;", "'"),
    ("&lsquo;", "'"),
    ("&ldquo;", '"'),
    ("&rdquo;", '"'),
)


def as_printed(stored_html: str) -> str:
    """Stored HTML (an update's description, as the updates API gives it) as the site prints a
    stored story: four entities made plain characters (docs/site.md §5.2), so that an update's
    text reads as the article's `body` does."""
    for entity, plain in _PRINTED_ENTITIES:
        stored_html = stored_html.replace(entity, plain)
    return stored_html


def api_time(text: str) -> datetime | None:
    """A time of the site's JSON APIs (UTC printed without an offset, docs/site.md §6), aware;
    an offset, when one is printed, is honoured. Fractions of a second are dropped."""
    text = clean_text(text) or ""
    if not _ISO_RE.match(text):
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.replace(microsecond=0)


def update_id(value: object) -> str | None:
    """An update's id as digits (the API prints an integer); None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value) if value > 0 else None
    text = clean_text(value) if isinstance(value, str) else None
    return text if text and text.isdigit() and int(text) > 0 else None


def post_url(page_url: str, update: str) -> str:
    """Where an update lives on its live blog's page: `<page URL>#post_<id>` (docs/site.md §5.4)."""
    return f"{page_url.split('#', 1)[0]}#post_{update}"


def clock_offset(explicit: datetime, byline: datetime) -> timedelta:
    """How far a byline's clock runs behind a time the page converts to IST explicitly, to the
    quarter hour: the byline shows whole minutes of the same moment, labelled IST whatever
    zone the server runs in (docs/site.md §5.4). 0 on a server in IST, 5 h 30 on one in UTC."""
    steps = round((explicit - byline) / _CLOCK_STEP)
    return steps * _CLOCK_STEP


def is_opinion_headline(json_ld: str) -> bool:
    """An Opinion piece's JSON-LD headline starts `Opinion: ` (docs/site.md §5.1, §8.4): read
    from the block's text, as the block is often not valid JSON."""
    return bool(_OPINION_HEADLINE_RE.search(json_ld))
