"""Reading import inputs as bounded documents: one file, a directory tree, a zip, a gzip.

Everything an import reads comes through here, so every cap of
:class:`~regsentry.vulndb.limits.ImportLimits` is enforced in one place: member count,
per-file and per-member size, total uncompressed bytes, and compression ratio. Sizes an
archive declares are checked first (an honest zip bomb is refused before a byte is
inflated) and again while inflating (a lying header gains nothing). Any violation raises
:class:`~regsentry.vulndb.errors.LimitExceededError` for the whole input: the import is
abandoned and the database left as it was.

Zip archives are recognised by content, not by name (osv.dev publishes
``<ecosystem>/all.zip``, one JSON record per member); gzip files likewise (EPSS publishes
``epss_scores-current.csv.gz``). In directories only ``.json``, ``.yaml``, ``.yml``,
``.csv`` and ``.gz`` files are read, recursively, in a stable order; hidden entries
(``.git``) are skipped.
"""

from __future__ import annotations

import os
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from regsentry.vulndb.errors import InvalidFeedError, LimitExceededError
from regsentry.vulndb.limits import ImportLimits

_CHUNK = 1024 * 1024
_SUFFIXES = frozenset({".json", ".yaml", ".yml", ".csv", ".gz"})
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class Document:
    """One input document: where it came from, the name that hints its format, its bytes."""

    origin: str
    name: str
    data: bytes


class _Budget:
    """The caps shared by every document of one input."""

    def __init__(self, limits: ImportLimits, what: str) -> None:
        self.limits = limits
        self.what = what
        self.total = 0
        self.members = 0

    def member(self) -> None:
        self.members += 1
        if self.members > self.limits.max_members:
            raise LimitExceededError(
                f"{self.what}: more than {self.limits.max_members:,} files or members"
            )

    def spend(self, size: int) -> None:
        self.total += size
        if self.total > self.limits.max_total_bytes:
            raise LimitExceededError(
                f"{self.what}: over {self.limits.max_total_bytes:,} uncompressed bytes in total"
            )


def iter_documents(path: Path, limits: ImportLimits) -> Iterator[Document]:
    """The documents of a file, directory or archive, each within the caps."""
    budget = _Budget(limits, str(path))
    if path.is_dir():
        yield from _directory(path, budget)
    elif path.is_file():
        yield from _file(path, path.name, budget)
    else:
        raise InvalidFeedError(f"{path}: no such file or directory")


def file_documents(path: Path, name: str, limits: ImportLimits) -> Iterator[Document]:
    """The documents of one file (a download), using ``name`` as its format hint."""
    yield from _file(path, name, _Budget(limits, name))


def _file(path: Path, name: str, budget: _Budget) -> Iterator[Document]:
    try:
        with path.open("rb") as stream:
            head = stream.read(4)
    except OSError as exc:
        raise InvalidFeedError(f"{path}: cannot read: {exc}") from exc
    if head.startswith(_ZIP_MAGIC):
        yield from _zip(path, budget)
    elif head.startswith(_GZIP_MAGIC):
        budget.member()
        inner = name[: -len(".gz")] if name.endswith(".gz") else name
        yield Document(str(path), inner, _gunzip(path, budget))
    else:
        budget.member()
        yield Document(str(path), name, _read_file(path, budget))


def _directory(root: Path, budget: _Budget) -> Iterator[Document]:
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = sorted(d for d in subdirectories if not d.startswith("."))
        for file_name in sorted(files):
            path = Path(directory, file_name)
            if file_name.startswith(".") or path.suffix.lower() not in _SUFFIXES:
                continue
            if not path.is_file():
                continue
            if path.suffix.lower() == ".gz":
                yield from _file(path, file_name, budget)
                continue
            budget.member()
            yield Document(str(path), file_name, _read_file(path, budget))


def _read_file(path: Path, budget: _Budget) -> bytes:
    cap = budget.limits.max_file_bytes
    try:
        if path.stat().st_size > cap:
            raise LimitExceededError(f"{path}: over the {cap:,}-byte cap for one file")
        with path.open("rb") as stream:
            data = stream.read(cap + 1)
    except OSError as exc:
        raise InvalidFeedError(f"{path}: cannot read: {exc}") from exc
    if len(data) > cap:
        raise LimitExceededError(f"{path}: over the {cap:,}-byte cap for one file")
    budget.spend(len(data))
    return data


