"""Writing the advisory database: build a complete new file, then swap it in.

Every import and update goes through a :class:`DatabaseBuilder`:

1. a new SQLite file is created next to the current one (same directory, so the final
   ``os.replace`` is an atomic rename on the same filesystem);
2. the sources that are not being replaced are copied over from the current file, source
   by source (``INSERT … SELECT`` through ``ATTACH``, no decoding);
3. the new records are added; a record whose id this source already holds is merged with
   it (:mod:`regsentry.vulndb.merge`), so ``records in`` never silently loses one;
4. :meth:`DatabaseBuilder.commit` checks the result (SQLite ``quick_check``, every
   source's record count, no index row without its advisory), fsyncs it and replaces the
   old file with ``os.replace``.

Until step 4 succeeds the old file is never written: a failed, interrupted or invalid
import leaves it byte for byte as it was, and readers that have it open keep reading it
even after the swap (POSIX keeps the replaced file alive for them). The caller holds the
writer lock (:mod:`regsentry.vulndb.lock`) around the whole build.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from regsentry.model.advisory import Advisory, KnownExploited
from regsentry.vulndb import codec, schema
from regsentry.vulndb.errors import DatabaseError
from regsentry.vulndb.merge import merge_copies
from regsentry.vulndb.names import normalize_name
from regsentry.vulndb.store import (
    SOURCE_COLUMNS,
    SourceState,
    connect_readonly,
    source_from_row,
    source_to_row,
)

_TEMP_SUFFIX = ".building"
_MARKS = ",".join("?" * len(SOURCE_COLUMNS.split(",")))


class DatabaseBuilder:
    """Builds a replacement for the database at ``path`` (use as a context manager)."""

    def __init__(self, path: Path, *, now: datetime | None = None) -> None:
        self.path = path
        self.now = now or datetime.now(UTC)
        self.temp_path = path.with_name(f".{path.name}.{uuid.uuid4().hex}{_TEMP_SUFFIX}")
        #: The sources of the current database (empty when there is none).
        self.previous: dict[str, SourceState] = {}
        #: Why the current database could not be read, when it exists but is unusable.
        self.previous_error = ""
        self._connection: sqlite3.Connection | None = None
        self._attached = False
        self._committed = False

    # -- lifecycle ------------------------------------------------------------------

    def __enter__(self) -> DatabaseBuilder:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_builds(self.path)
        try:
            self._connection = sqlite3.connect(self.temp_path, isolation_level=None)
            connection = self._connection
            # The file is thrown away unless complete, so durability while building is
            # not needed; the journal stays in memory so a source can still be rolled back.
            connection.execute("PRAGMA journal_mode = MEMORY")
            connection.execute("PRAGMA synchronous = OFF")
            schema.create(connection)
            self._attach_previous()  # SQLite cannot ATTACH inside a transaction
            connection.execute("BEGIN")
        except sqlite3.Error as exc:
            self._discard()
            raise DatabaseError(f"cannot create {self.temp_path}: {exc}") from exc
        except BaseException:
            self._discard()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if not self._committed:
            self._discard()

    @property
    def connection(self) -> sqlite3.Connection:
        if self._connection is None:
            raise DatabaseError("the database builder is not open")
        return self._connection

    # -- copying what stays -----------------------------------------------------------

    def copy_source(self, name: str) -> None:
        """Copy one source's rows and state unchanged from the current database."""
        self.copy_sources([name])

    def copy_all_except(self, names: set[str]) -> None:
        """Copy every current source but these."""
        self.copy_sources([name for name in sorted(self.previous) if name not in names])

    def copy_sources(self, names: list[str]) -> None:
        """Copy these sources from the current database, one pass over each table (the
        index tables are keyed by package, so a per-source copy would rescan them)."""
        names = [name for name in names if name in self.previous]
        if not names:
            return
        connection = self.connection
        connection.execute("CREATE TEMP TABLE IF NOT EXISTS copying (name TEXT PRIMARY KEY)")
        connection.execute("DELETE FROM temp.copying")
        connection.executemany("INSERT INTO temp.copying VALUES (?)", [(n,) for n in names])
        try:
            for table, columns in schema.SOURCE_TABLES.items():
                connection.execute(
                    f"INSERT INTO main.{table} ({columns}) "  # noqa: S608
                    f"SELECT {columns} FROM old.{table} "
                    "WHERE source IN (SELECT name FROM temp.copying)"
                )
            connection.execute(
                f"INSERT OR REPLACE INTO main.sources SELECT {SOURCE_COLUMNS} "  # noqa: S608
                "FROM old.sources WHERE name IN (SELECT name FROM temp.copying)"
            )
        except sqlite3.Error as exc:
            raise DatabaseError(f"copying {', '.join(names)} from {self.path}: {exc}") from exc

    # -- adding new records -------------------------------------------------------------

    def add_advisory(self, source: str, advisory: Advisory) -> bool:
        """Store one advisory under ``source``; True when it merged into a copy already there."""
        connection = self.connection
        advisory = replace(advisory, source=source)
        existing = connection.execute(
            "SELECT record FROM advisories WHERE source = ? AND id = ?", (source, advisory.id)
        ).fetchone()
        if existing is not None:
            # Stable sort: on equal ``modified`` the incoming copy stays first and wins.
            newest_first = sorted(
                (advisory, codec.decode(existing[0])),
                key=lambda a: _iso(a.modified) or "",
                reverse=True,
            )
            advisory = merge_copies(newest_first)
        connection.execute(
            "INSERT OR REPLACE INTO advisories (source, id, modified, withdrawn, record) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                source,
                advisory.id,
                _iso(advisory.modified),
                int(advisory.withdrawn),
                codec.encode(advisory),
            ),
        )
        connection.executemany(
            "INSERT OR IGNORE INTO affected_index VALUES (?, ?, ?, ?)",
            {
                (a.ecosystem, normalize_name(a.ecosystem, a.package), source, advisory.id)
                for a in advisory.affected
            },
        )
        connection.executemany(
            "INSERT OR IGNORE INTO alias_index VALUES (?, ?, ?)",
            {
                (alias, source, advisory.id)
                for alias in (advisory.id, *advisory.aliases, *advisory.upstream)
            },
        )
        return existing is not None

    def add_kev(self, source: str, entry: KnownExploited) -> None:
        """Store one KEV catalogue entry."""
        self.connection.execute(
            "INSERT OR REPLACE INTO kev VALUES (?, ?, ?, ?, ?)",
            (
                entry.cve.upper(),
                source,
                entry.date_added.isoformat() if entry.date_added else None,
                entry.due_date.isoformat() if entry.due_date else None,
                int(entry.ransomware),
            ),
        )

    def add_epss(self, source: str, cve: str, score: float, percentile: float | None) -> None:
        """Store one EPSS score."""
        self.connection.execute(
            "INSERT OR REPLACE INTO epss VALUES (?, ?, ?, ?)",
            (cve.upper(), source, score, percentile),
        )

    def discard_source(self, name: str) -> None:
        """Drop whatever was added or copied for ``name`` (a source that failed half-way)."""
        for table in schema.SOURCE_TABLES:
            self.connection.execute(f"DELETE FROM {table} WHERE source = ?", (name,))  # noqa: S608
        self.connection.execute("DELETE FROM sources WHERE name = ?", (name,))

    def record_count(self, name: str) -> int:
        """Rows ``name`` holds in the new database (advisories, KEV and EPSS entries)."""
        total = 0
        for table in ("advisories", "kev", "epss"):
            (count,) = self.connection.execute(
                f"SELECT COUNT(*) FROM {table} WHERE source = ?",  # noqa: S608
                (name,),
            ).fetchone()
            total += int(count)
        return total

    def source_state(self, name: str) -> SourceState | None:
        """A source's state in the new database (after it was copied or set)."""
        row = self.connection.execute(
            f"SELECT {SOURCE_COLUMNS} FROM main.sources WHERE name = ?",  # noqa: S608
            (name,),
        ).fetchone()
        return source_from_row(row) if row else None

    def set_source(self, state: SourceState) -> SourceState:
        """Write a source's state, with its record count taken from the rows it holds."""
        state = replace(state, record_count=self.record_count(state.name))
        self.connection.execute(
            f"INSERT OR REPLACE INTO sources ({SOURCE_COLUMNS}) VALUES ({_MARKS})",  # noqa: S608
            source_to_row(state),
        )
        return state

    # -- finishing ------------------------------------------------------------------------

    def commit(self) -> None:
        """Check the new database and atomically replace the current one with it."""
        connection = self.connection
        try:
            connection.execute(
                "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?), ('built_at', ?)",
                (str(schema.SCHEMA_VERSION), self.now.isoformat()),
            )
            connection.execute("COMMIT")
            if self._attached:
                connection.execute("DETACH DATABASE old")
                self._attached = False
            self._check()
            connection.execute("PRAGMA journal_mode = DELETE")
            connection.close()
            self._connection = None
            _fsync_file(self.temp_path)
            self.temp_path.replace(self.path)  # os.replace: atomic on one filesystem
            _fsync_directory(self.path.parent)
        except (sqlite3.Error, OSError) as exc:
            raise DatabaseError(f"could not complete {self.path}: {exc}") from exc
        self._committed = True

    def _check(self) -> None:
        connection = self.connection
        (verdict,) = connection.execute("PRAGMA quick_check").fetchone()
        if verdict != "ok":
            raise DatabaseError(f"the new database failed its integrity check: {verdict}")
        rows = connection.execute(f"SELECT {SOURCE_COLUMNS} FROM sources").fetchall()  # noqa: S608
        for state in map(source_from_row, rows):
            actual = self.record_count(state.name)
            if actual != state.record_count:
                raise DatabaseError(
                    f"source {state.name} should hold {state.record_count} records, has {actual}"
                )
        orphan = connection.execute(
            "SELECT i.source, i.advisory_id FROM affected_index AS i WHERE NOT EXISTS "
            "(SELECT 1 FROM advisories AS a WHERE a.source = i.source AND a.id = i.advisory_id) "
            "LIMIT 1"
        ).fetchone()
        if orphan is not None:
            raise DatabaseError(f"index entry without its advisory: {orphan[0]}/{orphan[1]}")
        unowned = connection.execute(
            "SELECT source FROM advisories WHERE source NOT IN (SELECT name FROM sources) "
            "UNION SELECT source FROM kev WHERE source NOT IN (SELECT name FROM sources) "
            "UNION SELECT source FROM epss WHERE source NOT IN (SELECT name FROM sources) "
            "LIMIT 1"
        ).fetchone()
        if unowned is not None:
            raise DatabaseError(f"records of source {unowned[0]} have no source entry")

    def _attach_previous(self) -> None:
        if not self.path.exists():
            return
        try:
            connect_readonly(self.path).close()
            self.connection.execute(
                "ATTACH DATABASE ? AS old", (f"{self.path.absolute().as_uri()}?mode=ro",)
            )
            self._attached = True
            rows = self.connection.execute(f"SELECT {SOURCE_COLUMNS} FROM old.sources").fetchall()  # noqa: S608
        except (DatabaseError, sqlite3.Error) as exc:
            # An unreadable or older database cannot be copied from: it is rebuilt from
            # what this run brings, and the caller reports why.
            self.previous_error = str(exc)
            return
        self.previous = {state.name: state for state in map(source_from_row, rows)}

    def _discard(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(sqlite3.Error):
                self._connection.close()
            self._connection = None
        with contextlib.suppress(FileNotFoundError):
            self.temp_path.unlink()


def _remove_stale_builds(path: Path) -> None:
    """Delete half-built files a killed process left (safe: the caller holds the lock)."""
    for stale in path.parent.glob(f".{path.name}.*{_TEMP_SUFFIX}"):
        with contextlib.suppress(OSError):
            stale.unlink()


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_directory(path: Path) -> None:
    if os.name != "posix":  # pragma: no cover - directories cannot be opened on Windows
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_source_states(database: Path, states: list[SourceState]) -> None:
    """Record check times, validators and errors in place, when no content changed.

    A ``db update`` where every source answered 304 (or failed) changes no advisory;
    rewriting a multi-GB file to move a timestamp would be waste. This one small SQLite
    transaction on the ``sources`` table is atomic by SQLite's own journal; record counts
    are kept as they are, so the file stays consistent. The caller holds the writer lock.
    """
    if not states:
        return
    try:
        connect_readonly(database).close()
        connection = sqlite3.connect(database, timeout=30.0, isolation_level=None)
    except sqlite3.Error as exc:
        raise DatabaseError(f"cannot open {database} for writing: {exc}") from exc
    try:
        connection.execute("BEGIN IMMEDIATE")
        for state in states:
            connection.execute(
                f"INSERT OR REPLACE INTO sources ({SOURCE_COLUMNS}) VALUES ({_MARKS})",  # noqa: S608
                source_to_row(state),
            )
        connection.execute("COMMIT")
    except sqlite3.Error as exc:
        with contextlib.suppress(sqlite3.Error):
            connection.execute("ROLLBACK")
        raise DatabaseError(f"cannot record source states in {database}: {exc}") from exc
    finally:
        connection.close()
