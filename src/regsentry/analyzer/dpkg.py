"""Debian and Ubuntu packages: ``var/lib/dpkg/status`` and distroless ``status.d`` files.

Both are deb822 text: stanzas of ``Field: value`` lines separated by blank lines, where
lines starting with a space or tab continue the previous field. Only five fields matter
here (Package, Version, Architecture, Source, Status), and none of them is ever folded,
so continuation lines are skipped without being joined.

Which stanzas are installed is what ``dpkg-query`` says (the oracle of the tests): the
third word of ``Status`` (the current state) must be ``installed`` or one of the two
trigger states that follow configuration (``triggers-awaited``, ``triggers-pending``).
The first word (what the admin *wants*) is ignored: ``deinstall ok installed`` is still
on disk. ``config-files``, ``not-installed``, ``half-installed``, ``unpacked`` and
``half-configured`` are not listed. A stanza without ``Status`` in the main status file
is not installed, as dpkg reads it; in ``status.d`` (Google distroless, one file per
package, sometimes several stanzas) there is no Status field at all and every stanza is
installed.

An installed stanza that lacks Package or Version, a malformed line or a Status that is
not three words is reported in ``problems`` (the image's inventory is then incomplete)
and the rest of the file is still read. A file in which no stanza names a package, or
with NUL bytes, is not a status database at all: AnalyzerError.

Text is decoded as UTF-8 with replacement: free-text fields (Maintainer, Description)
of old packages are sometimes Latin-1, and must not make the database unreadable; the
identity fields are ASCII by Debian policy, so a replacement character there is
reported instead of being passed on.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import ClassVar

from regsentry.analyzer.base import Analyzer, AnalyzerError, FileAnalysis
from regsentry.model.package import Package, PackageType

STATUS_FILE = "var/lib/dpkg/status"
STATUS_DIR = "var/lib/dpkg/status.d/"

_INSTALLED_STATES = frozenset({"installed", "triggers-awaited", "triggers-pending"})
_FIELDS = frozenset({"package", "version", "architecture", "source", "status"})
_REPLACEMENT = "\ufffd"


@dataclass
class _Stanza:
    """The fields of one stanza that matter, and where it is."""

    number: int
    line: int
    fields: dict[str, str] = field(default_factory=dict)
    #: Whether any field line was seen (continuation lines need one before them).
    has_field: bool = False
    #: Line number of the first line that is neither a field nor a continuation.
    bad_line: int = 0


def _stanzas(text: str) -> Iterator[_Stanza]:
    """Split deb822 text into stanzas, keeping only the fields in ``_FIELDS``."""
    stanza: _Stanza | None = None
    number = 0
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line or line.isspace():
            if stanza is not None:
                yield stanza
                stanza = None
            continue
        if stanza is None:
            number += 1
            stanza = _Stanza(number=number, line=lineno)
        first = line[0]
        if first == " " or first == "\t":
            if not stanza.has_field and not stanza.bad_line:
                stanza.bad_line = lineno  # a continuation of nothing
            continue
        if first == "#":
            continue
        key, sep, value = line.partition(":")
        if not sep or not key or " " in key or "\t" in key:
            if not stanza.bad_line:
                stanza.bad_line = lineno
            continue
        stanza.has_field = True
        key = key.lower()
        if key in _FIELDS:
            stanza.fields[key] = value.strip()
    if stanza is not None:
        yield stanza


def _source(value: str, name: str, version: str) -> tuple[str, str]:
    """``Source: name (version)``; a missing name or version is the binary's own."""
    if not value:
        return name, version
    source_name, *rest = value.split(maxsplit=1)
    inside = rest[0].strip() if rest else ""
    if inside.startswith("(") and inside.endswith(")") and inside[1:-1].strip():
        return source_name, inside[1:-1].strip()
    return source_name, version


class DpkgAnalyzer(Analyzer):
    """Installed Debian packages from the dpkg status database."""

    id: ClassVar[str] = "dpkg"
    version: ClassVar[int] = 1

    def required(self, path: str) -> bool:
        """The status file and every ``status.d`` entry except its ``.md5sums`` files."""
        if path == STATUS_FILE:
            return True
        if not path.startswith(STATUS_DIR):
            return False
        name = path[len(STATUS_DIR) :]
        return bool(name) and "/" not in name and not name.endswith(".md5sums")

    def analyze(self, path: str, content: bytes) -> FileAnalysis:
        """The installed packages of one status file, and its defects."""
        if b"\x00" in content:
            raise AnalyzerError(f"{path}: not a dpkg status database (binary data)")
        text = content.decode("utf-8", errors="replace")
        if "\r" in text:
            text = text.replace("\r\n", "\n")
        status_d = path != STATUS_FILE
        packages: list[Package] = []
        problems: list[str] = []
        named = False
        for stanza in _stanzas(text):
            named = named or "package" in stanza.fields
            package = self._package(path, stanza, status_d, problems)
            if package is not None:
                packages.append(package)
        if not named and text.strip():
            first = next(line for line in text.split("\n") if line.strip())
            raise AnalyzerError(
                f"{path}: not a dpkg status database (no stanza has a Package field; "
                f"first line {first[:60]!r})"
            )
        return FileAnalysis(packages=tuple(packages), problems=tuple(problems))

    @staticmethod
    def _package(path: str, stanza: _Stanza, status_d: bool, problems: list[str]) -> Package | None:
        """The package of an installed stanza; defects are appended to ``problems``."""
        fields = stanza.fields
        name = fields.get("package", "")
        where = f"{path}: stanza {stanza.number} at line {stanza.line}"
        if name:
            where += f" (package {name!r})"
        if stanza.bad_line:
            problems.append(f"{where} has a line that is not a field (line {stanza.bad_line})")
        status = fields.get("status")
        if status is None:
            installed = status_d
        else:
            words = status.split()
            if len(words) != 3:
                problems.append(f"{where} has an invalid Status {status!r}")
                return None
            installed = words[2] in _INSTALLED_STATES
        if not installed:
            return None
        version = fields.get("version", "")
        if not name:
            problems.append(f"{where} has no Package")
            return None
        if not version:
            problems.append(f"{where} has no Version")
            return None
        arch = fields.get("architecture", "")
        source_name, source_version = _source(fields.get("source", ""), name, version)
        if _REPLACEMENT in f"{name}{version}{arch}{source_name}{source_version}":
            problems.append(f"{where} has bytes that are not UTF-8 in its name or version")
            return None
        return Package(
            type=PackageType.DEB,
            name=name,
            version=version,
            arch=arch,
            source_name=source_name,
            source_version=source_version,
            path=path,
        )
