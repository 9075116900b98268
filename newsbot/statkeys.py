"""Every stats key newsbot writes or reads, named once.

newsbot's own counts live under `newsbot/…` (runs.jsonl reports them without the prefix, in its
"counts"); a few of Scrapy's and spidermon's own keys are read too. Components import the name
from here instead of retyping the string, so a key can't drift between the code that counts and
the code that reads (health checks, runs.jsonl).
"""

PREFIX = "newsbot/"

# -- articles and records, in data-flow order -------------------------------------------------
# Every article page tried, answered or lost for good: the article-yield check's denominator.
ARTICLES_ATTEMPTED = "newsbot/articles/attempted"
ARTICLES_PARSED = "newsbot/articles/parsed"
SKIPPED_NOT_ARTICLE = "newsbot/skipped/not_article"
ITEMS_VALID = "newsbot/items/valid"
ITEMS_NEW = "newsbot/items/new"
ITEMS_REVISED = "newsbot/items/revised"
ITEMS_WRITTEN = "newsbot/items/written"
OUTPUT_FILE = "newsbot/output_file"

# Records not published and articles lost, by reason (`failures.failure_reason`, the pipelines).
DROPPED_PREFIX = "newsbot/dropped/"


def dropped(reason: str) -> str:
    return f"{DROPPED_PREFIX}{reason}"


def missing(field: str) -> str:
    """A record dropped because a required field is missing."""
    return dropped(f"missing_{field}")


DROPPED_DUPLICATE = dropped("duplicate")
DROPPED_UNCHANGED = dropped("unchanged")
# Dropped records that were valid: repeats, not losses.
VALID_DROPS = frozenset({DROPPED_DUPLICATE, DROPPED_UNCHANGED})


def layout(name: str) -> str:
    """Article pages extracted in one page layout (`layouts.Layout.name`; `unknown`: none)."""
    return f"newsbot/layout/{name}"


# What the record keeps as the page says, but a reader may want to know about.
TAGS_CAPPED = "newsbot/tags/capped"
DATES_UPDATED_BEFORE_CREATED = "newsbot/dates/updated_before_created"

# -- discovery ------------------------------------------------------------------------------------
SITEMAP_ENTRIES = "newsbot/discovery/sitemap_entries"
SITEMAP_MALFORMED = "newsbot/discovery/sitemap_malformed"
SITEMAP_OVERRUN = "newsbot/discovery/sitemap_overrun"
LISTING_LINKS = "newsbot/discovery/listing_links"
OVER_BUDGET = "newsbot/discovery/over_budget"


def discovery_requests(origin: str) -> str:
    """Article requests a discovery source led to: `sitemap`, `listing`, `related`."""
    return f"newsbot/discovery/{origin}_requests"


def discovery_failed(reason: str) -> str:
    """A listing, or a link that named no article, lost for good."""
    return f"newsbot/discovery/failed/{reason}"


# -- fetching -------------------------------------------------------------------------------------
OFFSITE_BLOCKED = "newsbot/offsite/blocked"
RETRY_AFTER = "newsbot/throttle/retry_after"
RETRY_AFTER_MAX_WAIT = "newsbot/throttle/retry_after_max_wait"


def recovery(what: str) -> str:
    """What the start of a run repaired after a killed one (`store.Recovery`'s fields)."""
    return f"newsbot/recovery/{what}"


# -- health ---------------------------------------------------------------------------------------
# A list of one-line messages, empty when every check passed; absent if the checks never ran.
HEALTH_FAILED = "newsbot/health/failed"

# -- Scrapy's and spidermon's own keys that newsbot reads ------------------------------------------
FINISH_REASON = "finish_reason"
REQUEST_COUNT = "downloader/request_count"
RESPONSE_COUNT = "downloader/response_count"
RESPONSE_STATUS_PREFIX = "downloader/response_status_count/"
EXCEPTION_COUNT = "downloader/exception_count"
SPIDER_EXCEPTIONS = "spider_exceptions/count"
ITEM_COUNT = "spidermon_item_scraped_count/Article"
