"""Request fingerprints that make every URL of one article the same request.

The site serves an article under many URLs (any slug, JS slugs, wrong labels; docs/site.md §1), so
Scrapy's duplicate filter, keyed on the URL, would fetch it once per alias. Keyed on the NewsId,
it fetches it once.
"""

import hashlib

from scrapy import Request
from scrapy.utils.request import RequestFingerprinter

from newsbot import urls


class NewsIdRequestFingerprinter(RequestFingerprinter):
    def fingerprint(self, request: Request) -> bytes:
        news_id = urls.news_id(request.url)
        if news_id is None:
            return super().fingerprint(request)
        # `agency-wire` URLs of labelled articles answer 301 to the labelled one (docs/site.md
        # §8.1): they must not share its fingerprint, or the redirect would be dropped as a
        # duplicate of itself. (Label-less `/article/<id>` is served as it is; kept apart too.)
        kind = "alias" if urls.section(request.url) in (None, urls.NO_LABEL) else "article"
        _, host, port = urls.origin(request.url)
        return hashlib.sha1(f"{kind}:{host}:{port}:{news_id}".encode()).digest()
