"""Every setting newsbot relies on, checked together before anything starts.

A bad value would otherwise surface late and disguised: `NEWSBOT_MAX_ARTICLES=abc` as a crash
once the spider starts, `0` as a healthy run that fetched nothing. Each rule reads the value the
way the component using it does (Scrapy's own `getint`, `getfloat`, `getbool`, …), so what
passes here is what the component gets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from scrapy.settings import BaseSettings

from newsbot.arguments import did_you_mean
from newsbot.datadir import configured_data_dir, data_dir

PREFIX = "NEWSBOT_"
# Setting names share their prefix: only a close call is worth suggesting.
SUGGESTION_CUTOFF = 0.85


@dataclass(frozen=True)
class Rule:
    read: Callable[[BaseSettings, str], object]
    valid: Callable[[object], bool]
    expected: str
    # The value as given, for the message.
    raw: Callable[[BaseSettings, str], object] = BaseSettings.get


def _anything(value: object) -> bool:
    return True


def _is_share(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1


FLAG = Rule(BaseSettings.getbool, _anything, "a boolean (1/0, True/False)")
SHARE = Rule(BaseSettings.getfloat, _is_share, "a share between 0 and 1")
POSITIVE_INTEGER = Rule(BaseSettings.getint, lambda n: n >= 1, "a positive integer")
COUNT = Rule(BaseSettings.getint, lambda n: n >= 0, "an integer >= 0")
SECONDS = Rule(BaseSettings.getfloat, lambda s: s >= 0, "a number of seconds >= 0")
POSITIVE_SECONDS = Rule(BaseSettings.getfloat, lambda s: s > 0, "a number of seconds above 0")
LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")

RULES: dict[str, Rule] = {
    # newsbot's own: every NEWSBOT_* setting is here, so an unknown one is a typo
    "NEWSBOT_DATA_DIR": Rule(
        lambda settings, name: data_dir(settings),  # ValueError: a ~user with no such user
        _anything,
        "a directory (~ and ~user are expanded)",
        lambda settings, name: configured_data_dir(settings),
    ),
    "NEWSBOT_MAX_ARTICLES": POSITIVE_INTEGER,
    "NEWSBOT_RETRY_AFTER_MAX": SECONDS,
    "NEWSBOT_MAX_RUNTIME": POSITIVE_SECONDS,
    "NEWSBOT_HARD_STOP_GRACE": POSITIVE_SECONDS,
    "NEWSBOT_LOGS_KEPT": POSITIVE_INTEGER,
    "NEWSBOT_HEALTH_COVERAGE_MIN_ITEMS": COUNT,
    "NEWSBOT_HEALTH_MIN_ARTICLES": COUNT,
    "NEWSBOT_HEALTH_MAX_INVALID_SHARE": SHARE,
    "NEWSBOT_HEALTH_MAX_5XX_SHARE": SHARE,
    "NEWSBOT_HEALTH_MAX_ERROR_SHARE": SHARE,
    "NEWSBOT_READ_ONLY": FLAG,
    "NEWSBOT_PROGRESS": FLAG,
    "NEWSBOT_WARC_ENABLED": FLAG,
    "NEWSBOT_WARC_MAX_BYTES": POSITIVE_INTEGER,
    "NEWSBOT_CHECKPOINT_RECORDS": POSITIVE_INTEGER,
    "NEWSBOT_SITE_MAX_RATE": Rule(
        BaseSettings.getfloat, lambda r: r >= 0, "requests per second >= 0 (0: no budget)"
    ),
    "NEWSBOT_CHECKPOINT_SECONDS": POSITIVE_SECONDS,
    "NEWSBOT_LEASE_SECONDS": POSITIVE_SECONDS,
    # Scrapy's and spidermon's, which newsbot's politeness, budgets and checks rest on
    "CONCURRENT_REQUESTS": POSITIVE_INTEGER,
    "CONCURRENT_REQUESTS_PER_DOMAIN": POSITIVE_INTEGER,
    "DOWNLOAD_DELAY": SECONDS,
    "DOWNLOAD_TIMEOUT": POSITIVE_SECONDS,
    "DOWNLOAD_MAXSIZE": COUNT,
    "DOWNLOAD_WARNSIZE": COUNT,
    "RETRY_ENABLED": FLAG,
    "RETRY_TIMES": COUNT,
    "REDIRECT_MAX_TIMES": COUNT,
    "ROBOTSTXT_OBEY": FLAG,
    "COOKIES_ENABLED": FLAG,  # off: an `Edition` cookie would change the listings (settings.py)
    "AUTOTHROTTLE_ENABLED": FLAG,
    "AUTOTHROTTLE_START_DELAY": SECONDS,
    "AUTOTHROTTLE_MAX_DELAY": SECONDS,
    "AUTOTHROTTLE_TARGET_CONCURRENCY": Rule(BaseSettings.getfloat, lambda x: x > 0, "above 0"),
    "SPIDERMON_ENABLED": FLAG,
    "SPIDERMON_FIELD_COVERAGE_RULES": Rule(
        BaseSettings.getdict,
        lambda rules: all(map(_is_share, rules.values())),
        "a JSON object of shares between 0 and 1",
    ),
    "LOG_LEVEL": Rule(
        BaseSettings.get,
        lambda level: level in LOG_LEVELS or isinstance(level, int),
        f"a log level ({', '.join(LOG_LEVELS)})",
    ),
    "USER_AGENT": Rule(BaseSettings.get, lambda agent: bool(str(agent or "").strip()), "text"),
}


def setting_problems(settings: BaseSettings) -> list[str]:
    """One line per unusable setting, and one per NEWSBOT_* setting newsbot does not know."""
    problems = [
        f"unknown setting {name}{did_you_mean(name, RULES, SUGGESTION_CUTOFF)}"
        for name in sorted(settings)
        if name.startswith(PREFIX) and name not in RULES
    ]
    for name, rule in RULES.items():
        try:
            usable = rule.valid(rule.read(settings, name))
        except (ValueError, TypeError):
            usable = False
        if not usable:
            problems.append(f"{name} must be {rule.expected}, got {rule.raw(settings, name)!r}")
    return problems
