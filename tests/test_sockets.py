"""Unattended runs open no listening socket and leave no job file behind (SCRAPY-NOTES.md:
Scrapy's telnet console and 2.19's remote-control server are on by default)."""

import os
import subprocess
import time
from pathlib import Path

import pytest

from newsbot.demo import LOOPBACK_SETTINGS, crawl_command
from newsbot.replica import ReplicaSite
from tests.crawling import PROJECT_DIR

pytestmark = pytest.mark.e2e

JOB_FILES = Path.home() / ".local" / "state" / "scrapy" / "job_files"
LISTEN = "0A"  # TCP state in /proc/net/tcp


def listening_inodes() -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as lines:
            for line in list(lines)[1:]:
                fields = line.split()
                if fields[3] == LISTEN:
                    inodes.add(fields[9])
    return inodes


def socket_inodes(pid: int) -> set[str]:
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            found.add(target[8:-1])
    return found


def test_a_crawl_listens_on_no_port_and_leaves_no_job_file(tmp_path, serve_replica):
    site = ReplicaSite(articles=40, seed=4)
    site.faults = {"slow": 0.2}  # keeps the crawl alive long enough to look at it
    site.slow_seconds = 2
    server = serve_replica(site)
    jobs_before = set(JOB_FILES.glob("*")) if JOB_FILES.exists() else set()
    command = crawl_command(server.base_url, tmp_path, LOOPBACK_SETTINGS)
    crawl = subprocess.Popen(command, cwd=PROJECT_DIR, stdout=subprocess.PIPE, text=True)
    seen_sockets = False
    try:
        deadline = time.monotonic() + 60
        while crawl.poll() is None and time.monotonic() < deadline:
            sockets = socket_inodes(crawl.pid)
            seen_sockets |= bool(sockets)
            assert sockets & listening_inodes() == set()
            time.sleep(0.1)
    finally:
        crawl.wait(timeout=120)
    assert seen_sockets  # it did talk to the replica while we watched
    jobs_after = set(JOB_FILES.glob("*")) if JOB_FILES.exists() else set()
    assert jobs_after == jobs_before
