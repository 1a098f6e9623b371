"""A push parser for tar streams: headers are parsed, unwanted file bodies are skipped
without being copied, and only wanted files are captured, each within its cap.

Why not :mod:`tarfile`: it pulls from a file object, so it cannot be fed from an event
loop's chunks without a second thread per layer, and it copies every body it skips over.
This parser takes chunks as they come (``feed``), keeps at most one partial header
between chunks, and moves past bodies by arithmetic.

It understands ustar, GNU (``L``/``K`` long names, base-256 sizes) and pax (``x`` per-file
``path``, ``linkpath``, ``size``; ``g`` global headers are ignored as containerd does).
Header checksums are verified. Paths are normalised (no leading ``/`` or ``./``); a path
with a ``..`` component is refused, since a layer must not reach outside the image root.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from enum import Enum
from typing import NamedTuple

from regsentry.indexer.errors import LayerError

BLOCK = 512
_ZERO_BLOCK = bytes(BLOCK)
#: pax/GNU meta entries larger than this are refused (real ones are a few hundred bytes).
_MAX_META_BYTES = 1024 * 1024


class EntryKind(Enum):
    """What a tar entry is, as far as the analysis cares."""

    FILE = "file"
    DIRECTORY = "dir"
    SYMLINK = "symlink"
    HARDLINK = "hardlink"
    OTHER = "other"


_NO_DATA = frozenset({b"1", b"2", b"3", b"4", b"5", b"6"})
_LINKS = frozenset({b"1", b"2"})
_KINDS = {
    b"0": EntryKind.FILE,
    b"\0": EntryKind.FILE,
    b"7": EntryKind.FILE,
    b"1": EntryKind.HARDLINK,
    b"2": EntryKind.SYMLINK,
    b"5": EntryKind.DIRECTORY,
}


class TarEntry(NamedTuple):
    """One archive member; ``link`` is the raw link target (hard or symbolic).

    A named tuple rather than a frozen dataclass: one is made for every member of every
    layer (tens of thousands per image), and a tuple is built several times faster.
    """

    path: str
    kind: EntryKind
    size: int
    link: str = ""


#: Decides, for a regular file, how many bytes of it to capture (None: skip it).
Wanted = Callable[[TarEntry], int | None]
#: Receives every member, and the captured bytes of wanted files.
Visitor = Callable[[TarEntry, bytes | None], None]


def normalise(path: str, *, what: str = "entry") -> str:
    """``./usr//lib/`` → ``usr/lib``; refuse ``..`` components (path traversal)."""
    # Most names are already clean but for a leading "./" or a trailing "/": skip the
    # split and join for them (this runs for every member of every layer).
    clean = (path[2:] if path.startswith("./") else path).rstrip("/")
    if (
        ".." not in clean
        and "//" not in clean
        and "/./" not in clean
        and not clean.startswith(("/", "./"))
        and not clean.endswith("/.")
        and clean != "."
    ):
        return clean
    parts = [part for part in path.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise LayerError(f"tar {what} {path[:200]!r} escapes the image root (contains '..')")
    return "/".join(parts)


class TarStream:
    """Feed decompressed bytes with :meth:`feed`; call :meth:`close` at the end."""

    def __init__(self, wanted: Wanted, visit: Visitor) -> None:
        self._wanted = wanted
        self._visit = visit
        self._header = bytearray()  # a header split across chunks
        self._skip = 0  # body and padding bytes still to pass over
        self._capture: bytearray | None = None  # the body being captured …
        self._capture_left = 0  # … how many of its bytes are still to come …
        self._capture_padding = 0  # … and the padding after it
        self._capture_entry: TarEntry | None = None
        self._meta_kind: bytes | None = None  # collecting a pax/GNU meta body
        self._pending: dict[str, str] = {}  # pax/GNU overrides for the next entry
        self._ended = False
        self.entries = 0

    def feed(self, data: bytes) -> None:
        """Consume one piece of the stream."""
        if self._ended:
            return  # after the end-of-archive marker only padding follows
        view = memoryview(data)
        position = 0
        size = len(data)
        while position < size and not self._ended:
            if self._skip:
                step = min(self._skip, size - position)
                self._skip -= step
                position += step
            elif self._capture is not None:
                step = min(self._capture_left, size - position)
                self._capture += view[position : position + step]
                self._capture_left -= step
                position += step
                if not self._capture_left:
                    self._finish_capture()
            elif self._header or size - position < BLOCK:
                step = min(BLOCK - len(self._header), size - position)
                self._header += view[position : position + step]
                position += step
                if len(self._header) == BLOCK:
                    block = bytes(self._header)
                    self._header.clear()
                    self._on_header(block)
            else:
                self._on_header(bytes(view[position : position + BLOCK]))
                position += BLOCK

    def close(self) -> None:
        """Check that the archive ended properly (not inside a member, with its marker)."""
        if self._ended:
            return
        if self._header or self._skip or self._capture is not None:
            raise LayerError("tar archive ends inside a member (truncated layer)")
        raise LayerError("tar archive ends without its end-of-archive marker (truncated layer)")

    def _on_header(self, block: bytes) -> None:
        if block == _ZERO_BLOCK:
            self._ended = True
            return
        _verify_checksum(block)
        typeflag = block[156:157]
        size = _parse_size(block[124:136])
        padded = size + (-size) % BLOCK
        if typeflag in (b"x", b"L", b"K"):
            if size > _MAX_META_BYTES:
                raise LayerError(f"tar meta header of {size:,} bytes is implausible")
            self._meta_kind = typeflag
            self._start_capture(None, size, padded - size)
            return
        if typeflag == b"g":  # pax global header: nothing we need
            self._skip = padded
            return
        entry = self._entry(block, typeflag, size)
        self.entries += 1
        if entry.kind is not EntryKind.FILE:
            sparse = TarEntry(entry.path, EntryKind.FILE, size)
            if typeflag == b"S" and self._wanted(sparse) is not None:
                raise LayerError(f"{entry.path} is a GNU sparse file, which is not supported")
            self._visit(entry, None)
            # Links, directories, devices and fifos carry no data; anything else does.
            self._skip = 0 if typeflag in _NO_DATA else padded
            return
        limit = self._wanted(entry)
        if limit is None:
            self._visit(entry, None)
            self._skip = padded
            return
        if size > limit:
            raise LayerError(f"{entry.path} is {size:,} bytes, over its {limit:,}-byte cap")
        self._start_capture(entry, size, padded - size)

    def _start_capture(self, entry: TarEntry | None, size: int, padding: int) -> None:
        self._capture = bytearray()
        self._capture_left = size
        self._capture_padding = padding
        self._capture_entry = entry
        if size == 0:
            self._finish_capture()

    def _finish_capture(self) -> None:
        assert self._capture is not None
        body = bytes(self._capture)
        self._capture = None
        self._skip = self._capture_padding
        entry = self._capture_entry
        if entry is not None:
            self._visit(entry, body)
            return
        kind, self._meta_kind = self._meta_kind, None
        if kind == b"x":
            self._pending.update(_parse_pax(body))
        elif kind == b"L":
            self._pending["path"] = body.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
        elif kind == b"K":
            self._pending["linkpath"] = body.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")

    def _entry(self, block: bytes, typeflag: bytes, size: int) -> TarEntry:
        pending, self._pending = self._pending, {}
        name = _text(block[0:100])
        # POSIX ustar: a prefix extends the name (read only when there is one).
        if block[345] and block[257:263] == b"ustar\0":
            prefix = _text(block[345:500])
            if prefix:
                name = f"{prefix}/{name}"
        kind = _KINDS.get(typeflag, EntryKind.OTHER)
        link = ""
        if pending:
            name = pending.get("path", name)
            link = pending.get("linkpath", "")
            if "size" in pending:
                try:
                    size = int(pending["size"])
                except ValueError as exc:
                    raise LayerError(f"tar pax size {pending['size']!r} is not a number") from exc
        if not link and typeflag in _LINKS:
            link = _text(block[157:257])
        if kind is EntryKind.HARDLINK:
            link = normalise(link, what="hard link target")
        return TarEntry(normalise(name), kind, size, link)


def _text(field: bytes) -> str:
    return field.partition(b"\0")[0].decode("utf-8", "surrogateescape")


def _parse_size(field: bytes) -> int:
    if field[0] & 0x80:  # GNU base-256 for sizes of 8 GiB and more
        value = int.from_bytes(field[1:], "big")
        if field[0] & 0x40:
            raise LayerError("tar entry has a negative size")
        return value
    digits = field.split(b"\0", 1)[0].strip(b" ")
    try:
        return int(digits or b"0", 8)
    except ValueError as exc:
        raise LayerError(f"tar header has a malformed size {field!r}") from exc


def _verify_checksum(block: bytes) -> None:
    field = block[148:156].split(b"\0", 1)[0].strip(b" ")
    try:
        expected = int(field, 8)
    except ValueError as exc:
        raise LayerError("not a tar archive (malformed header checksum)") from exc
    unsigned = byte_sum(block) - sum(block[148:156]) + 8 * 32
    if expected == unsigned:
        return
    # Some historic writers summed signed chars; accept that too, as GNU tar does.
    signed = unsigned - 256 * sum(1 for byte in block if byte > 127)
    if expected != signed:
        raise LayerError("corrupt tar header (checksum mismatch)")


def byte_sum(block: bytes) -> int:
    """``sum(block)`` for a 512-byte header, in about half the time.

    Every member's header checksum is verified, so this runs tens of thousands of times
    per layer, and ``sum`` iterates in Python objects. Two C routines give the sum modulo
    65521 (Adler-32's first half is 1 + the byte sum, mod 65521) and modulo 255 (a byte
    string read as a base-256 number is congruent to its digit sum, as 256 ≡ 1 mod 255).
    A 512-byte sum is below 131,042 = 2 x 65521, so it is the one of the two candidates
    that also has the right remainder mod 255 (they differ there: 65521 mod 255 = 241).
    """
    low = ((zlib.adler32(block) & 0xFFFF) - 1) % 65521  # the sum mod 65521
    residue = int.from_bytes(block, "little") % 255
    return low if low % 255 == residue else low + 65521


def _parse_pax(body: bytes) -> dict[str, str]:
    """``"<len> key=value\\n"`` records; only path, linkpath and size matter here."""
    records: dict[str, str] = {}
    position = 0
    while position < len(body):
        space = body.find(b" ", position)
        if space < 0:
            break
        try:
            length = int(body[position:space])
        except ValueError as exc:
            raise LayerError("corrupt pax header (bad record length)") from exc
        if length <= 0 or position + length > len(body):
            raise LayerError("corrupt pax header (record overruns the header)")
        record = body[space + 1 : position + length - 1]
        key, _, value = record.partition(b"=")
        if key in (b"path", b"linkpath", b"size"):
            records[key.decode()] = value.decode("utf-8", "surrogateescape")
        position += length
    return records
