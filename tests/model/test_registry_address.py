"""Parsing a rule's registry field (SPEC §1)."""

from __future__ import annotations

import pytest

from regsentry.errors import ConfigError
from regsentry.model.registry_address import DOCKER_HUB_HOST, RegistryAddress


@pytest.mark.parametrize(
    ("text", "host", "scheme"),
    [
        ("", DOCKER_HUB_HOST, "https"),
        ("docker.io", DOCKER_HUB_HOST, "https"),
        ("https://index.docker.io/", DOCKER_HUB_HOST, "https"),
        ("registry.example.com", "registry.example.com", "https"),
        ("Registry.Example.com:5000", "registry.example.com:5000", "https"),
        ("http://127.0.0.1:5000", "127.0.0.1:5000", "http"),
        ("HTTPS://harbor.corp/", "harbor.corp", "https"),
        ("[::1]:5000", "[::1]:5000", "https"),
    ],
)
def test_parse(text: str, host: str, scheme: str) -> None:
    address = RegistryAddress.parse(text)
    assert (address.host, address.scheme) == (host, scheme)


@pytest.mark.parametrize(
    "bad",
    ["ftp://host", "host/path", "host:99999", "host:port", "https://", "a b", "-host"],
)
def test_parse_rejects(bad: str) -> None:
    with pytest.raises(ConfigError):
        RegistryAddress.parse(bad)


def test_docker_hub_bare_names_are_library() -> None:
    hub = RegistryAddress.parse("")
    assert hub.display == "docker.io"
    assert hub.repository_name("alpine") == "library/alpine"
    assert hub.repository_name("bitnami/redis") == "bitnami/redis"
    assert RegistryAddress.parse("quay.io").repository_name("alpine") == "alpine"
