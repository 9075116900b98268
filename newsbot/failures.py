"""Why an article or listing was lost: the reasons newsbot counts (`newsbot/dropped/<reason>`,
`newsbot/discovery/failed/<reason>`), from Scrapy 2.19's download exceptions and responses."""

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from newsbot.archive import Unarchived
from newsbot.middlewares import OffBaseUrl, TruncatedPage

FAILURE_REASONS: tuple[tuple[type[Exception], str], ...] = (
    (DownloadTimeoutError, "timeout"),
    # newsbot cancels downloads only for DOWNLOAD_MAXSIZE.
    (DownloadCancelledError, "too_large"),
    (DownloadConnectionRefusedError, "connection"),
    (DownloadFailedError, "connection"),
    (ResponseDataLossError, "connection"),
    (CannotResolveHostError, "connection"),
)


def is_html(response: Response) -> bool:
    """Served as HTML: Scrapy would also sniff a page out of a body its type does not name."""
    content_type = response.headers.get("Content-Type", b"").decode("latin-1").lower()
    return isinstance(response, TextResponse) and "html" in (content_type or "html")


def failure_reason(failure: Failure) -> str:
    """`http_404`, `timeout`, `too_large`, `connection`, `redirect`, `offsite`, `truncated`,
    `unarchived`, …"""
    error = failure.value
    if isinstance(error, HttpError):
        status = error.response.status
        # A 3xx left unfollowed: Scrapy follows only http(s) locations (not file: or ftp:).
        return "redirect" if 300 <= status < 400 else f"http_{status}"
    for kind, reason in FAILURE_REASONS:
        if isinstance(error, kind):
            return reason
    if isinstance(error, TruncatedPage):
        return "truncated"
    if isinstance(error, Unarchived):  # after a file fault in the WARC archive
        return "unarchived"
    redirected = bool(failure.request.meta.get("redirect_times"))
    if isinstance(error, OffBaseUrl):
        return "redirect" if redirected else "offsite"
    if isinstance(error, IgnoreRequest) and "max redirections" in str(error):  # Scrapy's words
        return "redirect"
    return failure.type.__name__
