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
# Of those, live blogs': their page has no dateline city (the field-coverage check, monitors.py).
ITEMS_WRITTEN_LIVE_BLOG = "newsbot/items/written_liveblog"
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
# A valid record the writer did not write because a file fault stopped the crawl: the next run
# fetches the article again.
DROPPED_UNWRITTEN = dropped("unwritten")
# `scrapy replay --publish`: a capture older than the article's latest published revision.
DROPPED_SUPERSEDED = dropped("superseded")
# Dropped records that were valid: repeats, not losses.
VALID_DROPS = frozenset({DROPPED_DUPLICATE, DROPPED_UNCHANGED, DROPPED_SUPERSEDED})


def layout(name: str) -> str:
    """Article pages extracted in one page layout (`layouts.Layout.name`; `unknown`: none)."""
    return f"newsbot/layout/{name}"


# What the record keeps as the page says, but a reader may want to know about.
TAGS_CAPPED = "newsbot/tags/capped"
DATES_UPDATED_BEFORE_CREATED = "newsbot/dates/updated_before_created"

# Live blogs (newsbot/liveblog.py): pages parsed; pages whose byline ran on a clock other than
# IST and was corrected; requests to the updates API; records published with `updates` unknown,
# by why (disallowed by robots.txt, a failure reason of newsbot/failures.py, or `shape`).
LIVEBLOG_PAGES = "newsbot/liveblog/pages"
LIVEBLOG_CLOCK_SHIFTED = "newsbot/liveblog/clock_shifted"
LIVEBLOG_API_REQUESTS = "newsbot/liveblog/api_requests"


def updates_unknown(reason: str) -> str:
    return f"newsbot/liveblog/updates_unknown/{reason}"


# -- discovery ------------------------------------------------------------------------------------
SITEMAP_ENTRIES = "newsbot/discovery/sitemap_entries"
SITEMAP_MALFORMED = "newsbot/discovery/sitemap_malformed"
SITEMAP_OVERRUN = "newsbot/discovery/sitemap_overrun"
# Items read from /api/Search/GetAllNews, the complete listing.
ALLNEWS_ITEMS = "newsbot/discovery/allnews_items"
# 1 when this run leaves part of GetAllNews unchecked for the next run (budget cut, failure).
ALLNEWS_GAP = "newsbot/discovery/allnews_gap"
# GetAllNews's later pages left unread (1): the walk down `/news-analysis` to the last run listed
# every new article page 1 showed; or paged after all (1): it did not, or stopped short.
ALLNEWS_LEFT_TO_ANALYSIS = "newsbot/discovery/allnews_left_to_analysis"
ALLNEWS_PAGED_ON = "newsbot/discovery/allnews_paged_on"
# Items read from the HTML listings and their fragments.
LISTING_LINKS = "newsbot/discovery/listing_links"
# Stored articles that a listing showed modified since they were stored: fetched again.
LISTING_CHANGED = "newsbot/discovery/listing_changed"
# Listing walks of an ordinary run stopped by the article budget while the next page could still
# hold something new (a first run's or `full=1`'s walks stop at `max_pages` uncounted).
LISTING_CUT = "newsbot/discovery/listing_cut"
# Stored articles a timed listing showed at a time their page's `updated` is not in: the walk
# was bounded by the listing's time alone (its order is inferred to be the pages' `updated`).
LISTING_TIME_DISAGREES = "newsbot/discovery/listing_time_disagrees"
# Stored articles a timed listing shows at a time that ends after their page was served (the last
# run's day as a date): the middle one is fetched first (a probe), and its `updated` shows those
# above it changed and rules out those below it served later (not fetched); after a failure or
# probes that decide nothing, the walk fetches the rest (gave_up).
LISTING_PROBES = "newsbot/discovery/listing_probes"
LISTING_RULED_OUT = "newsbot/discovery/listing_ruled_out"
LISTING_PROBES_GAVE_UP = "newsbot/discovery/listing_probes_gave_up"
OVER_BUDGET = "newsbot/discovery/over_budget"


def discovery_requests(origin: str) -> str:
    """Article requests a discovery source led to: `sitemap`, `allnews`, `listing`."""
    return f"newsbot/discovery/{origin}_requests"


def fallback(reason: str) -> str:
    """The run discovered without GetAllNews, from the sitemap and the HTML listings:
    `api_disallowed` (robots.txt), `api_failed`, `api_shape` (it changed shape)."""
    return f"newsbot/discovery/fallback/{reason}"


def discovery_failed(reason: str) -> str:
    """A listing, or a link that named no article, lost for good."""
    return f"newsbot/discovery/failed/{reason}"


