"""The scan rule model: defaults and validation (SPEC §1)."""

from __future__ import annotations

import pytest

from regsentry.errors import ConfigError
from regsentry.model.rule import RegistryVersion, ScanRule


def test_defaults_follow_the_spec() -> None:
    rule = ScanRule.build(registry="registry.example.com", repository="team/*")
    assert rule.version is RegistryVersion.V2
    assert (rule.os, rule.scanner, rule.scanners, rule.cap) == ("linux", "auto", 2, 5)
    assert rule.tag == ""
    assert rule.credential == ""
    assert rule.name == "registry.example.com/team/*"
    assert str(rule.platform_selector) == "linux/amd64"


def test_docker_hub_rule_uses_library_for_bare_names() -> None:
    rule = ScanRule.build(repository="alpine,!busybox")
    assert rule.name == "docker.io/alpine,!busybox"
    assert rule.repository_pattern.literal_names == ("library/alpine",)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"cap": -1}, "cap"),
        ({"scanners": 0}, "scanners"),
        ({"os": "darwin"}, "os"),
        ({"repository": "a,,b"}, "empty element"),
        ({"registry": "ftp://x"}, "only https"),
        ({"platforms": "windows/amd64"}, "not of the rule's os"),
        ({"version": "dockerhub", "registry": "quay.io"}, "not Docker Hub"),
        ({"version": "ecr"}, "needs the registry"),
        ({"unknown_field": 1}, "unknown_field"),
    ],
)
def test_invalid_rules_are_config_errors_naming_the_field(
    fields: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        ScanRule.build(**fields)


def test_rule_is_immutable() -> None:
    rule = ScanRule.build(registry="r.example")
    with pytest.raises(ValueError, match="frozen"):
        rule.cap = 3  # type: ignore[misc]
