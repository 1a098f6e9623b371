"""Reading the advisory database: the :class:`AdvisoryLookup` the matcher uses.

An :class:`AdvisoryDB` is a read-only handle on one database file. It sees the snapshot it
opened: an update builds a new file and swaps it in, and this handle keeps reading the old
one until it is closed (open a new handle to see the update). Every lookup goes through
an index (``affected_index``, ``alias_index``, the ``kev``/``epss`` primary keys); nothing
here scans a table. Copies of one id from several sources are merged (see
:mod:`regsentry.vulndb.merge`) and withdrawn advisories are never returned.

The handle may be shared between threads: queries are serialised by a lock (SQLite reads
are fast; the decoding is what costs, and it happens outside the lock).
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from types import TracebackType

from regsentry.model.advisory import Advisory, KnownExploited
from regsentry.vulndb import codec
from regsentry.vulndb.errors import DatabaseError
from regsentry.vulndb.merge import merge_copies
from regsentry.vulndb.names import normalize_name, split_ecosystem
from regsentry.vulndb.schema import SCHEMA_VERSION

_MIN_TIME = "0000"  # sorts before every ISO timestamp


#: Package lookups remembered per handle (least recently used dropped first).
_PACKAGE_CACHE_ENTRIES = 50_000


@dataclass(frozen=True)
class SourceState:
    """One row of the ``sources`` table: what a source is and how fresh its records are."""

    name: str
    kind: str
    url: str = ""
    record_count: int = 0
    updated_at: datetime | None = None
    checked_at: datetime | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_sha256: str | None = None
    version: str = ""
    last_error: str = ""
    last_error_at: datetime | None = None


SOURCE_COLUMNS = (
    "name, kind, url, record_count, updated_at, checked_at, etag, last_modified, "
    "content_sha256, version, last_error, last_error_at"
)


def source_from_row(row: Sequence[object]) -> SourceState:
    """A :class:`SourceState` from a row selected with :data:`SOURCE_COLUMNS`."""
    return SourceState(
        name=str(row[0]),
        kind=str(row[1]),
        url=str(row[2] or ""),
        record_count=_as_int(row[3]),
        updated_at=_time(row[4]),
        checked_at=_time(row[5]),
        etag=_opt(row[6]),
        last_modified=_opt(row[7]),
        content_sha256=_opt(row[8]),
        version=str(row[9] or ""),
        last_error=str(row[10] or ""),
        last_error_at=_time(row[11]),
    )


def source_to_row(state: SourceState) -> tuple[object, ...]:
    """The row of a :class:`SourceState`, in :data:`SOURCE_COLUMNS` order."""
    return (
        state.name,
        state.kind,
        state.url,
        state.record_count,
        _iso(state.updated_at),
        _iso(state.checked_at),
        state.etag,
        state.last_modified,
        state.content_sha256,
        state.version,
        state.last_error,
        _iso(state.last_error_at),
    )


def connect_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection to an existing database of this schema version."""
    if not path.is_file():
        raise DatabaseError(
            f"no advisory database at {path}: run `regsentry db update` or `regsentry db import`"
        )
    try:
        connection = sqlite3.connect(
            f"{path.absolute().as_uri()}?mode=ro", uri=True, check_same_thread=False
        )
        version = connection.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.Error as exc:
        raise DatabaseError(f"{path} is not a readable advisory database: {exc}") from exc
    if version != SCHEMA_VERSION:
        connection.close()
        raise DatabaseError(
            f"{path} has advisory schema {version}, this regsentry reads {SCHEMA_VERSION}: "
            "run `regsentry db update` to rebuild it"
        )
    return connection


