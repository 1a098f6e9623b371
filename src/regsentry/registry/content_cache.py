"""A local content-addressed cache for small registry documents (configs, manifests).

Anything fetched by digest is immutable, so it never needs fetching twice: re-listing a
registry (which the scheduler does often, to find new images soon after they are pushed)
then costs one manifest request per tag instead of two requests, and image config blobs,
the registry's most expensive answers, are read once per digest ever.

Entries are files named by digest, written atomically and verified against their digest
on every read, so a corrupt or tampered entry is dropped and refetched, never trusted.
The directory is private to the user (0700): image configs can carry environment values.
The cache is best-effort: a cache that cannot be written degrades to no cache.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Protocol

from regsentry.model.digest import Digest


class ContentCache(Protocol):
    """Bytes by digest; implementations verify what they return."""

    def get(self, digest: Digest) -> bytes | None:
        """The cached bytes of ``digest``, or None."""

    def put(self, digest: Digest, data: bytes) -> None:
        """Remember ``data`` (already verified against ``digest``)."""


class DirectoryContentCache:
    """Files under ``root/<algorithm>/<first two hex>/<hex>``."""

    def __init__(self, root: Path, *, max_item_bytes: int = 1024 * 1024) -> None:
        self._root = root
        self._max_item_bytes = max_item_bytes
        self._root_ready = False

    def _path(self, digest: Digest) -> Path:
        return self._root / digest.algorithm / digest.hex[:2] / digest.hex

    def get(self, digest: Digest) -> bytes | None:
        """The cached bytes, verified; a mismatching entry is removed."""
        path = self._path(digest)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        if Digest.of(data, digest.algorithm) != digest:
            path.unlink(missing_ok=True)
            return None
        return data

    def put(self, digest: Digest, data: bytes) -> None:
        """Write atomically (temp file + rename); errors leave the cache as it was."""
        if len(data) > self._max_item_bytes:
            return
        path = self._path(digest)
        if path.exists():
            return
        try:
            if not self._root_ready:
                self._root.mkdir(mode=0o700, parents=True, exist_ok=True)
                self._root.chmod(0o700)
                self._root_ready = True
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
                handle.write(data)
            Path(handle.name).replace(path)
        except OSError:
            return
