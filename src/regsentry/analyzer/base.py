"""The analyzer protocol: declare the files you need, turn their bytes into findings.

An analyzer is identified by ``id`` and ``version``; results are cached per (layer digest,
every analyzer's id and version), so any change to what an analyzer outputs must bump its
version (ARCHITECTURE pattern 4).

The indexer streams each layer once and, for every regular file whose normalised path
(relative, no leading ``/`` or ``./``) an analyzer ``required``, reads at most
``max_file_bytes`` of it and calls ``analyze``. After applying whiteouts across layers it
calls ``combine`` once with every surviving file of that analyzer, top layer's version of
each path, and merges the combined results into the image's inventory.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from regsentry.errors import RegsentryError
from regsentry.model.package import Distro, Package

MiB = 1024 * 1024


class AnalyzerError(RegsentryError):
    """A file an analyzer needs is unreadable (corrupt database, bad encoding …).

    The image it belongs to is reported ``failed`` with this message; it is never
    treated as having no packages.
    """


@dataclass(frozen=True)
class FileAnalysis:
    """What one file (or a combination of files) says.

    ``problems`` are defects that do not stop the rest of the file from being read, such
    as one broken record in an apk database: the packages found are kept, and the image
    is reported ``failed`` with these messages, since its inventory is incomplete.
    """

    packages: tuple[Package, ...] = ()
    distro: Distro | None = None
    problems: tuple[str, ...] = ()


class Analyzer(ABC):
    """Base class of every analyzer."""

    #: Stable identifier, e.g. ``dpkg``; unique among the built-in analyzers.
    id: ClassVar[str]
    #: Bump whenever the output for the same input changes.
    version: ClassVar[int]
    #: Files over this size make the image fail (``var/lib/dpkg/status`` of 100 MB is not real).
    max_file_bytes: ClassVar[int] = 32 * MiB

    @abstractmethod
    def required(self, path: str) -> bool:
        """Whether the file at ``path`` (normalised, relative) is needed."""

    @abstractmethod
    def analyze(self, path: str, content: bytes) -> FileAnalysis:
        """Parse one file; raise AnalyzerError if it cannot be read at all."""

    def combine(self, files: Mapping[str, FileAnalysis]) -> FileAnalysis:
        """Combine the surviving files of one image (default: the union, in path order).

        Analyzers override this when files compete, e.g. two rpm databases in one image.
        """
        return FileAnalysis(
            packages=tuple(p for path in sorted(files) for p in files[path].packages),
            distro=next((files[p].distro for p in sorted(files) if files[p].distro), None),
            problems=tuple(problem for path in sorted(files) for problem in files[path].problems),
        )
