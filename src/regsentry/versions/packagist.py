"""Packagist (Composer/PHP) versions, ordered by PHP's ``version_compare``.

Reference: PHP 8.2 ``version_compare`` applied, as Composer and OSV's generator do, after
removing a leading ``v``/``V``. Composer's fuller normalisation (padding to four numbers)
is deliberately not applied: the oracle, OSV's Packagist data sorted with
``version_compare``, does not apply it either, so ``1.0 < 1.0.0`` as in PHP.

PHP's rules: ``-``, ``_`` and ``+`` become ``.``, and a ``.`` is inserted wherever digits
meet non-digits (``1.0rc1`` is ``1.0.rc.1``). The parts compare left to right: numbers
numerically; words by their *special form*, matched on the word's start and
case-sensitively: anything unknown < ``dev`` < ``alpha``=``a`` < ``beta``=``b`` <
``RC``=``rc`` < (a number) < ``pl``=``p``. So ``1.0-dev < 1.0a1 < 1.0RC1 < 1.0 < 1.0pl1``,
and two unknown words are equal. When one version runs out, the other's next part decides:
a number makes it greater (``1.0.0 > 1.0``), a word is weighed against a number
(``1.0 > 1.0-beta``).

Deviations from PHP, both to keep the order total and sane: numbers are compared exactly
(PHP's ``strtol`` saturates, making ``99999999999999999999 == 99999999999999999998``);
and only ``[0-9A-Za-z.+_-]`` is accepted, starting with a letter or digit and not ending
with a separator — anything else (``1.2.3.#``, ``1.0-``) raises
:class:`InvalidVersionError`, since PHP's handling of it is erratic (``1.0.`` is not even
equal to itself) and Composer rejects it.
"""

from __future__ import annotations

import re
from typing import Any

from regsentry.versions.errors import InvalidVersionError

NAME = "packagist"

_PATTERN = re.compile(r"[vV]?([0-9A-Za-z](?:[0-9A-Za-z.+_-]*[0-9A-Za-z])?)", re.ASCII)
_PARTS = re.compile(r"[0-9]+|[A-Za-z]+", re.ASCII)
# PHP's special forms, tried in this order, each matching the start of a word.
_FORMS = (
    ("dev", 0),
    ("alpha", 1),
    ("a", 1),
    ("beta", 2),
    ("b", 2),
    ("RC", 3),
    ("rc", 3),
    ("pl", 5),
    ("p", 5),
)
_UNKNOWN = -1
_NUMBER = 4  # a number weighs like PHP's "#N#" form, between "rc" and "pl"
# When a version has run out, its next "part" is PHP's "#N#": below every number.
_RAN_OUT = (_NUMBER, -1)


def _form(word: str) -> int:
    return next((order for name, order in _FORMS if word.startswith(name)), _UNKNOWN)


def key(version: str) -> tuple[Any, ...]:
    """Sort key of a Packagist version under ``version_compare``."""
    match = _PATTERN.fullmatch(version)
    if match is None:
        raise InvalidVersionError(NAME, version, "not a version_compare-able version")
    parts: list[tuple[Any, ...]] = [
        (_NUMBER, int(part)) if part.isdigit() else (_form(part),)
        for part in _PARTS.findall(match[1])
    ]
    parts.append(_RAN_OUT)
    return tuple(parts)
