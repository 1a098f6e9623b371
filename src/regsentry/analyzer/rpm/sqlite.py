"""Read rpm's ``rpmdb.sqlite`` (rpm ≥ 4.16: Fedora ≥ 33, RHEL 9, Azure Linux, Amazon Linux 2023).

rpm keeps each package's header blob in ``Packages(hnum INTEGER PRIMARY KEY, blob)``;
the other tables are indexes we do not need.

The bytes are handed to SQLite with ``Connection.deserialize`` on an in-memory
connection: the database never touches the disk (no temporary file, no ``-wal`` or
``-shm`` created next to anything) and nothing outside it can be reached. rpm leaves
the file in WAL mode, which an in-memory database cannot open, so a copy has its two
"file format version" bytes set back to the rollback-journal value; the ``-wal`` file,
if the image has one, is not read (rpm checkpoints it into the main file when it
closes the database, so images normally have none).

The file is untrusted, so the connection is made query-only, with untrusted schema
mode and cell-size checks on; ``Packages`` must be a real table (a view could run
anything); and a progress handler aborts the query after a number of SQLite virtual
machine steps proportional to the file size, so a crafted file cannot make us spin.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from regsentry.analyzer.rpm.header import BadRecord, FormatError, Record

MAGIC = b"SQLite format 3\x00"
_HEADER_SIZE = 100
_WAL = 2
_LEGACY = 1
#: The progress handler runs every this many virtual machine instructions.
_PROGRESS_STEP = 100


def read(content: bytes) -> Iterator[Record | BadRecord]:
    """Yield the header blobs of ``Packages`` in table (``hnum``) order."""
    return iter(_rows(content))


def _rows(content: bytes) -> list[Record | BadRecord]:
    if len(content) < _HEADER_SIZE or not content.startswith(MAGIC):
        raise FormatError("not a SQLite database (bad header)")
    _check_size(content)
    image: bytes | bytearray = content
    # Bytes 18 and 19: write and read format version, 2 for WAL.
    if content[18] == _WAL and content[19] == _WAL:
        image = bytearray(content)
        image[18] = image[19] = _LEGACY
    budget = _Budget(instruction_budget(len(image)) // _PROGRESS_STEP)
    connection = sqlite3.connect(":memory:", isolation_level=None)
    try:
        connection.set_progress_handler(budget.spend, _PROGRESS_STEP)
        return _query(connection, image)
    except sqlite3.Error as exc:
        if budget.exhausted:
            raise FormatError("reading Packages took too long (corrupt or crafted file)") from exc
        raise FormatError(f"SQLite cannot read it: {exc}") from exc
    except UnicodeDecodeError as exc:
        # SQLite's message itself can quote invalid UTF-8 from a corrupt schema, and then
        # the sqlite3 module fails to decode it.
        raise FormatError("SQLite cannot read it: corrupt schema (invalid UTF-8)") from exc
    finally:
        connection.close()


class _Budget:
    """Progress-handler calls left; SQLite interrupts the statement once they run out."""

    def __init__(self, calls: int) -> None:
        self.calls = calls

    @property
    def exhausted(self) -> bool:
        return self.calls < 0

    def spend(self) -> int:
        self.calls -= 1
        return 1 if self.exhausted else 0


def instruction_budget(size: int) -> int:
    """SQLite virtual machine instructions allowed for a file of ``size`` bytes.

    Reading ``Packages`` costs a handful of instructions per row (129 rows: about 600),
    and a row takes at least a few bytes, so one instruction per 4 bytes plus a floor is
    generous for any real database and still bounded for a crafted one.
    """
    return 64 * _PROGRESS_STEP + size // 4


def _check_size(content: bytes) -> None:
    """Refuse a truncated file, which SQLite itself may read without complaint.

    An in-memory SQLite reads missing pages as zeros, so a file cut after the pages the
    query needs would pass for whole. The header knows better: the file is a whole
    number of pages, and when the page count at offset 28 is valid (its "version valid
    for" counter at offset 92 equals the change counter at 24) the file holds them all.
    """
    raw_size = int.from_bytes(content[16:18], "big")
    page_size = 65536 if raw_size == 1 else raw_size
    if page_size < 512 or page_size & (page_size - 1):
        raise FormatError(f"invalid page size {page_size}")
    if len(content) % page_size:
        raise FormatError(f"file size {len(content)} is not a whole number of pages (truncated?)")
    pages = int.from_bytes(content[28:32], "big")
    if pages and content[24:28] == content[92:96] and pages * page_size > len(content):
        raise FormatError(
            f"header announces {pages} pages of {page_size} bytes, the file has"
            f" {len(content)} bytes (truncated?)"
        )


def _query(connection: sqlite3.Connection, image: bytes | bytearray) -> list[Record | BadRecord]:
    connection.deserialize(image)
    # Text comes back undecoded: a corrupt file may hold invalid UTF-8 anywhere, and
    # decoding it would raise outside sqlite3.Error.
    connection.text_factory = bytes
    for pragma in ("query_only = ON", "trusted_schema = OFF", "cell_size_check = ON"):
        connection.execute(f"PRAGMA {pragma}")
    # No value may be larger than the file it came from.
    connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, max(len(image), 1))
    kind = connection.execute(
        "SELECT type FROM sqlite_master WHERE name = 'Packages' COLLATE NOCASE"
    ).fetchall()
    if kind != [(b"table",)]:
        raise FormatError("it has no Packages table")
    records: list[Record | BadRecord] = []
    rows = connection.execute("SELECT hnum, typeof(blob), blob FROM Packages")
    for hnum, kind_of_blob, blob in rows:
        label = f"hnum {hnum}" if isinstance(hnum, int) else f"hnum {hnum!r}"
        if kind_of_blob == b"blob":
            records.append(Record(label, blob))
        else:
            records.append(BadRecord(label, f"blob is {kind_of_blob.decode()}, not a blob"))
    return records
