"""Platforms and the rule's platform choice."""

from __future__ import annotations

import pytest

from regsentry.errors import ConfigError
from regsentry.model.platform import Platform, PlatformSelector


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("linux/amd64", "linux/amd64"),
        ("linux/x86_64", "linux/amd64"),
        ("linux/arm64", "linux/arm64/v8"),
        ("linux/aarch64", "linux/arm64/v8"),
        ("linux/arm", "linux/arm/v7"),
        ("linux/arm/v6", "linux/arm/v6"),
        ("Windows/AMD64", "windows/amd64"),
    ],
)
def test_parse_normalises(text: str, expected: str) -> None:
    assert str(Platform.parse(text)) == expected


@pytest.mark.parametrize("bad", ["linux", "linux/", "/amd64", "a/b/c/d", ""])
def test_parse_rejects_malformed(bad: str) -> None:
    with pytest.raises(ConfigError):
        Platform.parse(bad)


def test_default_selector_is_amd64_of_the_os() -> None:
    assert PlatformSelector.parse("linux", "").platforms == (Platform.of("linux", "amd64"),)
    assert PlatformSelector.parse("windows", "").platforms == (Platform.of("windows", "amd64"),)


def test_star_wants_every_platform_of_the_os_only() -> None:
    selector = PlatformSelector.parse("linux", "*")
    assert selector.wants(Platform.of("linux", "s390x"))
    assert not selector.wants(Platform.of("windows", "amd64"))
    assert not selector.wants(Platform.of("unknown", "unknown"))


def test_list_matches_with_normalised_variants() -> None:
    selector = PlatformSelector.parse("linux", "linux/arm64, linux/amd64")
    assert selector.wants(Platform.of("linux", "arm64", "v8"))
    assert selector.wants(Platform.of("linux", "arm64"))
    assert not selector.wants(Platform.of("linux", "arm", "v7"))


def test_platform_of_another_os_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not of the rule's os"):
        PlatformSelector.parse("linux", "windows/amd64")
