"""System settings at ``/api/v1/settings`` (SPEC §1): defaults, changes that persist, and
validation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from regsentry.api.app import create_app
from tests.api.conftest import API, BASIC, Console, TestClient, console_settings, detail_locations

SETTINGS = f"{API}/settings"
DEFAULTS = {
    "scan_interval": 24.0,
    "sync_interval_minutes": 15.0,
    "retention_days": 30.0,
    "registry_concurrency": 8,
}


def test_defaults_are_the_specs(api: TestClient) -> None:
    response = api.get(SETTINGS)
    assert response.status_code == 200
    assert response.json() == DEFAULTS


def test_defaults_follow_the_environment(tmp_path: Path) -> None:
    settings = console_settings(tmp_path / "home").model_copy(
        update={"retention_days": 7.0, "registry_concurrency": 3}
    )
    app = create_app(settings, scheduler=False)
    try:
        body = TestClient(app).get(SETTINGS, auth=BASIC).json()
    finally:
        app.state.services.close()
    assert (body["retention_days"], body["registry_concurrency"]) == (7.0, 3)


def test_changes_persist_and_are_returned(console: Console) -> None:
    changed = {
        "scan_interval": 6,
        "sync_interval_minutes": 2.5,
        "retention_days": 90,
        "registry_concurrency": 32,
    }
    response = console.api.put(SETTINGS, json=changed)
    assert response.status_code == 200, response.text
    assert response.json() == changed
    assert console.api.get(SETTINGS).json() == changed
    assert console.services.system.get().retention_days == 90
    partial = console.api.put(SETTINGS, json={"retention_days": 5})
    assert partial.json() == {**DEFAULTS, "retention_days": 5.0}  # the whole set is replaced


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("scan_interval", 0),
        ("scan_interval", -1),
        ("scan_interval", 24 * 365 + 1),
        ("scan_interval", "daily"),
        ("sync_interval_minutes", 0),
        ("sync_interval_minutes", 24 * 60 * 7 + 1),
        ("retention_days", 0),
        ("retention_days", 3651),
        ("registry_concurrency", 0),
        ("registry_concurrency", 257),
        ("registry_concurrency", 1.5),
    ],
)
def test_out_of_range_values_are_a_422_naming_the_field(
    console: Console, field: str, value: Any
) -> None:
    response = console.api.put(SETTINGS, json={field: value})
    assert (field,) in detail_locations(response)
    assert console.api.get(SETTINGS).json() == DEFAULTS


def test_unknown_settings_are_refused(console: Console) -> None:
    # A misspelt name must not answer 200 and change nothing.
    response = console.api.put(SETTINGS, json={"scan_interval_hours": 6})
    assert response.status_code == 422
    assert console.api.get(SETTINGS).json() == DEFAULTS
