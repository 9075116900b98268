import re

import pytest
from scrapy.settings import Settings
from scrapy.utils.misc import load_object

from newsbot import settings as shipped


@pytest.fixture
def settings() -> Settings:
    settings = Settings()
    settings.setmodule(shipped, priority="project")
    return settings


def test_robots_txt_is_obeyed(settings: Settings) -> None:
    assert settings.getbool("ROBOTSTXT_OBEY")


def test_pace_is_bounded(settings: Settings) -> None:
    assert settings.getbool("AUTOTHROTTLE_ENABLED")
    assert settings.getfloat("AUTOTHROTTLE_TARGET_CONCURRENCY") <= 2.0
    assert settings.getfloat("AUTOTHROTTLE_START_DELAY") > 0
    assert settings.getfloat("AUTOTHROTTLE_MAX_DELAY") >= 10
    assert settings.getfloat("DOWNLOAD_DELAY") >= 0.5
    assert 1 <= settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") <= 4
    assert settings.getint("CONCURRENT_REQUESTS") <= 8
    # The site's budget, all backfill workers together: no more than one worker's own pace.
    assert 0 < settings.getfloat("NEWSBOT_SITE_MAX_RATE") <= 1 / settings.getfloat("DOWNLOAD_DELAY")


def test_transient_failures_are_retried_a_bounded_number_of_times(settings: Settings) -> None:
    assert settings.getbool("RETRY_ENABLED")
    assert 1 <= settings.getint("RETRY_TIMES") <= 5
    assert {500, 502, 503, 504, 522, 524, 408, 429} <= set(settings.getlist("RETRY_HTTP_CODES"))


def test_downloads_are_bounded(settings: Settings) -> None:
    assert 1 <= settings.getint("DOWNLOAD_TIMEOUT") <= 60
    assert 1 <= settings.getint("DOWNLOAD_MAXSIZE") <= 16 * 1024 * 1024
    assert 1 <= settings.getint("DOWNLOAD_WARNSIZE") < settings.getint("DOWNLOAD_MAXSIZE")


def test_no_code_executing_listeners(settings: Settings) -> None:
    assert not settings.getbool("TELNETCONSOLE_ENABLED")
    assert not settings.getbool("REMOTE_CONTROL_ENABLED")


def test_user_agent_identifies_us_without_saying_bot(settings: Settings) -> None:
    agent = settings["USER_AGENT"]
    # The site hides tags and disclaimers from agents containing "bot" (docs/site.md §5.2).
    assert "bot" not in agent.lower()
    assert re.search(r"\+https?://\S+", agent)
    assert "Scrapy" not in agent


def test_pipelines_run_validate_then_dedupe_then_write(settings: Settings) -> None:
    pipelines = settings.getdict("ITEM_PIPELINES")
    order = sorted(pipelines, key=pipelines.__getitem__)
    assert order == [
        "newsbot.pipelines.RequiredFieldsPipeline",
        "newsbot.pipelines.DuplicatesPipeline",
        "newsbot.pipelines.RevisionPipeline",
        "newsbot.pipelines.JsonLinesWriterPipeline",
    ]
    for path in order:
        load_object(path)


def test_same_origin_middleware_runs_before_robots_txt(settings: Settings) -> None:
    middlewares = settings.getwithbase("DOWNLOADER_MIDDLEWARES")
    ours = middlewares["newsbot.middlewares.SameOriginMiddleware"]
    robots = middlewares["scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware"]
    assert ours < robots
    load_object("newsbot.middlewares.SameOriginMiddleware")


def test_project_wiring(settings: Settings) -> None:
    assert settings["BOT_NAME"] == "newsbot"
    assert settings["COMMANDS_MODULE"] == "newsbot.commands"
    assert settings["FEED_EXPORT_ENCODING"] == "utf-8"
    assert settings["NEWSBOT_DATA_DIR"] is None
    assert settings["REQUEST_FINGERPRINTER_CLASS"] == (
        "newsbot.fingerprints.NewsIdRequestFingerprinter"
    )
    load_object(settings["REQUEST_FINGERPRINTER_CLASS"])
