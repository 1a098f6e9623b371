"""Native (non-OSV) advisory and enrichment feeds, each converted by its own module.

``debian_tracker`` and ``alpine_secdb`` become :class:`~regsentry.model.advisory.Advisory`
records like OSV ones; ``kev`` and ``epss`` are enrichment tables. Converters report a
malformed entry through a ``skip(id, reason)`` callback and carry on; a document that is
not the feed at all raises :class:`~regsentry.vulndb.errors.InvalidFeedError`.
"""

from __future__ import annotations

from collections.abc import Callable

#: ``skip(record_id, reason)``: one entry was malformed and left out (counted by the caller).
SkipFn = Callable[[str, str], None]
