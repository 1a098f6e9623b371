"""The console's REST API under test: an app over a fresh ``REGSENTRY_HOME`` with a known
admin password, and clients that authenticate with HTTP Basic, an API token (Bearer) or a
browser session (cookie + ``X-CSRF-Token``).

Every response any of these clients receives is recorded (status, headers, body) so that
tests can grep all of them, e.g. for a secret that must never come back.
"""

from __future__ import annotations

import contextlib
import os
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from regsentry.api.app import create_app
from regsentry.config import Settings
from regsentry.service.console.auth import Throttle
from regsentry.service.console.services import ConsoleServices

with warnings.catch_warnings():
    # Starlette nudges towards httpx2; the httpx-based client is what the project has.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient as TestClient

API = "/api/v1"
ADMIN = "admin"
ADMIN_PASSWORD = "Adm1n-pass-for-API-tests"
BASIC = (ADMIN, ADMIN_PASSWORD)
JOB_DEADLINE_SECONDS = 180.0


class RecordingThrottle(Throttle):
    """The console's login throttle with tiny delays, remembering every delay it imposed."""

    def __init__(self) -> None:
        super().__init__(base=0.001, ceiling=0.004)
        self.delays: list[float] = []

    def delay(self, *keys: str) -> float:
        """As :meth:`Throttle.delay`, recorded."""
        seconds = super().delay(*keys)
        self.delays.append(seconds)
        return seconds


@dataclass(frozen=True)
class Exchange:
    """One request and the response a test client got for it."""

    method: str
    path: str
    status: int
    headers: bytes
    body: bytes


@dataclass
class Console:
    """A console app, its settings, and the clients talking to it."""

    app: FastAPI
    settings: Settings
    throttle: RecordingThrottle
    api: TestClient  # lifespan running (scans run on its loop); authenticates with Basic
    exchanges: list[Exchange] = field(default_factory=list)

    @property
    def services(self) -> ConsoleServices:
        """The services behind the API."""
        services: ConsoleServices = self.app.state.services
        return services

    @property
    def home(self) -> Path:
        """``REGSENTRY_HOME``."""
        return self.settings.home

    def client(self, auth: tuple[str, str] | None = None, **kwargs: Any) -> TestClient:
        """A new client with its own cookie jar and no credentials but ``auth`` (recorded)."""
        client = TestClient(self.app, **kwargs)
        if auth is not None:
            client.auth = auth
        self.record(client)
        return client

    def bearer(self, token: str) -> TestClient:
        """A client sending ``Authorization: Bearer token``."""
        return self.client(headers={"Authorization": f"Bearer {token}"})

    def new_token(self, name: str = "ci") -> str:
        """Create an API token through the API; returns its secret."""
        created = self.api.post(f"{API}/tokens", json={"name": name})
        assert created.status_code == 201, created.text
        token = created.json()["token"]
        assert isinstance(token, str)
        return token

    def browser(self) -> tuple[TestClient, str]:
        """A client logged in with a session cookie, and the session's CSRF token."""
        client = self.client()
        response = client.post(
            f"{API}/auth/login", json={"username": ADMIN, "password": ADMIN_PASSWORD}
        )
        assert response.status_code == 200, response.text
        assert "regsentry_session" in client.cookies
        csrf = response.json()["csrf_token"]
        assert isinstance(csrf, str)
        return client, csrf

    def record(self, client: httpx.Client) -> None:
        """Record every response ``client`` receives in :attr:`exchanges`."""

        def hook(response: httpx.Response) -> None:
            response.read()
            headers = "\n".join(f"{k}: {v}" for k, v in response.headers.multi_items())
            self.exchanges.append(
                Exchange(
                    response.request.method,
                    response.request.url.path,
                    response.status_code,
                    headers.encode(),
                    response.content,
                )
            )

        client.event_hooks = {"request": [], "response": [hook]}

    def wait_for_job(self, job_id: int, deadline: float = JOB_DEADLINE_SECONDS) -> dict[str, Any]:
        """Poll ``/scans/{id}`` until the job is no longer running; its last view."""
        give_up = time.monotonic() + deadline
        while True:
            response = self.api.get(f"{API}/scans/{job_id}")
            assert response.status_code == 200, response.text
            job: dict[str, Any] = response.json()
            if job["status"] != "running":
                return job
            if time.monotonic() > give_up:
                raise AssertionError(f"job {job_id} still running after {deadline}s: {job}")
            time.sleep(0.05)


def console_settings(home: Path, password: str = ADMIN_PASSWORD) -> Settings:
    """Settings as the environment gives them: REGSENTRY_HOME and the admin password."""
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("REGSENTRY_"):
                patch.delenv(name)
        patch.setenv("REGSENTRY_HOME", str(home))
        patch.setenv("REGSENTRY_ADMIN_PASSWORD", password)
        settings = Settings()
    assert settings.home == home
    return settings


@contextlib.contextmanager
def running_console(home: Path, password: str = ADMIN_PASSWORD) -> Iterator[Console]:
    """A console over ``home`` (no scheduler), its lifespan running for the duration."""
    settings = console_settings(home, password)
    app = create_app(settings, scheduler=False)
    throttle = RecordingThrottle()
    app.state.services.accounts.throttle = throttle
    with TestClient(app) as api:
        api.auth = (ADMIN, password)
        console = Console(app, settings, throttle, api)
        console.record(api)
        yield console


@pytest.fixture
def console(tmp_path: Path) -> Iterator[Console]:
    """A fresh console in ``tmp_path``."""
    with running_console(tmp_path / "home") as running:
        yield running


@pytest.fixture
def api(console: Console) -> TestClient:
    """The console's client authenticated with HTTP Basic as the admin."""
    return console.api


@pytest.fixture
def anonymous(console: Console) -> TestClient:
    """A client without any credentials."""
    return console.client()


def detail_locations(response: httpx.Response) -> list[tuple[str, ...]]:
    """The ``loc`` of every error of a 422 validation answer, without the ``body`` prefix."""
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, list), detail
    return [tuple(str(part) for part in error["loc"] if part != "body") for error in detail]
