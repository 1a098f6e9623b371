"""The console end to end, in real headless Chromium against a real registry.

A real console (uvicorn on a free loopback port, its own home and admin password, no
scheduler) and a real registry holding Debian-like images. The browser logs in, adds
credentials (on the credentials page, and from the rule form), adds a scan rule through
"Add registry settings" (after one invalid value, whose message appears next to the
field), presses "Scan now" and watches the progress update in place (htmx polling) until
the job is done, then reads the results down to one image's vulnerabilities, and visits
the scanners, settings and tokens pages. Screenshots of the main pages are saved under
the test's tmp directory and their paths printed.

The progress is shown live for certain, not by luck: the registry process is paused
(SIGSTOP) while "Scan now" is pressed, so the job is still listing when the page shows;
it is resumed once a poll has been seen, and the same page (never reloaded) then shows
the job completed. Every wait is for an element, a text or a response: no sleeps.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    ViewportSize,
    expect,
    sync_playwright,
)

from regsentry.api.app import create_app
from regsentry.config import Settings
from tests.conftest import SampleRegistry
from tests.support.ports import free_port
from tests.ui.support import GLIBC_FIX, import_advisories, new_password, push_debian_images

pytestmark = [pytest.mark.registry, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LAPTOP = ViewportSize(width=1366, height=768)
WAIT_MS = 60_000  # an upper bound for slow machines, not a delay: waits end on success


@dataclass
class RunningConsole:
    """A console served by uvicorn in a background thread."""

    url: str
    settings: Settings
    password: str


@pytest.fixture
def running_console(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningConsole]:
    """``regsentry console`` as a user runs it (settings from REGSENTRY_*), scheduler off."""
    password = new_password()
    monkeypatch.setenv("REGSENTRY_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("REGSENTRY_ADMIN_PASSWORD", password)
    settings = Settings()
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, scheduler=False),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
        )
    )
    thread = threading.Thread(target=server.run, name="console", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(url, thread)
        yield RunningConsole(url, settings, password)
    finally:
        server.should_exit = True
        thread.join(timeout=60)
    assert not thread.is_alive(), "the console did not shut down"


def _wait_until_serving(url: str, thread: threading.Thread) -> None:
    """Until /healthz answers (the retrying transport waits between attempts)."""
    transport = httpx.HTTPTransport(retries=50)
    with httpx.Client(transport=transport, timeout=5) as client:
        for _ in range(100):
            assert thread.is_alive(), "the console thread died while starting"
            with contextlib.suppress(httpx.TransportError):
                if client.get(f"{url}/healthz").status_code == 200:
                    return
        raise AssertionError("the console never answered /healthz")


@pytest.fixture
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


@contextlib.contextmanager
def paused(registry: SampleRegistry) -> Iterator[None]:
    """Freeze the registry process (requests hang) and always thaw it."""
    pid = registry.server.process.pid
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


class Shots:
    """Screenshots of the main pages, saved and listed."""

    def __init__(self, page: Page, directory: Path) -> None:
        self.page = page
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.saved: list[Path] = []

    def take(self, name: str) -> None:
        path = self.directory / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.saved.append(path)


def nav(page: Page, label: str) -> None:
    """Follow a link of the main navigation and wait for its page."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name=label, exact=True).click()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name=label, exact=True)
           ).to_have_attribute("aria-current", "page")  # fmt: skip


