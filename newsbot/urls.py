"""URL rules of devdiscourse.com (docs/site.md §1, §8.1) and the mapping of production links onto a
mirror."""

import re
from urllib.parse import urlsplit, urlunsplit

PRODUCTION_BASE_URL = "https://www.devdiscourse.com"
PRODUCTION_HOSTS = frozenset({"devdiscourse.com", "www.devdiscourse.com"})

# /article/<label>/<NewsId>-<slug>, /article/<NewsId>-<slug>; the server reads only the leading
# digits of the last segment, so the slug may be anything or absent. A link without a label names
# the article, but the site answers only its all-digit form (`requestable_url`).
ARTICLE_PATH_RE = re.compile(r"^/article/(?:(?P<label>[a-z0-9-]+)/)?(?P<id>\d+)(?:[^/]*)$")
NO_LABEL = "agency-wire"
SLUG_LENGTH = 130
_NOT_SLUG = re.compile(r"[^a-z0-9\s-]")
_SPACES = re.compile(r"\s+")


def origin(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an absolute URL, with the scheme's default port filled in."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme, (parts.hostname or "").lower(), port


def site_root(url: str) -> str:
    """`scheme://host[:port]` of an absolute URL: the site it belongs to."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def is_production(url: str) -> bool:
    """Whether a URL belongs to the live devdiscourse.com, not to a mirror or the replica."""
    return (urlsplit(url).hostname or "").lower() in PRODUCTION_HOSTS


def onto_base(url: str, base_url: str) -> str:
    """Point a production devdiscourse.com URL at `base_url` (a mirror); leave others as they are.

    The replica, like a true mirror, prints production URLs in canonicals and links; requests for
    them must go to the mirror.
    """
    if not is_production(url):
        return url
    parts, base = urlsplit(url), urlsplit(base_url)
    return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))


def article_match(url: str) -> re.Match[str] | None:
    return ARTICLE_PATH_RE.match(urlsplit(url).path)


def is_article_url(url: str) -> bool:
    return article_match(url) is not None


def news_id(url: str) -> str | None:
    """The NewsId of an article URL (digits only), or None for any other URL."""
    match = article_match(url)
    return match["id"] if match else None


def section(url: str) -> str | None:
    """The label of an article URL; `agency-wire` is what the site uses for articles without one."""
    match = article_match(url)
    return match["label"] if match and match["label"] else None


def desktop_url(url: str) -> str:
    """An article URL without its query (drops `?amp` and tracking parameters) and fragment."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def requestable_url(url: str) -> str:
    """The desktop page of an article link, in a form the site answers: `/article/<id>-<slug>`
    without a label fails there (500; docs/site.md §8.1), `/article/<id>` does not."""
    parts = urlsplit(desktop_url(url))
    if section(url) is None and (news := news_id(url)):
        return urlunsplit((parts.scheme, parts.netloc, f"/article/{news}", "", ""))
    return urlunsplit(parts)


def slug(news_id: str | int, title: str) -> str:
    """The site's canonical slug of an article (docs/site.md §1)."""
    raw = f"{news_id}-{title}".encode()
    text = "".join(chr(byte) if byte < 128 else "?" for byte in raw).lower()
    kept = _SPACES.sub(" ", _NOT_SLUG.sub("", text)).strip()
    return kept[:SLUG_LENGTH].strip().replace(" ", "-")


def article_path(news_id: str | int, label: str | None, title: str) -> str:
    """The canonical path of an article: an article without a label is `agency-wire`'s."""
    return f"/article/{label or NO_LABEL}/{slug(news_id, title)}"


# docs/site.md §1: the labels known today. New ones can appear; any [a-z0-9-]+ is accepted.
LABELS: tuple[str, ...] = (
    "headlines",
    "international",
    "business",
    "technology",
    "politics",
    "law-order",
    "health",
    "education",
    "entertainment",
    "science-environment",
    "sports-games",
    "other",
    "national",
    "lifestyle",
)
LABEL_RE = re.compile(r"^[a-z0-9-]+$")
