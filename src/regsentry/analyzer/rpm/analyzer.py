"""The rpm analyzer: installed packages from rpm's package database, in any of its formats.

rpm has stored its database in three formats over the years, each found in images today:
BerkeleyDB ``Packages``, NDB ``Packages.db`` (SUSE) and ``rpmdb.sqlite``; the database
lives in ``var/lib/rpm`` or, on newer distributions, ``usr/lib/sysimage/rpm``. Each
format module yields header blobs; this module turns headers into packages.

Versions are rpm's ``[epoch:]version-release``. The epoch is written whenever the header
has an EPOCH tag, including an explicit epoch 0, and omitted when it has none. This
follows ``rpm -q --qf '%{EPOCH}'``, which tells the two apart (``(none)`` vs ``0``) and is
what the expected lists we test against record; ``%{EPOCHNUM}`` maps a missing epoch to
0 and would lose the distinction. rpm's version comparison treats a missing epoch as 0,
so ``1.0-1`` and ``0:1.0-1`` compare equal either way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import ClassVar

from regsentry.analyzer.base import Analyzer, AnalyzerError, FileAnalysis, MiB
from regsentry.analyzer.rpm import bdb, ndb, sqlite
from regsentry.analyzer.rpm.header import (
    BadRecord,
    FormatError,
    Header,
    HeaderError,
    Record,
    Tag,
)
from regsentry.model.package import Package, PackageType

Reader = Callable[[bytes], Iterator[Record | BadRecord]]

#: Database directories, preferred first: rpm ≥ 4.17 distributions moved the database to
#: usr/lib/sysimage/rpm and may leave the old one (or a symlink) in var/lib/rpm.
DIRECTORIES = ("usr/lib/sysimage/rpm", "var/lib/rpm")
#: Database files in one directory, preferred first (newest format first: a conversion
#: writes the new database and may leave the old file behind), with their format name
#: and reader.
DATABASES: tuple[tuple[str, str, Reader], ...] = (
    ("rpmdb.sqlite", "SQLite", sqlite.read),
    ("Packages.db", "NDB", ndb.read),
    ("Packages", "BerkeleyDB", bdb.read),
)
_READERS = {
    f"{directory}/{name}": (fmt, reader)
    for directory in DIRECTORIES
    for name, fmt, reader in DATABASES
}
#: Every database path, in order of preference.
PREFERENCE = tuple(_READERS)

#: Not packages: rpm stores each imported signing key as a header named gpg-pubkey (its
#: version is the key id, it has no ARCH and no SOURCERPM). ``rpm -qa`` lists them, but
#: nothing is installed and no advisory names them.
PUBKEY_NAME = "gpg-pubkey"


class RpmAnalyzer(Analyzer):
    """Reads ``Packages``, ``Packages.db`` or ``rpmdb.sqlite`` in either database directory."""

    id: ClassVar[str] = "rpm"
    version: ClassVar[int] = 1
    max_file_bytes: ClassVar[int] = 512 * MiB

    def required(self, path: str) -> bool:
        """True for the three database files in either database directory."""
        return path in _READERS

    def analyze(self, path: str, content: bytes) -> FileAnalysis:
        """One package per installed header, in database order.

        A database whose structure is broken raises AnalyzerError. A record that cannot
        be read or decoded among readable ones becomes a ``problems`` entry naming it,
        and the other packages are kept.
        """
        fmt, reader = _READERS.get(path, ("", _unknown))
        where = f"rpm {fmt} {path}"
        packages: list[Package] = []
        problems: list[str] = []
        try:
            for record in reader(content):
                if isinstance(record, BadRecord):
                    problems.append(f"{where}: {record.label}: {record.reason}")
                    continue
                try:
                    package = package_from_header(Header.parse(record.blob), path)
                except HeaderError as exc:
                    problems.append(f"{where}: {record.label}: {exc}")
                    continue
                if package is not None:
                    packages.append(package)
        except FormatError as exc:
            raise AnalyzerError(f"{where}: {exc}") from exc
        return FileAnalysis(packages=tuple(packages), problems=tuple(problems))

    def combine(self, files: Mapping[str, FileAnalysis]) -> FileAnalysis:
        """The analysis of the one database rpm would use; the others are ignored.

        Images may hold several rpm databases: both var/lib/rpm and usr/lib/sysimage/rpm,
        or an old ``Packages`` left beside ``rpmdb.sqlite`` after a conversion. Their
        union would list removed packages, so exactly one is taken: usr/lib/sysimage/rpm
        if it has a database, else var/lib/rpm; within the directory ``rpmdb.sqlite``,
        then ``Packages.db``, then ``Packages``. Its problems come with it. No database:
        an empty analysis.
        """
        for path in PREFERENCE:
            if path in files:
                return files[path]
        return FileAnalysis()


def package_from_header(header: Header, path: str) -> Package | None:
    """The package a header describes, or None for a ``gpg-pubkey`` pseudo-package."""
    name = _required(header, Tag.NAME)
    if name == PUBKEY_NAME:
        return None
    epoch = header.int32(Tag.EPOCH)
    prefix = "" if epoch is None else f"{epoch}:"
    version = f"{prefix}{_required(header, Tag.VERSION)}-{_required(header, Tag.RELEASE)}"
    source_rpm = header.string(Tag.SOURCERPM) or ""
    source = split_source_rpm(source_rpm)
    return Package(
        type=PackageType.RPM,
        name=name,
        version=version,
        arch=header.string(Tag.ARCH) or "",
        source_name=source[0] if source else name,
        source_version=f"{prefix}{source[1]}" if source else version,
        source_rpm=source_rpm,
        vendor=header.string(Tag.VENDOR, strict=False) or "",
        modularity_label=header.string(Tag.MODULARITYLABEL, strict=False) or "",
        path=path,
    )


def split_source_rpm(source_rpm: str) -> tuple[str, str] | None:
    """``bash-4.4-19.6.1.src.rpm`` → ``("bash", "4.4-19.6.1")``; None if not of that form.

    rpm names a source package ``name-version-release.src.rpm`` (``.nosrc.rpm`` when it
    omits sources); version and release contain no ``-``, so the name is everything
    before the last two.
    """
    for suffix in (".src.rpm", ".nosrc.rpm"):
        if source_rpm.endswith(suffix):
            parts = source_rpm[: -len(suffix)].rsplit("-", 2)
            if len(parts) == 3 and all(parts):
                return parts[0], f"{parts[1]}-{parts[2]}"
    return None


def _required(header: Header, tag: Tag) -> str:
    value = header.string(tag)
    if not value:
        raise HeaderError(f"header has no {tag.name}")
    return value


def _unknown(content: bytes) -> Iterator[Record | BadRecord]:
    raise FormatError("not an rpm database path")
