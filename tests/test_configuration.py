"""Every setting checked together before anything starts: one line each, exit 2."""

import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.settings import Settings

from newsbot import settings as shipped
from newsbot.configuration import RULES, setting_problems
from newsbot.cron import OK, USAGE
from newsbot.datadir import data_dir
from newsbot.demo import LOOPBACK_SETTINGS
from newsbot.replica import ReplicaSite
from tests.crawling import ENV, PROJECT_DIR, read_records, run_crawl

COVERAGE = "a JSON object of shares between 0 and 1"
LOG_LEVEL = "a log level (CRITICAL, ERROR, WARNING, INFO, DEBUG)"


@pytest.fixture
def settings() -> Settings:
    settings = Settings()
    settings.setmodule(shipped, priority="project")
    return settings


def with_values(settings: Settings, **values: str) -> Settings:
    changed = settings.copy()
    changed.setdict(values, priority="cmdline")
    return changed


def test_the_shipped_settings_pass(settings: Settings) -> None:
    assert setting_problems(settings) == []


def test_every_newsbot_setting_has_a_rule(settings: Settings) -> None:
    ours = {name for name in settings if name.startswith("NEWSBOT_")}
    assert ours <= set(RULES)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("NEWSBOT_MAX_ARTICLES", "abc", "a positive integer"),
        ("NEWSBOT_MAX_ARTICLES", "0", "a positive integer"),
        ("NEWSBOT_MAX_ARTICLES", "-3", "a positive integer"),
        ("NEWSBOT_MAX_ARTICLES", "2.5", "a positive integer"),
        ("NEWSBOT_LOGS_KEPT", "0", "a positive integer"),
        ("NEWSBOT_MAX_RUNTIME", "0", "a number of seconds above 0"),
        ("NEWSBOT_MAX_RUNTIME", "1e", "a number of seconds above 0"),
        ("NEWSBOT_HARD_STOP_GRACE", "-1", "a number of seconds above 0"),
        ("NEWSBOT_RETRY_AFTER_MAX", "soon", "a number of seconds >= 0"),
        ("NEWSBOT_HEALTH_MAX_5XX_SHARE", "1.5", "a share between 0 and 1"),
        ("NEWSBOT_HEALTH_MAX_ERROR_SHARE", "nan", "a share between 0 and 1"),
        ("NEWSBOT_HEALTH_MIN_ARTICLES", "-1", "an integer >= 0"),
        ("NEWSBOT_PROGRESS", "maybe", "a boolean (1/0, True/False)"),
        ("NEWSBOT_WARC_ENABLED", "maybe", "a boolean (1/0, True/False)"),
        ("NEWSBOT_WARC_MAX_BYTES", "0", "a positive integer"),
        ("NEWSBOT_DATA_DIR", "~no-such-user-here/data", "a directory (~ and ~user are expanded)"),
        ("DOWNLOAD_DELAY", "-1", "a number of seconds >= 0"),
        ("DOWNLOAD_TIMEOUT", "0", "a number of seconds above 0"),
        ("CONCURRENT_REQUESTS_PER_DOMAIN", "0", "a positive integer"),
        ("RETRY_TIMES", "three", "an integer >= 0"),
        ("ROBOTSTXT_OBEY", "yes please", "a boolean (1/0, True/False)"),
        ("AUTOTHROTTLE_TARGET_CONCURRENCY", "0", "above 0"),
        ("SPIDERMON_FIELD_COVERAGE_RULES", '{"Article/body": 2}', COVERAGE),
        ("SPIDERMON_FIELD_COVERAGE_RULES", "not json", COVERAGE),
        ("LOG_LEVEL", "LOUD", LOG_LEVEL),
        ("LOG_LEVEL", "debug", LOG_LEVEL),
        ("USER_AGENT", " ", "text"),
    ],
)
def test_an_unusable_value_is_one_line_naming_the_setting(
    settings: Settings, name: str, value: str, expected: str
) -> None:
    (problem,) = setting_problems(with_values(settings, **{name: value}))
    assert problem == f"{name} must be {expected}, got {value!r}"


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("NEWSBOT_MAX_ARTICLE", " (did you mean 'NEWSBOT_MAX_ARTICLES'?)"),
        ("NEWSBOT_LOG_KEPT", " (did you mean 'NEWSBOT_LOGS_KEPT'?)"),
        ("NEWSBOT_WHATEVER", ""),
    ],
)
def test_an_unknown_newsbot_setting_is_a_typo(settings: Settings, name: str, suggestion: str):
    assert setting_problems(with_values(settings, **{name: "1"})) == [
        f"unknown setting {name}{suggestion}"
    ]


def test_every_problem_is_reported_at_once(settings: Settings) -> None:
    bad = with_values(settings, NEWSBOT_MAX_ARTICLES="abc", DOWNLOAD_DELAY="-1", NEWSBOT_X="1")
    assert len(setting_problems(bad)) == 3


def test_tilde_in_the_data_dir_is_expanded_from_the_setting_or_the_environment(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = Path.home()
    assert data_dir(with_values(settings, NEWSBOT_DATA_DIR="~/news")) == home / "news"
    monkeypatch.setenv("NEWSBOT_DATA_DIR", "~/from-env")
    assert data_dir(settings) == home / "from-env"
    monkeypatch.setenv("NEWSBOT_DATA_DIR", "~no-such-user-here")
    with pytest.raises(ValueError, match="cannot expand ~no-such-user-here"):
        data_dir(settings)


def test_bad_settings_on_the_command_line_are_one_line_each_before_anything(tmp_path: Path):
    data = tmp_path / "data"
    bad = {"NEWSBOT_MAX_ARTICLES": "abc", "NEWSBOT_HEALTH_MAX_5XX_SHARE": "2", "NEWSBOT_X": "1"}
    result = run_crawl("http://127.0.0.1:9", data, settings=bad)
    assert (result.status, result.stdout) == (USAGE, "")
    assert result.stderr.splitlines() == [
        "newsbot: error: unknown setting NEWSBOT_X",
        "newsbot: error: NEWSBOT_MAX_ARTICLES must be a positive integer, got 'abc'",
        "newsbot: error: NEWSBOT_HEALTH_MAX_5XX_SHARE must be a share between 0 and 1, got '2'",
    ]
    assert not data.exists()


@pytest.mark.e2e
def test_tilde_in_the_environment_is_the_home_directory_not_a_directory_named_tilde(
    tmp_path: Path, serve_replica
) -> None:
    """`NEWSBOT_DATA_DIR=~/news` set by a crontab line, which does not expand `~`."""
    server = serve_replica(ReplicaSite(articles=12, seed=7))
    home = tmp_path / "home"
    env = {**ENV, "HOME": str(home), "NEWSBOT_DATA_DIR": "~/news"}
    command = [sys.executable, "-m", "scrapy", "crawl", "devdiscourse"]
    command += ["-a", f"base_url={server.base_url}", "-a", "max_pages=1", "-a", "sections=health"]
    for name, value in LOOPBACK_SETTINGS.items():
        command += ["-s", f"{name}={value}"]
    done = subprocess.run(
        command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300
    )
    assert (done.returncode, done.stderr) == (OK, "")
    records, files = read_records(home / "news")
    assert len(files) == 1 and len(records) == len(server.site.ids())
    assert not (PROJECT_DIR / "~").exists()
