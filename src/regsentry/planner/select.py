"""Choosing the ``cap`` newest images of a repository (SPEC §1 ``cap``).

Tags pointing at the same manifest digest are one image (a digest group). Groups are
ordered by their image config's ``created`` date, newest first; groups whose date is
unknown come last; ties break by the group's first tag name. ``cap`` 0 keeps them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from regsentry.model.image import ImageResult


@dataclass(frozen=True)
class DigestGroup:
    """The results one tagged digest yields: planned images, and skipped/failed ones."""

    tags: tuple[str, ...]
    planned: tuple[ImageResult, ...] = ()
    others: tuple[ImageResult, ...] = ()

    @property
    def created(self) -> datetime | None:
        """The newest creation date among the group's planned images."""
        dates = [r.target.created for r in self.planned if r.target.created is not None]
        return max(dates, default=None)


def newest_first(groups: list[DigestGroup], cap: int) -> list[DigestGroup]:
    """The ``cap`` newest groups (all when ``cap`` is 0), newest first."""

    def key(group: DigestGroup) -> tuple[int, float, str]:
        created = group.created
        return (
            created is None,
            -created.timestamp() if created is not None else 0.0,
            min(group.tags, default=""),
        )

    ordered = sorted(groups, key=key)
    return ordered if cap == 0 else ordered[:cap]
