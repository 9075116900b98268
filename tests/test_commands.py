import os
import subprocess
import sys
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent


def crawl(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    spider_arguments = [part for argument in arguments for part in ("-a", argument)]
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "devdiscourse", *spider_arguments],
        cwd=PROJECT,
        env={**os.environ, "NEWSBOT_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("argument", "name"),
    [
        ("base_url=ftp://x", "base_url"),
        ("base_url=http://127.0.0.1:8800/news", "base_url"),
        ("max_pages=0", "max_pages"),
        ("max_pages=many", "max_pages"),
        ("sections=Politics", "sections"),
        ("sections=,", "sections"),
        ("sections=+", "sections"),
        # Unknown names: the line names the known ones.
        ("max_page=3", "did you mean 'max_pages'?"),
        ("foo=1", "the arguments are base_url, max_pages, sections, full"),
        # A label typo, with the way to crawl a label the site has added since.
        ("sections=buisness", "(did you mean 'business'?); if the site has added it since, write"),
    ],
)
def test_bad_spider_argument_is_one_line_and_status_2(
    tmp_path: Path, argument: str, name: str
) -> None:
    result = crawl(tmp_path, argument)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("newsbot: error: ")
    assert name in lines[0]
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_first_bad_argument_of_several_is_reported(tmp_path: Path) -> None:
    result = crawl(tmp_path, "max_pages=2", "sections=BAD")
    assert result.returncode == 2
    assert result.stderr.startswith("newsbot: error: sections")


class Quiet404(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def test_good_arguments_crawl_and_a_site_of_404s_fails_discovery(tmp_path: Path) -> None:
    empty = tmp_path / "site"
    empty.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet404, directory=str(empty)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = crawl(
            tmp_path / "data",
            f"base_url=http://127.0.0.1:{server.server_port}",
            "max_pages=1",
            "sections=health",
        )
    finally:
        server.shutdown()
        server.server_close()
    # Every page 404s: the built-in crawl would exit 0 (SCRAPY-NOTES); ours fails a health check,
    # says so in one line naming the log, and leaves the usual Scrapy log in the data directory.
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    (log,) = (tmp_path / "data" / "logs").glob("*.log")
    assert result.stderr == (
        "newsbot: health check failed: discovery: discovery found nothing:"
        f" 0 sitemap entries, 0 GetAllNews items and 0 listing links; log: {log}\n"
    )
    assert "Spider closed (finished)" in log.read_text()
    assert "'downloader/response_status_count/404'" in log.read_text()


def test_unknown_spider_is_status_2(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "nosuch"],
        cwd=PROJECT,
        env={**os.environ, "NEWSBOT_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "newsbot: error: Spider not found: nosuch\n"
