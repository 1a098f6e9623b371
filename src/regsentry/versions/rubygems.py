"""RubyGems versions, ordered as ``Gem::Version#<=>`` orders them (RubyGems 3.x).

A version is split into segments: runs of digits (numbers) and runs of letters
(strings); ``-`` means ``.pre.`` (``1.0-rc1 == 1.0.pre.rc1``), other characters only
separate. A string segment marks a pre-release: strings sort below numbers, so
``1.0.a < 1.0 < 1.0.1``. Trailing zeros are ignored, separately in the numeric part and in
the part from the first string on (``1.0 == 1``, ``1.0.a == 1.a``). Missing segments
count as 0 (``1 > 1.a``). Strings compare byte-wise, case-sensitively (Ruby's ``<=>``).

Validity is ``Gem::Version.correct?``: digits first, then dot-separated alphanumerics,
optionally ``-`` and a pre-release. Unlike RubyGems, the empty string (which Ruby reads
as ``0``) raises :class:`InvalidVersionError`.
"""

from __future__ import annotations

import re
from typing import Any

from regsentry.versions._padding import padded_key
from regsentry.versions.errors import InvalidVersionError

NAME = "rubygems"

_PATTERN = re.compile(
    r"\s*([0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)\s*", re.ASCII
)
_SEGMENT = re.compile(r"[0-9]+|[a-z]+", re.ASCII | re.IGNORECASE)
_ZERO = (1, 0)  # segments: strings (0, s) sort below numbers (1, n)


def _drop_trailing_zeros(segments: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    while segments and segments[-1] == _ZERO:
        segments.pop()
    return segments


def key(version: str) -> tuple[Any, ...]:
    """Sort key of a RubyGems version."""
    match = _PATTERN.fullmatch(version)
    if match is None:
        raise InvalidVersionError(NAME, version, "not a RubyGems version")
    text = match[1].replace("-", ".pre.")
    segments: list[tuple[Any, ...]] = [
        (1, int(part)) if part.isdigit() else (0, part) for part in _SEGMENT.findall(text)
    ]
    first_string = next((i for i, seg in enumerate(segments) if seg[0] == 0), len(segments))
    canonical = _drop_trailing_zeros(segments[:first_string]) + _drop_trailing_zeros(
        segments[first_string:]
    )
    return padded_key(canonical, _ZERO)
