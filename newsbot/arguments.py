"""Spider arguments (`-a name=value`): parsed and checked once, before anything is crawled."""

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from newsbot.urls import LABEL_RE, LABELS, PRODUCTION_BASE_URL

DEFAULT_MAX_PAGES = 5


class BadArgument(ValueError):
    """A spider argument is wrong; the message says which and why, in one line."""


@dataclass(frozen=True)
class CrawlArguments:
    base_url: str = PRODUCTION_BASE_URL
    max_pages: int = DEFAULT_MAX_PAGES
    sections: tuple[str, ...] = LABELS
    full: bool = False


def parse_base_url(raw: str) -> str:
    parts = urlsplit(raw.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadArgument(f"base_url must be an http(s) URL such as http://127.0.0.1:8800: {raw!r}")
    if parts.path.strip("/") or parts.query or parts.fragment:
        raise BadArgument(f"base_url must be a site root without path or query, got {raw!r}")
    try:
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise BadArgument(f"base_url has an invalid port: {raw!r}") from None
    return f"{parts.scheme}://{parts.netloc}"


def parse_max_pages(raw: str) -> int:
    text = str(raw).strip()
    if not text.isdigit() or int(text) < 1:
        raise BadArgument(f"max_pages must be a positive integer, got {raw!r}")
    return int(text)


def parse_sections(raw: str) -> tuple[str, ...]:
    sections = tuple(dict.fromkeys(s.strip() for s in str(raw).split(",") if s.strip()))
    bad = [s for s in sections if not LABEL_RE.match(s)]
    if bad or not sections:
        raise BadArgument(f"sections must be comma-separated [a-z0-9-]+ labels, got {raw!r}")
    return sections


def parse_flag(raw: str) -> bool:
    text = str(raw).strip().lower()
    if text not in FLAG_VALUES:
        raise BadArgument(f"full must be 1 or 0 (true/false, yes/no), got {raw!r}")
    return FLAG_VALUES[text]


FLAG_VALUES = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}
PARSERS = {
    "base_url": parse_base_url,
    "max_pages": parse_max_pages,
    "sections": parse_sections,
    "full": parse_flag,
}


def parse_arguments(raw: Mapping[str, object]) -> CrawlArguments:
    """Check the spider's own arguments; others (Scrapy's, like `_job`) are ignored."""
    values = {name: PARSERS[name](str(raw[name])) for name in PARSERS if raw.get(name) is not None}
    return CrawlArguments(**values)
