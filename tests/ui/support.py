"""Helpers for the console's UI tests: reading pages, logging in, registry content.

Pages are read with the standard library's HTML parser (no extra dependency): links to
crawl, form tokens, and the text inside an element with a given id.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from fastapi.testclient import TestClient

from regsentry.config import Settings
from regsentry.service.advisories import import_into_database
from tests.service.scan_support import app_image, base_layer, osv_record, stanza, write_records
from tests.support.images import Pusher

#: Every page a logged-in user reaches from the navigation (and its sub-pages).
PAGES = (
    "/ui",
    "/ui/rules",
    "/ui/rules/new",
    "/ui/credentials",
    "/ui/credentials/new",
    "/ui/scans",
    "/ui/results",
    "/ui/images",
    "/ui/vulnerabilities",
    "/ui/scanners",
    "/ui/settings",
    "/ui/tokens",
)

GLIBC_FIX = "2.36-9+deb12u7"
CURL_FIX = "7.88.1-10+deb12u5"


class Page(HTMLParser):
    """What a test needs from one HTML page: its links and the text of elements by id."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: dict[str, list[str]] = {}
        self._open: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("href", "src"):
            target = values.get(name)
            if target and tag in ("a", "link", "script"):
                self.links.append(target)
        if tag in ("br", "input", "meta", "link", "img", "hr"):
            return
        element_id = values.get("id")
        if element_id:
            self.ids.setdefault(element_id, [])
        self._open.append((tag, element_id))

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            opened, _ = self._open.pop()
            if opened == tag:
                break

    def handle_data(self, data: str) -> None:
        for _, element_id in self._open:
            if element_id:
                self.ids[element_id].append(data)

    def text_of(self, element_id: str) -> str:
        """The text inside the element with this id (nested elements included)."""
        assert element_id in self.ids, f"no element #{element_id}"
        return " ".join(" ".join(self.ids[element_id]).split())


def parse(html: str) -> Page:
    """Read a page."""
    page = Page()
    page.feed(html)
    page.close()
    return page


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def login(client: TestClient, password: str, username: str = "admin") -> str:
    """Log the client in through the login form; returns the session's CSRF token."""
    form = client.get("/login")
    answer = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return csrf_of(client.get("/ui").text)


def internal_links(base: str, page_url: str, html: str) -> Iterator[str]:
    """Links of a page that stay on this console, as absolute paths with queries."""
    for link in parse(html).links:
        absolute = urljoin(page_url, link)
        parts = urlsplit(absolute)
        if parts.netloc and parts.netloc != urlsplit(base).netloc:
            continue
        yield parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(client: TestClient, start: str = "/ui", limit: int = 400) -> dict[str, int]:
    """Follow every internal link from ``start``; returns each URL's status code."""
    seen: dict[str, int] = {}
    queue = [start]
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        answer = client.get(url, follow_redirects=False)
        seen[url] = answer.status_code
        if answer.headers.get("content-type", "").startswith("text/html") and url.startswith("/ui"):
            queue.extend(
                link
                for link in internal_links(
                    "http://testserver", f"http://testserver{url}", answer.text
                )
                if link not in seen
            )
    return seen


def push_debian_images(registry_url: str, prefix: str) -> None:
    """Two Debian-like images sharing a base: ``PREFIX/api`` (with curl) and ``PREFIX/web``."""
    base = base_layer(prefix)
    pusher = Pusher(registry_url)
    try:
        pusher.push(
            f"{prefix}/api", app_image(base, "api", stanza("curl", "7.88.1-10+deb12u4")), "1.0"
        )
        pusher.push(f"{prefix}/web", app_image(base, "web"), "2.0", "latest")
    finally:
        pusher.close()


def import_advisories(settings: Settings, directory: Path) -> None:
    """Two Debian 12 advisories the pushed images match (glibc via its source package)."""
    write_records(
        directory,
        osv_record(
            "DEBIAN-CVE-2024-2961", "glibc", GLIBC_FIX, aliases=["CVE-2024-2961"],
            severity=[{"type": "CVSS_V3",
                       "score": "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
        ),
        osv_record("DEBIAN-CVE-2024-2398", "curl", CURL_FIX, aliases=["CVE-2024-2398"]),
        osv_record("DEBIAN-CVE-2099-0001", "bash", None, aliases=["CVE-2099-0001"]),
    )  # fmt: skip
    import_into_database(settings, directory)


def new_password() -> str:
    """A throwaway admin password for one test console."""
    return secrets.token_urlsafe(16)
