"""Stacking analysed layers into the final filesystem's inventory.

Layers apply bottom to top, as the container runtime would: a layer's whiteouts
(``.wh.NAME``) and opaque directories (``.wh..wh..opq``) hide what lower layers put there,
then its own files replace any lower file at the same path. Only the files that survive
are combined into the inventory, so a package database deleted or replaced above is never
reported from below.

Each package records the layer that introduced it: when a database file is replaced, a
package that was already in the replaced copy keeps its older layer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

from regsentry.analyzer.base import Analyzer, FileAnalysis
from regsentry.indexer.layer import LayerAnalysis, LayerFile, LayerLink
from regsentry.model.digest import Digest
from regsentry.model.inventory import AnalysedFile, Inventory
from regsentry.model.package import Package

_MAX_LINK_HOPS = 40  # as the kernel's ELOOP limit


@dataclass
class _Surviving:
    """The current version of one (analyzer, path) in the stack."""

    layer: Digest
    file: LayerFile | None = None
    link: LayerLink | None = None
    introduced: dict[tuple[str, str, str, str], Digest] = field(default_factory=dict)


def _hidden(path: str, prefixes: Sequence[str], exact: Sequence[str]) -> bool:
    return path in exact or any(path.startswith(prefix) for prefix in prefixes)


def stack(layers: Sequence[LayerAnalysis], analyzers: Sequence[Analyzer]) -> Inventory:
    """The inventory of the filesystem ``layers`` (bottom first) produce."""
    view: dict[tuple[str, str], _Surviving] = {}
    for layer in layers:
        prefixes = [f"{d}/" if d else "" for d in layer.opaque_dirs]
        prefixes += [f"{w}/" for w in layer.whiteouts]
        if prefixes or layer.whiteouts:
            for key in [k for k in view if _hidden(k[1], prefixes, layer.whiteouts)]:
                del view[key]
        for link in layer.links:
            for analyzer_id in link.analyzers:
                view[(analyzer_id, link.path)] = _Surviving(layer.digest, link=link)
        for file in layer.files:
            key = (file.analyzer, file.path)
            previous = view.get(key)
            introduced = {
                package.key: (
                    previous.introduced.get(package.key, layer.digest) if previous else layer.digest
                )
                for package in file.analysis.packages
            }
            view[key] = _Surviving(layer.digest, file=file, introduced=introduced)
    return _combine(view, analyzers)


def _resolve(
    view: dict[tuple[str, str], _Surviving], key: tuple[str, str]
) -> tuple[_Surviving | None, str]:
    """Follow links within the final view; returns the file (or None) and a reason."""
    current = view[key]
    for _ in range(_MAX_LINK_HOPS):
        if current.link is None:
            return current, ""
        target = (key[0], current.link.target)
        if target not in view:
            kind = "hard link" if current.link.hard else "symbolic link"
            return None, (
                f"{key[1]} is a {kind} to {current.link.target}, which is not in the image "
                f"or was not read"
            )
        current = view[target]
    return None, f"{key[1]}: too many levels of symbolic links"


def _combine(view: dict[tuple[str, str], _Surviving], analyzers: Sequence[Analyzer]) -> Inventory:
    problems: list[str] = []
    files: list[AnalysedFile] = []
    packages: list[Package] = []
    distro = None
    for analyzer in analyzers:
        surviving: dict[str, FileAnalysis] = {}
        for key in sorted(k for k in view if k[0] == analyzer.id):
            found, reason = _resolve(view, key)
            if found is None or found.file is None:
                if reason and (found is not None or not _is_dangling_alias(view, key)):
                    problems.append(reason)
                continue
            files.append(AnalysedFile(key[1], analyzer.id, found.layer))
            if found.file.error is not None:
                # An unreadable file is a problem unless ``combine`` prefers another one
                # (a leftover rpm database beside the one rpm uses, say).
                surviving[key[1]] = FileAnalysis(problems=(found.file.error,))
                continue
            attributed = tuple(
                dataclasses.replace(package, layer=found.introduced.get(package.key, found.layer))
                for package in found.file.analysis.packages
            )
            surviving[key[1]] = dataclasses.replace(found.file.analysis, packages=attributed)
        if not surviving:
            continue
        combined = analyzer.combine(surviving)
        packages.extend(combined.packages)
        problems.extend(combined.problems)
        distro = distro or combined.distro
    return Inventory(
        distro=distro,
        packages=tuple(packages),
        files=tuple(files),
        analyzers=tuple((a.id, a.version) for a in analyzers),
        problems=tuple(problems),
    )


def _is_dangling_alias(view: dict[tuple[str, str], _Surviving], key: tuple[str, str]) -> bool:
    """A dangling link is harmless when another path of the same analyzer was read.

    ``etc/os-release`` pointing at a missing file, beside a readable
    ``usr/lib/os-release``, does not leave the image unidentified.
    """
    return any(k[0] == key[0] and k != key and view[k].file is not None for k in view)
