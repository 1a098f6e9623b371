"""Maven versions against the reference itself: Maven 3.8.7's ComparableVersion.

Debian 12's ``libmaven3-core-java`` ships ``maven-artifact-3.x.jar`` (3.8.7), whose
``ComparableVersion`` main prints the relation of each adjacent pair of its arguments; one
JVM run compares tens of thousands of pairs.
"""

from __future__ import annotations

import itertools
import random
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from regsentry.versions import InvalidVersionError, compare
from tests.versions import read_osv_fixture

JAR = Path("/usr/share/java/maven-artifact-3.x.jar")
_CLASS = "org.apache.maven.artifact.versioning.ComparableVersion"
_RELATIONS = {"<": -1, "==": 0, ">": 1}

needs_maven = pytest.mark.skipif(
    shutil.which("java") is None or not JAR.exists(),
    reason="needs java and Debian's libmaven3-core-java (maven-artifact 3.8.7)",
)


def _native(versions: list[str]) -> list[tuple[str, int, str]]:
    """Maven's relation of every adjacent pair in ``versions``."""
    out = subprocess.run(
        ["java", "-cp", str(JAR), _CLASS, *versions], capture_output=True, text=True, check=True
    ).stdout
    relations = []
    for line in out.splitlines():
        if line.startswith("   "):
            a, relation, b = line.split()
            relations.append((a, _RELATIONS[relation], b))
    assert len(relations) == len(versions) - 1
    return relations


@needs_maven
def test_jar_is_maven_3_8_7() -> None:
    with zipfile.ZipFile(JAR) as jar:
        manifest = jar.read("META-INF/MANIFEST.MF").decode()
    assert "Implementation-Version: 3.8.7" in manifest


@needs_maven
def test_agrees_with_maven_on_every_fixture_line_and_random_real_pairs() -> None:
    relations = read_osv_fixture("maven-versions.txt")
    relations += read_osv_fixture("maven-versions-generated.txt")
    versions = sorted({v for r in relations for v in (r.a, r.b)})
    sequence = [v for r in relations for v in (r.a, r.b)]
    rng = random.Random(387)
    sequence += [rng.choice(versions) for _ in range(20_000)]
    disagreements = [
        f"{a} vs {b}: Maven {theirs}, regsentry {compare('Maven', a, b)}"
        for a, theirs, b in _native(sequence)
        if compare("Maven", a, b) != theirs
    ]
    assert not disagreements, "\n".join(disagreements[:30])


@needs_maven
def test_odd_versions_disagree_only_where_maven_is_not_transitive() -> None:
    """On made-up odd versions the key may differ from Maven, but only where Maven puts
    ``a`` and ``b`` on opposite sides of their bare leading number ``n`` yet orders them
    the other way (Maven's own cycle ``a < b < n < a``); the key then follows ``n``."""
    rng = random.Random(5568)  # MNG-5568: ComparableVersion is not transitive
    parts = ["0", "1", "10", ".", "-", "_", "alpha", "a", "b", "m", "rc", "cr", "sp"]
    parts += ["ga", "final", "release", "snapshot", "x", "foo"]
    odd = [
        rng.choice("012") + "".join(rng.choice(parts) for _ in range(rng.randint(0, 5)))
        for _ in range(10_000)
    ]
    disagreeing = [
        (a, theirs, b) for a, theirs, b in _native(odd) if compare("Maven", a, b) != theirs
    ]
    assert len(disagreeing) < len(odd) // 500
    if not disagreeing:
        return
    triples = [v for a, _, b in disagreeing for v in (a, a[0], b)]
    native = _native(triples)
    for i, (a, theirs, b) in enumerate(disagreeing):
        a_to_n, n_to_b = native[3 * i][1], native[3 * i + 1][1]
        assert a_to_n == n_to_b == -theirs, (a, b)
        assert compare("Maven", a, b) == a_to_n


def test_qualifier_order_and_aliases() -> None:
    ordered = ["1-alpha-1", "1-beta-1", "1-milestone-1", "1-rc-1", "1-SNAPSHOT", "1"]
    ordered += ["1-sp-1", "1-foo", "1-1", "1.1"]
    for older, newer in itertools.pairwise(ordered):
        assert compare("Maven", older, newer) == -1, (older, newer)
    for a, b in [("1a1", "1-alpha-1"), ("1cr", "1rc"), ("1.0.Final", "1"), ("1.0.0", "1")]:
        assert compare("Maven", a, b) == 0, (a, b)


def test_only_the_empty_string_is_refused() -> None:
    with pytest.raises(InvalidVersionError, match="Maven"):
        compare("Maven", "", "1")
