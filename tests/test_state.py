"""RunState: a crawl recovers and publishes only while it holds the run lock."""

import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newsbot.pipelines import JsonLinesWriterPipeline
from newsbot.runlock import LOCK_NAME, RunLock
from newsbot.state import RunState, publishing_store
from tests.stubs import state_crawler

HOLD_LOCK = (
    "import fcntl, os, sys, time\n"
    "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)\n"
    "fcntl.flock(fd, fcntl.LOCK_EX)\n"
    "print('held', flush=True)\n"
    "time.sleep(60)\n"
)


def build_state(data_dir: Path) -> tuple[Crawler, RunState]:
    crawler = state_crawler(data_dir)
    return crawler, crawler.get_extension(RunState)


@pytest.fixture
def leftover_part(tmp_path: Path) -> Path:
    part = tmp_path / "devdiscourse" / ".2026-11-26T10-00-00Z.jsonl.part"
    part.parent.mkdir(parents=True)
    part.write_text('{"id": "1"}\n')
    return part


def test_a_crawl_of_its_own_takes_the_lock_and_recovers(tmp_path, leftover_part):
    crawler, state = build_state(tmp_path)
    assert state.writable
    assert publishing_store(crawler) is state.store
    assert RunLock.held_here(tmp_path / LOCK_NAME)
    assert not leftover_part.exists()
    state.spider_closed()
    assert not RunLock.held_here(tmp_path / LOCK_NAME)


def test_a_crawl_beside_a_running_one_only_reads(tmp_path, leftover_part):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(tmp_path / LOCK_NAME)], stdout=subprocess.PIPE
    )
    try:
        assert holder.stdout.readline() == b"held\n"
        crawler, state = build_state(tmp_path)
        assert not state.writable
        assert leftover_part.exists()  # the running crawl's part file is left alone
        with pytest.raises(RuntimeError, match="must not publish"):
            publishing_store(crawler)
    finally:
        holder.kill()
        holder.wait()


def read_only_state(data_dir: Path) -> tuple[Crawler, RunState]:
    settings = {"NEWSBOT_DATA_DIR": str(data_dir), "NEWSBOT_READ_ONLY": True}
    crawler = state_crawler(data_dir, settings)
    return crawler, crawler.get_extension(RunState)


def test_a_read_only_command_takes_no_lock_recovers_nothing_and_publishes_nothing(
    tmp_path, leftover_part
):
    crawler, state = read_only_state(tmp_path)
    assert not state.writable
    assert leftover_part.exists()
    assert not (tmp_path / LOCK_NAME).exists()
    with pytest.raises(RuntimeError, match="must not publish"):
        publishing_store(crawler)
    with pytest.raises(NotConfigured):
        JsonLinesWriterPipeline.from_crawler(crawler)
    state.spider_closed()
    assert sorted(p.name for p in tmp_path.rglob("*")) == sorted(
        ["devdiscourse", leftover_part.name]
    )


def test_a_read_only_command_creates_no_data_directory(tmp_path):
    _, state = read_only_state(tmp_path / "none")
    assert state.store.get(1) is None
    state.spider_closed()
    assert not (tmp_path / "none").exists()
