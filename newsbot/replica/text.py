"""Text rules of devdiscourse.com: HTML encoding, slugs, IST date formats
(docs/site.md §1, §5.1, §6)."""

import re
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import quote, quote_plus

IST = timezone(timedelta(hours=5, minutes=30))
PRODUCTION = "https://www.devdiscourse.com"
NO_LABEL = "agency-wire"

_HTML_ESCAPES = {
    ord("&"): "&amp;",
    ord("<"): "&lt;",
    ord(">"): "&gt;",
    ord('"'): "&quot;",
    ord("'"): "&#x27;",
}
_NOT_SLUG = re.compile(r"[^a-z0-9\s-]")
_SPACES = re.compile(r"\s+")
_NOT_JS_SLUG = re.compile(r"[^a-z0-9]+")


def enc(text: str) -> str:
    """Encode like ASP.NET Core's default HtmlEncoder: apostrophes and non-ASCII as entities."""
    text = text.translate(_HTML_ESCAPES)
    if text.isascii():
        return text
    return "".join(c if ord(c) < 128 else f"&#x{ord(c):X};" for c in text)


def xml_text(text: str) -> str:
    """Escape for XML text and attributes; sitemaps keep non-ASCII as UTF-8."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def slug(news_id: int, title: str, limit: int = 130) -> str:
    """The canonical slug (130 characters; the news sitemap uses 150)."""
    raw = f"{news_id}-{title}".encode()
    # Each byte past ASCII becomes one "?" (the ascii codec replaces byte by byte).
    ascii_text = raw.decode("ascii", "replace").replace("\ufffd", "?").lower()
    kept = _SPACES.sub(" ", _NOT_SLUG.sub("", ascii_text)).strip()
    return kept[:limit].strip().replace(" ", "-")


def js_slug(news_id: int, title: str) -> str:
    """The slug the site's JavaScript builds: runs of anything else collapse to one hyphen."""
    return f"{news_id}-" + _NOT_JS_SLUG.sub("-", title.lower()).strip("-")


def label_title(label: str) -> str:
    """`science-environment` -> `Science-Environment`, as the <title> suffix prints it."""
    return "-".join(part.capitalize() for part in label.split("-"))


def printed_location(raw: str) -> str:
    """The dateline as the server prints it from the stored city (docs/site.md §5.2)."""
    if "washington" in raw.lower():
        return "Washington DC"
    if raw.lower() == "losangeles":
        return "Los Angeles"
    return " ".join(word[:1].upper() + word[1:] for word in raw.split(" "))


def in_ist(moment: datetime) -> datetime:
    return moment.astimezone(IST)


def byline_time(moment: datetime) -> str:
    return in_ist(moment).strftime("%d-%m-%Y %H:%M IST")


def byline_time_on(moment: datetime, server_utc: bool) -> str:
    """A byline time as a server prints it from its own clock, labelled IST whatever its zone:
    on a UTC server 5 h 30 behind (docs/site.md §5.4)."""
    local = moment.astimezone(UTC) if server_utc else in_ist(moment)
    return local.strftime("%d-%m-%Y %H:%M IST")


def iso_ist(moment: datetime, seconds: bool = True) -> str:
    local = in_ist(moment)
    if not seconds:
        local = local.replace(second=0, microsecond=0)
    return local.replace(microsecond=0).isoformat()


def iso_naive_utc(moment: datetime) -> str:
    """The AMP page's JSON-LD prints UTC without an offset, which readers must not trust."""
    return moment.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat()


def blob_stamp(moment: datetime, fraction: int) -> str:
    """Image blob names: local IST `dd_MM_yyyy_HH_mm_ss_fffffff`."""
    return in_ist(moment).strftime("%d_%m_%Y_%H_%M_%S_") + f"{fraction:07d}"


def relative_time(age_seconds: float, moment: datetime) -> str:
    """The listing's relative time (docs/site.md §6); older than three days prints the date."""
    age = max(0, int(age_seconds))
    if age < 60:
        return f"{age} Seconds ago"
    if age < 120:
        return "About a minute ago"
    if age < 3600:
        return f"About {age // 60} minutes ago"
    if age < 7200:
        return "About an hour ago"
    if age < 86400:
        return f"About {age // 3600} hours ago"
    if age < 2 * 86400:
        return "Yesterday"
    if age < 4 * 86400:
        return f"About {age // 86400} days ago"
    local = in_ist(moment)
    return f"{local.day} {local.strftime('%B %Y')}"


def tag_href(tag: str) -> str:
    return "/news?tag=" + quote_plus(tag)


def path_quote(text: str) -> str:
    return quote(text, safe="")
