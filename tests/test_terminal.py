"""What a person at a terminal sees: progress, help, and one line for a busy port."""

import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from newsbot.arguments import ARGUMENTS
from newsbot.cron import EXIT_STATUSES, OK
from newsbot.demo import LOOPBACK_SETTINGS, crawl_command
from newsbot.progress import progress_line
from newsbot.replica import ReplicaSite
from newsbot.replica.__main__ import CANNOT_LISTEN
from newsbot.replica.routes import handle
from tests.crawling import ENV, ERASE, PROJECT_DIR, Terminal, terminal_lines

SITE = ReplicaSite(articles=40, seed=5)
SITEMAP = "/RSS/GoogleNews"
PROGRESS = r"newsbot: \d+ pages \(\d+\.\d/s\), \d+ records, 0 errors, 0:\d\d"
PROGRESS = r"newsbot: \d+ pages \(\d+\.\d/s\), \d+ records, 0 errors, 0:\d\d"


def test_the_progress_line_says_pages_rate_records_errors_and_time() -> None:
    stats = {
        "downloader/response_count": 130,
        "newsbot/items/written": 42,
        "downloader/exception_count": 2,
        "spider_exceptions/count": 1,
    }
    assert progress_line(stats, 65.0) == "newsbot: 130 pages (2.0/s), 42 records, 3 errors, 1:05"
    assert progress_line({}, 0.0) == "newsbot: 0 pages (0.0/s), 0 records, 0 errors, 0:00"


@pytest.fixture
def gated_replica() -> Iterator[tuple[str, threading.Event]]:
    """A small replica whose news sitemap is held back until the test releases it: the crawl
    lasts as long as the test needs, without a clock in the test."""
    release = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            if self.path == SITEMAP:
                release.wait(timeout=120)
            response = handle(SITE, self.path, self.headers.get("User-Agent", ""))
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", release
    release.set()
    server.shutdown()
    server.server_close()


@pytest.mark.e2e
def test_at_a_terminal_a_run_names_its_log_first_then_shows_progress_in_place(
    tmp_path: Path, gated_replica: tuple[str, threading.Event]
) -> None:
    base_url, release = gated_replica
    terminal = Terminal(crawl_command(base_url, tmp_path, LOOPBACK_SETTINGS))
    terminal.wait_for(" pages (")  # drawn while the sitemap is held back
    release.set()
    status, stdout, shown = terminal.finish()
    assert (status, stdout) == (OK, "")

    (log,) = (tmp_path / "logs").glob("*.log")
    first, progress = shown.split("\n", 1)
    assert first.rstrip("\r") == f"newsbot: crawling {base_url} into {tmp_path}; log: {log}"
    drawn = [line for line in progress.split(ERASE) if line.startswith("newsbot: ")]
    assert re.fullmatch(PROGRESS, drawn[0])
    # The progress line is erased at the end; what stays is the start line and the summary.
    start, summary = terminal_lines(shown)
    assert start == first.rstrip("\r")
    assert summary.startswith(f"newsbot: {len(SITE.ids())} new and 0 revised records, ")


@pytest.mark.parametrize("spider", [[], ["devdiscourse"]])
def test_crawl_help_lists_the_spider_arguments_and_the_exit_statuses(spider: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", *spider, "-h"],
        cwd=PROJECT_DIR,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stderr) == (0, "")
    text = " ".join(done.stdout.split())  # as if unwrapped
    for argument in ARGUMENTS.values():
        assert f"{argument.usage} " in text and f"[default: {argument.default}]" in text
    for status, meaning in EXIT_STATUSES.items():
        assert f" {status} {meaning}" in text


def replica_command(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newsbot.replica", *arguments],
        cwd=PROJECT_DIR,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_replica_help_documents_every_option_with_its_default() -> None:
    done = replica_command("-h")
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    options = re.findall(r"(--[a-z-]+) [A-Z_]+ ", text)
    assert set(options) == {
        "--port", "--host", "--articles", "--seed", "--decoy", "--decoy-port", "--faults", "--now"
    }  # fmt: skip
    for option in options:
        described = text.split(f"{option} {option[2:].upper().replace('-', '_')} ")[-1]
        assert "(default: " in described.split(" --")[0], option


def test_a_busy_port_is_one_line_not_a_traceback() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = replica_command("--port", str(port), "--articles", "5")
    assert (done.returncode, done.stdout) == (CANNOT_LISTEN, "")
    assert done.stderr == f"replica: cannot listen on 127.0.0.1:{port}: Address already in use\n"
