"""Errors from talking to a registry (see the tree in ``regsentry.errors``).

Each carries the registry it concerns, so that a message always says where the problem
is, and a hint saying what the user can do about it.
"""

from __future__ import annotations

from regsentry.errors import RegsentryError


class RegistryError(RegsentryError):
    """Anything that went wrong talking to a registry."""

    def __init__(self, message: str, *, registry: str = "") -> None:
        super().__init__(message)
        self.registry = registry


class RegistryUnreachableError(RegistryError):
    """The registry could not be reached (DNS, refused connection, timeouts)."""


class RegistryTLSError(RegistryError):
    """TLS failed: an untrusted certificate, or TLS spoken to a plain-HTTP port."""


class NotARegistryError(RegistryError):
    """The server answers HTTP but not the Docker Registry v2 API."""


class AuthenticationError(RegistryError):
    """401: the registry wants credentials, or rejected the ones given."""


class AuthorizationError(RegistryError):
    """403: the credentials are valid but lack permission."""


class NotFoundError(RegistryError):
    """404: the repository, tag, manifest or blob does not exist."""


class RateLimitedError(RegistryError):
    """429 that outlasted the retries."""


class RegistryServerError(RegistryError):
    """5xx that outlasted the retries."""


class RegistryProtocolError(RegistryError):
    """The registry answered something malformed or unsupported."""


class PagingError(RegistryProtocolError):
    """A paged listing that never ends or repeats itself."""


class ResponseTooLargeError(RegistryError):
    """An answer larger than the cap set for its kind."""


class BlobIntegrityError(RegistryError):
    """A blob whose bytes do not match its digest, or that ended early."""
