"""Shared fixtures: the replica site and server, a decoy host on another address, and a data
directory filled by two crawls of a replica whose clock moved between them."""

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from newsbot.cron import OK
from newsbot.replica import ReplicaServer, ReplicaSite, serve_in_thread
from tests.crawling import run_crawl
from tests.mounts import MountRefused, Mounts, check_mounting_allowed

DECOY_PAGE = (
    b'<!DOCTYPE html><html lang="en"><head><title>Decoy story</title>'
    b'<link rel="canonical" href="https://decoy.example/article/international/4500000-decoy">'
    b'</head><body><h1 class="title">A story on another host</h1><section class="article-cont">'
    b"<p>This page is not part of devdiscourse.com.</p></section></body></html>"
)


class DecoyServer:
    """A host that is not the replica: answers 200 to anything and records what it was asked."""

    def __init__(self, host: str = "127.0.0.2", port: int = 0) -> None:
        self.requests: list[tuple[str, str, str]] = []
        lock = threading.Lock()
        log = self.requests

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                with lock:
                    log.append((self.command, self.path, self.headers.get("User-Agent", "")))
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(DECOY_PAGE)))
                self.end_headers()
                self.wfile.write(DECOY_PAGE)

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self.base_url = "http://{}:{}".format(*self._server.server_address[:2])
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="session")
def decoy_server() -> Iterator[DecoyServer]:
    server = DecoyServer()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def decoy_port_server() -> Iterator[DecoyServer]:
    """A decoy on another port of 127.0.0.1 (the replica's own address): must receive nothing."""
    server = DecoyServer(host="127.0.0.1")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def replica_site(decoy_server: DecoyServer) -> ReplicaSite:
    """300 articles, seed 1; some pages link the decoy host (links only, never the truth).

    Shared by the whole session: never advance its clock or break it (use `moving_replica`).
    """
    return ReplicaSite(articles=300, seed=1, decoy_url=decoy_server.base_url)


@pytest.fixture(scope="session")
def replica_server(replica_site: ReplicaSite) -> Iterator[ReplicaServer]:
    server = serve_in_thread(replica_site, host="127.0.0.1", port=0)
    yield server
    server.stop()


@pytest.fixture
def serve_replica() -> Iterator[Callable[[ReplicaSite], ReplicaServer]]:
    """Factory: serve any ReplicaSite on 127.0.0.1; every server is stopped after the test."""
    servers: list[ReplicaServer] = []

    def serve(site: ReplicaSite) -> ReplicaServer:
        server = serve_in_thread(site, host="127.0.0.1", port=0)
        servers.append(server)
        return server

    yield serve
    for server in servers:
        server.stop()


@pytest.fixture
def moving_replica(
    decoy_server: DecoyServer, serve_replica: Callable[[ReplicaSite], ReplicaServer]
) -> ReplicaServer:
    """A fresh replica (300 articles, seed 1) served for one test: free to `advance` or break.

    `moving_replica.site` is the site: `.advance(hours=2)`, `.breakage = "http500"`, ...
    """
    return serve_replica(ReplicaSite(articles=300, seed=1, decoy_url=decoy_server.base_url))


@pytest.fixture
def faulty_replica(
    decoy_server: DecoyServer,
    decoy_port_server: DecoyServer,
    serve_replica: Callable[[ReplicaSite], ReplicaServer],
) -> Callable[..., ReplicaServer]:
    """Factory: `faulty_replica({"500_once": 0.05, ...}, articles=300, seed=1, slow_seconds=3)`
    serves a replica with those faults (newsbot/replica/faults.py) for one test; its redirects
    off the host go to `decoy_server` (127.0.0.2) and `decoy_port_server` (127.0.0.1, another
    port). Keyword arguments other than `articles` and `seed` set the site's fault knobs."""

    def make(faults: dict, articles: int = 300, seed: int = 1, **knobs: object) -> ReplicaServer:
        site = ReplicaSite(
            articles=articles,
            seed=seed,
            decoy_url=decoy_server.base_url,
            decoy_port_url=decoy_port_server.base_url,
            faults=faults,
        )
        for name, value in knobs.items():
            if not hasattr(site, name):
                raise AttributeError(f"ReplicaSite has no knob {name!r}")
            setattr(site, name, value)
        return serve_replica(site)

    return make


@pytest.fixture
def mounts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mounts]:
    """Small file systems and read-only mounts for one test (tests/mounts.py), all undone at its
    end even when it fails; skips the test where this machine does not allow mounting."""
    try:
        check_mounting_allowed(tmp_path_factory.mktemp("mount-check"))
    except MountRefused as refused:
        pytest.skip(f"needs real mounts: {refused}")
    made = Mounts()
    try:
        yield made
    finally:
        made.unmount_all()


@dataclass
class TwoCrawls:
    """`data_dir` after a first crawl of `site` and a second one two replica hours later."""

    site: ReplicaSite
    data_dir: Path
    # What the second run had to publish: the site's own account of the two hours.
    new: list[str]
    updated: list[str]


@pytest.fixture(scope="session")
def two_crawls(tmp_path_factory: pytest.TempPathFactory) -> TwoCrawls:
    """Read-only for tests: a published corpus with first and second revisions."""
    site = ReplicaSite(articles=300, seed=5)
    server = serve_in_thread(site, host="127.0.0.1", port=0)
    data_dir = tmp_path_factory.mktemp("two-crawls")
    try:
        first = run_crawl(server.base_url, data_dir, "-a", "max_pages=50")
        before = site.now
        site.advance(hours=2)
        second = run_crawl(server.base_url, data_dir, "-a", "max_pages=50")
    finally:
        server.stop()
    assert (first.status, second.status) == (OK, OK), first.stderr + second.stderr
    changes = site.changes_between(before, site.now)
    assert changes["new"] and changes["updated"], "the replica's clock must have moved"
    return TwoCrawls(site, data_dir, changes["new"], changes["updated"])


@dataclass
class RedisServer:
    """A `redis-server` of this test's own, on 127.0.0.1: `url`, `stop()`, `start()` (again, on
    the same port and data)."""

    port: int
    directory: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [
            REDIS_SERVER,
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--dir",
            str(self.directory),
            "--save",
            "",
            # Every write on disk before it is acknowledged: a killed Redis, started again,
            # has all it acknowledged (a test of Redis going away and coming back).
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
        ]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.02)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


REDIS_SERVER = shutil.which("redis-server") or ""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A real Redis for one test (.ci/run installs Debian's redis-server), stopped after it."""
    if not REDIS_SERVER:
        pytest.skip("needs redis-server (apt-get install -y redis-server; .ci/run does)")
    server = RedisServer(free_port(), tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()
