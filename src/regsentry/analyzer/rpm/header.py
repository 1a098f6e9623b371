"""rpm header blobs: what every rpm database stores per package, and how to decode one.

All three database formats (BerkeleyDB, NDB, SQLite) store a package as the same "header
blob" rpm keeps in memory, minus the 8-byte magic of a .rpm file:

    il (uint32 BE)   number of index entries
    dl (uint32 BE)   size of the data store
    il * 16 bytes    index entries: tag, type, offset (into the data store), count
    dl bytes         data store

Everything is big-endian whatever the database's own byte order. The readers
(``bdb``, ``ndb``, ``sqlite``) turn a database into :class:`Record` values; this module
turns one blob into a :class:`Header`.

The blob comes from an untrusted image, so :meth:`Header.parse` validates the index the
way rpm's own ``headerImport`` does before anything is read from it: entry and data
counts within rpm's limits, the blob exactly as long as the index says, every entry's
type known, its offset inside the data store, aligned for its type, and its count
fitting in what remains. A bad blob raises :class:`HeaderError`, never an IndexError,
struct.error or MemoryError.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum

from regsentry.analyzer.base import AnalyzerError

#: rpm refuses headers with more index entries than this (``hdrchkTags``).
MAX_ENTRIES = 0xFFFF
#: rpm refuses headers with a larger data store than this (``hdrchkData``, 256 MiB).
MAX_DATA = 0x0FFFFFFF

_PREAMBLE = struct.Struct(">II")
_ENTRY = struct.Struct(">iIiI")
_INT32 = struct.Struct(">I")


class FormatError(AnalyzerError):
    """A database's structure is broken; the message is the bare reason.

    The analyzer adds the format name and path (``rpm NDB var/lib/rpm/Packages.db: …``),
    so readers need not know where their bytes came from.
    """


class HeaderError(AnalyzerError):
    """One header blob is malformed; the other packages of its database may be fine."""


@dataclass(frozen=True)
class Record:
    """A header blob as a database yields it.

    ``label`` names the record in messages the way its database identifies it (the rpm
    instance number for BerkeleyDB and SQLite, the package index for NDB).
    """

    label: str
    blob: bytes


@dataclass(frozen=True)
class BadRecord:
    """A record the database points to but that cannot be read (broken blob, chain …).

    Readers yield it instead of failing the whole database, so the analyzer can report
    it next to the packages it did read rather than silently dropping it.
    """

    label: str
    reason: str


class Tag(IntEnum):
    """The header tags regsentry reads (rpm's ``rpmtag.h`` numbers)."""

    NAME = 1000
    VERSION = 1001
    RELEASE = 1002
    EPOCH = 1003
    VENDOR = 1011
    ARCH = 1022
    SOURCERPM = 1044
    MODULARITYLABEL = 5096


class Type(IntEnum):
    """rpm's data types of header entries (``rpmTagType``)."""

    NULL = 0
    CHAR = 1
    INT8 = 2
    INT16 = 3
    INT32 = 4
    INT64 = 5
    STRING = 6
    BIN = 7
    STRING_ARRAY = 8
    I18NSTRING = 9


#: Bytes per element of the fixed-width types; they must also be aligned to this.
_WIDTH = {Type.CHAR: 1, Type.INT8: 1, Type.INT16: 2, Type.INT32: 4, Type.INT64: 8, Type.BIN: 1}
_STRING_TYPES = frozenset({Type.STRING, Type.STRING_ARRAY, Type.I18NSTRING})


@dataclass(frozen=True)
class _Entry:
    type: Type
    offset: int
    count: int


class Header:
    """A validated header blob; values are decoded on demand, only for the tags asked."""

    def __init__(self, blob: bytes, data_start: int, entries: dict[int, _Entry]) -> None:
        self._blob = blob
        self._data_start = data_start
        self._entries = entries

    @classmethod
    def parse(cls, blob: bytes) -> Header:
        """Validate ``blob``'s index against its length; raise HeaderError if it is bad."""
        if len(blob) < _PREAMBLE.size:
            raise HeaderError(f"header blob is {len(blob)} bytes, shorter than its preamble")
        il, dl = _PREAMBLE.unpack_from(blob)
        if not 1 <= il <= MAX_ENTRIES:
            raise HeaderError(f"header claims {il} index entries (rpm allows 1..{MAX_ENTRIES})")
        if dl > MAX_DATA:
            raise HeaderError(f"header claims a {dl}-byte data store (rpm allows {MAX_DATA})")
        data_start = _PREAMBLE.size + il * _ENTRY.size
        if data_start + dl != len(blob):
            raise HeaderError(
                f"header with {il} entries and {dl} data bytes needs {data_start + dl} bytes,"
                f" the blob has {len(blob)}"
            )
        entries: dict[int, _Entry] = {}
        # Later entries win: rpm appends "dribble" entries after the immutable region and
        # they replace the region's values when the header is loaded.
        for tag, type_number, offset, count in _ENTRY.iter_unpack(
            blob[_PREAMBLE.size : data_start]
        ):
            entries[tag] = _checked_entry(tag, type_number, offset, count, dl)
        return cls(blob, data_start, entries)

    def has(self, tag: int) -> bool:
        """Whether the header has an entry for ``tag``."""
        return tag in self._entries

    def string(self, tag: int, *, strict: bool = True) -> str | None:
        """The (first) string of ``tag``, None when absent.

        ``strict`` rejects bytes that are not UTF-8 (names and versions must be exact);
        without it they are replaced, for descriptive fields such as the vendor.
        """
        entry = self._entries.get(tag)
        if entry is None:
            return None
        if entry.type not in _STRING_TYPES:
            raise HeaderError(f"tag {tag} has type {entry.type.name}, not a string")
        start = self._data_start + entry.offset
        end = self._blob.find(b"\0", start)
        if end < 0:
            raise HeaderError(f"tag {tag}: string runs past the end of the data store")
        raw = self._blob[start:end]
        try:
            return raw.decode("utf-8", errors="strict" if strict else "replace")
        except UnicodeDecodeError as exc:
            raise HeaderError(f"tag {tag}: string is not UTF-8 ({exc.reason})") from exc

    def int32(self, tag: int) -> int | None:
        """The first unsigned 32-bit number of ``tag``, None when absent."""
        entry = self._entries.get(tag)
        if entry is None:
            return None
        if entry.type is not Type.INT32:
            raise HeaderError(f"tag {tag} has type {entry.type.name}, not INT32")
        (value,) = _INT32.unpack_from(self._blob, self._data_start + entry.offset)
        return int(value)


def _checked_entry(tag: int, type_number: int, offset: int, count: int, dl: int) -> _Entry:
    """One index entry, after the checks rpm's ``headerVerifyInfo`` makes."""
    try:
        kind = Type(type_number)
    except ValueError:
        raise HeaderError(f"tag {tag} has unknown type {type_number}") from None
    if not 0 <= offset <= dl:
        raise HeaderError(f"tag {tag}: offset {offset} is outside the {dl}-byte data store")
    if count < 1:
        raise HeaderError(f"tag {tag}: count is 0")
    width = _WIDTH.get(kind)
    if width is not None:
        if offset % width:
            raise HeaderError(f"tag {tag}: {kind.name} data at offset {offset} is misaligned")
        if offset + count * width > dl:
            raise HeaderError(f"tag {tag}: {count} {kind.name} values run past the data store")
    elif kind in _STRING_TYPES:
        if kind is Type.STRING and count != 1:
            raise HeaderError(f"tag {tag}: STRING with count {count}")
        # Each string takes at least its NUL byte.
        if offset + count > dl:
            raise HeaderError(f"tag {tag}: {count} strings cannot fit in the data store")
    return _Entry(kind, offset, count)
