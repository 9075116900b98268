# Scrapy settings for the newsbot project.
#
# Defaults are tuned for the live devdiscourse.com: one polite, identifiable crawler.
# Tests and benchmarks against the local replica override what they need with `-s`.
#
#     https://docs.scrapy.org/en/latest/topics/settings.html

BOT_NAME = "newsbot"

SPIDER_MODULES = ["newsbot.spiders"]
NEWSPIDER_MODULE = "newsbot.spiders"

# Our `crawl` replaces the built-in one to check spider arguments before anything starts.
COMMANDS_MODULE = "newsbot.commands"

ADDONS = {}

# Identify ourselves, with a contact, so the site's operators can reach us instead of blocking us.
# Operators running newsbot must put their own contact URL here. The agent must not contain
# "bot" in any case: the site hides tags and disclaimers from such agents (docs/site.md §5.2).
USER_AGENT = (
    "DevdiscourseArchiver/0.1 (+https://example.org/devdiscourse-archiver; research news crawler)"
)

# The site's robots.txt is unknown (no route serves one: a 404, inferred); whatever it says, we
# obey, through Scrapy's RobotsTxtMiddleware. It decides whether /api/Search/GetAllNews is used.
ROBOTSTXT_OBEY = True

# No cookies: the site sets only `Edition` (docs/site.md §8.1), when a browser without one visits
# `/`, and then shows another edition in `/stories` and `/news-analysis`. Without cookies every
# listing is the Global Edition's; the fragments name the region in their query instead.
COOKIES_ENABLED = False

# Politeness: few parallel requests, a delay, and AutoThrottle backing off when the site slows
# (it never goes below DOWNLOAD_DELAY).
CONCURRENT_REQUESTS = 4
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Transient failures (the site answers 500 for a missing article, docs/site.md §1) get a bounded
# number of retries; 429 is retried too, though Scrapy ignores Retry-After.
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

# An article page is well under 1 MiB; anything far larger is not one, so don't hang on or
# buffer it.
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024

# No listening sockets: the telnet console and 2.19's remote-control HTTP server both execute
# Python sent to them.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

# Scrapy passes each callback's output to the pipelines through this many tasks, created anew for
# every response (default 100). The pipelines are synchronous and an article page yields one
# record: more tasks only cost CPU, a fifth of a first crawl's per article (BENCHMARKS.md).
CONCURRENT_ITEMS = 1

# All URLs of one article (any slug, ?amp, no label) are one request: deduplicate on NewsId.
REQUEST_FINGERPRINTER_CLASS = "newsbot.fingerprints.NewsIdRequestFingerprinter"
# The same decisions, with article requests remembered as bits: memory flat in a run's length.
DUPEFILTER_CLASS = "newsbot.fingerprints.NewsIdDupeFilter"

# SameOriginMiddleware must run before RobotsTxtMiddleware (100), or robots.txt would be
# fetched from any host a link points to before the request is refused.
DOWNLOADER_MIDDLEWARES = {
    "newsbot.middlewares.SameOriginMiddleware": 50,
    # Below RetryMiddleware (550): it sees only the errors Scrapy gave up retrying.
    "newsbot.middlewares.UnreachableSiteMiddleware": 540,
    # Above RetryMiddleware (550): responses pass the chain backwards, so these see them first.
    "newsbot.middlewares.RetryAfterMiddleware": 560,
    "newsbot.middlewares.TruncatedPageMiddleware": 570,
    # Beyond every built-in one (HttpCache is 900): sees each response as it came off the wire,
    # before decompression, redirects and retries, robots.txt included (newsbot/archive.py).
    "newsbot.archive.WarcArchiveMiddleware": 950,
}
# Every response of a crawl that publishes goes into <data dir>/warc/<run start>-NNNNN.warc.gz,
# a new file past this many bytes (docs/cron.md; `scrapy replay` re-extracts from them).
NEWSBOT_WARC_ENABLED = True
NEWSBOT_WARC_MAX_BYTES = 1024**3
# Frees each page's parsed tree when its callback is done (a reference cycle would keep it).
SPIDER_MIDDLEWARES = {"newsbot.middlewares.ParsedPageReleaseMiddleware": 10}
# The longest a `Retry-After` answer may pause the site's slot, in seconds.
NEWSBOT_RETRY_AFTER_MAX = 300
# Follow at most so many redirects in a row (Scrapy's default is 20).
REDIRECT_MAX_TIMES = 5
# At most so many article pages per run; links beyond it wait for the next run. Bounds a run
# against a page of endless links; a first live run of every root finds about 2,500.
NEWSBOT_MAX_ARTICLES = 5000

