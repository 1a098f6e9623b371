"""Sortable, paged tables, sorted on the server from query parameters.

``?sort=KEY&order=asc|desc`` works with JavaScript off and gives every ordering a URL
that can be bookmarked or shared. Column headers are links built by :meth:`Sort.link`,
which keeps the page's other parameters (filters) and starts again at the first page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from regsentry.model.advisory import SEVERITIES

T = TypeVar("T")

PAGE_SIZE = 50


def severity_rank(severity: str) -> int:
    """Critical first."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


@dataclass(frozen=True)
class Sort(Generic[T]):
    """The ordering a request asked for, among the columns a table allows."""

    key: str
    descending: bool
    params: QueryParams
    columns: Mapping[str, Callable[[T], Any]]
    #: Two tables on one page sort independently: ``?f_sort=…&p_sort=…``.
    prefix: str = ""

    @classmethod
    def parse(
        cls,
        params: QueryParams,
        columns: Mapping[str, Callable[[T], Any]],
        default: str,
        *,
        descending: bool = False,
        prefix: str = "",
    ) -> Sort[T]:
        """Unknown keys fall back to the default (a table never breaks on a bad URL)."""
        key = params.get(prefix + "sort", default)
        if key not in columns:
            key = default
        fallback = "desc" if descending and key == default else "asc"
        order = params.get(prefix + "order", fallback)
        return cls(key, order == "desc", params, columns, prefix)

    def apply(self, rows: Sequence[T]) -> list[T]:
        """The rows in this order; empty values last whichever the direction."""
        getter = self.columns[self.key]
        present = [row for row in rows if getter(row) is not None]
        missing = [row for row in rows if getter(row) is None]
        return sorted(present, key=getter, reverse=self.descending) + missing

    def link(self, key: str) -> str:
        """The query string that sorts by ``key`` (flipping the order if it is current)."""
        order = "asc"
        if key == self.key and not self.descending:
            order = "desc"
        sort, order_key = self.prefix + "sort", self.prefix + "order"
        merged = {k: v for k, v in self.params.items() if k not in (sort, order_key, "offset")}
        merged[sort] = key
        merged[order_key] = order
        return "?" + urlencode(merged)

    def state(self, key: str) -> str:
        """``ascending``/``descending``/``none``, for the header's ``aria-sort``."""
        if key != self.key:
            return "none"
        return "descending" if self.descending else "ascending"


@dataclass(frozen=True)
class Paging:
    """One page of a longer list, with links that exist only when there is a page there."""

    offset: int
    limit: int
    total: int
    params: QueryParams

    @classmethod
    def parse(cls, params: QueryParams, total: int, limit: int = PAGE_SIZE) -> Paging:
        """``?offset=N``; out-of-range or malformed values are clamped."""
        try:
            offset = max(0, int(params.get("offset", "0")))
        except ValueError:
            offset = 0
        if total and offset >= total:
            offset = (total - 1) // limit * limit
        return cls(offset, limit, total, params)

    def slice(self, rows: Sequence[T]) -> list[T]:
        """The rows of this page."""
        return list(rows[self.offset : self.offset + self.limit])

    def _at(self, offset: int) -> str:
        merged = {k: v for k, v in self.params.items() if k != "offset"}
        merged["offset"] = str(offset)
        return "?" + urlencode(merged)

    @property
    def previous(self) -> str | None:
        """Link to the previous page, if any."""
        return self._at(max(0, self.offset - self.limit)) if self.offset > 0 else None

    @property
    def next(self) -> str | None:
        """Link to the next page, if any."""
        end = self.offset + self.limit
        return self._at(end) if end < self.total else None

    @property
    def first_shown(self) -> int:
        """1-based number of the first row shown (0 when empty)."""
        return self.offset + 1 if self.total else 0

    @property
    def last_shown(self) -> int:
        """1-based number of the last row shown."""
        return min(self.total, self.offset + self.limit)
