"""Read rpm's BerkeleyDB ``Packages`` database (RHEL/CentOS ≤ 8, Amazon Linux 2, SLES ≤ 15.2).

The file is a BerkeleyDB *hash* database of fixed-size pages. Page 0 is the metadata
page: magic, page size, last page number, the highest bucket, and ``spares``, which map
a bucket number to its first page. Each bucket is a chain of hash pages (linked by
``next_pgno``) holding key/value item pairs; an rpm key is the 4-byte instance number
(in the database's byte order), and a value is a header blob, stored inline when small
or, almost always, as an "off-page" reference to a chain of overflow pages.

We walk the table the way rpm's own read-only reader (``bdb_ro``) does: every bucket
from 0 to ``max_bucket``, each bucket's page chain, each item pair. Nothing is trusted:
every page number must lie inside the file and name itself in its header, every item
offset and length must lie inside its page, and each page may be visited once only
(bucket pages once overall, overflow pages once overall: a page reached twice means a
loop or a cross-linked chain), so the walk is linear in the file size. A broken
metadata or bucket page fails the whole database (:class:`FormatError`); a broken
overflow chain only its own record (:class:`BadRecord`).

Files written on a big-endian machine are read too: the metadata magic tells the order.
Instance 0 holds rpm's next-instance counter, not a package, and is skipped, as rpm does.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

from regsentry.analyzer.rpm.header import BadRecord, FormatError, Record

HASH_MAGIC = 0x061561
VALID_PAGE_SIZES = frozenset(1 << n for n in range(9, 17))  # 512 … 65536
#: Hash format versions rpm's reader accepts (BerkeleyDB 4.x to 6.x).
HASH_VERSIONS = range(8, 11)
#: Every non-metadata page starts with this header (lsn, pgno, prev, next, entries,
#: hf_offset, level, type).
PAGE_HEADER = 26

# Page types (db_page.h).
P_HASH_UNSORTED = 2
P_OVERFLOW = 7
P_HASHMETA = 8
P_HASH = 13
# Item types on hash pages.
H_KEYDATA = 1
H_OFFPAGE = 3
_OFFPAGE_ITEM = 12  # type, 3 bytes padding, pgno, total length


@dataclass(frozen=True)
class _Meta:
    order: str  # "<" or ">", for struct
    page_size: int
    last_page: int
    max_bucket: int
    spares: tuple[int, ...]


def read(content: bytes) -> Iterator[Record | BadRecord]:
    """Yield the header blobs of a BerkeleyDB ``Packages`` file, in bucket order."""
    return _Walker(content).records()


def _metadata(content: bytes) -> _Meta:
    if len(content) < 512:
        raise FormatError(f"file is {len(content)} bytes, too short for a metadata page")
    for order in ("<", ">"):
        if struct.unpack_from(order + "I", content, 12)[0] == HASH_MAGIC:
            break
    else:
        raise FormatError("not a BerkeleyDB hash database (bad magic number)")
    version, page_size = struct.unpack_from(order + "II", content, 16)
    encryption, page_type = content[24], content[25]
    (last_page,) = struct.unpack_from(order + "I", content, 32)
    (max_bucket,) = struct.unpack_from(order + "I", content, 72)
    spares = struct.unpack_from(order + "32I", content, 96)
    if version not in HASH_VERSIONS:
        raise FormatError(f"unsupported hash version {version}")
    if page_size not in VALID_PAGE_SIZES:
        raise FormatError(f"invalid page size {page_size}")
    if encryption:
        raise FormatError("database is encrypted")
    if page_type != P_HASHMETA:
        raise FormatError(f"page 0 has type {page_type}, not hash metadata")
    pages_in_file = len(content) // page_size
    if last_page >= pages_in_file:
        raise FormatError(
            f"metadata says the last page is {last_page}, but the file ends after"
            f" {pages_in_file} pages of {page_size} bytes (truncated?)"
        )
    if max_bucket >= last_page:
        raise FormatError(f"{max_bucket + 1} buckets cannot fit in {last_page} pages")
    return _Meta(order, page_size, last_page, max_bucket, spares)


class _Walker:
    """One pass over a database; holds the pages already visited."""

    def __init__(self, content: bytes) -> None:
        self._content = content
        self._meta = _metadata(content)
        self._order = self._meta.order
        self._seen_buckets: set[int] = set()
        self._seen_overflow: set[int] = set()

    def records(self) -> Iterator[Record | BadRecord]:
        meta = self._meta
        for bucket in range(meta.max_bucket + 1):
            # A bucket's first page must exist (_page refuses page 0); the chain ends
            # at a next-page number of 0. Chains are bounded: each page may join
            # _seen_buckets once, and there are at most last_page of them.
            page_no = bucket + meta.spares[bucket.bit_length()]
            while True:
                if page_no in self._seen_buckets:
                    raise FormatError(f"bucket {bucket}: page {page_no} is reached twice (loop)")
                self._seen_buckets.add(page_no)
                page = self._page(page_no, f"bucket {bucket}")
                if page[25] not in (P_HASH, P_HASH_UNSORTED):
                    raise FormatError(f"bucket {bucket}: page {page_no} is not a hash page")
                yield from self._items(page_no, page)
                page_no = self._next(page)
                if page_no == 0:
                    break

    def _page(self, page_no: int, what: str) -> memoryview:
        meta = self._meta
        if page_no == 0:
            raise FormatError(f"{what}: points to page 0, the metadata page")
        if page_no > meta.last_page:
            raise FormatError(
                f"{what}: page {page_no} points past the end of the file"
                f" (last page is {meta.last_page})"
            )
        start = page_no * meta.page_size
        page = memoryview(self._content)[start : start + meta.page_size]
        (own_no,) = struct.unpack_from(self._order + "I", page, 8)
        if own_no != page_no:
            raise FormatError(f"{what}: page {page_no} says it is page {own_no}")
        return page

    def _next(self, page: memoryview) -> int:
        return int(struct.unpack_from(self._order + "I", page, 16)[0])

    def _items(self, page_no: int, page: memoryview) -> Iterator[Record | BadRecord]:
        size = self._meta.page_size
        (entries,) = struct.unpack_from(self._order + "H", page, 20)
        index_end = PAGE_HEADER + 2 * entries
        if entries % 2 or index_end > size:
            raise FormatError(f"hash page {page_no}: invalid item count {entries}")
        offsets = struct.unpack_from(f"{self._order}{entries}H", page, PAGE_HEADER)
        # Items are packed downwards from the end of the page: an item ends where the
        # previous one starts.
        bounds = []
        end = size
        for offset in offsets:
            if not index_end <= offset < end:
                raise FormatError(f"hash page {page_no}: item offset {offset} is out of place")
            bounds.append((offset, end))
            end = offset
        for pair in range(0, entries, 2):
            key_start, key_end = bounds[pair]
            value_start, value_end = bounds[pair + 1]
            key = page[key_start:key_end]
            if key[0] != H_KEYDATA or len(key) != 5:
                yield BadRecord(f"hash page {page_no} item {pair}", "key is not an instance number")
                continue
            (instance,) = struct.unpack_from(self._order + "I", key, 1)
            if instance == 0:
                continue  # rpm's next-instance counter
            yield self._value(instance, page[value_start:value_end])

    def _value(self, instance: int, item: memoryview) -> Record | BadRecord:
        label = f"instance {instance}"
        if item[0] == H_KEYDATA:
            return Record(label, bytes(item[1:]))
        if item[0] != H_OFFPAGE or len(item) != _OFFPAGE_ITEM:
            return BadRecord(label, f"unsupported hash item type {item[0]}")
        first, total = struct.unpack_from(self._order + "II", item, 4)
        return self._overflow(label, first, total)

    def _overflow(self, label: str, page_no: int, total: int) -> Record | BadRecord:
        """Concatenate an overflow chain of ``total`` bytes starting at ``page_no``."""
        if total == 0 or total > len(self._content):
            return BadRecord(label, f"value length {total} is impossible in this file")
        capacity = self._meta.page_size - PAGE_HEADER
        parts: list[bytes] = []
        remaining = total
        while remaining:
            if page_no == 0:
                return BadRecord(label, f"overflow chain ends {remaining} bytes early")
            if page_no in self._seen_overflow:
                return BadRecord(label, f"overflow page {page_no} is reached twice (loop)")
            self._seen_overflow.add(page_no)
            try:
                page = self._page(page_no, "overflow chain")
            except FormatError as exc:
                return BadRecord(label, str(exc))
            if page[25] != P_OVERFLOW:
                return BadRecord(label, f"page {page_no} in its overflow chain is not overflow")
            (length,) = struct.unpack_from(self._order + "H", page, 22)
            if length == 0 or length > capacity or length > remaining:
                return BadRecord(label, f"overflow page {page_no} holds an invalid {length} bytes")
            parts.append(bytes(page[PAGE_HEADER : PAGE_HEADER + length]))
            remaining -= length
            page_no = self._next(page)
        return Record(label, b"".join(parts))
