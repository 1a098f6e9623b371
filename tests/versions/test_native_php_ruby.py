"""Packagist and RubyGems against the implementations they follow: PHP's
``version_compare`` and Ruby's ``Gem::Version``, each run once over many pairs.

The generated OSV fixtures were made by the same tools but only hold *adjacent* versions
of one package; random pairs and made-up versions reach the rules those miss.
"""

from __future__ import annotations

import random
import shutil
import subprocess

import pytest

from regsentry.versions import InvalidVersionError, compare
from tests.versions import read_osv_fixture

_PHP = (
    '$in = fopen("php://stdin", "r");'
    "while (($line = fgets($in)) !== false) {"
    '  [$a, $b] = explode("\\t", rtrim($line, "\\n"));'
    '  echo version_compare(ltrim($a, "vV"), ltrim($b, "vV")), "\\n";'
    "}"
)
_RUBY = (
    'STDIN.each_line { |line| a, b = line.chomp.split("\\t");'
    " puts(Gem::Version.new(a) <=> Gem::Version.new(b)) }"
)


def _native(command: list[str], pairs: list[tuple[str, str]]) -> list[int]:
    stdin = "".join(f"{a}\t{b}\n" for a, b in pairs)
    out = subprocess.run(command, input=stdin, capture_output=True, text=True, check=True)
    return [int(value) for value in out.stdout.split()]


def _pairs(fixture: str, parts: list[str], seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    versions = sorted({v for r in read_osv_fixture(fixture) for v in (r.a, r.b)})
    pairs = [(rng.choice(versions), rng.choice(versions)) for _ in range(3000)]
    for _ in range(3000):
        made = [
            rng.choice("0123") + "".join(rng.choice(parts) for _ in range(rng.randint(0, 5)))
            for _ in range(2)
        ]
        pairs.append((made[0], made[1]))
    return pairs


def _disagreements(ecosystem: str, pairs: list[tuple[str, str]], native: list[int]) -> list[str]:
    assert len(native) == len(pairs)
    found = []
    for (a, b), theirs in zip(pairs, native, strict=True):
        try:
            ours = compare(ecosystem, a, b)
        except InvalidVersionError:
            continue  # regsentry refuses what Composer or RubyGems would refuse
        if ours != theirs:
            found.append(f"{a} vs {b}: native {theirs}, regsentry {ours}")
    return found


@pytest.mark.skipif(shutil.which("php") is None, reason="needs php-cli")
def test_packagist_agrees_with_php_version_compare() -> None:
    parts = ["0", "1", "10", "007", ".", "-", "_", "+", "dev", "alpha", "a", "beta", "b"]
    parts += ["RC", "rc", "pl", "p", "patch", "stable", "foo", "Alpha"]
    pairs = _pairs("packagist-versions-generated.txt", parts, seed=8)
    disagreements = _disagreements("Packagist", pairs, _native(["php", "-r", _PHP], pairs))
    assert not disagreements, "\n".join(disagreements[:30])


def _is_gem(version: str) -> bool:
    try:
        compare("RubyGems", version, "0")
    except InvalidVersionError:
        return False
    return True


@pytest.mark.skipif(shutil.which("ruby") is None, reason="needs ruby")
def test_rubygems_validity_is_gem_version_correct() -> None:
    rng = random.Random(10)
    parts = ["0", "1", ".", "-", "a", "Z", "_", " ", "+", "..", "beta"]
    versions = ["", " 1.0 ", "1beta", "1.0-", "-1", "1..0", "1.0.a-b.c"]
    versions += ["".join(rng.choice(parts) for _ in range(rng.randint(1, 6))) for _ in range(2000)]
    out = subprocess.run(
        ["ruby", "-e", "STDIN.each_line { |l| puts(Gem::Version.correct?(l.chomp) ? 1 : 0) }"],
        input="".join(f"{v}\n" for v in versions),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for version, correct in zip(versions, out, strict=True):
        # RubyGems reads "" (and blanks) as "0"; regsentry refuses the empty version.
        expected = correct == "1" and bool(version.strip())
        assert _is_gem(version) is expected, repr(version)


@pytest.mark.skipif(shutil.which("ruby") is None, reason="needs ruby")
def test_rubygems_agrees_with_gem_version() -> None:
    parts = ["0", "1", "10", "007", ".", "a", "b", "pre", "rc", "A", "Z", "beta", "-", ".0"]
    pairs = _pairs("rubygems-versions-generated.txt", parts, seed=9)
    valid = [(a, b) for a, b in pairs if _is_gem(a) and _is_gem(b)]
    assert len(valid) > 3000
    disagreements = _disagreements("RubyGems", valid, _native(["ruby", "-e", _RUBY], valid))
    assert not disagreements, "\n".join(disagreements[:30])
