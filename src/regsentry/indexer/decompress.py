"""Streaming, bounded decompression of layer blobs: gzip (ISA-L), zstd, or plain tar.

The compression is recognised by the stream's magic bytes, which are the truth about the
bytes; the media type only decides whether a layer is supported at all. Output is pushed
to a sink in pieces of at most :data:`PIECE_BYTES`, so memory stays flat whatever the
compression ratio, and the total is capped to stop decompression bombs: an absolute cap,
and a ratio cap once the output is large (real layers rarely exceed a few hundred to one;
a zstd bomb reaches millions to one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Protocol, cast

import zstandard
from isal import isal_zlib

from regsentry.indexer.errors import LayerError

PIECE_BYTES = 4 * 1024 * 1024
#: The stub declares ``error`` as an instance; at run time it is the exception class.
ISAL_ERROR: type[Exception] = isal_zlib.error  # type: ignore[assignment]
GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"

Sink = Callable[[bytes], None]


@dataclass(frozen=True)
class DecompressionLimits:
    """Caps on one layer's decompressed size."""

    max_bytes: int = 64 * 1024**3
    #: Output/input ratio refused once the output passes ``ratio_floor_bytes``.
    max_ratio: int = 2000
    ratio_floor_bytes: int = 256 * 1024**2


class Decompressor(Protocol):
    """Turns compressed chunks into decompressed pieces pushed to a sink."""

    def feed(self, data: bytes) -> None:
        """Decompress ``data`` (any amount), pushing output to the sink."""

    def finish(self) -> None:
        """The input ended: raise LayerError if the compressed stream is incomplete."""


class _Counter:
    """Counts bytes in and out and enforces the limits."""

    def __init__(self, sink: Sink, limits: DecompressionLimits, what: str) -> None:
        self._sink = sink
        self._limits = limits
        self._what = what
        self.consumed = 0
        self.produced = 0

    def emit(self, piece: bytes) -> None:
        self.produced += len(piece)
        limits = self._limits
        if self.produced > limits.max_bytes:
            raise LayerError(
                f"{self._what} decompresses to over {limits.max_bytes:,} bytes (the cap)"
            )
        if self.produced > limits.ratio_floor_bytes and self.produced > limits.max_ratio * max(
            self.consumed, 1
        ):
            raise LayerError(
                f"{self._what} looks like a decompression bomb: {self.consumed:,} bytes "
                f"expand to over {self.produced:,}"
            )
        self._sink(piece)


class _Plain:
    def __init__(self, counter: _Counter) -> None:
        self._counter = counter

    def feed(self, data: bytes) -> None:
        self._counter.consumed += len(data)
        self._counter.emit(data)

    def finish(self) -> None:
        return


class _Gzip:
    """gzip, including multi-member streams (concatenated gzip files are valid gzip)."""

    def __init__(self, counter: _Counter, what: str) -> None:
        self._counter = counter
        self._what = what
        self._inflater = isal_zlib.decompressobj(wbits=31)
        self._member_started = True

    def feed(self, data: bytes) -> None:
        self._counter.consumed += len(data)
        pending = data
        while pending:
            try:
                piece = self._inflater.decompress(pending, PIECE_BYTES)
            except ISAL_ERROR as exc:
                raise LayerError(f"{self._what}: corrupt gzip data ({exc})") from exc
            if piece:
                self._counter.emit(piece)
            if self._inflater.eof:
                pending = self._inflater.unused_data
                self._inflater = isal_zlib.decompressobj(wbits=31)
                self._member_started = bool(pending)
            else:
                self._member_started = True
                pending = self._inflater.unconsumed_tail

    def finish(self) -> None:
        if self._member_started and not self._inflater.eof:
            raise LayerError(f"{self._what}: gzip stream ends early (truncated)")


class _SinkWriter:
    """The file-like object zstandard's stream writer pushes decompressed pieces into."""

    def __init__(self, counter: _Counter) -> None:
        self._counter = counter

    def write(self, data: bytes) -> int:
        self._counter.emit(bytes(data))
        return len(data)


class _Zstd:
    def __init__(self, counter: _Counter, what: str) -> None:
        self._counter = counter
        self._what = what
        writer = cast(IO[bytes], _SinkWriter(counter))
        self._writer = zstandard.ZstdDecompressor(max_window_size=1 << 31).stream_writer(
            writer, write_size=PIECE_BYTES, write_return_read=True
        )

    def feed(self, data: bytes) -> None:
        self._counter.consumed += len(data)
        try:
            self._writer.write(data)
        except zstandard.ZstdError as exc:
            raise LayerError(f"{self._what}: corrupt zstd data ({exc})") from exc

    def finish(self) -> None:
        try:
            self._writer.flush()  # type: ignore[no-untyped-call]
        except zstandard.ZstdError as exc:
            raise LayerError(f"{self._what}: corrupt zstd data ({exc})") from exc
        # The stream writer cannot tell whether the last frame was complete; the tar
        # walker's end-of-archive check and the blob digest catch a truncated stream.


def open_decompressor(
    head: bytes, sink: Sink, *, what: str, limits: DecompressionLimits
) -> Decompressor:
    """A decompressor for a stream that starts with ``head`` (its first bytes)."""
    counter = _Counter(sink, limits, what)
    if head.startswith(GZIP_MAGIC):
        return _Gzip(counter, what)
    if head.startswith(ZSTD_MAGIC):
        return _Zstd(counter, what)
    return _Plain(counter)
