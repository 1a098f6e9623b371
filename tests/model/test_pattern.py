"""Scan-rule name patterns (SPEC §1): *, ?, comma lists, ! excludes."""

from __future__ import annotations

import pytest

from regsentry.errors import ConfigError
from regsentry.model.pattern import NamePattern


@pytest.mark.parametrize(
    ("pattern", "name", "expected"),
    [
        ("", "anything/at/all", True),
        ("team/*", "team/app", True),
        ("team/*", "team/sub/app", True),  # * crosses /
        ("team/*", "teams/app", False),
        ("team/?pp", "team/app", True),
        ("team/?pp", "team/aapp", False),
        ("app", "team/app", False),  # whole-name match
        ("*app", "team/app", True),
        ("team/*,other/*", "other/x", True),
        ("team/*, other/*", "other/x", True),  # spaces around commas
        ("team/*,!team/tools", "team/tools", False),
        ("team/*,!team/tools", "team/app", True),
        ("!tmp/*", "team/app", True),  # only excludes: everything else
        ("!tmp/*", "tmp/scratch", False),
        ("1.?", "1.0", True),
        ("1.?", "1.10", False),
        ("v[1]", "v[1]", True),  # regex characters are literal
        ("v[1]", "v1", False),
        ("a.b", "axb", False),
        ("*,!*-rc*,!dev-*", "2.1-rc", False),
        ("*,!*-rc*,!dev-*", "2.0", True),
    ],
)
def test_matches(pattern: str, name: str, expected: bool) -> None:
    assert NamePattern.parse(pattern).matches(name) is expected


@pytest.mark.parametrize("bad", ["a,,b", "!", "a,!", " , ", "team app"])
def test_invalid_patterns_are_config_errors(bad: str) -> None:
    with pytest.raises(ConfigError):
        NamePattern.parse(bad)


def test_literal_names_only_for_plain_includes() -> None:
    assert NamePattern.parse("b/x,a/y,b/x").literal_names == ("b/x", "a/y")
    assert NamePattern.parse("a/*").literal_names is None
    assert NamePattern.parse("").literal_names is None
    assert NamePattern.parse("!a").literal_names is None
    assert NamePattern.parse("a,b,!b").literal_names == ("a",)


def test_transformed_rewrites_includes_and_excludes() -> None:
    pattern = NamePattern.parse("alpine,!busybox").transformed(lambda n: f"library/{n}")
    assert pattern.matches("library/alpine")
    assert not pattern.matches("alpine")
    assert pattern.excludes == ("library/busybox",)
