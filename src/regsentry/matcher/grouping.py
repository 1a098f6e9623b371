"""One vulnerability per package, however many advisories mention it.

Advisories from different sources (osv.dev's Debian records, the Debian tracker, GHSA,
a language database …) describe the same vulnerability under different ids; they are
joined when they share any id or alias, and the finding takes the CVE as its id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def group_ids(id_sets: Sequence[set[str]]) -> list[list[int]]:
    """Indexes of ``id_sets`` grouped so that sets sharing an id land together."""
    parent = list(range(len(id_sets)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    first_owner: dict[str, int] = {}
    for index, ids in enumerate(id_sets):
        for identifier in ids:
            owner = first_owner.setdefault(identifier, index)
            parent[root(index)] = root(owner)
    groups: dict[int, list[int]] = {}
    for index in range(len(id_sets)):
        groups.setdefault(root(index), []).append(index)
    return list(groups.values())


def primary_id(ids: Iterable[str]) -> str:
    """The id a vulnerability is reported under: its CVE, else a GHSA, else the first."""
    ordered = sorted(set(ids))
    for prefix in ("CVE-", "GHSA-"):
        for identifier in ordered:
            if identifier.startswith(prefix):
                return identifier
    return ordered[0]
