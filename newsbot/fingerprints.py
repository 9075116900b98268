"""Request fingerprints that make every URL of one article the same request.

The site serves an article under many URLs (any slug, JS slugs, wrong labels; docs/site.md §1), so
Scrapy's duplicate filter, keyed on the URL, would fetch it once per alias. Keyed on the NewsId,
it fetches it once.
"""

import hashlib

from scrapy import Request
from scrapy.dupefilters import RFPDupeFilter
from scrapy.utils.request import RequestFingerprinter

from newsbot import urls
from newsbot.newsids import NewsIdSet


def article_key(url: str) -> tuple[str, str, int, str] | None:
    """(kind, host, port, NewsId): what makes two article requests the same; None for others."""
    news_id = urls.news_id(url)
    if news_id is None:
        return None
    # `agency-wire` URLs of labelled articles answer 301 to the labelled one (docs/site.md
    # §8.1): they must not share its fingerprint, or the redirect would be dropped as a
    # duplicate of itself. (Label-less `/article/<id>` is served as it is; kept apart too.)
    kind = "alias" if urls.section(url) in (None, urls.NO_LABEL) else "article"
    _, host, port = urls.origin(url)
    return kind, host, port, news_id


class NewsIdRequestFingerprinter(RequestFingerprinter):
    def fingerprint(self, request: Request) -> bytes:
        key = article_key(request.url)
        if key is None:
            return super().fingerprint(request)
        return hashlib.sha1(":".join(map(str, key)).encode()).digest()


class NewsIdDupeFilter(RFPDupeFilter):
    """Scrapy's duplicate filter, remembering article requests as bits (`NewsIdSet`, one per
    kind and origin) instead of a 20-byte fingerprint each: its memory stays flat however many
    articles a run requests. The same decisions as the fingerprints above; other requests, and
    every request when a JOBDIR persists the fingerprints, go through Scrapy's own filter."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._article_ids: dict[tuple[str, str, int], NewsIdSet] = {}

    def request_seen(self, request: Request) -> bool:
        key = article_key(request.url)
        if key is None or self.file:
            return super().request_seen(request)
        kind, host, port, news_id = key
        seen = self._article_ids.setdefault((kind, host, port), NewsIdSet())
        if news_id in seen:
            return True
        seen.add(news_id)
        return False
