"""Caps on everything an advisory source hands us.

Feeds and archives are untrusted input: a zip whose members inflate to terabytes, a record
listing a million versions, or an endless download must be refused quickly with a clear
message instead of filling memory or disk. The defaults are generous multiples of the real
feeds (osv.dev's largest ecosystem zips hold a few hundred thousand records of at most a
few MB each; the Debian tracker JSON is well under 200 MB; EPSS under 20 MB).
"""

from __future__ import annotations

from dataclasses import dataclass

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB


@dataclass(frozen=True)
class ImportLimits:
    """Caps applied while importing (``db import`` and the parse step of ``db update``)."""

    #: All uncompressed bytes of one import (every file, member or download together).
    max_total_bytes: int = 8 * GiB
    #: One standalone file (a feed document such as the Debian tracker JSON).
    max_file_bytes: int = 512 * MiB
    #: One member of a zip archive (one OSV record).
    max_member_bytes: int = 64 * MiB
    #: Files in a directory or members in an archive.
    max_members: int = 2_000_000
    #: Uncompressed / compressed size of one member, checked once it passes
    #: ``ratio_floor_bytes`` (tiny members legitimately compress very well).
    max_ratio: int = 200
    ratio_floor_bytes: int = 1 * MiB
    #: Explicit ``versions`` of one ``affected`` entry (real records list at most a few
    #: thousand); a record over it is skipped, with its id, as malformed.
    max_versions_per_affected: int = 20_000
    #: ``affected`` entries of one record (Ubuntu kernel CVEs list several hundred).
    max_affected_per_record: int = 10_000
    #: Events of one range and ranges of one ``affected`` entry.
    max_events_per_range: int = 1_000
    max_ranges_per_affected: int = 1_000
    #: How many skipped records the report lists by id (all are counted).
    max_skipped_listed: int = 200


@dataclass(frozen=True)
class DownloadLimits:
    """Caps and timeouts of ``db update`` downloads (per source; see ``Source.max_bytes``)."""

    connect_timeout: float = 15.0
    read_timeout: float = 60.0
    #: Attempts for transient failures (connection errors, 429, 5xx) with backoff.
    attempts: int = 3
    backoff_seconds: float = 2.0