class AdvisoryDB:
    """A read-only advisory database (implements ``model.advisory.AdvisoryLookup``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._connection = connect_readonly(path)
        self._lock = threading.Lock()
        # The file a handle reads never changes (updates swap in a new file), so lookups
        # can be remembered: images of a registry share most of their packages.
        self._by_package: OrderedDict[tuple[str, str], tuple[Advisory, ...]] = OrderedDict()
        try:
            self._sources = {s.name: s for s in self._query_sources()}
            # Enrichment is asked once per finding: knowing which CVEs are in the (small)
            # KEV catalogue, and whether any EPSS score exists, spares most queries.
            self._kev_cves = frozenset(
                str(row[0]) for row in self._fetch("SELECT cve FROM kev", ())
            )
            self._has_epss = bool(self._fetch("SELECT 1 FROM epss LIMIT 1", ()))
        except DatabaseError:
            self._connection.close()
            raise

    def __enter__(self) -> AdvisoryDB:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the file."""
        with self._lock:
            self._connection.close()

    # -- AdvisoryLookup -------------------------------------------------------------

    def advisories_for(self, ecosystem: str, name: str) -> list[Advisory]:
        """Every advisory naming this package in this base ecosystem, merged by id.

        A release suffix (``Debian:12``) is tolerated and ignored: entries of every release
        come back, and the caller picks its release from ``Affected.release``.
        """
        ecosystem = split_ecosystem(ecosystem)[0]
        key = (ecosystem, normalize_name(ecosystem, name))
        cached = self._by_package.get(key)
        if cached is not None:
            self._by_package.move_to_end(key)
            return list(cached)
        rows = self._fetch(
            "SELECT a.source, a.id, a.record FROM affected_index AS i "
            "JOIN advisories AS a ON a.source = i.source AND a.id = i.advisory_id "
            "WHERE i.ecosystem = ? AND i.name = ?",
            key,
        )
        found = self._merged(rows)
        with self._lock:
            self._by_package[key] = tuple(found)
            if len(self._by_package) > _PACKAGE_CACHE_ENTRIES:
                self._by_package.popitem(last=False)
        return found

    def known_exploited(self, ids: Iterable[str]) -> KnownExploited | None:
        """The KEV entry of the first of these ids (by date added) in the catalogue."""
        wanted = [i for i in _ids(ids) if i in self._kev_cves]
        if not wanted:
            return None
        marks = ",".join("?" * len(wanted))
        rows = self._fetch(
            f"SELECT cve, date_added, due_date, ransomware FROM kev WHERE cve IN ({marks}) "  # noqa: S608
            "ORDER BY date_added, cve LIMIT 1",
            tuple(wanted),
        )
        if not rows:
            return None
        cve, added, due, ransomware = rows[0]
        return KnownExploited(
            cve=str(cve), date_added=_date(added), due_date=_date(due), ransomware=bool(ransomware)
        )

    def epss(self, ids: Iterable[str]) -> float | None:
        """The highest EPSS probability among these ids."""
        wanted = _ids(ids) if self._has_epss else []
        if not wanted:
            return None
        marks = ",".join("?" * len(wanted))
        rows = self._fetch(
            f"SELECT MAX(score) FROM epss WHERE cve IN ({marks})",  # noqa: S608
            tuple(wanted),
        )
        value = rows[0][0] if rows else None
        return float(value) if isinstance(value, int | float) else None

    # -- beyond the protocol -------------------------------------------------------

    def find(self, id_or_alias: str) -> list[Advisory]:
        """Advisories whose id, alias or upstream id is this (e.g. a CVE), merged by id."""
        rows = self._fetch(
            "SELECT a.source, a.id, a.record FROM alias_index AS x "
            "JOIN advisories AS a ON a.source = x.source AND a.id = x.advisory_id "
            "WHERE x.alias = ?",
            (id_or_alias.strip(),),
        )
        return self._merged(rows)

    def sources(self) -> list[SourceState]:
        """Every source in the database, by name."""
        return sorted(self._sources.values(), key=lambda s: s.name)

    def meta(self) -> dict[str, str]:
        """The ``meta`` table (schema version, build time)."""
        return {str(k): str(v) for k, v in self._fetch("SELECT key, value FROM meta", ())}

    def count(self, table: str) -> int:
        """Rows of one table (``advisories``, ``kev``, ``epss``) — for status reports."""
        if table not in ("advisories", "kev", "epss"):
            raise ValueError(f"unknown table {table}")
        return _as_int(self._fetch(f"SELECT COUNT(*) FROM {table}", ())[0][0])  # noqa: S608

    # -- internals --------------------------------------------------------------------

    def _fetch(self, sql: str, params: tuple[object, ...]) -> list[tuple[object, ...]]:
        with self._lock:
            try:
                return self._connection.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise DatabaseError(f"reading {self.path}: {exc}") from exc

    def _query_sources(self) -> list[SourceState]:
        rows = self._fetch(f"SELECT {SOURCE_COLUMNS} FROM sources", ())  # noqa: S608
        return [source_from_row(row) for row in rows]

    def _merged(self, rows: list[tuple[object, ...]]) -> list[Advisory]:
        copies: dict[str, list[tuple[str, Advisory]]] = {}
        for source, advisory_id, blob in rows:
            if not isinstance(blob, bytes):
                raise DatabaseError(f"{self.path}: advisory {advisory_id} has no record")
            copies.setdefault(str(advisory_id), []).append((str(source), codec.decode(blob)))
        result: list[Advisory] = []
        for advisory_id in sorted(copies):
            ranked = sorted(copies[advisory_id], key=self._rank, reverse=True)
            merged = merge_copies([advisory for _, advisory in ranked])
            if not merged.withdrawn:
                result.append(merged)
        return result

    def _rank(self, item: tuple[str, Advisory]) -> tuple[str, str, str]:
        """Newest ``modified`` first, then the most recently updated source."""
        source, advisory = item
        state = self._sources.get(source)
        updated = _iso(state.updated_at) if state else None
        return (_iso(advisory.modified) or _MIN_TIME, updated or _MIN_TIME, source)


def _ids(ids: Iterable[str]) -> list[str]:
    return sorted({i.strip().upper() for i in ids if i and i.strip()})


def _as_int(value: object) -> int:
    return value if isinstance(value, int) else 0


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _time(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def _date(value: object) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def _opt(value: object) -> str | None:
    return str(value) if value is not None else None
