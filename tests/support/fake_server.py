"""A scripted HTTP server for the behaviours a real registry will not show on demand.

Misbehaviour (endless paging, 2 GB manifests, 503 storms, redirects to another host,
corrupt blobs) is what a registry client must survive, and the real server cannot be made
to produce it. Each test gives a handler; the server records every request and the
highest number of requests it had in flight at once.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.support.ports import free_port


@dataclass(frozen=True)
class Request:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]


@dataclass
class Reply:
    """What to answer: status, headers and a body (bytes, or chunks for streaming)."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | Iterable[bytes] = b""


Handler = Callable[[Request], Reply]


class FakeServer:
    """A threaded HTTP/1.1 server on 127.0.0.1 driven by a handler function."""

    def __init__(
        self,
        handler: Handler,
        *,
        host: str = "127.0.0.1",
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.handler = handler
        self.requests: list[Request] = []
        self.max_in_flight = 0
        self._in_flight = 0
        self._lock = threading.Lock()
        self.port = free_port()
        self.host = host
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler_class())
        self._server.daemon_threads = True
        self.scheme = "https" if tls else "http"
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    @property
    def address(self) -> str:
        """``host:port`` as a registry address."""
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """``http[s]://host:port``."""
        return f"{self.scheme}://{self.address}"

    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def paths(self) -> list[str]:
        """Paths requested so far, in order."""
        with self._lock:
            return [request.path for request in self.requests]

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def _serve(self) -> None:
                request = Request(self.command, self.path, dict(self.headers.items()))
                with server._lock:
                    server.requests.append(request)
                    server._in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server._in_flight)
                try:
                    reply = server.handler(request)
                    self._send(reply)
                except (BrokenPipeError, ConnectionResetError):
                    # The handler's way to cut the connection mid-answer.
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                finally:
                    with server._lock:
                        server._in_flight -= 1

            def _send(self, reply: Reply) -> None:
                self.send_response(reply.status)
                headers = {k.lower(): v for k, v in reply.headers.items()}
                if isinstance(reply.body, bytes):
                    headers.setdefault("content-length", str(len(reply.body)))
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(reply.body)
                    return
                if "content-length" not in headers:
                    headers["connection"] = "close"
                    self.close_connection = True
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                for chunk in reply.body:
                    self.wfile.write(chunk)

            do_GET = do_HEAD = _serve  # noqa: N815 - http.server names

            def log_message(self, format: str, *args: object) -> None:
                pass

        return _Handler


def v2_root(request: Request) -> Reply | None:
    """The answer a plain open registry gives to ``GET /v2/``, else None."""
    if request.path == "/v2/":
        return Reply(
            200,
            {"Docker-Distribution-API-Version": "registry/2.0", "Content-Type": "application/json"},
            b"{}",
        )
    return None
