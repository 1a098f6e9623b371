"""Images as a scan sees them: which image (target) and what became of it (result).

Partial results are values (ARCHITECTURE pattern 6): an image that could not be handled is
a result with status ``failed`` or ``skipped`` and the reason, never a missing row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from regsentry.model.advisory import Finding
from regsentry.model.digest import Digest
from regsentry.model.inventory import Inventory
from regsentry.model.platform import Platform


class ImageStatus(StrEnum):
    """What became of one image."""

    PLANNED = "planned"
    SCANNED = "scanned"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class ImageTarget:
    """One image a rule covers: a manifest in a repository, with every tag pointing at it.

    ``index_digest`` is set when the image was chosen from a multi-platform index, in
    which case ``tags`` point at the index. ``digest`` is None only for a failed result
    whose manifest could not be read.
    """

    registry: str
    repository: str
    tags: tuple[str, ...]
    digest: Digest | None
    index_digest: Digest | None = None
    platform: Platform | None = None
    created: datetime | None = None


@dataclass(frozen=True)
class ImageResult:
    """An image target and its outcome; ``error`` says why when it is not a success.

    ``inventory`` is set once the image's layers were analysed, also for a ``failed``
    image whose inventory is incomplete (its ``error`` says what is missing).
    ``vulnerabilities`` is None until the inventory was matched against advisories;
    ``notes`` say what matching could not cover.
    """

    target: ImageTarget
    status: ImageStatus
    error: str | None = None
    inventory: Inventory | None = None
    vulnerabilities: tuple[Finding, ...] | None = None
    notes: tuple[str, ...] = ()
