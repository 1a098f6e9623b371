"""``db update`` against a local feed server: conditional requests, failures kept apart."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from regsentry.errors import ConfigError
from regsentry.vulndb.download import fetch
from regsentry.vulndb.errors import DownloadError
from regsentry.vulndb.limits import DownloadLimits
from regsentry.vulndb.sources import Source, default_sources, osv_source
from regsentry.vulndb.store import AdvisoryDB
from regsentry.vulndb.textformats import load_yaml
from regsentry.vulndb.update import UpdateReport, update
from tests.vulndb.conftest import file_digest
from tests.vulndb.data import ALPINE_SECDB, DEBIAN_TRACKER, EPSS_DIR, GOLANG, KEV_SAMPLE
from tests.vulndb.feed_server import FeedServer, Resource, http_date

T0 = datetime(2026, 1, 1, tzinfo=UTC)
FAST = DownloadLimits(attempts=3, backoff_seconds=0.0)


def _go_zip(pattern: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for record in sorted((GOLANG / "osv").glob(pattern)):
            archive.write(record, record.name)
    return buffer.getvalue()


def _alpine_json() -> bytes:
    text = (ALPINE_SECDB / "v3.15" / "main.yaml").read_text()
    return json.dumps(load_yaml(text, origin="main.yaml")).encode()


@pytest.fixture
def server() -> Iterator[FeedServer]:
    feed = FeedServer()
    feed.resources = {
        "/Go/all.zip": Resource(_go_zip("GO-2020-*.json"), etag='"go-1"'),
        "/tracker/data/json": Resource(
            DEBIAN_TRACKER.read_bytes(), last_modified=http_date(2026, 1, 1)
        ),
        "/v3.15/main.json": Resource(_alpine_json(), etag='"alpine-1"'),
        "/kev.json": Resource(KEV_SAMPLE.read_bytes(), etag='"kev-1"'),
        "/epss.csv.gz": Resource(gzip.compress((EPSS_DIR / "example-1.csv").read_bytes())),
    }
    feed.start()
    yield feed
    feed.stop()


def _sources(server: FeedServer) -> list[Source]:
    return default_sources(
        osv_base_url=server.url,
        osv_ecosystems=("Go",),
        debian_tracker_url=f"{server.url}/tracker/data/json",
        alpine_base_url=server.url,
        alpine_releases=("v3.15",),
        alpine_repositories=("main",),
        kev_url=f"{server.url}/kev.json",
        epss_url=f"{server.url}/epss.csv.gz",
    )


def _update(database: Path, server: FeedServer, now: datetime = T0) -> UpdateReport:
    return update(
        database,
        _sources(server),
        allow_http=True,
        download_limits=FAST,
        now=now,
        sleep=lambda _: None,
    )


def _statuses(report: UpdateReport) -> dict[str, str]:
    return {o.name: o.status for o in report.outcomes}


def test_first_update_fetches_and_imports_everything(server: FeedServer, tmp_path: Path) -> None:
    database = tmp_path / "vulndb.sqlite"
    report = _update(database, server)
    assert report.rebuilt
    assert not report.failed
    assert _statuses(report) == {
        "osv:Go": "updated",
        "debian-tracker": "updated",
        "alpine-secdb:v3.15/main": "updated",
        "kev": "updated",
        "epss": "updated",
    }
    with AdvisoryDB(database) as db:
        assert db.advisories_for("Go", "github.com/gorilla/websocket")
        assert db.advisories_for("Debian", "sope")
        assert db.advisories_for("Alpine", "zlib")
        assert db.known_exploited(["CVE-2025-0108"]) is not None
        assert db.epss(["CVE-1999-0005"]) == pytest.approx(0.91963)
        states = {s.name: s for s in db.sources()}
    assert states["osv:Go"].etag == '"go-1"'
    assert states["debian-tracker"].last_modified == http_date(2026, 1, 1)
    assert states["osv:Go"].url == f"{server.url}/Go/all.zip"
    assert states["epss"].content_sha256 is not None
    assert all(s.updated_at == T0 and s.checked_at == T0 for s in states.values())


def test_second_update_is_conditional_and_changes_no_record(
    server: FeedServer, tmp_path: Path
) -> None:
    database = tmp_path / "vulndb.sqlite"
    _update(database, server)
    server.requests.clear()
    later = T0 + timedelta(hours=6)
    report = _update(database, server, later)
    assert not report.rebuilt
    assert not report.failed
    assert set(_statuses(report).values()) == {"unchanged"}
    assert server.requests_for("/Go/all.zip")[0].headers["If-None-Match"] == '"go-1"'
    tracker = server.requests_for("/tracker/data/json")[0].headers
    assert tracker["If-Modified-Since"] == http_date(2026, 1, 1)
    # EPSS has no validators: it was downloaded again and recognised by its hash.
    assert "If-None-Match" not in server.requests_for("/epss.csv.gz")[0].headers
    with AdvisoryDB(database) as db:
        states = {s.name: s for s in db.sources()}
    assert all(s.checked_at == later and s.updated_at == T0 for s in states.values())


def test_only_a_changed_source_is_reimported(server: FeedServer, tmp_path: Path) -> None:
    database = tmp_path / "vulndb.sqlite"
    _update(database, server)
    server.resources["/Go/all.zip"] = Resource(_go_zip("GO-202[01]-*.json"), etag='"go-2"')
    report = _update(database, server, T0 + timedelta(days=1))
    assert report.rebuilt
    assert _statuses(report)["osv:Go"] == "updated"
    assert [o.status for o in report.outcomes if o.name != "osv:Go"] == ["unchanged"] * 4
    go = next(o for o in report.outcomes if o.name == "osv:Go")
    assert go.report is not None
    assert go.record_count == go.report.imported > 100
    with AdvisoryDB(database) as db:
        states = {s.name: s for s in db.sources()}
        assert db.advisories_for("Debian", "sope")  # copied over unchanged
    assert states["osv:Go"].etag == '"go-2"'
    assert states["osv:Go"].record_count == go.record_count
    assert states["debian-tracker"].updated_at == T0


def test_a_cut_short_download_keeps_the_previous_records(
    server: FeedServer, tmp_path: Path
) -> None:
    database = tmp_path / "vulndb.sqlite"
    _update(database, server)
    server.resources["/Go/all.zip"] = Resource(
        _go_zip("GO-2021-*.json"), etag='"go-3"', mode="truncate"
    )
    later = T0 + timedelta(days=1)
    report = _update(database, server, later)
    (failed,) = report.failed
    assert failed.name == "osv:Go"
    assert "after 3 attempts" in failed.error
    assert len(server.requests_for("/Go/all.zip")) >= 4  # 1 (first update) + 3 attempts
    with AdvisoryDB(database) as db:
        go = {s.name: s for s in db.sources()}["osv:Go"]
        assert go.etag == '"go-1"'
        assert go.record_count > 0
        assert go.last_error == failed.error
        assert go.last_error_at == later
        assert db.advisories_for("Go", "github.com/gorilla/websocket")
    assert not list(tmp_path.glob(".download-*"))
    assert not list(tmp_path.glob(".vulndb-*"))


def test_garbage_is_rejected_while_other_sources_update(server: FeedServer, tmp_path: Path) -> None:
    database = tmp_path / "vulndb.sqlite"
    _update(database, server)
    server.resources["/tracker/data/json"] = Resource(
        b"<html>Service Unavailable</html>", last_modified=http_date(2026, 2, 1)
    )
    server.resources["/kev.json"] = Resource(
        json.dumps(
            {"catalogVersion": "2", "vulnerabilities": [{"cveID": "CVE-2024-3400"}]}
        ).encode(),
        etag='"kev-2"',
    )
    report = _update(database, server, T0 + timedelta(days=1))
    assert report.rebuilt
    statuses = _statuses(report)
    assert (statuses["debian-tracker"], statuses["kev"]) == ("failed", "updated")
    with AdvisoryDB(database) as db:
        assert db.advisories_for("Debian", "sope")  # the previous tracker records
        assert db.known_exploited(["CVE-2024-3400"]) is not None
        assert db.known_exploited(["CVE-2025-0108"]) is None  # replaced catalogue
        tracker = {s.name: s for s in db.sources()}["debian-tracker"]
    assert tracker.last_modified == http_date(2026, 1, 1)  # not the rejected one's
    assert "no valid record" in tracker.last_error


def test_a_feed_of_the_wrong_kind_is_rejected(server: FeedServer, tmp_path: Path) -> None:
    database = tmp_path / "vulndb.sqlite"
    server.resources["/kev.json"] = Resource((EPSS_DIR / "example-1.csv").read_bytes())
    report = _update(database, server)
    assert "expected a kev feed, found epss" in report.failed[0].error
    with AdvisoryDB(database) as db:
        assert db.known_exploited(["CVE-2025-0108"]) is None
        kev = {s.name: s for s in db.sources()}["kev"]
    assert kev.record_count == 0
    assert kev.last_error


def test_an_interrupted_update_keeps_the_old_database(
    server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "vulndb.sqlite"
    _update(database, server)
    before = file_digest(database)
    server.resources["/Go/all.zip"] = Resource(_go_zip("GO-2022-*.json"), etag='"go-4"')

    def crash(*args: object, **kwargs: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr("regsentry.vulndb.ingest.parse_osv", crash)
    with pytest.raises(KeyboardInterrupt):
        _update(database, server, T0 + timedelta(days=1))
    assert file_digest(database) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vulndb.sqlite", "vulndb.sqlite.lock"]


def test_transient_errors_are_retried(server: FeedServer, tmp_path: Path) -> None:
    server.resources["/kev.json"].mode = "status"
    server.resources["/kev.json"].status = 503
    server.resources["/kev.json"].failures = 2
    report = _update(tmp_path / "vulndb.sqlite", server)
    assert _statuses(report)["kev"] == "updated"
    assert len(server.requests_for("/kev.json")) == 3


def test_not_found_is_not_retried(server: FeedServer, tmp_path: Path) -> None:
    del server.resources["/v3.15/main.json"]
    report = _update(tmp_path / "vulndb.sqlite", server)
    (failed,) = report.failed
    assert failed.name == "alpine-secdb:v3.15/main"
    assert "HTTP 404" in failed.error
    assert len(server.requests_for("/v3.15/main.json")) == 1


def test_everything_failing_creates_no_database(server: FeedServer, tmp_path: Path) -> None:
    server.resources.clear()
    report = _update(tmp_path / "vulndb.sqlite", server)
    assert len(report.failed) == 5
    assert not report.rebuilt
    assert not (tmp_path / "vulndb.sqlite").exists()


def test_download_caps_and_https(server: FeedServer, tmp_path: Path) -> None:
    with httpx.Client() as client:
        small = Source("kev", "kev", f"{server.url}/kev.json", max_bytes=100)
        with pytest.raises(DownloadError, match="over the 100-byte cap"):
            fetch(client, small, directory=tmp_path, allow_http=True)
        with pytest.raises(DownloadError, match="only https"):
            fetch(client, Source("kev", "kev", f"{server.url}/kev.json"), directory=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_default_sources() -> None:
    sources = default_sources()
    names = [s.name for s in sources]
    assert "osv:PyPI" in names
    assert "debian-tracker" in names
    assert "kev" in names
    assert "alpine-secdb:v3.20/main" in names
    assert "alpine-secdb:edge/community" in names
    assert osv_source("Red Hat").url == (
        "https://osv-vulnerabilities.storage.googleapis.com/Red%20Hat/all.zip"
    )
    assert all(s.url.startswith("https://") for s in sources)
    assert len(set(names)) == len(names)
    only_osv = default_sources(
        osv_ecosystems=("npm",),
        debian_tracker_url=None,
        alpine_releases=(),
        kev_url=None,
        epss_url=None,
    )
    assert [s.name for s in only_osv] == ["osv:npm"]


def test_source_names_must_be_unique(tmp_path: Path) -> None:
    twice = [Source("kev", "kev", "https://a/kev.json"), Source("kev", "kev", "https://b/k.json")]
    with pytest.raises(ConfigError, match="unique names: kev"):
        update(tmp_path / "vulndb.sqlite", twice)
