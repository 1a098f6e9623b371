"""rpm versions: rpm's rpmvercmp vectors, EVR splitting, and the local rpm itself."""

from __future__ import annotations

import itertools
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from regsentry.versions import InvalidVersionError, compare, rpm
from tests.analyzer.data import shared_data
from tests.versions import Relation, read_osv_fixture, read_triples

DATA = shared_data("rpm-vercmp")
RPM_ECOSYSTEMS = [
    "Red Hat",
    "Rocky Linux",
    "AlmaLinux",
    "SUSE",
    "openSUSE",
    "Photon OS",
    "Azure Linux",
    "Mariner",
    "openEuler",
    "Oracle",
]


@pytest.mark.parametrize("relation", read_triples(DATA / "vectors.txt"), ids=str)
def test_rpmvercmp_vectors(relation: Relation) -> None:
    # The vectors are rpmvercmp() of bare version strings: no epoch, no release.
    assert rpm.segment_key(relation.a) != ()
    assert relation.expected in (-1, 0, 1)
    a, b = rpm.segment_key(relation.a), rpm.segment_key(relation.b)
    assert (a > b) - (a < b) == relation.expected
    assert compare("Red Hat", relation.a, relation.b) == relation.expected


def test_oddities_upstream_disabled_still_match_rpm_4_18() -> None:
    # Upstream keeps these commented out as "arguably buggy"; rpm 4.18 still answers so.
    for relation in read_triples(DATA / "oddities-disabled-upstream.txt"):
        assert compare("Red Hat", relation.a, relation.b) == relation.expected, relation


@pytest.mark.parametrize("ecosystem", RPM_ECOSYSTEMS)
def test_every_rpm_ecosystem_orders_epoch_tilde_and_caret(ecosystem: str) -> None:
    ordered = ["1.0~rc1-1", "1.0-1", "1.0^git1-1", "1.0.1-1", "1:0.1-1", "2:0.0.1~a-1"]
    for older, newer in itertools.pairwise(ordered):
        assert compare(f"{ecosystem}:9", older, newer) == -1
        assert compare(ecosystem, newer, older) == 1


def test_evr_splitting() -> None:
    assert compare("Red Hat", "1", "1-") == -1  # a missing release sorts below any release
    assert compare("Red Hat", "1-", "1-0") == -1
    assert compare("Red Hat", ":1", "0:1") == 0  # an empty epoch is 0
    assert compare("Red Hat", "0:1", "1") == 0
    assert compare("Red Hat", "01:2", "1:2") == 0
    assert compare("Red Hat", "a:1", "b:1") == -1  # "a:" is no epoch, the version is "a:1"
    assert compare("Red Hat", "1.0-1-1", "1.0-1-2") == -1  # the release follows the last "-"
    with pytest.raises(InvalidVersionError, match="Red Hat"):
        compare("Red Hat:8", "", "1.0")


# --- the local rpm as oracle ----------------------------------------------------------------


def _lua_string(text: str) -> str:
    return "'" + "".join(f"\\{byte}" for byte in text.encode()) + "'"


def _native_rpm(pairs: list[tuple[str, str]], tmp_path: Path) -> list[int]:
    """rpm.vercmp() of every pair, in one rpm process running one Lua script."""
    script = tmp_path / "vercmp.lua"
    script.write_text(
        "".join(
            f"io.write(rpm.vercmp({_lua_string(a)}, {_lua_string(b)}), '\\n')\n" for a, b in pairs
        ),
        encoding="utf-8",
    )
    out = subprocess.run(
        ["rpm", "--eval", f"%{{lua: dofile('{script}')}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [int(value) for value in out]


def _sample_pairs() -> list[tuple[str, str]]:
    rng = random.Random(4_18)
    pairs = [(r.a, r.b) for r in read_triples(DATA / "vectors.txt")]
    pairs += [(r.a, r.b) for r in read_osv_fixture("redhat-versions.txt")]
    # Random EVRs built from parts that exercise every rule.
    parts = ["0", "1", "01", "10", "2", "a", "b", "rc", "el9", "~", "^", ".", "_", "+"]
    parts += ["git", "9.4", "fc38", "~rc", "^post", "ael7b", "\u03b1"]  # a Greek alpha

    def evr() -> str:
        text = "".join(rng.choice(parts) for _ in range(rng.randint(1, 5)))
        if rng.random() < 0.3:
            text = f"{rng.randint(0, 3)}:{text}"
        if rng.random() < 0.6:
            text += "-" + "".join(rng.choice(parts) for _ in range(rng.randint(0, 3)))
        return text

    for _ in range(600):
        a = evr()
        b = a if rng.random() < 0.1 else evr()
        pairs.append((a, b))
    return pairs


@pytest.mark.skipif(shutil.which("rpm") is None, reason="needs Debian's rpm package")
def test_agrees_with_local_rpm_vercmp(tmp_path: Path) -> None:
    pairs = _sample_pairs()
    native = _native_rpm(pairs, tmp_path)
    assert len(native) == len(pairs) > 700
    disagreements = [
        f"{a!r} vs {b!r}: rpm {theirs}, regsentry {compare('Red Hat', a, b)}"
        for (a, b), theirs in zip(pairs, native, strict=True)
        if compare("Red Hat", a, b) != theirs
    ]
    assert not disagreements, "\n".join(disagreements[:30])
