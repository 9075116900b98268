"""Health checks run by spidermon when the spider closes (docs/cron.md lists them).

spidermon's own monitors cover the finish reason and field coverage; the checks it lacks
(discovery, article yield, 5xx and error shares) are here. spidermon only logs its results, so
`RecordHealth` writes one line per failed check into the stats, where newsbot/cron.py reads it.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any, ClassVar

from scrapy.exceptions import ScrapyDeprecationWarning
from spidermon import MonitorSuite, monitors
from spidermon.contrib.scrapy.monitors import FieldCoverageMonitor, FinishReasonMonitor
from spidermon.contrib.scrapy.monitors.base import BaseScrapyMonitor
from spidermon.core.actions import Action

from newsbot import statkeys as keys

# spidermon 1.27 writes its report through Spider.log(), which Scrapy 2.19 deprecates: a
# warning on every run that says nothing about the crawl. Only that one is silenced.
warnings.filterwarnings(
    "ignore",
    message=r"Spider\.log\(\) is deprecated",
    category=ScrapyDeprecationWarning,
    module=r"spidermon\.",
)


def server_error_count(stats: Mapping[str, Any]) -> int:
    """Responses with any 5xx status, retried ones included."""
    prefix = keys.RESPONSE_STATUS_PREFIX + "5"
    return sum(int(count) for name, count in stats.items() if name.startswith(prefix))


def error_count(stats: Mapping[str, Any]) -> int:
    """Download failures (timeouts, refused connections) and spider exceptions; not the requests
    robots.txt refused, which never reached the site (Scrapy counts them as exceptions too)."""
    downloads = int(stats.get(keys.EXCEPTION_COUNT, 0) or 0)
    downloads -= int(stats.get(keys.IGNORED_REQUESTS, 0) or 0)
    return downloads + int(stats.get(keys.SPIDER_EXCEPTIONS, 0) or 0)


def _share(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def _percent(value: float) -> str:
    return f"{value:.0%}"


class NewsbotMonitor(BaseScrapyMonitor):
    def stat(self, name: str) -> int:
        return int(self.stats.get(name, 0) or 0)

    def setting(self, name: str) -> float:
        return self.crawler.settings.getfloat(name)

    def assert_share_within(self, part: int, whole: int, limit_setting: str, what: str) -> None:
        """Fail with `<part> of <whole> <what> (<share>, limit <limit>)` above the limit."""
        share, limit = _share(part, whole), self.setting(limit_setting)
        self.assertLessEqual(
            share,
            limit,
            msg=f"{part} of {whole} {what} ({_percent(share)}, limit {_percent(limit)})",
        )


@monitors.name("discovery")
class DiscoveryMonitor(NewsbotMonitor):
    """Every source came back empty: the sitemap, the complete listing, the HTML listings. An
    unchanged re-run still reads each of them, so something is always there on a healthy run."""

    @monitors.name("found something")
    def test_discovery_found_something(self) -> None:
        if self.stats.get(keys.BACKFILL_JOB):
            self.skipTest("a backfill discovers nothing: it requests its ids")
        entries = self.stat(keys.SITEMAP_ENTRIES)
        all_news = self.stat(keys.ALLNEWS_ITEMS)
        links = self.stat(keys.LISTING_LINKS)
        self.assertTrue(
            entries or all_news or links,
            msg="discovery found nothing: 0 sitemap entries, 0 GetAllNews items and 0 listing "
            "links",
        )


@monitors.name("backfill")
class BackfillMonitor(NewsbotMonitor):
    """A backfill run that got not one article page, while its job has found none at all or
    still has ids left: the site (or the short form of its article URLs) is not answering.
    Missing ids are no failure once the job has found articles."""

    @monitors.name("fetched something")
    def test_backfill_fetched_something(self) -> None:
        if not self.stats.get(keys.BACKFILL_JOB) or self.stat(keys.ARTICLES_PARSED):
            self.skipTest("not a backfill, or it fetched articles")
        found, left = self.stat(keys.BACKFILL_DONE), self.stats.get(keys.BACKFILL_LEFT)
        self.assertTrue(
            found and not left,
            msg=f"backfill {self.stats[keys.BACKFILL_JOB]} fetched no article:"
            f" {self.stat(keys.BACKFILL_REQUESTED)} requests, every id missing or failed",
        )


@monitors.name("article yield")
class ArticleYieldMonitor(NewsbotMonitor):
    """Invalid records are dropped, so only this share shows a markup change losing a field."""

    @monitors.name("articles yield valid records")
    def test_articles_yield_valid_records(self) -> None:
        # Every article page tried counts, lost to an error or an empty page too.
        pages = self.stat(keys.ARTICLES_ATTEMPTED)
        if pages < self.setting("NEWSBOT_HEALTH_MIN_ARTICLES"):
            self.skipTest(f"only {pages} article pages")
        failed = max(pages - self.stat(keys.ITEMS_VALID), 0)
        what = f"article pages yielded no valid record ({self.drop_reasons()})"
        self.assert_share_within(failed, pages, "NEWSBOT_HEALTH_MAX_INVALID_SHARE", what)

    def drop_reasons(self) -> str:
        reasons = [
            f"{name.removeprefix(keys.DROPPED_PREFIX).replace('_', ' ')}: {count}"
            for name, count in sorted(self.stats.items())
            # Duplicates and unchanged articles were valid records, not losses.
            if name.startswith(keys.DROPPED_PREFIX) and name not in keys.VALID_DROPS
        ]
        return ", ".join(reasons) or "no drop recorded"


@monitors.name("server errors")
class ServerErrorShareMonitor(NewsbotMonitor):
    """All 5xx together, of responses: spidermon's UnwantedHTTPCodesMonitor judges each code
    alone, against requests, and floors its limit to 0 on a small run."""

    @monitors.name("5xx share")
    def test_5xx_share(self) -> None:
        # A backfill's missing ids answer 500 (docs/site.md §8.1): the site's "no such article".
        missing = self.stat(keys.BACKFILL_MISSING_5XX)
        responses = self.stat(keys.RESPONSE_COUNT) - missing
        what = "responses were 5xx server errors"
        limit = "NEWSBOT_HEALTH_MAX_5XX_SHARE"
        errors = server_error_count(self.stats) - missing
        self.assert_share_within(errors, responses, limit, what)


@monitors.name("errors")
class ErrorShareMonitor(NewsbotMonitor):
    """Download failures (timeouts, refused connections) and spider exceptions, of requests."""

    @monitors.name("error share")
    def test_error_share(self) -> None:
        requests = self.stat(keys.REQUEST_COUNT)
        what = "requests ended in a download error or a spider exception"
        limit = "NEWSBOT_HEALTH_MAX_ERROR_SHARE"
        self.assert_share_within(error_count(self.stats), requests, limit, what)


# Fields a live blog's page never shows (docs/site.md §5.4: no dateline city).
NOT_ON_LIVE_BLOGS = ("Article/location",)


@monitors.name("field coverage")
class SampledFieldCoverageMonitor(FieldCoverageMonitor):
    """spidermon's coverage rules (SPIDERMON_FIELD_COVERAGE_RULES), judged only on enough
    published records: an unchanged re-run publishes none, and a run with two new articles says
    little about the markup.

    A field live blogs never have is judged on the other records: an hourly run that re-visits
    the day's live blogs (found by the month's simulation: 21 of 45 records) is not a markup
    change. spidermon's own test takes each share over every record, so its loop is redone here
    with that one denominator changed."""

    @monitors.name("coverage rules met")
    def test_check_if_field_coverage_rules_are_met(self) -> None:
        published = self.stats.get(keys.ITEM_COUNT, 0)
        if published < self.crawler.settings.getint("NEWSBOT_HEALTH_COVERAGE_MIN_ITEMS"):
            self.skipTest(f"only {published} records published")
        others = published - self.stats.get(keys.ITEMS_WRITTEN_LIVE_BLOG, 0)
        rules = self.crawler.settings.getdict("SPIDERMON_FIELD_COVERAGE_RULES")
        failures = []
        for rule, expected in rules.items():
            if rule in NOT_ON_LIVE_BLOGS:
                # All live blogs: nothing to judge the field on.
                share = self.stats.get(keys.field_count(rule), 0) / others if others else 1.0
            else:
                share = self.stats.get(keys.field_coverage(rule), 0)
            if share < expected:
                failures.append(f"{rule} (expected {expected}, got {share:.3f})")
        self.assertFalse(
            failures,
            msg="The following items did not meet field coverage rules: " + "; ".join(failures),
        )


@monitors.name("finish reason")
class FinishedMonitor(FinishReasonMonitor):
    pass


def one_line(monitor_name: str, text: str) -> str:
    """spidermon's messages span lines (field coverage) or are tracebacks (a crashed check)."""
    joined = ""
    for line in filter(None, (line.strip() for line in text.strip().splitlines())):
        separator = " " if joined.endswith(":") else "; "
        joined = f"{joined}{separator}{line}" if joined else line
    return f"{monitor_name}: {joined}"


class RecordHealth(Action):
    """Stores the failed checks, one line each, in the stats: there is no exit-status action."""

    def run_action(self) -> None:
        self.data.crawler.stats.set_value(keys.HEALTH_FAILED, failed_checks(self.result))


def failed_checks(result: Any) -> list[str]:
    messages = []
    for item in result.monitors_failed_results:
        name = item.item.monitor_name
        if item.reason is not None:
            messages.append(one_line(name, item.reason))
        else:  # the check itself raised: its traceback's last line says what
            messages.append(one_line(name, f"check crashed: {item.error.strip().splitlines()[-1]}"))
    return messages


class HealthCheckSuite(MonitorSuite):
    monitors: ClassVar[list[type[BaseScrapyMonitor]]] = [
        FinishedMonitor,
        DiscoveryMonitor,
        BackfillMonitor,
        ArticleYieldMonitor,
        SampledFieldCoverageMonitor,
        ServerErrorShareMonitor,
        ErrorShareMonitor,
    ]
    # "Finished", not "failed": the stat must be set on a healthy run too, or a run whose
    # checks never ran would look healthy.
    monitors_finished_actions: ClassVar[list[type[Action]]] = [RecordHealth]
