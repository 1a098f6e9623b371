"""Python package versions (PyPI), ordered by PEP 440.

Parsing is ``packaging.version.Version``, the reference implementation that pip uses; the
key is built from its public fields so that every scheme hands out plain tuples.

PEP 440 order: epoch, then the release numbers (trailing zeros ignored: ``1.0 == 1.0.0``),
then the phase: ``.devN`` of the release < ``aN`` < ``bN`` < ``rcN`` < the release <
``.postN``; a dev release sits just below the pre-, post- or final release it belongs to
(``1.0a1.dev1 < 1.0a1``, ``1.0.post1.dev1 < 1.0.post1``). A local label (``+ubuntu1``)
sorts after the same version without one; its parts compare numbers numerically, words as
lower-case strings, words before numbers.

Legacy versions: strings that are not PEP 440 versions (``0.9-doduo``, ``2004d``) were
ordered by setuptools' old ``LegacyVersion`` until packaging 22 removed it; pip has
refused to install such versions since pip 24.1. regsentry raises
:class:`InvalidVersionError` for them rather than invent an order no installer uses.
"""

from __future__ import annotations

from typing import Any

from packaging.version import InvalidVersion, Version

from regsentry.versions.errors import InvalidVersionError

NAME = "pep440"

_PHASES = {"a": 0, "b": 1, "rc": 2}
_BEFORE_ALL_PRE = (-1,)  # a dev release of the release itself: 1.0.dev1 < 1.0a1
_AFTER_ALL_PRE = (3,)  # no pre-release: the release (or its post-release)
_NO_POST = (-1,)
_NO_DEV = (1,)  # not a dev release: after every dev release of the same version
_NO_LOCAL = (0,)


def _local_part(part: str) -> tuple[Any, ...]:
    return (1, int(part)) if part.isdigit() else (0, part)


def key(version: str) -> tuple[Any, ...]:
    """Sort key of a PEP 440 version; legacy versions raise :class:`InvalidVersionError`."""
    try:
        parsed = Version(version)
    except InvalidVersion:
        raise InvalidVersionError(NAME, version, "not a PEP 440 version") from None
    release = list(parsed.release)
    while release and release[-1] == 0:
        release.pop()
    if parsed.pre is not None:
        phase, number = parsed.pre
        pre: tuple[Any, ...] = (_PHASES[phase], number)
    elif parsed.post is None and parsed.dev is not None:
        pre = _BEFORE_ALL_PRE
    else:
        pre = _AFTER_ALL_PRE
    post = _NO_POST if parsed.post is None else (0, parsed.post)
    dev = _NO_DEV if parsed.dev is None else (0, parsed.dev)
    local = (
        _NO_LOCAL
        if parsed.local is None
        else (1, tuple(_local_part(part) for part in parsed.local.split(".")))
    )
    return (parsed.epoch, tuple(release), pre, post, dev, local)
