"""RPM versions: ``[epoch:]version[-release]``, ordered as rpm 4.18 orders them.

Used for Red Hat, Rocky Linux, AlmaLinux, SUSE, openSUSE, Photon OS, Azure Linux,
Mariner, openEuler and Oracle. Reference: rpm 4.18 (``rpmvercmp`` and ``rpmverCmp``,
``rpm.vercmp`` in its Lua); checked against the local ``rpm`` by the tests.

Splitting the EVR: an epoch exists only when the string starts with digits followed by
``:`` (``a:1`` and ``1.m+e2:1`` have none: the colon is part of the version); the release
is what follows the *last* ``-``. Epochs compare as numbers (absent = 0), then versions,
then releases; a missing release sorts below any release, even an empty one
(``1 < 1- < 1-0``).

Within a version or release, ``rpmvercmp`` walks alternating runs of ASCII digits and
ASCII letters; everything else only separates (``2.0 == 2_0``; non-ASCII letters too).
Digit runs compare as numbers, letter runs as strings, and a digit run beats a letter run.
Two characters are special: ``~`` sorts before everything, even the end (pre-releases:
``1.0~rc1 < 1.0``); ``^`` sorts after the end but before any further run (snapshots
after a release: ``1.0 < 1.0^git1 < 1.0.1``).
"""

from __future__ import annotations

from typing import Any

from regsentry.versions.errors import InvalidVersionError

NAME = "rpm"

# Token ranks, in the order rpmvercmp gives them when they meet at the same place.
_TILDE, _END, _CARET, _ALPHA, _NUMBER = range(5)


def _is_digit(char: str) -> bool:
    return "0" <= char <= "9"


def _is_alpha(char: str) -> bool:
    return "a" <= char <= "z" or "A" <= char <= "Z"


def segment_key(text: str) -> tuple[Any, ...]:
    """Key of one version or release string under ``rpmvercmp``."""
    tokens: list[tuple[Any, ...]] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "~":
            tokens.append((_TILDE,))
            i += 1
        elif char == "^":
            tokens.append((_CARET,))
            i += 1
        elif _is_digit(char):
            start = i
            while i < n and _is_digit(text[i]):
                i += 1
            tokens.append((_NUMBER, int(text[start:i])))
        elif _is_alpha(char):
            start = i
            while i < n and _is_alpha(text[i]):
                i += 1
            tokens.append((_ALPHA, text[start:i]))
        else:
            i += 1  # a separator: it only ends the run before it
    tokens.append((_END,))
    return tuple(tokens)


def key(version: str) -> tuple[Any, ...]:
    """Sort key of an rpm EVR string; only the empty string is not a version."""
    if not version:
        raise InvalidVersionError(NAME, version, "version string is empty")
    digits = 0
    while digits < len(version) and _is_digit(version[digits]):
        digits += 1
    epoch = "0"
    rest = version
    if digits < len(version) and version[digits] == ":":
        epoch = version[:digits] or "0"
        rest = version[digits + 1 :]
    evr_version, hyphen, release = rest.rpartition("-")
    if not hyphen:
        evr_version = rest
        release_key: tuple[Any, ...] = (0,)
    else:
        release_key = (1, segment_key(release))
    return (segment_key(epoch), segment_key(evr_version), release_key)
