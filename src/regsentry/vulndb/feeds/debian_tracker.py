"""The Debian security tracker JSON → advisories ``DEBIAN-CVE-…``, one per CVE once merged.

Source: https://security-tracker.debian.org/tracker/data/json, shaped
``{source package: {CVE or TEMP id: {description, scope, debianbug,
releases: {codename: {status, fixed_version, urgency, repositories, nodsa, nodsa_reason}}}}}``.
It says more than OSV's Debian records: the ``unimportant`` urgency, ``no-dsa`` decisions
and ``end-of-life`` packages. Ids follow osv.dev's own conversion of the same data
(``DEBIAN-CVE-2024-1234``, alias ``CVE-2024-1234``), so both can coexist and merge.

Each release becomes an ``affected`` entry in ecosystem ``Debian`` with release = the
version number (:data:`DEBIAN_RELEASES`; ``sid`` stays ``sid``, an unknown codename is
kept as written) and package = the SOURCE package. Per status:

* ``resolved`` with ``fixed_version`` ``0``: never affected in that release — no entry;
* ``resolved`` with a version: range ``introduced 0, fixed <version>``;
* ``resolved`` without a version: no entry (nothing says what to compare against);
* ``open``: ``introduced 0`` with no fix; urgency ``end-of-life`` means the release no
  longer gets fixes for this package — still affected, rated None, noted ``end-of-life``;
* ``undetermined`` (Debian has not yet checked whether the release is affected) and any
  status this code does not know: treated like ``open`` and noted with the status, since
  an unknown state must not read as "not affected";
* ``not-affected`` (not emitted by today's tracker, accepted for robustness): no entry.

The urgency becomes ``Affected.severity`` (``unimportant`` → negligible, ``not yet
assigned`` → None, trailing ``*`` ignored) and the original words go to ``Affected.note``
with ``no-dsa`` decisions appended.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from regsentry.model.advisory import Advisory, Affected, AffectedRange, RangeEvent
from regsentry.vulndb import severity as ratings
from regsentry.vulndb.feeds import SkipFn

#: Debian codename → version number, as ``Debian:<number>`` ecosystems and os-release's
#: ``VERSION_ID`` write it. ``sid`` (unstable) has no number and is kept as ``sid``.
DEBIAN_RELEASES: dict[str, str] = {
    "buzz": "1.1",
    "rex": "1.2",
    "bo": "1.3",
    "hamm": "2.0",
    "slink": "2.1",
    "potato": "2.2",
    "woody": "3.0",
    "sarge": "3.1",
    "etch": "4",
    "lenny": "5",
    "squeeze": "6",
    "wheezy": "7",
    "jessie": "8",
    "stretch": "9",
    "buster": "10",
    "bullseye": "11",
    "bookworm": "12",
    "trixie": "13",
    "forky": "14",
    "duke": "15",
    "sid": "sid",
    "unstable": "sid",
}

_NOT_AFFECTED_STATUSES = frozenset({"not-affected", "not affected"})
_SUMMARY_CHARS = 300


def looks_like_tracker(key: str, value: object) -> bool:
    """Whether one top-level member has the tracker's shape (package → id → releases)."""
    if not isinstance(value, Mapping) or not value:
        return False
    return any(isinstance(entry, Mapping) and "releases" in entry for entry in value.values())


def release_number(codename: str) -> str:
    """``bookworm`` → ``12``; unknown codenames are returned as written."""
    return DEBIAN_RELEASES.get(codename.strip().lower(), codename.strip())


class TrackerConverter:
    """Converts the tracker one package at a time, so memory holds one package's tree.

    Each (package, id) pair becomes an advisory of its own; the builder merges the pairs
    that share an id (a CVE in ``linux`` and ``linux-5.10``) into one advisory with every
    package's entries, exactly as it merges Alpine's per-release files.
    """

    def __init__(self, *, source: str, skip: SkipFn) -> None:
        self.source = source
        self.skip = skip

    def package(self, package: str, issues: object) -> Iterator[Advisory]:
        """The advisories of one top-level member of the feed."""
        if not isinstance(issues, Mapping):
            self.skip(package, "package entry is not an object")
            return
        for issue_id, issue in issues.items():
            advisory = self._issue(package, str(issue_id), issue)
            if advisory is not None:
                yield advisory

    def _issue(self, package: str, issue_id: str, issue: object) -> Advisory | None:
        if not isinstance(issue, Mapping):
            self.skip(issue_id, f"{package}: entry is not an object")
            return None
        releases = issue.get("releases")
        if releases is None or releases == []:
            releases = {}
        if not isinstance(releases, Mapping):
            self.skip(issue_id, f"{package}: 'releases' is not an object")
            return None
        affected = [
            entry
            for codename, state in releases.items()
            if (entry := _release_entry(package, str(codename), state)) is not None
        ]
        description = issue.get("description")
        return Advisory(
            id=f"DEBIAN-{issue_id}",
            source=self.source,
            aliases=(issue_id,) if issue_id.startswith("CVE-") else (),
            summary=_shorten(description) if isinstance(description, str) else "",
            affected=tuple(affected),
        )


def _release_entry(package: str, codename: str, state: object) -> Affected | None:
    if not isinstance(state, Mapping):
        return None
    status = str(state.get("status") or "").strip().lower()
    urgency = str(state.get("urgency") or "").strip()
    fixed = str(state.get("fixed_version") or "").strip()
    notes = [urgency] if urgency else []

    events = [RangeEvent("introduced", "0")]
    if status == "resolved":
        if not fixed or fixed == "0":
            return None
        events.append(RangeEvent("fixed", fixed))
    elif status in _NOT_AFFECTED_STATUSES:
        return None
    elif status != "open":
        notes.append(status or "no status")

    nodsa = state.get("nodsa")
    if isinstance(nodsa, str):
        reason = state.get("nodsa_reason")
        detail = f" ({reason})" if isinstance(reason, str) and reason else ""
        notes.append(f"no-dsa: {nodsa}{detail}" if nodsa else f"no-dsa{detail}")

    return Affected(
        ecosystem="Debian",
        release=release_number(codename),
        package=package,
        ranges=(AffectedRange(type="ECOSYSTEM", events=tuple(events)),),
        severity=ratings.from_debian_urgency(urgency) if urgency else None,
        note="; ".join(notes),
    )


def _shorten(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _SUMMARY_CHARS else flat[: _SUMMARY_CHARS - 1].rstrip() + "…"