# -- a backfill (newsbot/backfill.py) --------------------------------------------------------------
# The job's name (`ids=3900000-3950000`); absent on an ordinary run.
BACKFILL_JOB = "newsbot/backfill/job"
# Ids of the whole job (not only this run's): in it, settled done or missing, and left.
BACKFILL_TOTAL = "newsbot/backfill/total"
BACKFILL_DONE = "newsbot/backfill/done"
BACKFILL_MISSING = "newsbot/backfill/missing"
BACKFILL_LEFT = "newsbot/backfill/left"
# Ids this run requested.
BACKFILL_REQUESTED = "newsbot/backfill/requested"
# 5xx answers (retries included) of ids found missing: the site's way of saying "no such
# article", left out of the 5xx health check.
BACKFILL_MISSING_5XX = "newsbot/backfill/missing_5xx"
# Ids the short form `/article/<digits>` called missing that were asked again in the plain form,
# and 1 when the plain form served one of them: the run then used the plain form only.
BACKFILL_CHECKED_PLAIN = "newsbot/backfill/checked_plain"
BACKFILL_PLAIN_FORM = "newsbot/backfill/plain_form"
# Ids this run got no record of for another reason than missing (a download error, an invalid
# page): left for the next pass or run.
BACKFILL_FAILED = "newsbot/backfill/failed"
# Shared backfill (newsbot/shared.py): ids popped from the queue that were settled already or
# leased by a live worker, so not fetched again; expired leases taken back.
BACKFILL_NOT_LEASED = "newsbot/backfill/not_leased"
BACKFILL_RECLAIMED = "newsbot/backfill/reclaimed"
# The one line saying the shared Redis went away (newsbot/shared.py); absent while it is there.
REDIS_LOST = "newsbot/redis_lost"

# -- fetching -------------------------------------------------------------------------------------
OFFSITE_BLOCKED = "newsbot/offsite/blocked"
RETRY_AFTER = "newsbot/throttle/retry_after"
# Times a request waited for a slot of the site's rate budget (NEWSBOT_SITE_MAX_RATE).
RATE_WAITS = "newsbot/throttle/rate_waits"
RETRY_AFTER_MAX_WAIT = "newsbot/throttle/retry_after_max_wait"
# Why the site could not be reached at all (`host: what (attempts)`), when it could not.
UNREACHABLE = "newsbot/unreachable"


def recovery(what: str) -> str:
    """What the start of a run repaired after a killed one (`store.Recovery`'s fields)."""
    return f"newsbot/recovery/{what}"


# -- newsbot's own files --------------------------------------------------------------------------
# The run's first file fault, as its one line (newsbot/filefaults.py); absent when there was none.
FILE_FAULT = "newsbot/file_fault"

# -- the WARC archive (newsbot/archive.py, newsbot/warc.py) -------------------------------------
WARC_RESPONSES = "newsbot/warc/responses"
WARC_BYTES = "newsbot/warc/bytes"
WARC_FILES = "newsbot/warc/files"
WARC_PARTS_SALVAGED = recovery("warc_parts_salvaged")

# -- `scrapy replay` (newsbot/replay.py) --------------------------------------------------------
REPLAY_FILES = "newsbot/replay/files"
REPLAY_RESPONSES = "newsbot/replay/responses"
REPLAY_DAMAGED = "newsbot/replay/damaged"
# Archived pages the extractor raised an error on (a bug: the crawl would have lost them too).
REPLAY_FAILED = "newsbot/replay/extraction_failed"
# Older captures of an article whose latest capture is replayed instead.
REPLAY_OLDER_CAPTURES = "newsbot/replay/older_captures"


def replay_skipped(reason: str) -> str:
    """An archived response that is no article page: `redirect`, `http_404`, `not_article`, …"""
    return f"newsbot/replay/skipped/{reason}"


# -- health ---------------------------------------------------------------------------------------
# A list of one-line messages, empty when every check passed; absent if the checks never ran.
HEALTH_FAILED = "newsbot/health/failed"

# -- Scrapy's and spidermon's own keys that newsbot reads ------------------------------------------
FINISH_REASON = "finish_reason"
REQUEST_COUNT = "downloader/request_count"
RESPONSE_COUNT = "downloader/response_count"
RESPONSE_STATUS_PREFIX = "downloader/response_status_count/"
EXCEPTION_COUNT = "downloader/exception_count"
# Of those, requests a middleware refused (robots.txt): not a download that failed.
IGNORED_REQUESTS = "downloader/exception_type_count/scrapy.exceptions.IgnoreRequest"
SPIDER_EXCEPTIONS = "spider_exceptions/count"
ITEM_COUNT = "spidermon_item_scraped_count/Article"


def field_count(rule: str) -> str:
    """Records with the field of a coverage rule (`Article/location`), as spidermon counts."""
    return f"spidermon_item_scraped_count/{rule}"


def field_coverage(rule: str) -> str:
    """That field's share of all records, as spidermon computes it."""
    return f"spidermon_field_coverage/{rule}"
