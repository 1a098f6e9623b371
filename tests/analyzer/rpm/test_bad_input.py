"""Broken, truncated, crafted and mutated databases: AnalyzerError or problems, quickly.

Never another exception type, never a hang, never a silently shortened list.
"""

from __future__ import annotations

import random
import sqlite3
import struct
import time

import pytest

from regsentry.analyzer.base import AnalyzerError, FileAnalysis
from regsentry.analyzer.rpm import RpmAnalyzer, sqlite
from tests.analyzer.rpm.data import (
    ALL_DATABASES,
    LIBUUID_BDB,
    MARINER_SQLITE,
    SLE15_NDB,
    RealDatabase,
    package_header,
    sqlite_database,
)

#: Generous: real calls take milliseconds; this only catches runaway loops.
SECONDS = 2.0
PATHS = {
    "SQLite": "var/lib/rpm/rpmdb.sqlite",
    "NDB": "usr/lib/sysimage/rpm/Packages.db",
    "BerkeleyDB": "var/lib/rpm/Packages",
}
BDB_PATH = PATHS["BerkeleyDB"]
NDB_PATH = PATHS["NDB"]
SQLITE_PATH = PATHS["SQLite"]


def outcome(path: str, content: bytes) -> FileAnalysis | AnalyzerError:
    """The analysis or the AnalyzerError; any other exception fails the test."""
    start = time.perf_counter()
    try:
        return RpmAnalyzer().analyze(path, content)
    except AnalyzerError as exc:
        return exc
    finally:
        assert time.perf_counter() - start < SECONDS


def refused(path: str, content: bytes) -> str:
    """The AnalyzerError message for ``content``, which must be refused as a whole."""
    result = outcome(path, content)
    assert isinstance(result, AnalyzerError), result
    return str(result)


@pytest.mark.parametrize("fmt", PATHS)
def test_empty_file(fmt: str) -> None:
    assert refused(PATHS[fmt], b"").startswith(f"rpm {fmt} {PATHS[fmt]}: ")


@pytest.mark.parametrize("fmt", PATHS)
@pytest.mark.parametrize("size", [1, 31, 100, 512, 4096, 65536])
def test_random_garbage(fmt: str, size: int) -> None:
    content = random.Random(size).randbytes(size)

    assert refused(PATHS[fmt], content).startswith(f"rpm {fmt} {PATHS[fmt]}: ")


@pytest.mark.parametrize(
    ("fmt", "magic"),
    [
        ("SQLite", b"SQLite format 3\0"),
        ("NDB", b"RpmP\0\0\0\0\0\0\0\0\1\0\0\0"),
        ("BerkeleyDB", bytes(12) + struct.pack("<I", 0x061561)),
    ],
)
def test_garbage_behind_a_valid_magic(fmt: str, magic: bytes) -> None:
    content = magic + random.Random(7).randbytes(8192 - len(magic))

    refused(PATHS[fmt], content)


