"""Read rpm's native NDB ``Packages.db`` (SUSE since SLES 15 SP3 / openSUSE).

The format (rpm's ``lib/backend/ndb/rpmpkg.c``), all little-endian:

* a 32-byte file header: magic ``RpmP``, version 0, generation, the number of 4 KiB
  slot pages, the next package index;
* the slot pages, right after the header (which takes the first two 16-byte slots):
  each slot is magic ``Slot``, package index, block offset and block count (in
  16-byte blocks); a slot with block offset 0 is free;
* the blobs the slots point to: a 16-byte head (magic ``BlbS``, package index,
  timestamp, blob length), the header blob, zero padding, and a 12-byte tail (Adler-32
  of everything before it, blob length, magic ``BlbE``), filling exactly the slot's blocks.

The slot table is checked as rpm checks it when it loads it (magic, non-zero index and
count, blocks after the slot pages and inside the file); a bad slot table fails the
whole database. A blob whose head or tail does not match its slot, or whose checksum
is wrong, fails only its own record. rpm skips the checksum when it reads a package;
we verify it, because a flipped byte in a name or version would otherwise yield a
wrong package silently.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator

from regsentry.analyzer.rpm.header import BadRecord, FormatError, Record

HEADER_MAGIC = int.from_bytes(b"RpmP", "little")
SLOT_MAGIC = int.from_bytes(b"Slot", "little")
BLOB_HEAD_MAGIC = int.from_bytes(b"BlbS", "little")
BLOB_TAIL_MAGIC = int.from_bytes(b"BlbE", "little")
VERSION = 0
FILE_HEADER = 32
SLOT_SIZE = 16
BLOCK = 16
SLOT_PAGE = 4096
BLOB_HEAD = 16
BLOB_TAIL = 12

_SLOT = struct.Struct("<IIII")
_BLOB_HEAD = struct.Struct("<IIII")
_BLOB_TAIL = struct.Struct("<III")


def read(content: bytes) -> Iterator[Record | BadRecord]:
    """Yield the header blobs of an NDB ``Packages.db``, in slot order."""
    slots = _slots(content)
    return (_blob(content, index, offset, count) for index, offset, count in slots)


def _slots(content: bytes) -> list[tuple[int, int, int]]:
    """The used slots as (package index, block offset, block count), all validated."""
    if len(content) < FILE_HEADER:
        raise FormatError(f"file is {len(content)} bytes, too short for the NDB header")
    magic, version, _generation, slot_pages = struct.unpack_from("<IIII", content)
    if magic != HEADER_MAGIC:
        raise FormatError("not an NDB package database (bad magic)")
    if version != VERSION:
        raise FormatError(f"unsupported NDB version {version}")
    if slot_pages == 0 or slot_pages * SLOT_PAGE > len(content):
        raise FormatError(
            f"header announces {slot_pages} slot pages, the file has {len(content)} bytes"
            " (truncated?)"
        )
    if len(content) % BLOCK:
        raise FormatError(f"file size {len(content)} is not a multiple of {BLOCK} (truncated?)")
    file_blocks = len(content) // BLOCK
    first_blob_block = slot_pages * SLOT_PAGE // BLOCK
    slots = []
    for number, (slot_magic, index, offset, count) in enumerate(
        _SLOT.iter_unpack(content[FILE_HEADER : slot_pages * SLOT_PAGE])
    ):
        if slot_magic != SLOT_MAGIC:
            raise FormatError(f"slot {number} has a bad magic number")
        if offset == 0:
            continue  # free slot
        if index == 0 or count == 0 or offset < first_blob_block:
            raise FormatError(f"slot {number} is invalid (package {index}, block {offset})")
        if offset + count > file_blocks:
            raise FormatError(
                f"slot {number} (package {index}) points past the end of the file (truncated?)"
            )
        slots.append((index, offset, count))
    return slots


def _blob(content: bytes, index: int, offset: int, count: int) -> Record | BadRecord:
    label = f"package index {index}"
    start, end = offset * BLOCK, (offset + count) * BLOCK
    if end - start < BLOB_HEAD + BLOB_TAIL:
        return BadRecord(label, f"{count} blocks cannot hold a blob")
    magic, blob_index, _timestamp, length = _BLOB_HEAD.unpack_from(content, start)
    if magic != BLOB_HEAD_MAGIC:
        return BadRecord(label, "blob head has a bad magic number")
    if blob_index != index:
        return BadRecord(label, f"blob belongs to package index {blob_index}")
    if count != (BLOB_HEAD + length + BLOB_TAIL + BLOCK - 1) // BLOCK:
        return BadRecord(label, f"blob length {length} does not fill its {count} blocks")
    checksum, tail_length, tail_magic = _BLOB_TAIL.unpack_from(content, end - BLOB_TAIL)
    if tail_magic != BLOB_TAIL_MAGIC or tail_length != length:
        return BadRecord(label, "blob tail does not match its head")
    if zlib.adler32(memoryview(content)[start : end - BLOB_TAIL]) != checksum:
        return BadRecord(label, "blob checksum mismatch")
    return Record(label, content[start + BLOB_HEAD : start + BLOB_HEAD + length])
