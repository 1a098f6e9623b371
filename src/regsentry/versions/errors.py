"""Errors from ordering versions (see the tree in ``regsentry.errors``).

    VersionError                  anything regsentry.versions refuses
    ├── UnsupportedEcosystemError the ecosystem has no version scheme here
    └── InvalidVersionError       the string is not a version of that ecosystem

Scheme modules raise :class:`InvalidVersionError` naming their scheme (``"dpkg"``);
:func:`regsentry.versions.version_key` re-raises it naming the ecosystem the caller gave
(``"Debian:12"``), so that the message points at the advisory or package that holds it.
"""

from __future__ import annotations

from regsentry.errors import RegsentryError


class VersionError(RegsentryError):
    """A version could not be ordered."""


class UnsupportedEcosystemError(VersionError):
    """No version scheme is known for this ecosystem, so its versions cannot be compared."""

    def __init__(self, ecosystem: str) -> None:
        super().__init__(f"unsupported ecosystem {ecosystem!r}: its versions cannot be ordered")
        self.ecosystem = ecosystem


class InvalidVersionError(VersionError):
    """The string is not a valid version in the ecosystem's scheme."""

    def __init__(self, ecosystem: str, version: str, reason: str) -> None:
        super().__init__(f"invalid {ecosystem} version {version!r}: {reason}")
        self.ecosystem = ecosystem
        self.version = version
        self.reason = reason