def test_console_in_a_real_browser(
    running_console: RunningConsole,
    scratch_registry: SampleRegistry,
    browser: Browser,
    tmp_path: Path,
) -> None:
    push_debian_images(scratch_registry.url, "ui-e2e")
    import_advisories(running_console.settings, tmp_path / "records")
    secret = new_password()

    context = browser.new_context(base_url=running_console.url, viewport=LAPTOP)
    context.set_default_timeout(WAIT_MS)
    expect.set_options(timeout=WAIT_MS)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: _record(problems, m))
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    shots = Shots(page, tmp_path / "screenshots")
    main = page.locator("main")

    # -- log in -----------------------------------------------------------------------
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))
    shots.take("login")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(running_console.password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")

    # -- a credential on the credentials page ------------------------------------------
    nav(page, "Credentials")
    page.locator(".page-head").get_by_role("link", name="Add a credential").click()
    page.locator("#f-name").fill("scratch-basic")
    page.locator("#f-type").select_option("basic")
    page.locator("#f-username").fill("robot")
    page.locator("#f-secret").fill(secret)
    page.get_by_role("button", name="Save credential").click()
    expect(page).to_have_url(re.compile(r"/ui/credentials$"))
    expect(main.get_by_role("row", name=re.compile("scratch-basic"))).to_contain_text("robot")
    expect(main).not_to_contain_text(secret)
    shots.take("credentials")

    # -- a rule through "Add registry settings", with a credential added on the way ----
    nav(page, "Scan rules")
    page.locator(".page-head").get_by_role("link", name="Add registry settings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add registry settings")
    page.locator("#f-name").fill("scratch-e2e")
    page.locator("#f-registry").fill(scratch_registry.url)
    page.locator("#f-repository").fill("ui-e2e/*")
    page.get_by_role("button", name="Add a new credential…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a credential")
    page.locator("#f-name").fill("scratch-token")
    page.locator("#f-type").select_option("token")
    page.locator("#f-username").fill("ci-token")
    page.locator("#f-secret").fill(secret)
    page.get_by_role("button", name="Save credential").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add registry settings")
    expect(page.locator("#f-registry")).to_have_value(scratch_registry.url)  # kept
    expect(page.locator("#f-repository")).to_have_value("ui-e2e/*")
    expect(page.locator("#f-credential")).to_have_value("scratch-token")  # chosen
    page.locator("#f-cap").fill("-1")
    page.get_by_role("button", name="Add rule").click()
    expect(page.locator("#field-cap .field-error")).to_contain_text("greater than or equal to 0")
    expect(page.locator("#f-cap")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-repository")).to_have_value("ui-e2e/*")
    shots.take("rule-form-invalid")
    page.locator("#f-cap").fill("5")
    page.get_by_role("button", name="Add rule").click()
    expect(page).to_have_url(re.compile(r"/ui/rules$"))
    expect(main.get_by_role("row", name=re.compile("scratch-e2e"))).to_contain_text("ui-e2e/*")
    shots.take("rules")

    # -- scan now, and watch the progress update in place ------------------------------
    with paused(scratch_registry):
        page.get_by_role("button", name="Scan scratch-e2e now").click()
        expect(page).to_have_url(re.compile(r"/ui/scans/\d+$"))
        progress = page.locator("#job-progress")
        expect(progress).to_have_attribute("data-status", "running")
        expect(progress).to_contain_text("Listing repositories and tags")
        page.evaluate("window.notReloaded = true")
        with page.expect_response(re.compile(r"/ui/scans/\d+/progress$")) as poll:
            pass
        assert poll.value.status == 200
        shots.take("scan-running")
    job_url = page.url
    expect(progress).to_have_attribute("data-status", "completed")
    expect(page.locator("#progress-done")).to_have_text("2")
    expect(page.locator("#progress-planned")).to_have_text("2")
    assert page.url == job_url
    assert page.evaluate("window.notReloaded") is True  # htmx swapped it: no reload
    shots.take("scan-completed")

    # -- results: images → one image's vulnerabilities ---------------------------------
    page.get_by_role("link", name=f"View the images of {scratch_registry.host}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Images")
    rows = main.get_by_role("row")
    expect(rows.filter(has_text="ui-e2e/web")).to_contain_text("latest")
    shots.take("images")
    rows.filter(has_text="ui-e2e/api").get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/ui/images/sha256:[0-9a-f]{64}$"))
    glibc = main.locator("table.findings tr", has_text="CVE-2024-2961")
    expect(glibc).to_contain_text(GLIBC_FIX)
    expect(glibc).to_contain_text("Matched the source package glibc in Debian:12")
    expect(main.locator("table.findings tr", has_text="CVE-2099-0001")).to_contain_text(
        "no fix yet"
    )
    expect(main.get_by_role("heading", name=re.compile("^Layers"))).to_be_visible()
    expect(main.get_by_role("link", name="curl", exact=True)).to_be_visible()
    shots.take("image")

    nav(page, "Results")
    expect(main.get_by_role("link", name=scratch_registry.host)).to_be_visible()
    shots.take("results")
    main.get_by_role("link", name=scratch_registry.host).click()
    expect(main.get_by_role("link", name="ui-e2e/api")).to_be_visible()

    nav(page, "Vulnerabilities")
    page.get_by_label("CVE, advisory id or package").fill("CVE-2024-2398")
    page.get_by_role("button", name="Search").click()
    expect(main.locator("table.findings tbody tr")).to_have_count(1)
    shots.take("vulnerabilities")

    # -- scanners, settings, dashboard, tokens -----------------------------------------
    nav(page, "Scanners")
    expect(main.get_by_role("row", name=re.compile("console"))).to_contain_text("alive")
    shots.take("scanners")
    nav(page, "Settings")
    page.locator("#f-retention_days").fill("14")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status")).to_contain_text("Settings saved")
    expect(page.locator("#f-retention_days")).to_have_value("14")
    shots.take("settings")
    nav(page, "Dashboard")
    expect(main.locator(".sevtile.sev-high")).to_be_visible()
    shots.take("dashboard")
    nav(page, "API tokens")
    page.get_by_label("Name of a new token").fill("e2e")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator("#new-token")).to_have_text(re.compile(r"^rs_"))
    expect(main.get_by_role("row", name=re.compile("e2e"))).to_be_visible()
    page.goto("/ui/tokens")
    expect(main.get_by_role("row", name=re.compile("e2e"))).to_be_visible()
    expect(page.locator("#new-token")).to_have_count(0)  # shown once only

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login"))
    context.close()

    for path in shots.saved:
        print(f"screenshot: {path}")
    assert problems == []


def _record(problems: list[str], message: ConsoleMessage) -> None:
    """Browser console errors (a CSP violation, a failed script, a 404) fail the test.

    A form shown again with its errors is answered 422 on purpose, which Chromium logs.
    """
    if message.type == "error" and "status of 422" not in message.text:
        problems.append(f"console: {message.text}")


def test_the_basics_work_without_javascript(
    running_console: RunningConsole, browser: Browser
) -> None:
    """Forms post normally: log in, add a rule (after an error), delete it, log out."""
    context = browser.new_context(
        base_url=running_console.url, viewport=LAPTOP, java_script_enabled=False
    )
    context.set_default_timeout(WAIT_MS)
    expect.set_options(timeout=WAIT_MS)
    page = context.new_page()
    main = page.locator("main")

    page.goto("/ui/rules")
    expect(page).to_have_url(re.compile(r"/login\?next=/ui/rules$"))
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(running_console.password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/ui/rules$"))  # back where it was asked

    page.locator(".page-head").get_by_role("link", name="Add registry settings").click()
    page.locator("#f-registry").fill("registry.example.com")
    page.locator("#f-repository").fill("team/*,,")
    page.locator("#f-tag").press("Enter")  # Enter saves (not "add a credential")
    expect(page.locator("#field-repository .field-error")).to_contain_text("empty element")
    page.locator("#f-repository").fill("team/*")
    page.get_by_role("button", name="Add rule").click()
    row = main.get_by_role("row").filter(has_text="registry.example.com/team/*")
    expect(row).to_be_visible()

    row.get_by_role("link", name=re.compile("^Delete")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Delete scan rule")
    page.get_by_role("button", name="Delete rule").click()
    expect(page.get_by_role("status")).to_contain_text("deleted")
    expect(main.get_by_role("row").filter(has_text="registry.example.com")).to_have_count(0)

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    context.close()
