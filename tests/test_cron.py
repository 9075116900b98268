"""The cron contract: lock, exit statuses, silence, logs, runs.jsonl, run-time cap, SIGTERM."""

import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from scrapy.crawler import AsyncCrawlerProcess
from scrapy.settings import Settings

from newsbot import cron
from newsbot.cron import (
    ABORTED,
    HEALTH_FAILED,
    LOCKED,
    OK,
    USAGE,
    Terminated,
    evaluate,
    new_log,
)
from newsbot.demo import LOOPBACK_SETTINGS, crawl_command
from newsbot.replica import ReplicaServer, ReplicaSite
from newsbot.replica.routes import handle
from newsbot.runlock import LockHeld, RunLock
from newsbot.statkeys import HEALTH_FAILED as HEALTH_FAILED_STAT
from tests.crawling import (
    Terminal,
    part_lines,
    run_crawl,
    runs,
    start_crawl,
    terminal_lines,
    wait_for,
)


class Server:
    """127.0.0.1: answers each GET with `answer(path, user_agent)` after `delay` seconds."""

    def __init__(self, answer: Callable[[str, str], tuple[int, bytes, str]], delay: float) -> None:
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                time.sleep(delay)
                status, body, content_type = answer(self.path, self.headers.get("User-Agent", ""))
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


SMALL_SITE = ReplicaSite(articles=60, seed=3)


def replica_answer(path: str, user_agent: str) -> tuple[int, bytes, str]:
    response = handle(SMALL_SITE, path, user_agent)
    # Redirects would need the host; the crawl follows article links, never redirects, here.
    return response.status, response.body, response.content_type


@pytest.fixture
def server() -> Iterator[Callable[..., Server]]:
    servers: list[Server] = []

    def start(answer: Callable[[str, str], tuple[int, bytes, str]], delay: float = 0) -> Server:
        servers.append(Server(answer, delay))
        return servers[-1]

    yield start
    for each in servers:
        each.stop()


@pytest.fixture
def slow_replica(server: Callable[..., Server]) -> Server:
    """A small replica answering each request after 0.2 s: a crawl lasts several seconds."""
    return server(replica_answer, delay=0.2)


def lock_pid(data_dir: Path) -> int | None:
    try:
        return json.loads((data_dir / ".lock").read_text() or "{}").get("pid")
    except (OSError, ValueError):
        return None


def published(data_dir: Path) -> list[dict]:
    files = sorted((data_dir / "devdiscourse").glob("*.jsonl"))
    return [json.loads(line) for path in files for line in path.read_text().splitlines()]


# -- the lock, in process ---------------------------------------------------------------------


def test_second_lock_on_one_data_dir_is_refused_and_names_the_holder(tmp_path: Path) -> None:
    started = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    first, second = RunLock(tmp_path / ".lock"), RunLock(tmp_path / ".lock")
    first.acquire(started)
    with pytest.raises(LockHeld) as refused:
        second.acquire(datetime.now(UTC))
    assert refused.value.holder.pid == os.getpid()
    assert refused.value.holder.started == "2024-05-01T10:00:00+00:00"
    first.release()
    second.acquire(datetime.now(UTC))
    second.release()


# -- the exit status from stats ---------------------------------------------------------------

FINISHED = {"finish_reason": "finished", HEALTH_FAILED_STAT: []}


@pytest.mark.parametrize(
    ("stats", "crash", "status", "message"),
    [
        (FINISHED, None, OK, None),
        ({**FINISHED, HEALTH_FAILED_STAT: ["a: x", "b: y"]}, None, HEALTH_FAILED, "health check"),
        ({"finish_reason": "finished"}, None, HEALTH_FAILED, "health checks did not run"),
        ({**FINISHED, "finish_reason": "shutdown"}, None, ABORTED, "stopped by a signal"),
        ({**FINISHED, "finish_reason": "closespider_timeout"}, None, ABORTED, "cap of 60 s"),
        ({}, None, ABORTED, "without closing the spider"),
        ({}, RuntimeError("boom\nagain"), ABORTED, "crashed: RuntimeError: boom again"),
        ({}, Terminated("stopped by SIGTERM while starting"), ABORTED, "SIGTERM while"),
    ],
)
def test_exit_status_from_stats(
    stats: dict, crash: BaseException | None, status: int, message: str | None
) -> None:
    outcome = evaluate(stats, 60, crash)
    assert outcome.status == status
    if message is None:
        assert outcome.messages == []
    else:
        assert message in outcome.messages[0]
        assert all("\n" not in line for line in outcome.messages)


