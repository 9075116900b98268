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
# "bot" in any case: the site hides tags and disclaimers from such agents (SITE.md §5.2).
USER_AGENT = (
    "DevdiscourseArchiver/0.1 (+https://example.org/devdiscourse-archiver; research news crawler)"
)

# The site's robots.txt is unknown; whatever it says, we obey.
ROBOTSTXT_OBEY = True

# Politeness: few parallel requests, a delay, and AutoThrottle backing off when the site slows
# (it never goes below DOWNLOAD_DELAY).
CONCURRENT_REQUESTS = 4
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Transient failures (the site answers 500 for a missing article, SITE.md §1) get a bounded
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

# All URLs of one article (any slug, ?amp, no label) are one request: deduplicate on NewsId.
REQUEST_FINGERPRINTER_CLASS = "newsbot.fingerprints.NewsIdRequestFingerprinter"

# SameOriginMiddleware must run before RobotsTxtMiddleware (100), or robots.txt would be
# fetched from any host a link points to before the request is refused.
DOWNLOADER_MIDDLEWARES = {
    "newsbot.middlewares.SameOriginMiddleware": 50,
}

# In data-flow order: drop incomplete records, then duplicates, then write what is left.
ITEM_PIPELINES = {
    "newsbot.pipelines.RequiredFieldsPipeline": 100,
    "newsbot.pipelines.DuplicatesPipeline": 200,
    "newsbot.pipelines.JsonLinesWriterPipeline": 800,
}

# None: the environment variable NEWSBOT_DATA_DIR, else data/ under the working directory.
NEWSBOT_DATA_DIR = None

FEED_EXPORT_ENCODING = "utf-8"

LOG_LEVEL = "INFO"
