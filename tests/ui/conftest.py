"""A console per test (its own home, database and admin password), and a logged-in client."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from regsentry.api.app import create_app
from regsentry.config import Settings
from tests.ui.support import login, new_password


@dataclass
class Console:
    """A console app under test and how to log in."""

    client: TestClient
    settings: Settings
    password: str

    def login(self) -> str:
        """Log in; returns the CSRF token."""
        return login(self.client, self.password)


@pytest.fixture
def console(tmp_path: Path) -> Iterator[Console]:
    """A console without its scheduler (tests press "scan now" themselves)."""
    password = new_password()
    settings = Settings(home=tmp_path / "home", admin_password=password)
    app = create_app(settings, scheduler=False)
    with TestClient(app, base_url="http://testserver") as client:
        yield Console(client, settings, password)


@pytest.fixture
def user(console: Console) -> Console:
    """The console with its client logged in as admin."""
    console.login()
    return console