def _gunzip(path: Path, budget: _Budget) -> bytes:
    limits = budget.limits
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    out = bytearray()
    compressed = 0
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(_CHUNK):
                compressed += len(chunk)
                data = chunk
                while data:
                    piece = inflater.decompress(data, _CHUNK)
                    _grow(out, piece, budget, str(path), limits.max_file_bytes, compressed)
                    data = inflater.unconsumed_tail
                if inflater.eof:
                    break
            _grow(out, inflater.flush(), budget, str(path), limits.max_file_bytes, compressed)
    except (OSError, zlib.error) as exc:
        raise InvalidFeedError(f"{path}: not a valid gzip file: {exc}") from exc
    if not inflater.eof:
        raise InvalidFeedError(f"{path}: the gzip stream is truncated")
    return bytes(out)


def _zip(path: Path, budget: _Budget) -> Iterator[Document]:
    limits = budget.limits
    archive_size = max(path.stat().st_size, 1)
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if len(members) > limits.max_members:
                raise LimitExceededError(
                    f"{path}: {len(members):,} members, over the cap of {limits.max_members:,}"
                )
            declared = sum(m.file_size for m in members)
            if declared > limits.max_total_bytes:
                raise LimitExceededError(
                    f"{path}: declares {declared:,} uncompressed bytes, over the cap of "
                    f"{limits.max_total_bytes:,} (zip bomb?)"
                )
            for member in members:
                _check_declared(path, member, limits)
            for member in members:
                if Path(member.filename).suffix.lower() not in _SUFFIXES - {".gz"}:
                    continue
                budget.member()
                data = _read_member(archive, member, path, budget)
                if budget.total > limits.ratio_floor_bytes and (
                    budget.total > limits.max_ratio * archive_size
                ):
                    raise LimitExceededError(
                        f"{path}: inflates to over {limits.max_ratio}x its size (zip bomb?)"
                    )
                yield Document(f"{path}!{member.filename}", Path(member.filename).name, data)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise InvalidFeedError(f"{path}: not a usable zip archive: {exc}") from exc
    except OSError as exc:
        raise InvalidFeedError(f"{path}: cannot read: {exc}") from exc


def _check_declared(path: Path, member: zipfile.ZipInfo, limits: ImportLimits) -> None:
    where = f"{path}!{member.filename}"
    if member.flag_bits & 0x1:
        raise InvalidFeedError(f"{where}: encrypted members are not supported")
    if member.file_size > limits.max_member_bytes:
        raise LimitExceededError(
            f"{where}: declares {member.file_size:,} bytes, over the "
            f"{limits.max_member_bytes:,}-byte cap for one member"
        )
    if member.file_size > limits.ratio_floor_bytes and (
        member.file_size > limits.max_ratio * max(member.compress_size, 1)
    ):
        raise LimitExceededError(f"{where}: compression ratio over {limits.max_ratio}x (zip bomb?)")


def _read_member(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, path: Path, budget: _Budget
) -> bytes:
    out = bytearray()
    where = f"{path}!{member.filename}"
    with archive.open(member) as stream:
        while chunk := stream.read(_CHUNK):
            _grow(out, chunk, budget, where, budget.limits.max_member_bytes, member.compress_size)
    return bytes(out)


def _grow(
    out: bytearray, piece: bytes, budget: _Budget, where: str, cap: int, compressed: int
) -> None:
    """Append inflated bytes, enforcing the per-document, total and ratio caps."""
    limits = budget.limits
    out += piece
    budget.spend(len(piece))
    if len(out) > cap:
        raise LimitExceededError(f"{where}: inflates to over the {cap:,}-byte cap")
    if len(out) > limits.ratio_floor_bytes and len(out) > limits.max_ratio * max(compressed, 1):
        raise LimitExceededError(f"{where}: compression ratio over {limits.max_ratio}x (zip bomb?)")