def test_failed_checks_give_one_line_each() -> None:
    outcome = evaluate({**FINISHED, HEALTH_FAILED_STAT: ["a: x", "b: y"]}, 60)
    assert outcome.messages == ["health check failed: a: x", "health check failed: b: y"]
    assert outcome.failed_checks == ["a: x", "b: y"]


def test_an_abort_outranks_failed_checks_but_keeps_them() -> None:
    stats = {"finish_reason": "shutdown", HEALTH_FAILED_STAT: ["finish reason: shutdown"]}
    outcome = evaluate(stats, 60)
    assert (outcome.status, len(outcome.messages)) == (ABORTED, 1)
    assert outcome.failed_checks == ["finish reason: shutdown"]


def test_logs_are_rotated_keeping_the_newest(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    for hour in range(10, 15):
        (logs / f"2024-05-01T{hour}-00-00Z.log").write_text("old")
    path = new_log(tmp_path, datetime(2024, 5, 1, 15, tzinfo=UTC), keep=3)
    path.write_text("new")
    names = sorted(p.name for p in logs.iterdir())
    assert names == ["2024-05-01T13-00-00Z.log", "2024-05-01T14-00-00Z.log", path.name]
    again = new_log(tmp_path, datetime(2024, 5, 1, 15, tzinfo=UTC), keep=3)
    assert again != path


# -- `scrapy crawl devdiscourse`, as cron runs it ----------------------------------------------


def test_healthy_crawl_is_silent_and_leaves_a_log_and_a_run_line(
    tmp_path: Path, replica_server: ReplicaServer
) -> None:
    data = tmp_path / "data"
    first = run_crawl(replica_server.base_url, data)
    assert (first.status, first.stdout, first.stderr) == (OK, "", "")
    again = run_crawl(replica_server.base_url, data)
    assert (again.status, again.stdout, again.stderr) == (OK, "", "")

    logs = sorted((data / "logs").glob("*.log"))
    assert len(logs) == 2
    assert "Spider closed (finished)" in logs[0].read_text()
    line, rerun = runs(data)
    assert line["status"] == OK and line["failed_checks"] == []
    assert line["published"] == str(first.files[0])
    assert line["new"] == line["written"] == len(first.records)
    assert line["log"] == str(logs[0])
    assert line["requests"] > 0 and line["duration_s"] > 0
    assert set(line) >= {"start", "end", "revised", "dropped", "errors", "finish_reason"}
    # The unchanged re-run: healthy, though it published nothing.
    assert (rerun["status"], rerun["published"], rerun["new"]) == (OK, None, 0)


def test_at_a_terminal_a_healthy_run_names_its_log_then_says_what_it_did_in_one_line(
    tmp_path: Path, replica_server: ReplicaServer
) -> None:
    command = crawl_command(replica_server.base_url, tmp_path, LOOPBACK_SETTINGS)
    status, stdout, shown = Terminal(command).finish()
    assert (status, stdout) == (OK, "")
    start, summary = terminal_lines(shown)
    (log,) = (tmp_path / "logs").glob("*.log")
    assert start == f"newsbot: crawling {replica_server.base_url} into {tmp_path}; log: {log}"
    published = next((tmp_path / "devdiscourse").glob("*.jsonl"))
    expected = f"newsbot: {len(replica_server.site.ids())} new and 0 revised records, "
    assert summary.startswith(expected) and str(published) in summary


def test_server_errors_everywhere_exit_1_with_one_line_per_failed_check(
    tmp_path: Path, server: Callable[..., Server]
) -> None:
    failing = server(lambda path, agent: (500, b"<h1>Server Error</h1>", "text/html"))
    result = run_crawl(failing.base_url, tmp_path / "data")
    assert result.status == HEALTH_FAILED
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert all(line.startswith("newsbot: health check failed: ") for line in lines), lines
    checks = sorted(line.split(": ")[2] for line in lines)
    assert checks == ["discovery", "server errors"]
    (line,) = runs(tmp_path / "data")
    assert line["status"] == HEALTH_FAILED and len(line["failed_checks"]) == 2
    assert line["published"] is None and line["http_5xx"] > 0


def test_two_runs_started_together_one_works_the_other_exits_75_at_once(
    tmp_path: Path, slow_replica: Server
) -> None:
    data = tmp_path / "data"
    crawls = [start_crawl(slow_replica.base_url, data) for _ in range(2)]
    wait_for(lambda: any(c.poll() is not None for c in crawls), timeout=60)
    (refused,) = [c for c in crawls if c.poll() is not None]
    (holder,) = [c for c in crawls if c is not refused]
    assert holder.poll() is None, "the refused run must not wait for the holder"
    out, err = refused.communicate()
    assert refused.returncode == LOCKED
    assert out == ""
    (line,) = err.splitlines()
    assert f"pid {holder.pid}, started 20" in line
    assert holder.wait(timeout=60) == OK, holder.stderr.read() if holder.stderr else ""
    holder.communicate()
    statuses = {(r["pid"], r["status"]) for r in runs(data)}
    assert statuses == {(refused.pid, LOCKED), (holder.pid, OK)}


def test_lock_frees_itself_when_its_holder_is_killed(
    tmp_path: Path, slow_replica: Server, serve_replica: Callable[[ReplicaSite], ReplicaServer]
) -> None:
    data = tmp_path / "data"
    victim = start_crawl(slow_replica.base_url, data)
    wait_for(lambda: lock_pid(data) == victim.pid)
    victim.kill()
    victim.communicate()
    after = run_crawl(serve_replica(SMALL_SITE).base_url, data)
    assert (after.status, after.stderr) == (OK, "")


def test_sigterm_aborts_with_3_and_publishes_what_was_written(
    tmp_path: Path, slow_replica: Server
) -> None:
    data = tmp_path / "data"
    crawl = start_crawl(slow_replica.base_url, data)
    wait_for(lambda: part_lines(data) >= 3)
    written = part_lines(data)
    crawl.send_signal(signal.SIGTERM)
    out, err = crawl.communicate(timeout=60)
    assert crawl.returncode == ABORTED
    assert out == ""
    (line,) = err.splitlines()
    assert line.startswith("newsbot: aborted: stopped by a signal")
    assert len(published(data)) >= written
    assert part_lines(data) == 0
    (run,) = runs(data)
    assert (run["status"], run["finish_reason"]) == (ABORTED, "shutdown")
    assert run["published"] is not None


def test_sigterm_while_starting_aborts_with_3(tmp_path: Path, slow_replica: Server) -> None:
    data = tmp_path / "data"
    crawl = start_crawl(slow_replica.base_url, data)
    wait_for(lambda: lock_pid(data) == crawl.pid, timeout=30)
    crawl.send_signal(signal.SIGTERM)
    out, err = crawl.communicate(timeout=60)
    assert (crawl.returncode, out) == (ABORTED, "")
    assert len(err.splitlines()) == 1, err
    assert err.startswith("newsbot: aborted: ")


def test_a_signal_while_the_process_is_built_ends_the_start_once_it_is_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built = []

    class SignalledWhileBuilt:
        """Interrupted by SIGTERM halfway through its construction, as asyncio's event loop
        once was: the rest of it must still run."""

        def __init__(self, settings: Settings) -> None:
            os.kill(os.getpid(), signal.SIGTERM)
            built.append("whole")

        def create_crawler(self, spidercls: type) -> None:
            raise AssertionError("the start went on after the signal")

    monkeypatch.setattr(cron, "SignalNotingProcess", SignalledWhileBuilt)
    monkeypatch.setattr(cron, "_signalled", None)
    previous = signal.signal(signal.SIGTERM, cron._terminate)
    try:
        with pytest.raises(Terminated) as stop:
            cron._crawl(Settings(), type, {})
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert str(stop.value) == "stopped by SIGTERM while starting"
    assert built == ["whole"]
    assert cron._process is None


def test_a_signal_before_the_engine_runs_is_the_reason_the_run_ended(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Scrapy's graceful shutdown stops only a running engine: a signal while it starts stops
    the reactor with the spider still open, so the stats have no finish reason."""

    class Crawler:
        _stats = None

    class StoppedWhileStarting(cron.SignalNotingProcess):
        def __init__(self, settings: Settings) -> None:
            """Nothing of Scrapy's is built: only the signal's path is under test."""

        def create_crawler(self, spidercls: type) -> Crawler:
            return Crawler()

        def crawl(self, crawler: Crawler) -> Future[None]:
            done: Future[None] = Future()
            done.set_result(None)
            return done

        def start(self) -> None:
            self._signal_shutdown(signal.SIGTERM, None)  # as Scrapy's handler calls it

    monkeypatch.setattr(AsyncCrawlerProcess, "_signal_shutdown", lambda *args: None)
    monkeypatch.setattr(cron, "SignalNotingProcess", StoppedWhileStarting)
    monkeypatch.setattr(cron, "_signalled", None)
    stats, crash = cron._crawl(Settings(), type, {})
    assert (stats, str(crash)) == ({}, "stopped by SIGTERM while starting")
    assert evaluate(stats, 60, crash).messages == ["aborted: stopped by SIGTERM while starting"]


def test_run_time_cap_closes_the_crawl_with_3_and_publishes(
    tmp_path: Path, slow_replica: Server
) -> None:
    data = tmp_path / "data"
    started = time.monotonic()
    crawl = start_crawl(slow_replica.base_url, data, NEWSBOT_MAX_RUNTIME="2")
    out, err = crawl.communicate(timeout=60)
    assert time.monotonic() - started < 15
    assert (crawl.returncode, out) == (ABORTED, "")
    (run,) = runs(data)
    assert err.splitlines() == [
        f"newsbot: aborted: run-time cap of 2 s reached (NEWSBOT_MAX_RUNTIME); log: {run['log']}"
    ]
    assert run["finish_reason"] == "closespider_timeout"
    assert published(data) and run["published"] is not None


def test_a_crawl_that_does_not_close_is_killed_by_the_watchdog(
    tmp_path: Path, server: Callable[..., Server]
) -> None:
    hanging = server(lambda path, agent: (200, b"", "text/html"), delay=30)
    data = tmp_path / "data"
    settings = {
        "NEWSBOT_MAX_RUNTIME": "1",
        "NEWSBOT_HARD_STOP_GRACE": "1",
        "DOWNLOAD_TIMEOUT": "60",
    }
    started = time.monotonic()
    crawl = start_crawl(hanging.base_url, data, **settings)
    out, err = crawl.communicate(timeout=60)
    assert time.monotonic() - started < 20
    assert (crawl.returncode, out) == (ABORTED, "")
    (line,) = err.splitlines()
    assert "did not close" in line
    (run,) = runs(data)
    assert run["status"] == ABORTED


def test_bad_setting_exits_2_with_one_line(tmp_path: Path) -> None:
    result = run_crawl("http://127.0.0.1:9", tmp_path / "data", settings={"NEWSBOT_LOGS_KEPT": "0"})
    assert (result.status, result.stdout) == (USAGE, "")
    (line,) = result.stderr.splitlines()
    assert line.startswith("newsbot: error: ") and "NEWSBOT_LOGS_KEPT" in line
    assert not (tmp_path / "data").exists()


def test_a_crash_aborts_with_3_and_the_traceback_goes_to_the_log(tmp_path: Path) -> None:
    broken = {**LOOPBACK_SETTINGS, "ITEM_PIPELINES": '{"newsbot.nosuch.Pipeline": 1}'}
    result = run_crawl("http://127.0.0.1:9", tmp_path / "data", settings=broken)
    assert (result.status, result.stdout) == (ABORTED, "")
    (log,) = (tmp_path / "data" / "logs").glob("*.log")
    assert result.stderr == (
        "newsbot: aborted: the crawl crashed: ModuleNotFoundError: No module named"
        f" 'newsbot.nosuch'; log: {log}\n"
    )
    assert "Traceback" in log.read_text()
    (run,) = runs(tmp_path / "data")
    assert run["status"] == ABORTED and run["aborted"].startswith("the crawl crashed")
