"""Alpine, Wolfi and Chainguard packages: the apk ``installed`` database.

The database is text: one record per package, records separated by blank lines, every
line ``X:value`` with a one-letter key. The letters that matter are ``P`` (name), ``V``
(version), ``A`` (architecture) and ``o`` (origin: the aports source package that
Alpine's advisories name; it defaults to the package's own name, and the source version
is always the binary's, since apk builds every subpackage of an origin at one version).

A record with a name but no version, or a version but no name, is broken: it is
reported in ``problems`` with its record number and the other records are kept. A line
that is not ``X:value`` is reported the same way. A file in which no record has either
field, or with NUL bytes, is not an apk database at all: AnalyzerError.

Text is decoded as UTF-8 with replacement, so that a stray byte in a free-text field
(maintainer, description) cannot make the database unreadable; a replacement character
in a name, version, architecture or origin is reported instead of being passed on.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from regsentry.analyzer.base import Analyzer, AnalyzerError, FileAnalysis
from regsentry.model.package import Package, PackageType

#: Where apk-tools keeps its database; the usr/lib one on usr-merged roots (apk-tools 3,
#: apko-built images), where lib is a symlink and the indexer only sees this path.
LIB_DB = "lib/apk/db/installed"
USR_LIB_DB = "usr/lib/apk/db/installed"

_KEYS = frozenset("PVAo")
_REPLACEMENT = "\ufffd"


@dataclass
class _Record:
    """The fields of one record that matter, and where it is."""

    number: int
    line: int
    fields: dict[str, str] = field(default_factory=dict)
    #: Line number of the first line that is not ``X:value``.
    bad_line: int = 0


def _records(text: str) -> Iterator[_Record]:
    """Split the database into records, keeping only the keys in ``_KEYS``."""
    record: _Record | None = None
    number = 0
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line or line.isspace():
            if record is not None:
                yield record
                record = None
            continue
        if record is None:
            number += 1
            record = _Record(number=number, line=lineno)
        if len(line) < 2 or line[1] != ":" or line[0].isspace():
            if not record.bad_line:
                record.bad_line = lineno
            continue
        if line[0] in _KEYS:
            record.fields[line[0]] = line[2:].strip()
    if record is not None:
        yield record


class ApkAnalyzer(Analyzer):
    """Installed apk packages."""

    id: ClassVar[str] = "apk"
    version: ClassVar[int] = 1

    def required(self, path: str) -> bool:
        """Either location of the installed database."""
        return path in (LIB_DB, USR_LIB_DB)

    def analyze(self, path: str, content: bytes) -> FileAnalysis:
        """The packages of one database, and its broken records."""
        if b"\x00" in content:
            raise AnalyzerError(f"{path}: not an apk database (binary data)")
        text = content.decode("utf-8", errors="replace")
        if "\r" in text:
            text = text.replace("\r\n", "\n")
        packages: list[Package] = []
        problems: list[str] = []
        recognised = False
        for record in _records(text):
            fields = record.fields
            recognised = recognised or "P" in fields or "V" in fields
            name, version = fields.get("P", ""), fields.get("V", "")
            where = f"{path}: record {record.number} at line {record.line}"
            if name:
                where += f" (package {name!r})"
            if record.bad_line:
                problems.append(
                    f"{where} has a line that is not 'X:value' (line {record.bad_line})"
                )
            if not name and not version:
                if not record.bad_line:
                    problems.append(f"{where} has no package name or version")
            elif not version:
                problems.append(f"{where} has no version")
            elif not name:
                problems.append(f"{where} (version {version!r}) has no package name")
            elif _REPLACEMENT in f"{name}{version}{fields.get('A', '')}{fields.get('o', '')}":
                problems.append(f"{where} has bytes that are not UTF-8 in its name or version")
            else:
                packages.append(
                    Package(
                        type=PackageType.APK,
                        name=name,
                        version=version,
                        arch=fields.get("A", ""),
                        source_name=fields.get("o") or name,
                        source_version=version,
                        path=path,
                    )
                )
        if not recognised and text.strip():
            first = next(line for line in text.split("\n") if line.strip())
            raise AnalyzerError(
                f"{path}: not an apk database (no record has P: or V:; first line {first[:60]!r})"
            )
        return FileAnalysis(packages=tuple(packages), problems=tuple(problems))

    def combine(self, files: Mapping[str, FileAnalysis]) -> FileAnalysis:
        """One database: lib/apk/db/installed when both exist.

        apk-tools opens lib/apk/db when it exists and only uses usr/lib/apk/db on roots
        created that way (where lib is a symlink to usr/lib, so the indexer never sees
        both). Two regular files mean the usr/lib one is a leftover apk does not read;
        listing both would report packages twice or packages that are gone.
        """
        for path in (LIB_DB, USR_LIB_DB):
            if path in files:
                return files[path]
        return FileAnalysis()
