"""Alpine secdb (``https://secdb.alpinelinux.org/<release>/<repo>.json``, and the legacy
YAML of the same shape) → advisories ``ALPINE-<id>`` in ecosystem ``Alpine``.

Shape: ``{distroversion: "v3.20", reponame, packages: [{pkg: {name, secfixes:
{"<fixed version>": ["CVE-…", …]}}}]}``. Every id listed under version V is fixed in V, so
the entry is ``introduced 0, fixed V`` for that (origin/source) package in release
``distroversion`` (kept as written, ``v3.20``, like osv.dev's ``Alpine:v3.20``). Version
``0`` means "never affected on this branch": no entry.

One document covers one release, so ``ALPINE-CVE-2022-37434`` from several files is
merged by id into one advisory with an entry per release (see ``merge``). When one id is
listed under two versions of the same package both ranges are kept (their union), as
the data does not say which one is right.

Real data has typos: ``CVE 2018-16859`` (normalised to ``CVE-2018-16859``), several ids in
one string (``CVE-2016-6258 XSA-182``: the CVE is the id, the XSA an alias). A string
with no recognisable id is skipped and reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from regsentry.model.advisory import Advisory, Affected, AffectedRange, RangeEvent
from regsentry.vulndb.errors import InvalidFeedError
from regsentry.vulndb.feeds import SkipFn

_CVE = re.compile(r"\bCVE[-\s_]+(\d{4})[-\s_]+(\d{4,})\b", re.IGNORECASE)
_OTHER_ID = re.compile(r"^[A-Za-z][A-Za-z0-9]*-[A-Za-z0-9][A-Za-z0-9.:_-]*$")


@dataclass
class _Pending:
    aliases: dict[str, None] = field(default_factory=dict)
    affected: list[Affected] = field(default_factory=list)


def looks_like_secdb(document: object) -> bool:
    """Whether a decoded document has the secdb shape."""
    return (
        isinstance(document, Mapping)
        and "distroversion" in document
        and "packages" in document
        and isinstance(document["packages"] or [], list)  # an empty repo has ``packages:``
    )


def parse_ids(text: str) -> list[str]:
    """The advisory ids in one secfixes string, CVEs first and normalised."""
    cves = [f"CVE-{year}-{number}" for year, number in _CVE.findall(text)]
    rest = _CVE.sub(" ", text)
    others = [token for token in re.split(r"[\s,;]+", rest) if _OTHER_ID.match(token)]
    return list(dict.fromkeys([*cves, *others]))


def convert(document: object, *, source: str, origin: str, skip: SkipFn) -> Iterator[Advisory]:
    """The advisories of one secdb document."""
    if not looks_like_secdb(document):
        raise InvalidFeedError(f"{origin}: not an Alpine secdb document")
    assert isinstance(document, Mapping)
    release = str(document.get("distroversion") or "").strip()
    if not release:
        raise InvalidFeedError(f"{origin}: secdb document without 'distroversion'")

    pending: dict[str, _Pending] = {}
    for item in document["packages"] or []:
        package = item.get("pkg") if isinstance(item, Mapping) else None
        name = package.get("name") if isinstance(package, Mapping) else None
        if not isinstance(package, Mapping) or not isinstance(name, str) or not name.strip():
            skip(origin, "a package entry without 'pkg.name'")
            continue
        secfixes = package.get("secfixes") or {}
        if not isinstance(secfixes, Mapping):
            skip(name, "'secfixes' is not a mapping")
            continue
        for version, listed in secfixes.items():
            fixed = str(version).strip()
            if fixed == "0" or not listed:
                continue
            if not isinstance(listed, list):
                skip(name, f"secfixes of {fixed} is not a list")
                continue
            for text in listed:
                _add(pending, name.strip(), release, fixed, str(text), skip)

    for advisory_id in sorted(pending):
        entry = pending[advisory_id]
        yield Advisory(
            id=f"ALPINE-{advisory_id}",
            source=source,
            aliases=(advisory_id, *(a for a in entry.aliases if a != advisory_id)),
            affected=tuple(entry.affected),
        )


def _add(
    pending: dict[str, _Pending], name: str, release: str, fixed: str, text: str, skip: SkipFn
) -> None:
    ids = parse_ids(text)
    if not ids:
        skip(text.strip() or name, f"{name} {fixed}: no advisory id in {text!r}")
        return
    entry = pending.setdefault(ids[0], _Pending())
    entry.aliases.update(dict.fromkeys(ids[1:]))
    entry.affected.append(
        Affected(
            ecosystem="Alpine",
            release=release,
            package=name,
            ranges=(
                AffectedRange(
                    type="ECOSYSTEM",
                    events=(RangeEvent("introduced", "0"), RangeEvent("fixed", fixed)),
                ),
            ),
        )
    )
