"""What an image contains, as the indexer found it, and what it looked at to know."""

from __future__ import annotations

from dataclasses import dataclass

from regsentry.model.digest import Digest
from regsentry.model.package import Distro, Package


@dataclass(frozen=True)
class AnalysedFile:
    """A file of the final filesystem that an analyzer read, and the layer it came from."""

    path: str
    analyzer: str
    layer: Digest


@dataclass(frozen=True)
class Inventory:
    """An image's OS and packages; ``problems`` make the image's result ``failed``."""

    distro: Distro | None = None
    packages: tuple[Package, ...] = ()
    files: tuple[AnalysedFile, ...] = ()
    analyzers: tuple[tuple[str, int], ...] = ()
    problems: tuple[str, ...] = ()
