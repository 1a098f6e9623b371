"""PEP 440 versions against pypa/packaging's own test lists, and packaging's own order."""

from __future__ import annotations

import itertools
import json
import random

import pytest
from packaging.version import Version

from regsentry.versions import InvalidVersionError, compare, pep440, version_key
from tests.analyzer.data import shared_data
from tests.versions import read_osv_fixture

VECTORS = json.loads(
    shared_data("pep440-packaging", "pep440-vectors.json").read_text(encoding="utf-8")
)


def test_sorted_list_is_strictly_ascending() -> None:
    versions = VECTORS["sorted_ascending"]
    assert len(versions) == 54
    for older, newer in itertools.pairwise(versions):
        assert compare("PyPI", older, newer) == -1, (older, newer)
    shuffled = versions[:]
    random.Random(440).shuffle(shuffled)
    assert sorted(shuffled, key=lambda v: pep440.key(v)) == versions


@pytest.mark.parametrize("version", VECTORS["invalid"])
def test_invalid(version: str) -> None:
    with pytest.raises(InvalidVersionError, match="PyPI"):
        version_key("PyPI", version)


@pytest.mark.parametrize("pair", VECTORS["normalized"], ids=lambda pair: repr(pair["input"]))
def test_normalized_forms_are_equal(pair: dict[str, str]) -> None:
    assert compare("PyPI", pair["input"], pair["normalized"]) == 0


def test_key_order_is_packagings_order_on_every_fixture_version() -> None:
    versions = sorted(
        {
            v
            for name in ("pypi-versions.txt", "pypi-versions-generated.txt")
            for r in read_osv_fixture(name)
            for v in (r.a, r.b)
            if _parses(v)
        }
    )
    versions += VECTORS["sorted_ascending"]
    rng = random.Random(22)
    for _ in range(20_000):
        a, b = rng.choice(versions), rng.choice(versions)
        va, vb = Version(a), Version(b)
        assert compare("PyPI", a, b) == (va > vb) - (va < vb), (a, b)


def _parses(version: str) -> bool:
    try:
        Version(version)
    except ValueError:
        return False
    return True


def test_local_versions_and_dev_releases() -> None:
    ordered = ["1.0.dev1", "1.0a1.dev1", "1.0a1", "1.0", "1.0+abc", "1.0+1", "1.0.post1.dev1"]
    for older, newer in itertools.pairwise(ordered):
        assert compare("PyPI", older, newer) == -1, (older, newer)
    assert compare("PyPI", "1.0+ubuntu.1", "1.0+UBUNTU.01") == 0
