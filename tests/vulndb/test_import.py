"""``db import``: real data in, every record accounted for, lookups by package."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from regsentry.vulndb.errors import NothingToImportError
from regsentry.vulndb.importer import default_source_name, forget_source, import_path
from regsentry.vulndb.report import ImportReport
from regsentry.vulndb.store import AdvisoryDB
from tests.vulndb.conftest import file_digest
from tests.vulndb.data import GHSA_SAMPLE, GOLANG, OSV_GOLDEN, PYPA, UBUNTU_OSV, UBUNTU_SAMPLE


def test_all_of_pypa_is_accounted_for(
    language_db_reports: tuple[Path, ImportReport, ImportReport],
) -> None:
    report = language_db_reports[1]
    files = list(PYPA.rglob("*.yaml"))
    assert len(files) == 2661
    assert report.seen == len(files) == report.imported + report.skipped
    assert report.skipped == 0
    assert report.withdrawn == 10  # as SOURCE.md counts them
    assert report.by_ecosystem == {"PyPI": 2661}
    assert report.record_count == 2661
    assert report.kind == "osv"


def test_all_of_the_go_vulndb_is_accounted_for(
    language_db_reports: tuple[Path, ImportReport, ImportReport],
) -> None:
    report = language_db_reports[2]
    assert report.seen == len(list((GOLANG / "osv").glob("*.json"))) == 4291
    assert (report.imported, report.skipped, report.withdrawn) == (4291, 0, 17)
    assert report.record_count == 4291


def test_lookup_normalises_pypi_names(language_db: AdvisoryDB) -> None:
    django = language_db.advisories_for("PyPI", "Django")
    assert len(django) > 100
    assert [a.id for a in language_db.advisories_for("PyPI", "DJANGO")] == [a.id for a in django]
    assert "PYSEC-2021-98" in {a.id for a in django}
    assert all(any(x.package.lower() == "django" for x in a.affected) for a in django)
    # zope.interface / zope-interface / Zope_Interface are one project (PEP 503).
    assert language_db.advisories_for("PyPI", "Zope_Interface") == language_db.advisories_for(
        "PyPI", "zope.interface"
    )


def test_withdrawn_advisories_are_never_returned(language_db: AdvisoryDB) -> None:
    redis = {a.id for a in language_db.advisories_for("PyPI", "redis")}
    assert "PYSEC-2023-73" not in redis  # withdrawn 2023-06-06
    assert redis  # the others are there
    assert language_db.find("PYSEC-2023-73") == []


def test_lookups_agree_with_osv_dev(language_db: AdvisoryDB) -> None:
    """Every PYSEC/GO id osv.dev reported for a package (in osv-scanner's recordings) that
    our snapshot holds is returned by a lookup for that package."""
    checked = 0
    for line in OSV_GOLDEN.read_text().splitlines():
        query = json.loads(line)
        if query["ecosystem"] not in ("PyPI", "Go"):
            continue
        found = {a.id for a in language_db.advisories_for(query["ecosystem"], query["name"])}
        for vuln in query["vulns_modified"]:
            if vuln.startswith(("PYSEC-", "GO-")) and language_db.find(vuln):
                assert vuln in found, (query["name"], vuln)
                checked += 1
    assert checked > 500


def test_other_ecosystems_and_unknown_names_find_nothing(language_db: AdvisoryDB) -> None:
    assert language_db.advisories_for("PyPI", "no-such-package-anywhere") == []
    assert language_db.advisories_for("npm", "django") == []
    assert len(language_db.advisories_for("Go", "stdlib")) > 100


def test_find_by_alias(language_db: AdvisoryDB) -> None:
    (advisory,) = language_db.find("PYSEC-2021-98")
    assert advisory.aliases
    assert all(language_db.find(alias) for alias in advisory.aliases)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_malformed_files_are_counted_not_fatal(tmp_path: Path) -> None:
    source = tmp_path / "in"
    for record in GHSA_SAMPLE.glob("*.json"):
        _write(source / record.name, record.read_text())
    _write(source / "broken.json", '{"id": "X-1", "affected": [')
    _write(source / "broken.yaml", "id: Y-1\naffected: [unclosed\n")
    _write(source / "nested" / "bad-record.json", json.dumps({"id": "Z-1", "affected": "nope"}))
    _write(source / "notes.txt", "ignored: not an advisory file")
    database = tmp_path / "vulndb.sqlite"
    report = import_path(database, source)
    assert (report.seen, report.imported, report.skipped) == (5, 2, 3)
    reasons = {(s.id, Path(s.origin).name): s.reason for s in report.skipped_examples}
    assert "not valid JSON" in reasons[("", "broken.json")]
    assert "not valid YAML" in reasons[("", "broken.yaml")]
    assert "'affected' is not a list" in reasons[("Z-1", "bad-record.json")]
    with AdvisoryDB(database) as db:
        assert len(db.advisories_for("Maven", "org.apache.logging.log4j:log4j-core")) == 2


def test_a_record_with_100k_versions_is_skipped_and_named(tmp_path: Path) -> None:
    huge = {
        "id": "GHSA-huge-huge-huge",
        "affected": [
            {
                "package": {"ecosystem": "npm", "name": "huge"},
                "versions": [str(i) for i in range(100_000)],
            }
        ],
    }
    _write(tmp_path / "in" / "huge.json", json.dumps(huge))
    _write(tmp_path / "in" / "ok.json", (GHSA_SAMPLE / "GHSA-jfh8-c2jp-5v3q.json").read_text())
    report = import_path(tmp_path / "db.sqlite", tmp_path / "in")
    assert (report.imported, report.skipped) == (1, 1)
    (skipped,) = report.skipped_examples
    assert skipped.id == "GHSA-huge-huge-huge"
    assert "100,000 versions" in skipped.reason


def test_unknown_ecosystems_are_stored_and_flagged(tmp_path: Path) -> None:
    record = {"id": "FOO-1", "affected": [{"package": {"ecosystem": "Foobar:2", "name": "Thing"}}]}
    _write(tmp_path / "foo.json", json.dumps(record))
    database = tmp_path / "db.sqlite"
    report = import_path(database, tmp_path / "foo.json")
    assert report.unrecognised_ecosystems == {"Foobar"}
    with AdvisoryDB(database) as db:
        assert [a.id for a in db.advisories_for("Foobar", "Thing")] == ["FOO-1"]
        assert db.advisories_for("Foobar", "thing") == []  # exact names outside PyPI & co.
        assert db.advisories_for("Unheard-of", "Thing") == []


def test_osv_dev_zip_import(tmp_path: Path) -> None:
    archive = tmp_path / "Go" / "all.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for record in sorted((GOLANG / "osv").glob("*.json")):
            out.write(record, record.name)
    report = import_path(tmp_path / "db.sqlite", archive, name="osv:Go")
    assert (report.seen, report.imported, report.skipped, report.withdrawn) == (4291, 4291, 0, 17)
    with AdvisoryDB(tmp_path / "db.sqlite") as db:
        assert [s.name for s in db.sources()] == ["osv:Go"]
        assert len(db.advisories_for("Go", "stdlib")) > 100


def test_mixed_ubuntu_records(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite"
    report = import_path(database, UBUNTU_OSV / "osv")
    assert (report.imported, report.withdrawn) == (6, 2)
    import_path(database, UBUNTU_SAMPLE)
    with AdvisoryDB(database) as db:
        pcre = db.advisories_for("Ubuntu", "pcre3")
        assert [a.id for a in pcre] == ["UBUNTU-CVE-2017-11164"]
        assert {a.severity for a in pcre[0].affected} == {"negligible"}
        assert [a.id for a in db.advisories_for("Ubuntu", "dpkg")] == ["USN-7768-1"]
        assert [a.id for a in db.find("CVE-2025-6297")] == ["USN-7768-1"]
        # UBUNTU-CVE-2013-2208 (tpp) is withdrawn.
        assert db.advisories_for("Ubuntu", "tpp") == []


def test_reimport_replaces_only_its_own_source(writable_db: Path, tmp_path: Path) -> None:
    subset = tmp_path / "subset"
    for record in sorted((GOLANG / "osv").glob("GO-2020-*.json")):
        _write(subset / record.name, record.read_text())
    report = import_path(writable_db, subset, name="golang")
    with AdvisoryDB(writable_db) as db:
        counts = {s.name: s.record_count for s in db.sources()}
        assert counts == {"golang": report.imported, "pypa": 2661}
        assert report.imported < 100
        assert len(db.advisories_for("PyPI", "django")) > 100


def test_forget_source(writable_db: Path) -> None:
    assert forget_source(writable_db, "pypa")
    assert not forget_source(writable_db, "pypa")
    with AdvisoryDB(writable_db) as db:
        assert [s.name for s in db.sources()] == ["golang"]
        assert db.advisories_for("PyPI", "django") == []


def test_default_source_name(tmp_path: Path) -> None:
    assert default_source_name(tmp_path / "x" / ".." / "a.json") == f"import:{tmp_path / 'a.json'}"


def test_nothing_valid_changes_nothing(writable_db: Path, tmp_path: Path) -> None:
    before = file_digest(writable_db)
    _write(tmp_path / "junk" / "a.json", "[not json")
    with pytest.raises(NothingToImportError, match="none of the 1 records"):
        import_path(writable_db, tmp_path / "junk")
    (tmp_path / "empty").mkdir()
    with pytest.raises(NothingToImportError, match="no advisory records found"):
        import_path(writable_db, tmp_path / "empty")
    assert file_digest(writable_db) == before
    assert sorted(p.name for p in writable_db.parent.iterdir()) == [
        "vulndb.sqlite",
        "vulndb.sqlite.lock",
    ]
