"""The one exception tree of regsentry.

Every error regsentry raises on purpose derives from :class:`RegsentryError`, and carries a
message a user can act on. Third-party exceptions (httpx, json, ssl …) are wrapped at the
boundary where they occur (``raise RegistryError(...) from exc``), so callers above a
layer never need to know which library sits below it. Exit codes are mapped from this tree
in one place, ``regsentry.cli.exit_codes``.

    RegsentryError
    ├── ConfigError                   invalid settings, flags or scan rule (exit 2)
    │   └── InvalidDigestError        not a verifiable digest (regsentry.model.digest)
    ├── RegistryError                 anything a registry did (regsentry.registry.errors)
    │   ├── RegistryUnreachableError  DNS, connection refused, timeouts after retries
    │   ├── RegistryTLSError          certificate not trusted, TLS spoken to a plain-HTTP port …
    │   ├── NotARegistryError         the server does not answer the v2 API at /v2/
    │   ├── AuthenticationError       401: missing or wrong credentials
    │   ├── AuthorizationError        403: credentials lack permission
    │   ├── NotFoundError             404: repository, tag, manifest or blob unknown
    │   ├── RateLimitedError          429 that outlasted the retries
    │   ├── RegistryServerError       5xx that outlasted the retries
    │   ├── RegistryProtocolError     malformed answer: bad JSON, unknown media type …
    │   │   └── PagingError           a listing that never ends or repeats itself
    │   ├── ResponseTooLargeError     an answer bigger than its cap
    │   └── BlobIntegrityError        digest mismatch or truncated blob
    ├── LayerError                    a layer that cannot be read (regsentry.indexer.errors)
    ├── AnalyzerError                 an unreadable package database (regsentry.analyzer.base)
    ├── VersionError                  regsentry.versions.errors
    │   ├── UnsupportedEcosystemError
    │   └── InvalidVersionError
    └── VulnDBError                   the advisory database (regsentry.vulndb.errors)
        ├── InvalidRecordError        one malformed advisory (skipped and counted)
        ├── InvalidFeedError          a feed that is not what it claims
        │   ├── LimitExceededError    zip bombs, oversized records
        │   └── IncompleteFeedError   a feed cut short
        ├── NothingToImportError
        ├── DownloadError
        └── DatabaseError             an unreadable or unwritable database file
"""

from __future__ import annotations


class RegsentryError(Exception):
    """Root of every error regsentry raises on purpose; ``str()`` is the user's message."""


class ConfigError(RegsentryError, ValueError):
    """A flag, setting or scan rule is invalid; nothing was attempted.

    It is also a ValueError so that pydantic validators can raise it and have it reported
    with the field it belongs to.
    """
