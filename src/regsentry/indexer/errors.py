"""Errors of the indexer; each makes the image it concerns ``failed`` with its message."""

from __future__ import annotations

from regsentry.errors import RegsentryError


class LayerError(RegsentryError):
    """A layer could not be read: corrupt archive, bad compression, a cap exceeded."""
