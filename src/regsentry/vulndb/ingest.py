"""Turning documents into database rows: format detection and per-format dispatch.

Formats are recognised by content, so ``db import`` needs no flag and a directory may mix
them: an object with an ``id`` is an OSV record (a top-level list is several); an object
whose members look like ``package → CVE → {releases}`` is the Debian tracker; one with
``packages`` and ``distroversion`` is an Alpine secdb; one with ``vulnerabilities`` and
``catalogVersion`` is the CISA KEV catalogue; a CSV starting ``#model_version`` or
``cve,epss`` is EPSS. ``.yaml``/``.yml`` documents are read as YAML, anything else as JSON
(or YAML when it does not start like JSON).

A document that cannot be decoded, or is none of these, is one skipped record: in a
directory of 4,000 OSV files one broken file must not stop the other 3,999. The Debian
tracker is the exception: it is one document holding the whole feed, so a truncated one
fails the import (:class:`IncompleteFeedError`) rather than importing part of Debian.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import chain

from regsentry.model.advisory import Advisory
from regsentry.vulndb.builder import DatabaseBuilder
from regsentry.vulndb.documents import Document
from regsentry.vulndb.errors import IncompleteFeedError, InvalidFeedError, InvalidRecordError
from regsentry.vulndb.feeds import SkipFn, alpine_secdb, epss, kev
from regsentry.vulndb.feeds.debian_tracker import TrackerConverter, looks_like_tracker
from regsentry.vulndb.limits import ImportLimits
from regsentry.vulndb.names import KNOWN_ECOSYSTEMS
from regsentry.vulndb.osv import parse_osv
from regsentry.vulndb.report import ImportReport
from regsentry.vulndb.textformats import iter_object_items, load_json, load_yaml

_UNRECOGNISED = (
    "not a recognised advisory format (OSV record, Debian tracker JSON, Alpine secdb, "
    "CISA KEV catalogue or EPSS CSV)"
)


def ingest(
    builder: DatabaseBuilder,
    source: str,
    documents: Iterable[Document],
    limits: ImportLimits,
) -> ImportReport:
    """Add every record of ``documents`` to ``builder`` under ``source``; count the rest."""
    ingester = _Ingester(builder, source, limits)
    for document in documents:
        ingester.document(document)
    return ingester.report


class _Ingester:
    def __init__(self, builder: DatabaseBuilder, source: str, limits: ImportLimits) -> None:
        self.builder = builder
        self.source = source
        self.limits = limits
        self.report = ImportReport(source=source, max_listed=limits.max_skipped_listed)

    def document(self, document: Document) -> None:
        try:
            text = document.data.decode("utf-8-sig")
        except UnicodeDecodeError:
            self.report.add_skipped("", document.origin, "not UTF-8 text")
            return
        name = document.name.lower()
        if name.endswith(".csv") or epss.looks_like_epss(text):
            self.epss(text, document)
            return
        start = text.lstrip()[:1]
        try:
            if name.endswith((".yaml", ".yml")) or (start not in ("{", "[") and start):
                self.decoded(load_yaml(text, origin=document.origin), document)
            elif start == "{":
                self.json_object(text, document)
            else:
                self.decoded(load_json(text, origin=document.origin), document)
        except IncompleteFeedError:
            raise
        except InvalidFeedError as exc:
            self.report.add_skipped("", document.origin, str(exc))

    def json_object(self, text: str, document: Document) -> None:
        members = iter_object_items(text, origin=document.origin)
        first = next(members, None)
        if first is not None and looks_like_tracker(*first):
            self.tracker(chain([first], members), document)
            return
        self.decoded(dict(chain([first] if first else [], members)), document)

    def decoded(self, value: object, document: Document) -> None:
        if isinstance(value, list):
            for record in value:
                self.osv(record, document)
        elif isinstance(value, Mapping) and "id" in value:
            self.osv(value, document)
        elif alpine_secdb.looks_like_secdb(value):
            self.alpine(value, document)
        elif kev.looks_like_kev(value):
            self.kev(value, document)
        else:
            self.report.add_skipped("", document.origin, _UNRECOGNISED)

    # -- one method per format ------------------------------------------------------

    def osv(self, record: object, document: Document) -> None:
        try:
            advisory = parse_osv(
                record, source=self.source, origin=document.origin, limits=self.limits
            )
        except InvalidRecordError as exc:
            self.report.add_skipped(exc.record_id, exc.origin, exc.reason)
            return
        self.report.kinds.add("osv")
        self.store(advisory)

    def tracker(self, members: Iterable[tuple[str, object]], document: Document) -> None:
        self.report.kinds.add("debian-tracker")
        converter = TrackerConverter(source=self.source, skip=self.skipper(document))
        try:
            for package, issues in members:
                for advisory in converter.package(package, issues):
                    self.store(advisory)
        except InvalidFeedError as exc:
            raise IncompleteFeedError(f"the Debian tracker feed is incomplete: {exc}") from exc

    def alpine(self, value: object, document: Document) -> None:
        self.report.kinds.add("alpine-secdb")
        for advisory in alpine_secdb.convert(
            value, source=self.source, origin=document.origin, skip=self.skipper(document)
        ):
            self.store(advisory)

    def kev(self, value: object, document: Document) -> None:
        catalog = kev.read_catalog(value, origin=document.origin)
        self.report.kinds.add("kev")
        self.report.version = catalog.version
        for entry in kev.entries(catalog, skip=self.skipper(document)):
            self.builder.add_kev(self.source, entry)
            self.report.add_imported()

    def epss(self, text: str, document: Document) -> None:
        try:
            scores_file = epss.read_file(text, origin=document.origin)
        except InvalidFeedError as exc:
            self.report.add_skipped("", document.origin, str(exc))
            return
        self.report.kinds.add("epss")
        self.report.version = scores_file.version
        for score in epss.scores(scores_file, skip=self.skipper(document)):
            self.builder.add_epss(self.source, score.cve, score.score, score.percentile)
            self.report.add_imported()

    # -- shared ---------------------------------------------------------------------------

    def store(self, advisory: Advisory) -> None:
        if self.builder.add_advisory(self.source, advisory):
            self.report.merged += 1
        self.report.add_imported()
        if advisory.withdrawn:
            self.report.withdrawn += 1
        ecosystems = {affected.ecosystem for affected in advisory.affected}
        self.report.by_ecosystem.update(ecosystems)
        self.report.unrecognised_ecosystems |= ecosystems - KNOWN_ECOSYSTEMS

    def skipper(self, document: Document) -> SkipFn:
        def skip(record_id: str, reason: str) -> None:
            self.report.add_skipped(record_id, document.origin, reason)

        return skip
