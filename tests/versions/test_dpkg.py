"""dpkg versions: dpkg's own vectors, its parser's error cases, and the local dpkg itself."""

from __future__ import annotations

import json
import random
import shutil
import subprocess

import pytest

from regsentry.versions import InvalidVersionError, compare, dpkg
from tests.analyzer.data import shared_data
from tests.versions import Relation, read_osv_fixture, read_triples, sign

DATA = shared_data("dpkg-version")
VECTORS = json.loads((DATA / "dpkg-version-vectors.json").read_text(encoding="utf-8"))

# Vectors from Perl's non-strict Dpkg::Version that dpkg itself (and regsentry) rejects:
# dpkg 1.21.22's --compare-versions exits 2, "bad syntax".
LENIENT_ONLY = {
    "0foo-": "revision number is empty",
    "-0.6.5": "version number is empty",
    "0:0-": "revision number is empty (t-version.c accepts it; dpkg 1.21.22 does not)",
}


@pytest.mark.parametrize("relation", read_triples(DATA / "vectors.txt"), ids=str)
def test_upstream_vectors(relation: Relation) -> None:
    a, b, expected = relation.a, relation.b, relation.expected
    if a in LENIENT_ONLY or b in LENIENT_ONLY:
        with pytest.raises(InvalidVersionError):
            compare("Debian", a, b)
        return
    assert compare("Debian", a, b) == expected
    assert compare("Debian", b, a) == -expected


def test_json_comparisons_match_vectors_and_local_dpkg_verdicts() -> None:
    comparisons = VECTORS["comparisons"]
    assert len(comparisons) == 44
    for item in comparisons:
        rejected = item["local_dpkg_1_21_22"] == "rejects-invalid-syntax"
        assert rejected == (item["a"] in LENIENT_ONLY or item["b"] in LENIENT_ONLY)
        if not rejected:
            assert compare("Debian", item["a"], item["b"]) == item["expected"]


@pytest.mark.parametrize(("a", "b"), VECTORS["parse_valid_equivalences"])
def test_parse_equivalences(a: str, b: str) -> None:
    if b in LENIENT_ONLY:
        with pytest.raises(InvalidVersionError):
            dpkg.key(b)
    elif b.startswith("version="):
        # "version=U revision=R": how the string splits at the *last* hyphen.
        upstream, revision = (part.partition("=")[2] for part in b.split(" "))
        assert dpkg.key(a) == dpkg.key(f"0:{upstream}-{revision}")
        assert dpkg.key(a) < dpkg.key(f"0:{upstream}-{revision}.1")
    else:
        assert compare("Debian", a, b) == 0


# From t-version.c's failures: dpkg *errors* on these (exit 2), so regsentry refuses them.
ERRORS = ["", "  ", "0:", "0:0 0-1", "-1:0-1", "999999999999999999999999:0-1", "a:0-0"]
ERRORS += ["A:0-0", "-0", "0:-0", "10a:5.2", "0foo-", ":1.0"]
# t-version.c also fails these, but dpkg only *warns* and still compares them.
WARNINGS = ["0:0-0:0", "5.2@3-2", *VECTORS["warn_versions_not_starting_with_digit"]]


def test_the_json_invalid_list_splits_into_errors_and_warnings() -> None:
    assert set(VECTORS["invalid_versions"]) == (set(ERRORS) | set(WARNINGS)) - {
        "0foo-",
        ":1.0",
        *VECTORS["warn_versions_not_starting_with_digit"],
    }


@pytest.mark.parametrize("version", ERRORS)
def test_errors_raise(version: str) -> None:
    with pytest.raises(InvalidVersionError, match="Debian"):
        compare("Debian", version, "1.0")


@pytest.mark.parametrize("version", WARNINGS)
def test_warnings_still_compare(version: str) -> None:
    assert compare("Debian", version, version) == 0


def test_tilde_sorts_before_everything_even_the_end() -> None:
    ordered = ["1.0~~", "1.0~~a", "1.0~", "1.0~rc1", "1.0", "1.0a", "1.0+dfsg", "1.0.1"]
    keys = [dpkg.key(v) for v in ordered]
    assert keys == sorted(keys)
    assert compare("Ubuntu:22.04:LTS", "1.2.3-1~deb7u1", "1.2.3-1") == -1
    assert compare("Debian", "1:0.1", "2.0") == 1


# --- the local dpkg as oracle -------------------------------------------------------------

_DPKG_LOOP = r"""
while IFS=$'\t' read -r a b; do
  dpkg --compare-versions "$a" lt "$b" 2>/dev/null; lt=$?
  dpkg --compare-versions "$a" eq "$b" 2>/dev/null; eq=$?
  printf '%s %s\n' "$lt" "$eq"
done
"""


def _native_dpkg(pairs: list[tuple[str, str]]) -> list[int | None]:
    """dpkg's verdict per pair (None: dpkg refused a version), in one subprocess."""
    stdin = "".join(f"{a}\t{b}\n" for a, b in pairs)
    out = subprocess.run(
        ["bash", "-c", _DPKG_LOOP], input=stdin, capture_output=True, text=True, check=True
    ).stdout.split("\n")
    verdicts: list[int | None] = []
    for line in out[: len(pairs)]:
        lt, eq = line.split()
        verdicts.append(None if "2" in (lt, eq) else -1 if lt == "0" else 0 if eq == "0" else 1)
    return verdicts


def _sample_pairs() -> list[tuple[str, str]]:
    rng = random.Random(2024)
    versions = sorted(
        {v for r in read_osv_fixture("debian-versions-generated.txt") for v in (r.a, r.b)}
    )
    pairs = [(rng.choice(versions), rng.choice(versions)) for _ in range(300)]
    # Near neighbours too: random pairs are almost always decided by the first digit.
    for _ in range(100):
        i = rng.randrange(len(versions) - 3)
        pairs.append((versions[i], versions[i + rng.randrange(1, 3)]))
    for relation in read_triples(DATA / "vectors.txt"):
        pairs.append((relation.a, relation.b))
    for template, key in (("0:0{}-0", "upstream"), ("0:0-{}", "revision")):
        for char in VECTORS["invalid_char_templates"][key]["chars"]:
            pairs.append((template.format(char), template.format("")))
            pairs.append((template.format(char), template.format("a")))
    pairs += [(version, "1.0") for version in ERRORS + WARNINGS if version.strip()]
    return [(a, b) for a, b in pairs if not a.startswith("-") and not b.startswith("-")]


@pytest.mark.skipif(shutil.which("dpkg") is None, reason="needs the dpkg command")
def test_agrees_with_local_dpkg_compare_versions() -> None:
    pairs = _sample_pairs()
    disagreements = []
    for (a, b), native in zip(pairs, _native_dpkg(pairs), strict=True):
        try:
            ours: int | None = sign(compare("Debian", a, b))
        except InvalidVersionError:
            ours = None
        if ours != native:
            disagreements.append(f"{a!r} vs {b!r}: dpkg {native}, regsentry {ours}")
    assert len(pairs) > 500
    assert not disagreements, "\n".join(disagreements)
