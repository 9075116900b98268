"""Serving a ReplicaSite over HTTP/1.1 on a background thread."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from newsbot.replica.pages import ERROR_PAGE
from newsbot.replica.routes import Response, handle
from newsbot.replica.site import ReplicaSite


class RequestLog:
    """Every request as (method, path_with_query, user_agent); safe to read while serving."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[tuple[str, str, str]] = []

    def append(self, entry: tuple[str, str, str]) -> None:
        with self._lock:
            self._entries.append(entry)

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
        self.server.log.append((self.command, self.path, user_agent))
        try:
            response = handle(self.server.site, self.path, user_agent)
        except Exception:
            # Like production's exception handler: a bug in a page is a 500, not a dead socket.
            response = Response(500, ERROR_PAGE.encode())
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            if name == "Location" and value.startswith("/"):
                # Redirects stay on the origin the client used.
                host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
                value = f"http://{host}{value}"
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the request log is `.requests`."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], site: ReplicaSite) -> None:
        self.site = site
        self.log = RequestLog()
        super().__init__(address, _Handler)


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
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()


def serve_in_thread(site: ReplicaSite, host: str = "127.0.0.1", port: int = 0) -> ReplicaServer:
    return ReplicaServer(site, host, port).start()
