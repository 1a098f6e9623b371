"""Settings: keyword arguments, then REGSENTRY_* variables, then defaults; bad values are
clear configuration errors that never echo the value."""

from __future__ import annotations

from pathlib import Path

import pytest

from regsentry.config import Settings
from regsentry.errors import ConfigError
from tests.cli.test_scan_cli import assert_clean_error, regsentry


def test_variables_are_read_in_any_case_and_converted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGSENTRY_HOME", "/srv/regsentry")
    monkeypatch.setenv("regsentry_registry_concurrency", "16")
    monkeypatch.setenv("REGSENTRY_SECRET_KEY", "s3cr3t")
    settings = Settings()
    assert settings.home == Path("/srv/regsentry")
    assert settings.registry_concurrency == 16
    assert settings.secret_key.get_secret_value() == "s3cr3t"
    assert settings.store_url == "sqlite:////srv/regsentry/results.sqlite"


def test_keyword_arguments_beat_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGSENTRY_HOME", "/from/env")
    assert Settings(home=Path("/from/flag")).home == Path("/from/flag")


def test_defaults_and_unknown_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGSENTRY_NO_SUCH_SETTING", "x")
    monkeypatch.setenv("OTHER_REQUEST_TIMEOUT", "1")
    settings = Settings()
    assert settings.request_timeout == 30.0
    assert settings.broker_url == ""


def test_an_invalid_variable_is_named_and_its_value_not_echoed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REGSENTRY_REGISTRY_CONCURRENCY", "0")
    monkeypatch.setenv("REGSENTRY_REQUEST_TIMEOUT", "hunter2-not-a-number")
    with pytest.raises(ConfigError) as caught:
        Settings()
    message = str(caught.value)
    assert "REGSENTRY_REGISTRY_CONCURRENCY" in message
    assert "greater than or equal to 1" in message
    assert "REGSENTRY_REQUEST_TIMEOUT" in message
    assert "hunter2" not in message


def test_an_invalid_argument_is_named_as_given() -> None:
    with pytest.raises(ConfigError, match=r"scan_image_concurrency: .*less than or equal"):
        Settings(scan_image_concurrency=1000)


def test_the_command_line_reports_a_bad_variable_with_exit_2() -> None:
    result = regsentry("image", "localhost:1/x", "--insecure", REGSENTRY_REQUEST_TIMEOUT="-1")
    assert_clean_error(result, "REGSENTRY_REQUEST_TIMEOUT: Input should be greater than 0")
