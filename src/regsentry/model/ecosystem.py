"""OSV ecosystem names and package-name normalisation, shared by the advisory store and
the matcher so that both key packages the same way.

A name is normalised only where the ecosystem's own rules make two spellings the same
package:

* PyPI: PEP 503 — lower-case, every run of ``-``, ``_`` and ``.`` becomes ``-``
  (``Django`` = ``django``, ``zope.interface`` = ``zope-interface``);
* NuGet and Packagist: package ids are case-insensitive, so they are lower-cased;
* everything else is exact: Debian, Ubuntu and Alpine source names are already canonical
  lower-case, Go module paths, npm, Maven, RubyGems and crates.io names are compared as
  written.
"""

from __future__ import annotations

import re

_PEP503_SEPARATORS = re.compile(r"[-_.]+")
_CASE_INSENSITIVE = frozenset({"NuGet", "Packagist"})


def split_ecosystem(value: str) -> tuple[str, str]:
    """``Debian:12`` → (``Debian``, ``12``); ``Ubuntu:Pro:16.04:LTS`` → (``Ubuntu``,
    ``Pro:16.04:LTS``); ``PyPI`` → (``PyPI``, ``""``). Surrounding blanks are dropped."""
    base, _, release = value.strip().partition(":")
    return base.strip(), release.strip()


def normalize_name(ecosystem: str, name: str) -> str:
    """The lookup key of a package name in a (base) ecosystem; see the module docstring."""
    name = name.strip()
    if ecosystem == "PyPI":
        return _PEP503_SEPARATORS.sub("-", name).lower()
    if ecosystem in _CASE_INSENSITIVE:
        return name.lower()
    return name
