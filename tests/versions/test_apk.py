"""apk versions against apk-tools' own ``test/unit/version.data``, every line.

Line kinds (as upstream's unit test reads them): ``a OP b`` must hold, ``a !OP b`` must
not; ``~``, ``<~``, ``>~`` are apk's fuzzy (prefix) match; a bare version must be valid,
``!version`` invalid.
"""

from __future__ import annotations

import itertools

import pytest

from regsentry.versions import InvalidVersionError, apk, compare
from tests.analyzer.data import shared_data


def _lines() -> list[str]:
    text = shared_data("apk-tools-version", "version.data").read_text(encoding="utf-8")
    return [line.split("#")[0].strip() for line in text.splitlines() if line.split("#")[0].strip()]


LINES = _lines()


def _holds(a: str, operator: str, b: str) -> bool:
    if "~" in operator:
        fuzzy = apk.compare_fuzzy(a, b)
        return {"~": fuzzy == 0, "<~": fuzzy <= 0, ">~": fuzzy >= 0}[operator]
    result = compare("Alpine", a, b)
    return {"<": result < 0, ">": result > 0, "=": result == 0}[operator]


@pytest.mark.parametrize("line", LINES)
def test_version_data(line: str) -> None:
    fields = line.split()
    if len(fields) == 1:
        version = fields[0]
        assert apk.is_valid(version.removeprefix("!")) is not version.startswith("!")
        return
    a, operator, b = fields
    assert _holds(a, operator.removeprefix("!"), b) is not operator.startswith("!")


def test_every_line_kind_is_present() -> None:
    assert len(LINES) == 785
    operators = {line.split()[1] for line in LINES if len(line.split()) == 3}
    assert operators == {"<", ">", "=", "~", "<~", ">~", "!~"}
    assert sum(len(line.split()) == 1 for line in LINES) == 31


@pytest.mark.parametrize("ecosystem", ["Alpine", "Alpine:v3.20", "Wolfi", "Chainguard"])
def test_apk_ecosystems(ecosystem: str) -> None:
    ordered = ["1.2_alpha1", "1.2_rc1", "1.2", "1.2-r0", "1.2-r1", "1.2_p1", "1.2a", "1.2.1"]
    for older, newer in itertools.pairwise(ordered):
        assert compare(ecosystem, older, newer) == -1, (older, newer)


def test_legacy_letter_number_versions_order_as_apk2_did() -> None:
    # apk-tools 3 calls "6.6.2p1" invalid; Alpine's older advisories are full of them.
    assert not apk.is_valid("6.6.2p1-r0")
    assert compare("Alpine", "6.6.2p1-r0", "6.6.2p1-r1") == -1
    assert compare("Alpine", "6.6.2p1-r3", "6.6.2p2-r0") == -1
    assert compare("Alpine", "6.6.2p1", "6.6.2_p1") == 1


def test_only_the_empty_string_is_refused() -> None:
    with pytest.raises(InvalidVersionError, match="Alpine"):
        compare("Alpine", "", "1.0")
    assert compare("Alpine", "1.0", "1.0bc") == -1  # upstream: "invalid. do string sort"
