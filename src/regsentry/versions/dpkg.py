"""Debian and Ubuntu versions: ``[epoch:]upstream[-revision]``, ordered as dpkg orders them.

Reference: dpkg 1.21 (``lib/dpkg/version.c`` and ``parsehelp.c``); checked against the
local ``dpkg --compare-versions`` by the tests.

Order: the epoch (a number, 0 when absent), then the upstream version, then the revision
(empty when absent, which orders like ``0``). Upstream and revision are compared with the
same rule: they alternate between non-digit and digit parts. Digit parts compare as
numbers (``1.09 == 1.9``). Non-digit parts compare character by character with a twist:
letters sort before every other character, and ``~`` sorts before *everything*, even the
end of the string. That is how Debian spells pre-releases: ``1.0~rc1 < 1.0 < 1.0+dfsg``,
and a backport ``1.2-1~deb11u1`` stays below the ``1.2-1`` it was built from.

Validity follows ``dpkg --compare-versions``: what dpkg calls an *error* (empty string,
embedded blank, non-numeric or too large epoch, empty upstream or revision) raises
:class:`InvalidVersionError`; what dpkg only *warns* about (a character outside
``[A-Za-z0-9.+~:-]``, an upstream not starting with a digit) is compared exactly as dpkg
then compares it. Perl's non-strict ``Dpkg::Version`` also accepts an empty revision
(``0foo-``); dpkg itself does not, and neither does regsentry.

Characters are compared as dpkg compares bytes: on the UTF-8 encoding.
"""

from __future__ import annotations

import re
from typing import Any

from regsentry.versions._padding import padded_key
from regsentry.versions.errors import InvalidVersionError

NAME = "dpkg"
_INT_MAX = 2**31 - 1
_EPOCH = re.compile(r"[+-]?[0-9]+", re.ASCII)  # what strtol() reads
_DIGITS = frozenset(b"0123456789")
_BLANKS = (" ", "\t")
# The empty part: no non-digit characters (end of string weighs 0), number 0.
_ZERO = ((0,), 0)


def _weight(byte: int) -> int:
    """dpkg's ``order()``: ``~`` < end of part < letters < every other character."""
    if byte == 0x7E:  # ~
        return -1
    if 0x41 <= byte <= 0x5A or 0x61 <= byte <= 0x7A:
        return byte
    return byte + 256


def _part_key(text: str) -> tuple[Any, ...]:
    """Key of an upstream version or revision under dpkg's ``verrevcmp``."""
    data = text.encode("utf-8", "surrogateescape")
    parts: list[tuple[Any, ...]] = []
    i, n = 0, len(data)
    while i < n:
        start = i
        while i < n and data[i] not in _DIGITS:
            i += 1
        # The part's characters end with a 0 weight: the end of the part sorts after
        # "~" and before any letter, as a missing character does in dpkg.
        letters = (*(_weight(b) for b in data[start:i]), 0)
        start = i
        while i < n and data[i] in _DIGITS:
            i += 1
        parts.append((letters, int(data[start:i] or b"0")))
    return padded_key(parts, _ZERO)


def key(version: str) -> tuple[Any, ...]:
    """Sort key of a dpkg version; raises :class:`InvalidVersionError` where dpkg errs."""
    text = version.strip(" \t")  # dpkg trims blanks (space, tab) and rejects inner ones
    if not text:
        raise InvalidVersionError(NAME, version, "version string is empty")
    if any(blank in text for blank in _BLANKS):
        raise InvalidVersionError(NAME, version, "version string has embedded spaces")
    epoch = 0
    head, colon, rest = text.partition(":")
    if colon:
        if not head:
            raise InvalidVersionError(NAME, version, "epoch in version is empty")
        if _EPOCH.fullmatch(head) is None:
            raise InvalidVersionError(NAME, version, "epoch in version is not number")
        epoch = int(head)
        if epoch < 0:
            raise InvalidVersionError(NAME, version, "epoch in version is negative")
        if epoch > _INT_MAX:
            raise InvalidVersionError(NAME, version, "epoch in version is too big")
        if not rest:
            raise InvalidVersionError(NAME, version, "nothing after colon in version number")
        text = rest
    upstream, hyphen, revision = text.rpartition("-")
    if not hyphen:
        upstream, revision = text, ""
    elif not revision:
        raise InvalidVersionError(NAME, version, "revision number is empty")
    if not upstream:
        raise InvalidVersionError(NAME, version, "version number is empty")
    return (epoch, _part_key(upstream), _part_key(revision))