@pytest.mark.parametrize("database", ALL_DATABASES, ids=lambda d: d.file.name)
def test_truncated_files(database: RealDatabase) -> None:
    content = database.file.read_bytes()
    size = len(content)
    for cut in sorted(
        {1, 16, 100, 512, 4096, 4096 + 26, size // 3, size // 2, size - 16, size - 1}
    ):
        result = outcome(database.image_path, content[:cut])
        assert isinstance(result, AnalyzerError) or result.problems, cut


def test_header_with_an_index_count_of_2_to_the_31() -> None:
    crafted = struct.pack(">II", 2**31, 0) + bytes(64)
    content = sqlite_database([package_header(name="zlib"), crafted])

    result = outcome(SQLITE_PATH, content)

    assert isinstance(result, FileAnalysis)
    assert [p.name for p in result.packages] == ["zlib"]
    assert result.problems == (
        f"rpm SQLite {SQLITE_PATH}: hnum 2: header claims 2147483648 index entries"
        " (rpm allows 1..65535)",
    )


# BerkeleyDB: libuuid/Packages has 4096-byte pages; page 2 is bucket 1, holding the
# package (instance 1) whose header is an overflow chain of pages 3 … 22.
PAGE = 4096


def bdb_patch(offset: int, fmt: str, value: int) -> bytes:
    content = bytearray(LIBUUID_BDB.file.read_bytes())
    struct.pack_into(fmt, content, offset, value)
    return bytes(content)


def offpage_item() -> int:
    """Offset of the package's off-page reference on page 2."""
    content = LIBUUID_BDB.file.read_bytes()
    value_offset: int = struct.unpack_from("<H", content, 2 * PAGE + 26 + 2)[0]
    assert content[2 * PAGE + value_offset] == 3  # H_OFFPAGE
    return 2 * PAGE + value_offset


def test_bdb_overflow_chain_looping_on_itself() -> None:
    content = bdb_patch(3 * PAGE + 16, "<I", 3)  # page 3's next page: itself

    result = outcome(BDB_PATH, content)

    assert isinstance(result, FileAnalysis)
    assert result.packages == ()
    assert result.problems == (
        f"rpm BerkeleyDB {BDB_PATH}: instance 1: overflow page 3 is reached twice (loop)",
    )


def test_bdb_overflow_chain_looping_back_to_its_start() -> None:
    content = bytearray(bdb_patch(22 * PAGE + 16, "<I", 3))  # last page → first
    struct.pack_into("<I", content, offpage_item() + 8, 90_000)  # longer than the chain

    result = outcome(BDB_PATH, bytes(content))

    assert isinstance(result, FileAnalysis)
    assert result.problems == (
        f"rpm BerkeleyDB {BDB_PATH}: instance 1: overflow page 3 is reached twice (loop)",
    )


def test_bdb_overflow_page_past_the_end() -> None:
    content = bdb_patch(offpage_item() + 4, "<I", 12345)

    result = outcome(BDB_PATH, content)

    assert isinstance(result, FileAnalysis)
    assert result.problems == (
        f"rpm BerkeleyDB {BDB_PATH}: instance 1: overflow chain: page 12345 points past"
        " the end of the file (last page is 22)",
    )


def test_bdb_bucket_chain_loop() -> None:
    content = bdb_patch(2 * PAGE + 16, "<I", 2)  # bucket page 2's next: itself

    assert refused(BDB_PATH, content) == (
        f"rpm BerkeleyDB {BDB_PATH}: bucket 1: page 2 is reached twice (loop)"
    )


def test_bdb_bucket_page_past_the_end() -> None:
    content = bdb_patch(2 * PAGE + 16, "<I", 99)

    assert refused(BDB_PATH, content) == (
        f"rpm BerkeleyDB {BDB_PATH}: bucket 1: page 99 points past the end of the file"
        " (last page is 22)"
    )


def test_bdb_bucket_mapped_to_page_0() -> None:
    content = bdb_patch(96, "<I", 0)  # spares[0]: bucket 0 → page 0

    assert refused(BDB_PATH, content).endswith("bucket 0: points to page 0, the metadata page")


def test_bdb_metadata_claiming_more_pages_than_the_file_has() -> None:
    message = refused(BDB_PATH, bdb_patch(32, "<I", 40))

    assert message.endswith(
        "metadata says the last page is 40, but the file ends after 23 pages of 4096 bytes"
        " (truncated?)"
    )


def test_bdb_page_that_is_not_where_it_says() -> None:
    message = refused(BDB_PATH, bdb_patch(2 * PAGE + 8, "<I", 7))

    assert message.endswith("bucket 1: page 2 says it is page 7")


def big_endian(content: bytes) -> bytes:
    """A little-endian BerkeleyDB hash file as a big-endian machine would have written it."""
    out = bytearray(content)

    def swap(offset: int, fmt: str) -> int:
        (value,) = struct.unpack_from("<" + fmt, content, offset)
        struct.pack_into(">" + fmt, out, offset, value)
        return int(value)

    for offset in range(8, 224, 4):
        if offset != 24:  # bytes 24-27 are single-byte fields
            swap(offset, "I")
    for start in range(PAGE, len(content), PAGE):
        for field in (8, 12, 16):
            swap(start + field, "I")
        entries = swap(start + 20, "H")
        swap(start + 22, "H")
        if content[start + 25] != 13:
            continue
        for item in range(entries):
            offset = start + swap(start + 26 + 2 * item, "H")
            if content[offset] == 3:
                swap(offset + 4, "I")
                swap(offset + 8, "I")
            elif item % 2 == 0:
                swap(offset + 1, "I")  # the key: an instance number in host order
    return bytes(out)


def test_bdb_big_endian() -> None:
    little = RpmAnalyzer().analyze(BDB_PATH, LIBUUID_BDB.file.read_bytes())

    big = RpmAnalyzer().analyze(BDB_PATH, big_endian(LIBUUID_BDB.file.read_bytes()))

    assert big == little
    assert [p.name for p in big.packages] == ["libuuid"]


def ndb_blob_offset(content: bytes | bytearray, slot: int) -> int:
    """Byte offset of the blob of slot ``slot`` (counting the first real slot as 0)."""
    block: int = struct.unpack_from("<I", content, 32 + 16 * slot + 8)[0]
    return block * 16


def test_ndb_checksum_mismatch_is_a_problem() -> None:
    content = bytearray(SLE15_NDB.file.read_bytes())
    content[ndb_blob_offset(content, 0) + 100] ^= 0xFF

    result = outcome(NDB_PATH, bytes(content))

    assert isinstance(result, FileAnalysis)
    assert len(result.packages) == 34
    assert result.problems == (f"rpm NDB {NDB_PATH}: package index 1: blob checksum mismatch",)


def test_ndb_blob_of_another_package_is_a_problem() -> None:
    content = bytearray(SLE15_NDB.file.read_bytes())
    struct.pack_into("<I", content, ndb_blob_offset(content, 1) + 4, 77)

    result = outcome(NDB_PATH, bytes(content))

    assert isinstance(result, FileAnalysis)
    assert result.problems == (
        f"rpm NDB {NDB_PATH}: package index 2: blob belongs to package index 77",
    )


def test_ndb_bad_slot_fails_the_database() -> None:
    content = bytearray(SLE15_NDB.file.read_bytes())
    content[32 + 16 * 5] = ord("X")

    assert refused(NDB_PATH, bytes(content)) == (
        f"rpm NDB {NDB_PATH}: slot 5 has a bad magic number"
    )


def test_ndb_slot_past_the_end() -> None:
    content = bytearray(SLE15_NDB.file.read_bytes())
    struct.pack_into("<I", content, 32 + 8, 2**31)

    assert "points past the end of the file" in refused(NDB_PATH, bytes(content))


def test_sqlite_packages_view_is_refused() -> None:
    # A view could make the query run forever; only a real table is read.
    content = sqlite_database(
        [],
        schema="CREATE VIEW Packages AS WITH RECURSIVE n(hnum) AS"
        " (SELECT 1 UNION ALL SELECT hnum + 1 FROM n) SELECT hnum, x'00' AS blob FROM n",
    )

    assert refused(SQLITE_PATH, content) == (f"rpm SQLite {SQLITE_PATH}: it has no Packages table")


def test_sqlite_without_packages_table() -> None:
    content = sqlite_database([], schema="CREATE TABLE Other (x)")

    assert refused(SQLITE_PATH, content).endswith("it has no Packages table")


def test_sqlite_non_blob_value_is_a_problem() -> None:
    content = sqlite_database(["text, not a header", package_header()])

    result = outcome(SQLITE_PATH, content)

    assert isinstance(result, FileAnalysis)
    assert [p.name for p in result.packages] == ["bash"]
    assert result.problems == (f"rpm SQLite {SQLITE_PATH}: hnum 1: blob is text, not a blob",)


def test_sqlite_invalid_utf8_text_is_a_problem() -> None:
    connection = sqlite3.connect(":memory:")
    connection.executescript(
        "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB);"
        "INSERT INTO Packages VALUES (1, CAST(x'ff00fe' AS TEXT));"
    )
    content = connection.serialize()
    connection.close()

    result = outcome(SQLITE_PATH, content)

    assert isinstance(result, FileAnalysis)
    assert result.problems == (f"rpm SQLite {SQLITE_PATH}: hnum 1: blob is text, not a blob",)


def test_sqlite_error_message_with_invalid_utf8() -> None:
    # SQLite quotes the bad schema text in its message, which Python cannot decode.
    connection = sqlite3.connect(":memory:")
    connection.executescript(
        "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB); CREATE TABLE Other (x);"
        "PRAGMA writable_schema = ON;"
        "UPDATE sqlite_master SET sql = 'CREATE TABLE Other (x) ' || CAST(x'ff' AS TEXT)"
        " WHERE name = 'Other';"
    )
    content = connection.serialize()
    connection.close()

    assert refused(SQLITE_PATH, content).endswith("corrupt schema (invalid UTF-8)")


def test_sqlite_instruction_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite, "instruction_budget", lambda size: 0)

    assert refused(SQLITE_PATH, MARINER_SQLITE.file.read_bytes()).endswith(
        "reading Packages took too long (corrupt or crafted file)"
    )