# In data-flow order: drop incomplete records, then duplicates, then articles unchanged since
# their last publication (numbering the others' revisions), then write what is left.
ITEM_PIPELINES = {
    "newsbot.pipelines.RequiredFieldsPipeline": 100,
    "newsbot.pipelines.DuplicatesPipeline": 200,
    "newsbot.pipelines.RevisionPipeline": 300,
    "newsbot.pipelines.JsonLinesWriterPipeline": 800,
}

# The seen store (<data dir>/seen.sqlite3): opened, and recovered from any killed run, before
# the spider starts; the spider and the pipelines above read it.
EXTENSIONS = {
    "newsbot.state.RunState": 0,
    # A file newsbot can't write (full disk, read-only, corrupt store) stops the crawl at once.
    "newsbot.filefaults.StopOnFileFault": 0,
    # The health checks (newsbot/monitors.py), after the store's own spider_closed handler.
    "spidermon.contrib.scrapy.extensions.Spidermon": 500,
    # One line of progress, refreshed in place, when stderr is a terminal (never under cron).
    "newsbot.progress.TerminalProgress": 600,
}
NEWSBOT_PROGRESS = True

# None: the environment variable NEWSBOT_DATA_DIR, else data/ under the working directory;
# `~` is expanded.
NEWSBOT_DATA_DIR = None
# True for the commands that only look (`scrapy parse`, `shell`, …; newsbot/commands/): the
# seen store is opened read-only, without the run lock, and nothing is published.
NEWSBOT_READ_ONLY = False

FEED_EXPORT_ENCODING = "utf-8"

LOG_LEVEL = "INFO"

# Health checks at the end of every run; thresholds documented in docs/cron.md. A failed check
# makes `scrapy crawl` exit 1 (newsbot/cron.py).
SPIDERMON_ENABLED = True
SPIDERMON_SPIDER_CLOSE_MONITORS = ["newsbot.monitors.HealthCheckSuite"]
SPIDERMON_EXPECTED_FINISH_REASONS = ["finished"]
# A field present but null is missing, not covered; empty strings and lists are skipped too.
SPIDERMON_ADD_FIELD_COVERAGE = True
SPIDERMON_FIELD_COVERAGE_SKIP_NONE = True
# Well below what the site shows (about 80 % location, 90 % image, 96 % tags): these catch a
# markup change that loses a field, not an odd article.
SPIDERMON_FIELD_COVERAGE_RULES = {
    "Article/location": 0.4,
    "Article/image_url": 0.5,
    "Article/body": 0.9,
    "Article/tags": 0.5,
}
NEWSBOT_HEALTH_COVERAGE_MIN_ITEMS = 20
NEWSBOT_HEALTH_MIN_ARTICLES = 5
NEWSBOT_HEALTH_MAX_INVALID_SHARE = 0.2
NEWSBOT_HEALTH_MAX_5XX_SHARE = 0.2
NEWSBOT_HEALTH_MAX_ERROR_SHARE = 0.2

# Cron: a run still going after NEWSBOT_MAX_RUNTIME seconds is closed gracefully (what it wrote
# is published) and exits 3; one that has not closed NEWSBOT_HARD_STOP_GRACE seconds later is
# killed. Both well inside an hourly schedule.
NEWSBOT_MAX_RUNTIME = 50 * 60
NEWSBOT_HARD_STOP_GRACE = 5 * 60
# Logs of the newest runs kept in <data dir>/logs/: a month of hourly runs.
NEWSBOT_LOGS_KEPT = 720
