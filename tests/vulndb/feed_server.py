"""A small HTTP server standing in for osv.dev, the Debian tracker, secdb, CISA and EPSS.

It serves byte bodies by path, honours ``If-None-Match`` / ``If-Modified-Since`` like a
real CDN, records what it was asked, and can misbehave on demand: cut a body short, send
garbage, fail with a status a number of times, or lie about the length.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal

Mode = Literal["normal", "truncate", "status"]


@dataclass
class Resource:
    """One served body and its validators."""

    body: bytes
    etag: str | None = None
    last_modified: str | None = None
    mode: Mode = "normal"
    #: With mode "status": answer this status for the next ``failures`` requests.
    status: int = 500
    failures: int = 1_000_000


@dataclass
class Request:
    """What the server saw."""

    path: str
    headers: dict[str, str]


@dataclass
class FeedServer:
    """Start with :meth:`start`; ``resources`` may be changed between requests."""

    resources: dict[str, Resource] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FeedServer:
        feed = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                feed.requests.append(Request(self.path, dict(self.headers.items())))
                resource = feed.resources.get(self.path)
                if resource is None:
                    self.send_error(404)
                    return
                if resource.mode == "status" and resource.failures > 0:
                    resource.failures -= 1
                    self.send_error(resource.status)
                    return
                if _not_modified(self, resource):
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(resource.body)))
                if resource.etag:
                    self.send_header("ETag", resource.etag)
                if resource.last_modified:
                    self.send_header("Last-Modified", resource.last_modified)
                self.end_headers()
                if resource.mode == "truncate":
                    self.wfile.write(resource.body[: len(resource.body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(resource.body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def requests_for(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]


def _not_modified(handler: BaseHTTPRequestHandler, resource: Resource) -> bool:
    match = handler.headers.get("If-None-Match")
    if match is not None:
        return resource.etag is not None and match == resource.etag
    since = handler.headers.get("If-Modified-Since")
    if since and resource.last_modified:
        return parsedate_to_datetime(resource.last_modified) <= parsedate_to_datetime(since)
    return False


def http_date(year: int, month: int, day: int) -> str:
    """An HTTP date (for Last-Modified)."""
    from datetime import UTC, datetime

    return format_datetime(datetime(year, month, day, tzinfo=UTC), usegmt=True)
