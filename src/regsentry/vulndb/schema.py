"""The advisory database's SQLite schema (one file; see ``store`` and ``builder``).

``advisories`` holds each advisory once per source as a compressed JSON blob
(:mod:`regsentry.vulndb.codec`). ``affected_index`` maps (ecosystem, normalised package
name) to advisory ids: it is the only way matching reaches advisories, so a lookup is one
index range scan, never a table scan. ``alias_index`` does the same for ids and aliases
(search by CVE). ``kev`` and ``epss`` are the enrichment feeds. Every row carries the
name of the source that brought it, so an update can replace one source and copy the
others unchanged. ``sources`` says where each came from and how fresh it is.

The file is always written whole by the builder and swapped in with ``os.replace``; it
uses the rollback journal (never WAL), so the file alone is the complete database.
"""

from __future__ import annotations

import sqlite3

SCHEMA_VERSION = 1

DDL = """
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE sources (
    name           TEXT PRIMARY KEY,
    kind           TEXT NOT NULL,
    url            TEXT NOT NULL DEFAULT '',
    record_count   INTEGER NOT NULL DEFAULT 0,
    updated_at     TEXT,               -- content last replaced (import or download)
    checked_at     TEXT,               -- last successful check, a 304 included
    etag           TEXT,
    last_modified  TEXT,
    content_sha256 TEXT,
    version        TEXT NOT NULL DEFAULT '',  -- the feed's own version, when it has one
    last_error     TEXT NOT NULL DEFAULT '',
    last_error_at  TEXT
);
CREATE TABLE advisories (              -- a rowid table: COUNT(*) reads only its index
    source    TEXT NOT NULL,
    id        TEXT NOT NULL,
    modified  TEXT,
    withdrawn INTEGER NOT NULL DEFAULT 0,
    record    BLOB NOT NULL,
    UNIQUE (source, id)
);
CREATE TABLE affected_index (
    ecosystem   TEXT NOT NULL,
    name        TEXT NOT NULL,
    source      TEXT NOT NULL,
    advisory_id TEXT NOT NULL,
    PRIMARY KEY (ecosystem, name, source, advisory_id)
) WITHOUT ROWID;
CREATE TABLE alias_index (
    alias       TEXT NOT NULL,
    source      TEXT NOT NULL,
    advisory_id TEXT NOT NULL,
    PRIMARY KEY (alias, source, advisory_id)
) WITHOUT ROWID;
CREATE TABLE kev (
    cve        TEXT NOT NULL,
    source     TEXT NOT NULL,
    date_added TEXT,
    due_date   TEXT,
    ransomware INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (cve, source)
) WITHOUT ROWID;
CREATE TABLE epss (
    cve        TEXT NOT NULL,
    source     TEXT NOT NULL,
    score      REAL NOT NULL,
    percentile REAL,
    PRIMARY KEY (cve, source)
) WITHOUT ROWID;
"""

#: Tables whose rows belong to one source (copied source by source on rebuild), with the
#: columns copied (never the rowid, so copied rows cannot collide with new ones).
SOURCE_TABLES: dict[str, str] = {
    "advisories": "source, id, modified, withdrawn, record",
    "affected_index": "ecosystem, name, source, advisory_id",
    "alias_index": "alias, source, advisory_id",
    "kev": "cve, source, date_added, due_date, ransomware",
    "epss": "cve, source, score, percentile",
}


def create(connection: sqlite3.Connection) -> None:
    """Create every table in an empty database and stamp the schema version."""
    connection.executescript(DDL)
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
