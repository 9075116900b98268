"""Serving a ReplicaSite over HTTP/1.1 on a background thread."""

import socket
import struct
import sys
import threading
import time
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from newsbot.replica.pages import ERROR_PAGE
from newsbot.replica.routes import Response, handle
from newsbot.replica.website import ReplicaSite


class LoggedRequest(tuple):
    """(method, path_with_query, user_agent), a plain 3-tuple to compare and unpack, with `.at`:
    the wall-clock time (`time.time()`) at which the request line arrived, and `.cookie`: its
    `Cookie` header ("" without one)."""

    def __new__(
        cls, method: str, path: str, user_agent: str, at: float | None = None, cookie: str = ""
    ):
        entry = super().__new__(cls, (method, path, user_agent))
        entry.at = time.time() if at is None else at
        entry.cookie = cookie
        return entry

    @property
    def method(self) -> str:
        return self[0]

    @property
    def path(self) -> str:
        return self[1]

    @property
    def user_agent(self) -> str:
        return self[2]


class RequestLog:
    """Every request as (method, path_with_query, user_agent); safe to read while serving.

    Entries are `LoggedRequest`s: 3-tuples that also carry `.at`; `timed()` lists
    (at, method, path, user_agent).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[tuple[str, str, str]] = []

    def append(self, entry: tuple[str, str, str]) -> None:
        if not isinstance(entry, LoggedRequest):
            entry = LoggedRequest(*entry)
        with self._lock:
            self._entries.append(entry)

    def timed(self) -> list[tuple[float, str, str, str]]:
        return [(entry.at, *entry) for entry in self.snapshot()]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def snapshot(self) -> list[tuple[str, str, str]]:
        with self._lock:
            return list(self._entries)

    def __iter__(self):
        return iter(self.snapshot())

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __getitem__(self, index):
        return self.snapshot()[index]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def _answer(self, send_body: bool) -> None:
        user_agent = self.headers.get("User-Agent", "")
        cookie = self.headers.get("Cookie", "")
        self.server.log.append(LoggedRequest(self.command, self.path, user_agent, cookie=cookie))
        try:
            response = handle(self.server.site, self.path, user_agent, cookie)
        except Exception:
            # Like production's exception handler: a bug in a page is a 500, not a dead socket.
            response = Response(500, ERROR_PAGE.encode())
        self._date = response.date
        delay = response.delay + self.server.site.latency_seconds
        if delay and self.server.stopping.wait(delay):
            self.close_connection = True
            return
        length = response.length if response.stream is not None else len(response.body)
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(length))
        for name, value in response.headers.items():
            if name == "Location" and value.startswith("/"):
                # Redirects stay on the origin the client used.
                host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
                value = f"http://{host}{value}"
            self.send_header(name, value)
        self.end_headers()
        if not send_body:
            return
        try:
            if response.reset_after is not None:
                self._reset(response.body[: response.reset_after])
            elif response.stream is not None:
                for chunk in response.stream:
                    self.wfile.write(chunk)
            else:
                self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (a size limit, a timeout)

    def _reset(self, part: bytes) -> None:
        """Send part of the body, then reset the connection (RST: SO_LINGER on, timeout 0)."""
        self.wfile.write(part)
        self.wfile.flush()
        time.sleep(0.05)  # let the part arrive before the reset
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The `Date` header: the site's own clock, as a real server's would be."""
        moment = getattr(self, "_date", None)
        if timestamp is not None or moment is None:
            return super().date_time_string(timestamp)
        return format_datetime(moment, usegmt=True)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the request log is `.requests`."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], site: ReplicaSite) -> None:
        self.site = site
        self.log = RequestLog()
        self.stopping = threading.Event()  # wakes `slow` answers when the server stops
        super().__init__(address, _Handler)

    def handle_error(self, request, client_address) -> None:
        """Quiet about clients that went away (faults provoke that); loud about anything else."""
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


class ReplicaServer:
    """A running replica: `base_url`, `requests` (the request log), `stop()`."""

    def __init__(self, site: ReplicaSite, host: str = "127.0.0.1", port: int = 0) -> None:
        self.site = site
        self._server = _Server((host, port), site)
        self.host, self.port = self._server.server_address[:2]
        self.base_url = f"http://{self.host}:{self.port}"
        self.requests = self._server.log
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> "ReplicaServer":
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.stopping.set()
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()


def serve_in_thread(site: ReplicaSite, host: str = "127.0.0.1", port: int = 0) -> ReplicaServer:
    return ReplicaServer(site, host, port).start()
