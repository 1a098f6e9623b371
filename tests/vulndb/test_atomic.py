"""Atomic replacement and bounded input: a refused or failed import changes nothing."""

from __future__ import annotations

import gzip
import io
import threading
import zipfile
from pathlib import Path

import pytest

from regsentry.vulndb.errors import DatabaseError, InvalidFeedError, LimitExceededError
from regsentry.vulndb.importer import import_path
from regsentry.vulndb.limits import ImportLimits, MiB
from regsentry.vulndb.lock import writer_lock
from regsentry.vulndb.osv import parse_osv
from regsentry.vulndb.store import AdvisoryDB
from tests.vulndb.conftest import file_digest
from tests.vulndb.data import GHSA_SAMPLE, GOLANG


def _assert_untouched(database: Path, digest: str) -> None:
    assert file_digest(database) == digest
    with AdvisoryDB(database) as db:
        assert len(db.advisories_for("PyPI", "django")) > 100
        assert {s.name for s in db.sources()} == {"pypa", "golang"}
    assert not [p for p in database.parent.iterdir() if p.name.endswith(".building")]


def test_an_import_failing_half_way_leaves_the_database_intact(
    writable_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = file_digest(writable_db)
    calls = 0

    def flaky(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 1000:
            raise RuntimeError("simulated crash in the middle of the import")
        return parse_osv(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("regsentry.vulndb.ingest.parse_osv", flaky)
    with pytest.raises(RuntimeError, match="simulated crash"):
        import_path(writable_db, GOLANG, name="golang-again")
    assert calls == 1000
    _assert_untouched(writable_db, before)


def test_readers_keep_working_across_an_update(writable_db: Path) -> None:
    with AdvisoryDB(writable_db) as old_view:
        import_path(writable_db, GHSA_SAMPLE, name="ghsa")
        # The handle opened before the swap still reads its (complete) snapshot…
        assert len(old_view.advisories_for("PyPI", "django")) > 100
        assert old_view.advisories_for("Maven", "org.apache.logging.log4j:log4j-core") == []
    # …and a new handle sees the new source.
    with AdvisoryDB(writable_db) as new_view:
        assert len(new_view.advisories_for("Maven", "org.apache.logging.log4j:log4j-core")) == 2
        assert len(new_view.advisories_for("PyPI", "django")) > 100


def test_lookups_from_threads_during_an_import(writable_db: Path) -> None:
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        try:
            while not stop.wait(0.02):
                with AdvisoryDB(writable_db) as db:
                    assert len(db.advisories_for("Go", "stdlib")) > 100
        except BaseException as exc:
            errors.append(exc)

    readers = [threading.Thread(target=read) for _ in range(3)]
    for reader in readers:
        reader.start()
    try:
        import_path(writable_db, GOLANG, name="golang")
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    assert errors == []


def test_a_second_writer_waits_for_the_lock_then_gives_up(tmp_path: Path) -> None:
    database = tmp_path / "vulndb.sqlite"
    outcome: list[BaseException] = []

    def second_writer() -> None:
        try:
            with writer_lock(database, timeout=0.3):
                pass
        except BaseException as exc:
            outcome.append(exc)

    with writer_lock(database):
        thread = threading.Thread(target=second_writer)
        thread.start()
        thread.join()
    assert len(outcome) == 1
    assert isinstance(outcome[0], DatabaseError)
    assert "another process is updating" in str(outcome[0])
    with writer_lock(database, timeout=0.3):  # released: free again
        pass


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_a_zip_bomb_is_refused_and_the_database_untouched(
    writable_db: Path, tmp_path: Path
) -> None:
    before = file_digest(writable_db)
    record = (GHSA_SAMPLE / "GHSA-jfh8-c2jp-5v3q.json").read_bytes()
    bomb = _zip(tmp_path / "all.zip", {"a.json": record, "bomb.json": b" " * (64 * MiB)})
    assert bomb.stat().st_size < 200_000
    with pytest.raises(LimitExceededError, match="zip bomb"):
        import_path(writable_db, bomb)
    _assert_untouched(writable_db, before)


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        (ImportLimits(max_members=2), "3 members, over the cap of 2"),
        (ImportLimits(max_total_bytes=3_000), "over the cap of 3,000"),
        (ImportLimits(max_member_bytes=1_000), "1,000-byte cap for one member"),
    ],
)
def test_archive_caps(
    writable_db: Path, tmp_path: Path, limits: ImportLimits, message: str
) -> None:
    before = file_digest(writable_db)
    records = {p.name: p.read_bytes() for p in sorted((GOLANG / "osv").glob("GO-2020-000*.json"))}
    archive = _zip(tmp_path / "all.zip", dict(list(records.items())[:3]))
    with pytest.raises(LimitExceededError, match=message):
        import_path(writable_db, archive, limits=limits)
    _assert_untouched(writable_db, before)


def test_a_lying_zip_header_gains_nothing(writable_db: Path, tmp_path: Path) -> None:
    """A member whose header understates its size fails its CRC check: refused whole."""
    before = file_digest(writable_db)
    archive = _zip(tmp_path / "all.zip", {"a.json": b"[" + b" " * 5000 + b"]"})
    raw = bytearray(archive.read_bytes())
    # Patch the declared uncompressed size (local header and central directory) to 10.
    for offset in (22, raw.rindex(b"PK\x01\x02") + 24):
        raw[offset : offset + 4] = (10).to_bytes(4, "little")
    archive.write_bytes(bytes(raw))
    with pytest.raises(InvalidFeedError, match="not a usable zip"):
        import_path(writable_db, archive)
    _assert_untouched(writable_db, before)


def test_a_gzip_bomb_is_refused_while_inflating(writable_db: Path, tmp_path: Path) -> None:
    before = file_digest(writable_db)
    bomb = tmp_path / "scores.csv.gz"
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb") as out:
        out.write(b"cve,epss,percentile\n")
        out.write(b"0" * (50 * MiB))
    bomb.write_bytes(buffer.getvalue())
    with pytest.raises(LimitExceededError, match="compression ratio"):
        import_path(writable_db, bomb)
    _assert_untouched(writable_db, before)


def test_a_corrupt_zip_is_refused(writable_db: Path, tmp_path: Path) -> None:
    before = file_digest(writable_db)
    archive = _zip(tmp_path / "all.zip", {"a.json": b"{}" * 1000})
    archive.write_bytes(archive.read_bytes()[:-30])
    with pytest.raises(InvalidFeedError, match="not a usable zip"):
        import_path(writable_db, archive)
    _assert_untouched(writable_db, before)


def test_an_oversized_file_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_bytes(b" " * 2048)
    with pytest.raises(LimitExceededError, match="cap for one file"):
        import_path(tmp_path / "db.sqlite", big, limits=ImportLimits(max_file_bytes=1024))
    assert not (tmp_path / "db.sqlite").exists()


def test_a_corrupt_database_is_not_mistaken_for_an_empty_one(tmp_path: Path) -> None:
    database = tmp_path / "vulndb.sqlite"
    database.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(DatabaseError, match="not a readable advisory database"):
        AdvisoryDB(database)
    # An import rebuilds it from what it brings, and says why.
    report = import_path(database, GHSA_SAMPLE)
    assert "not a readable advisory database" in report.previous_database_error
    with AdvisoryDB(database) as db:
        assert [s.record_count for s in db.sources()] == [2]
