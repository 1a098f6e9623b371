"""Errors of the advisory database layer (a branch of the tree in ``regsentry.errors``).

::

    RegsentryError
    └── VulnDBError                   anything about advisories, feeds or the local database
        ├── InvalidRecordError        ONE record is malformed: the importer skips and counts it
        ├── InvalidFeedError          a whole document or archive is not what it claims to be
        │   ├── LimitExceededError    a cap was passed: zip bomb, too many members, too big
        │   └── IncompleteFeedError   a feed broke off after part of it was read
        ├── NothingToImportError      an import found no valid record: nothing was changed
        ├── DownloadError             a source could not be fetched (network, HTTP, truncated)
        └── DatabaseError             the database is missing, corrupt, of another schema, or
                                      could not be written or replaced

Only :class:`InvalidRecordError` is absorbed (by the importer, into its report); every
other error aborts the import or, during ``db update``, marks that one source failed while
its previous records are kept. In every case the database file on disk is left as it was.
"""

from __future__ import annotations

from regsentry.errors import RegsentryError


class VulnDBError(RegsentryError):
    """Anything that went wrong with advisories, their sources or the local database."""


class InvalidRecordError(VulnDBError):
    """One advisory record (or feed entry) is malformed; it is skipped, never fatal.

    ``record_id`` is the record's id when it could be read, ``origin`` the file or archive
    member it came from, so that the skip can be traced back to its input.
    """

    def __init__(self, message: str, *, record_id: str = "", origin: str = "") -> None:
        self.reason = message
        self.record_id = record_id
        self.origin = origin
        where = ": ".join(part for part in (origin, record_id) if part)
        super().__init__(f"{where}: {message}" if where else message)


class InvalidFeedError(VulnDBError):
    """A document or archive cannot be used at all (not JSON, not a known format …)."""


class LimitExceededError(InvalidFeedError):
    """Input over one of the :class:`~regsentry.vulndb.limits.ImportLimits` caps."""


class IncompleteFeedError(InvalidFeedError):
    """A single-document feed (the Debian tracker) is cut short or corrupt part-way.

    Unlike a bad record among many, this fails the whole import: importing the part that
    was read would make the rest of Debian look unaffected.
    """


class NothingToImportError(VulnDBError):
    """The input held no valid record; the database was not touched."""


class DownloadError(VulnDBError):
    """A source could not be downloaded; its previous records are kept."""

    def __init__(self, message: str, *, source: str = "") -> None:
        super().__init__(f"{source}: {message}" if source else message)
        self.source = source


class DatabaseError(VulnDBError):
    """The advisory database cannot be opened, read, built or replaced."""