def test_sqlite_truncated_past_the_pages_it_needs() -> None:
    content = MARINER_SQLITE.file.read_bytes()

    assert refused(SQLITE_PATH, content[: len(content) - 4096]).endswith("(truncated?)")


def mutate(rng: random.Random, content: bytes) -> bytes:
    """A few byte flips, overwritten 32-bit numbers (extreme or random) or a cut."""
    out = bytearray(content)
    for _ in range(rng.randint(1, 6)):
        if not out:
            break
        where = rng.randrange(len(out))
        choice = rng.random()
        if choice < 0.5:
            out[where] = rng.randrange(256)
        elif choice < 0.9:
            number = rng.choice([0, 1, 0xFFFF, 2**31, 2**32 - 1, rng.randrange(2**32)])
            out[where : where + 4] = number.to_bytes(4, rng.choice(["big", "little"]))
        else:
            del out[where:]
    return bytes(out)


@pytest.mark.parametrize("database", ALL_DATABASES, ids=lambda d: d.file.name)
def test_random_mutations(database: RealDatabase) -> None:
    content = database.file.read_bytes()
    rng = random.Random(f"rpm-{database.file.name}")
    for _ in range(200):
        result = outcome(database.image_path, mutate(rng, content))
        assert isinstance(result, FileAnalysis | AnalyzerError)
