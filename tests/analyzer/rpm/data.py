"""Test helpers: where the real rpm databases live, their expected lists, and a header builder.

The databases and their expected ``rpm -qa`` lists are in the shared data directory
(``/work/shared/data``), beside the repository: ``go-rpmdb/`` (see its SOURCE.md) and
``osv-scalibr-pkgdb/rpm/``.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import struct
from dataclasses import dataclass
from pathlib import Path

from tests.analyzer.data import shared_data

GO_RPMDB = shared_data("go-rpmdb")
SCALIBR_RPM = shared_data("osv-scalibr-pkgdb", "rpm")


@dataclass(frozen=True)
class RealDatabase:
    """A real database file and the path it would have in an image."""

    file: Path
    image_path: str


MARINER_SQLITE = RealDatabase(
    GO_RPMDB / "cbl-mariner-2.0" / "rpmdb.sqlite", "var/lib/rpm/rpmdb.sqlite"
)
LIBUUID_BDB = RealDatabase(GO_RPMDB / "libuuid" / "Packages", "var/lib/rpm/Packages")
SLE15_NDB = RealDatabase(GO_RPMDB / "sle15-bci" / "Packages.db", "usr/lib/sysimage/rpm/Packages.db")
EPOCH_BDB = RealDatabase(SCALIBR_RPM / "Packages_epoch", "var/lib/rpm/Packages")
ALL_DATABASES = (MARINER_SQLITE, LIBUUID_BDB, SLE15_NDB, EPOCH_BDB)

#: What tests compare per package: name, full version, arch, source rpm.
Row = tuple[str, str, str, str]


def evr(epoch: str | None, version: str, release: str) -> str:
    """rpm's ``[epoch:]version-release``; ``epoch`` None or ``(none)`` means no epoch."""
    prefix = "" if epoch in (None, "(none)") else f"{epoch}:"
    return f"{prefix}{version}-{release}"


def rpm_qa_tsv(path: Path) -> list[Row]:
    """Rows of an ``rpm -qa`` TSV: name, epoch, version, release, arch, sourcerpm."""
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            (name, evr(epoch, version, release), arch, source_rpm)
            for name, epoch, version, release, arch, source_rpm in csv.reader(
                handle, delimiter="\t"
            )
        ]


def sle15_expected() -> list[dict[str, object]]:
    """The 35 packages of ``sle15-bci/expected.json`` (upstream's ``rpm -qa`` output)."""
    packages: list[dict[str, object]] = json.loads(
        (GO_RPMDB / "sle15-bci" / "expected.json").read_text(encoding="utf-8")
    )["packages"]
    return packages


# rpm header types used by build_header.
INT32 = 4
STRING = 6
BIN = 7
STRING_ARRAY = 8
I18NSTRING = 9

_ALIGN = {INT32: 4}


def build_header(entries: list[tuple[int, int, bytes, int]]) -> bytes:
    """A header blob from (tag, type, payload, count) entries, laid out as rpm does.

    Payloads are placed in order, each aligned for its type; strings must carry their
    own NUL terminators.
    """
    index = b""
    store = b""
    for tag, kind, payload, count in entries:
        align = _ALIGN.get(kind, 1)
        store += b"\0" * (-len(store) % align)
        index += struct.pack(">iIiI", tag, kind, len(store), count)
        store += payload
    return struct.pack(">II", len(entries), len(store)) + index + store


def string(tag: int, value: str) -> tuple[int, int, bytes, int]:
    """A STRING entry."""
    return (tag, STRING, value.encode() + b"\0", 1)


def int32(tag: int, value: int) -> tuple[int, int, bytes, int]:
    """An INT32 entry with one value."""
    return (tag, INT32, struct.pack(">I", value), 1)


def package_header(
    name: str = "bash",
    version: str = "5.1.8",
    release: str = "6.el9",
    arch: str | None = "x86_64",
    epoch: int | None = None,
    source_rpm: str | None = "bash-5.1.8-6.el9.src.rpm",
    vendor: str | None = None,
) -> bytes:
    """A minimal installed-package header (tags as in rpmtag.h)."""
    entries = [string(1000, name), string(1001, version), string(1002, release)]
    if epoch is not None:
        entries.append(int32(1003, epoch))
    if vendor is not None:
        entries.append(string(1011, vendor))
    if arch is not None:
        entries.append(string(1022, arch))
    if source_rpm is not None:
        entries.append(string(1044, source_rpm))
    return build_header(entries)


def sqlite_database(blobs: list[object], schema: str = "") -> bytes:
    """An rpmdb.sqlite image (built in memory, never on disk) with these ``Packages`` blobs.

    ``schema`` replaces rpm's ``Packages`` table definition when given.
    """
    connection = sqlite3.connect(":memory:")
    try:
        connection.execute(
            schema
            or "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)"
        )
        if not schema:
            connection.executemany("INSERT INTO Packages (blob) VALUES (?)", [(b,) for b in blobs])
        connection.commit()
        return connection.serialize()
    finally:
        connection.close()
