"""failure_reason: each way a request is lost, named as the stats count it."""

import pytest
from scrapy import Request
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from newsbot.failures import failure_reason, is_html
from newsbot.middlewares import OffBaseUrl, TruncatedPage

URL = "http://127.0.0.1:8800/article/politics/1-x"


def failed(error: Exception, redirected: bool = False) -> Failure:
    request = Request(URL, meta={"redirect_times": 1} if redirected else {})
    failure = Failure(error)
    failure.request = request
    return failure


def http_error(status: int) -> HttpError:
    return HttpError(Response(URL, status=status), "not handled")


@pytest.mark.parametrize(
    ("error", "redirected", "reason"),
    [
        (http_error(404), False, "http_404"),
        (http_error(500), False, "http_500"),
        (http_error(301), False, "redirect"),  # a Location Scrapy would not follow (file:, ftp:)
        (DownloadTimeoutError("slow"), False, "timeout"),
        (DownloadCancelledError("over DOWNLOAD_MAXSIZE"), False, "too_large"),
        (DownloadConnectionRefusedError(), False, "connection"),
        (ResponseDataLossError(), False, "connection"),
        (TruncatedPage("truncated page"), False, "truncated"),
        (OffBaseUrl("outside http://127.0.0.1:8800"), False, "offsite"),
        (OffBaseUrl("outside http://127.0.0.1:8800"), True, "redirect"),
        (IgnoreRequest("max redirections reached"), True, "redirect"),
        (ValueError("anything else"), False, "ValueError"),
    ],
    ids=[
        "404", "500", "301", "timeout", "maxsize", "refused", "data-loss", "truncated",
        "offsite-link", "offsite-redirect", "redirect-loop", "other",
    ],
)  # fmt: skip
def test_failure_reason(error, redirected, reason):
    assert failure_reason(failed(error, redirected)) == reason


@pytest.mark.parametrize(
    ("response", "html"),
    [
        (HtmlResponse(URL, body=b"<html></html>", headers={"Content-Type": "text/html"}), True),
        (TextResponse(URL, body=b"<html></html>", encoding="utf-8"), True),  # no type: sniffed
        (TextResponse(URL, body=b"%PDF", headers={"Content-Type": "application/pdf"}), False),
        (Response(URL, body=b"\\xff\\xd8", headers={"Content-Type": "image/jpeg"}), False),
    ],
    ids=["html", "untyped", "pdf-as-text", "image"],
)
def test_is_html(response, html):
    assert is_html(response) is html
