"""Scans and results through the API against a real registry: "scan now", progress,
cancel, the scanners, and results by registry / repository / image / vulnerability."""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from regsentry.service.advisories import import_into_database
from tests.api.conftest import API, Console, running_console
from tests.conftest import SampleRegistry
from tests.service.scan_support import app_image, base_layer, osv_record, stanza, write_records
from tests.support.images import Pusher

pytestmark = pytest.mark.registry

CRITICAL_VECTOR = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
GLIBC_FIX = "2.36-9+deb12u7"
CURL_FIX = "7.88.1-10+deb12u5"


def push_images(registry: SampleRegistry, namespace: str) -> dict[str, str]:
    """Three Debian-like images (two share a base); repository → manifest digest."""
    base = base_layer(f"{namespace}-shared")
    other = base_layer(f"{namespace}-other")
    images = {
        f"{namespace}/api": (app_image(base, "api", stanza("curl", "7.88.1-10+deb12u4")), ("1.0",)),
        f"{namespace}/web": (app_image(base, "web"), ("2.0", "latest")),
        f"{namespace}/worker": (app_image(other, "worker"), ("3.1",)),
    }
    pusher = Pusher(registry.url)
    try:
        for repository, (image, tags) in images.items():
            pusher.push(repository, image, *tags)
    finally:
        pusher.close()
    return {repository: image.digest for repository, (image, _) in images.items()}


def import_advisories(console: Console, directory: Path) -> None:
    """glibc (critical, fixed, known exploited), curl (fixed), bash (no fix yet)."""
    records = write_records(
        directory / "osv",
        osv_record("DEBIAN-CVE-2024-2961", "glibc", GLIBC_FIX, aliases=["CVE-2024-2961"],
                   severity=[{"type": "CVSS_V3", "score": CRITICAL_VECTOR}]),
        osv_record("DEBIAN-CVE-2024-2398", "curl", CURL_FIX, aliases=["CVE-2024-2398"]),
        osv_record("CVE-2099-0001", "bash", None),
    )  # fmt: skip
    import_into_database(console.settings, records)
    kev = directory / "kev.json"
    kev.write_text(
        json.dumps(
            {
                "catalogVersion": "2024.06.01",
                "vulnerabilities": [{"cveID": "CVE-2024-2961", "dateAdded": "2024-06-01"}],
            }
        )
    )
    import_into_database(console.settings, kev)


def create_rule(console: Console, **fields: Any) -> dict[str, Any]:
    response = console.api.post(f"{API}/registries", json=fields)
    assert response.status_code == 201, response.text
    rule: dict[str, Any] = response.json()
    return rule


def scan_now(console: Console, rule_id: int) -> dict[str, Any]:
    response = console.api.post(f"{API}/registries/{rule_id}/scan")
    assert response.status_code == 202, response.text
    job: dict[str, Any] = response.json()
    return job


@dataclass
class Scanned:
    """A console that scanned three images of the scratch registry."""

    console: Console
    registry: SampleRegistry
    namespace: str
    digests: dict[str, str]
    job: dict[str, Any]

    def get(self, path: str, **params: Any) -> Any:
        response = self.console.api.get(f"{API}{path}", params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def digest(self, name: str) -> str:
        return self.digests[f"{self.namespace}/{name}"]


@pytest.fixture(scope="module")
def scanned(
    scratch_registry: SampleRegistry, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Scanned]:
    namespace = f"api{uuid.uuid4().hex[:8]}"
    digests = push_images(scratch_registry, namespace)
    workspace = tmp_path_factory.mktemp("api-scans")
    with running_console(workspace / "home") as console:
        import_advisories(console, workspace)
        rule = create_rule(
            console, name="team", registry=scratch_registry.url,
            repository=f"{namespace}/*", cap=0,
        )  # fmt: skip
        started = scan_now(console, rule["id"])
        assert started["status"] == "running"
        assert started["trigger"] == "user"
        job = console.wait_for_job(started["id"])
        yield Scanned(console, scratch_registry, namespace, digests, job)


# -- jobs -------------------------------------------------------------------------------------


def test_scan_now_runs_the_job_to_completion(scanned: Scanned) -> None:
    job = scanned.job
    assert job["status"] == "completed", job
    assert (job["rule"], job["trigger"], job["error"]) == ("team", "user", None)
    assert job["finished_at"] is not None
    assert job["progress"] == {"planned": 3, "pending": 0, "scanned": 3, "failed": 0,
                               "skipped": 0}  # fmt: skip
    assert scanned.get("/scans") == [job]
    assert scanned.get("/scans", rule="team") == [job]
    assert scanned.get("/scans", rule="other") == []
    assert scanned.get("/scans", offset=1) == []
    assert scanned.get("/scans", limit=1) == [job]


def test_cancelling_a_finished_job_is_a_conflict(scanned: Scanned) -> None:
    api = scanned.console.api
    response = api.post(f"{API}/scans/{scanned.job['id']}/cancel")
    assert response.status_code == 409
    assert "not running" in response.json()["detail"]
    assert scanned.get(f"/scans/{scanned.job['id']}")["status"] == "completed"
    assert api.get(f"{API}/scans/999").status_code == 404


def test_the_scanners(scanned: Scanned) -> None:
    [scanner] = scanned.get("/scanners")
    assert (scanner["name"], scanner["os"], scanner["alive"]) == ("console", "linux", True)
    assert scanner["running_jobs"] == 0
    assert scanner["version"]


def test_metrics_count_images_and_findings(scanned: Scanned) -> None:
    text = scanned.console.api.get("/metrics").text
    assert 'regsentry_images{status="scanned"} 3.0' in text
    assert 'regsentry_findings{severity="critical"} 3.0' in text
    assert 'regsentry_findings{severity="unknown"} 4.0' in text


# -- results ----------------------------------------------------------------------------------


def test_results_by_registry_and_repository(scanned: Scanned) -> None:
    host = scanned.registry.host
    [registry] = scanned.get("/results/registries")
    assert registry["host"] == host
    assert (registry["repositories"], registry["images"]) == (3, 3)
    assert registry["unreachable_since"] is None
    assert registry["vulnerabilities"] == {
        "critical": 3, "high": 0, "medium": 0, "low": 0, "negligible": 0, "unknown": 4,
    }  # fmt: skip
    repositories = scanned.get(f"/results/registries/{host}/repositories")
    assert [(r["name"], r["images"]) for r in repositories] == [
        (f"{scanned.namespace}/api", 1),
        (f"{scanned.namespace}/web", 1),
        (f"{scanned.namespace}/worker", 1),
    ]
    api_counts = repositories[0]["vulnerabilities"]
    assert (api_counts["critical"], api_counts["unknown"]) == (1, 2)
    assert scanned.get("/results/registries/elsewhere.example/repositories") == []


def test_images_list_and_filters(scanned: Scanned) -> None:
    page = scanned.get("/images")
    assert (page["total"], page["offset"], page["limit"]) == (3, 0, 50)
    by_repository = {item["repository"]: item for item in page["items"]}
    assert set(by_repository) == set(scanned.digests)
    web = by_repository[f"{scanned.namespace}/web"]
    assert web["digest"] == scanned.digest("web")
    assert web["tags"] == ["2.0", "latest"]
    assert (web["status"], web["os"], web["platform"]) == ("scanned", "debian 12", "linux/amd64")
    assert web["stale_since"] is None
    assert web["vulnerabilities"]["critical"] == 1

    assert scanned.get("/images", status="scanned")["total"] == 3
    assert scanned.get("/images", status="failed") == {"total": 0, "offset": 0, "limit": 50,
                                                       "items": []}  # fmt: skip
    assert scanned.get("/images", status="skipped")["total"] == 0
    assert scanned.get("/images", stale="false")["total"] == 3
    assert scanned.get("/images", stale="true")["total"] == 0
    assert scanned.get("/images", registry=scanned.registry.host)["total"] == 3
    assert scanned.get("/images", registry="elsewhere.example")["total"] == 0
    only = scanned.get("/images", repository=f"{scanned.namespace}/worker")
    assert [i["digest"] for i in only["items"]] == [scanned.digest("worker")]
    first = scanned.get("/images", limit=2)
    rest = scanned.get("/images", limit=2, offset=2)
    assert (first["total"], len(first["items"]), rest["total"], len(rest["items"])) == (3, 2, 3, 1)
    assert {i["digest"] for i in first["items"] + rest["items"]} == set(scanned.digests.values())
    bad = scanned.console.api.get(f"{API}/images", params={"status": "clean"})
    assert bad.status_code == 422
    assert scanned.console.api.get(f"{API}/images", params={"limit": 0}).status_code == 422


def test_one_image_in_full(scanned: Scanned) -> None:
    image = scanned.get(f"/images/{scanned.digest('api')}")
    assert image["digest"] == scanned.digest("api")
    assert image["tags"] == ["1.0"]
    assert [(s["repository"], s["tag"]) for s in image["seen_in"]] == [
        (f"{scanned.namespace}/api", "1.0")
    ]
    packages = {p["name"]: p for p in image["packages"]}
    assert set(packages) == {"bash", "curl", "libc6"}
    assert (packages["libc6"]["version"], packages["libc6"]["source_name"]) == (
        "2.36-9+deb12u4", "glibc",
    )  # fmt: skip
    assert packages["curl"]["type"] == "deb"
    assert packages["curl"]["layer"]  # the layer it came from
    assert any(f["path"] == "var/lib/dpkg/status" for f in image["analysed_files"])
    findings = {f["id"]: f for f in image["findings"]}
    assert set(findings) == {"CVE-2024-2961", "CVE-2024-2398", "CVE-2099-0001"}
    assert image["findings"][0]["id"] == "CVE-2024-2961"  # most severe first
    glibc = findings["CVE-2024-2961"]
    assert (glibc["package"], glibc["installed_version"], glibc["fixed_version"]) == (
        "libc6", "2.36-9+deb12u4", GLIBC_FIX,
    )  # fmt: skip
    assert (glibc["severity"], glibc["cvss_score"], glibc["known_exploited"]) == (
        "critical", 9.8, True,
    )  # fmt: skip
    assert glibc["aliases"] == ["DEBIAN-CVE-2024-2961"]
    assert glibc["match"]["matched_by"] == "source-package"
    assert glibc["match"]["matched_name"] == "glibc"
    assert GLIBC_FIX in glibc["match"]["constraint"]
    assert findings["CVE-2024-2398"]["fixed_version"] == CURL_FIX
    assert findings["CVE-2024-2398"]["match"]["matched_by"] == "package"
    assert findings["CVE-2099-0001"]["fixed_version"] is None  # no fix yet
    missing = scanned.console.api.get(f"{API}/images/sha256:{'0' * 64}")
    assert missing.status_code == 404


def _ids(page: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((item["id"], item["image"]) for item in page["items"])


def test_search_vulnerabilities(scanned: Scanned) -> None:
    everything = scanned.get("/vulnerabilities")
    assert everything["total"] == 7
    every_image = set(scanned.digests.values())
    by_cve = scanned.get("/vulnerabilities", q="CVE-2024-2961")
    assert by_cve["total"] == 3
    assert {i["image"] for i in by_cve["items"]} == every_image
    assert all(i["package"] == "libc6" for i in by_cve["items"])
    by_alias = scanned.get("/vulnerabilities", q="DEBIAN-CVE-2024-2961")
    assert _ids(by_alias) == _ids(by_cve)
    by_package = scanned.get("/vulnerabilities", q="curl")
    assert _ids(by_package) == [("CVE-2024-2398", scanned.digest("api"))]
    assert scanned.get("/vulnerabilities", q="libc")["total"] == 3  # part of a package name
    assert scanned.get("/vulnerabilities", q="CVE-1999-0001")["total"] == 0
    assert _ids(scanned.get("/vulnerabilities", severity="critical")) == _ids(by_cve)
    assert scanned.get("/vulnerabilities", severity="high")["total"] == 0
    assert scanned.get("/vulnerabilities", severity="unknown")["total"] == 4
    fixable = scanned.get("/vulnerabilities", fixable="true")
    assert sorted({i["id"] for i in fixable["items"]}) == ["CVE-2024-2398", "CVE-2024-2961"]
    assert fixable["total"] == 4
    unfixed = scanned.get("/vulnerabilities", fixable="false")
    assert {(i["id"], i["fixed_version"]) for i in unfixed["items"]} == {("CVE-2099-0001", None)}
    assert unfixed["total"] == 3
    exploited = scanned.get("/vulnerabilities", known_exploited="true")
    assert _ids(exploited) == _ids(by_cve)
    assert scanned.get("/vulnerabilities", known_exploited="false")["total"] == 4
    one_image = scanned.get("/vulnerabilities", image=scanned.digest("web"))
    assert sorted(i["id"] for i in one_image["items"]) == ["CVE-2024-2961", "CVE-2099-0001"]
    combined = scanned.get("/vulnerabilities", q="bash", fixable="true")
    assert combined["total"] == 0


def test_vulnerability_pages(scanned: Scanned) -> None:
    first = scanned.get("/vulnerabilities", limit=3)
    second = scanned.get("/vulnerabilities", limit=3, offset=3)
    third = scanned.get("/vulnerabilities", limit=3, offset=6)
    assert [len(p["items"]) for p in (first, second, third)] == [3, 3, 1]
    assert {p["total"] for p in (first, second, third)} == {7}
    assert (second["offset"], second["limit"]) == (3, 3)
    keys = [(i["id"], i["image"]) for p in (first, second, third) for i in p["items"]]
    assert sorted(keys) == _ids(scanned.get("/vulnerabilities"))
    api = scanned.console.api
    assert api.get(f"{API}/vulnerabilities", params={"limit": 501}).status_code == 422
    assert api.get(f"{API}/vulnerabilities", params={"offset": -1}).status_code == 422
    assert api.get(f"{API}/vulnerabilities", params={"severity": "urgent"}).status_code == 422


def test_changes_since_the_last_match(scanned: Scanned) -> None:
    changes = scanned.get("/changes")
    assert changes["since"] is not None
    assert changes["resolved"] == []
    assert sorted((f["id"], f["image"]) for f in changes["new"]) == _ids(
        scanned.get("/vulnerabilities")
    )


# -- a job that runs, a rescan ----------------------------------------------------------------


@pytest.fixture
def silent_registry() -> Iterator[str]:
    """``http://127.0.0.1:PORT`` of a server that accepts connections and never answers."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()


def test_scan_now_while_running_returns_the_same_job_and_cancel_stops_it(
    console: Console, silent_registry: str
) -> None:
    rule = create_rule(console, name="hangs", registry=silent_registry, repository="x/*")
    first = scan_now(console, rule["id"])
    second = scan_now(console, rule["id"])
    assert first["status"] == second["status"] == "running"
    assert second["id"] == first["id"]
    jobs = console.api.get(f"{API}/scans", params={"rule": "hangs"}).json()
    assert [job["id"] for job in jobs] == [first["id"]]
    [scanner] = console.api.get(f"{API}/scanners").json()
    assert scanner["running_jobs"] == 1
    assert "regsentry_scan_jobs_running 1.0" in console.api.get("/metrics").text

    cancelled = console.api.post(f"{API}/scans/{first['id']}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["id"] == first["id"]
    final = console.wait_for_job(first["id"])
    assert (final["status"], final["error"]) == ("cancelled", "cancelled by a user")
    assert console.api.post(f"{API}/scans/{first['id']}/cancel").status_code == 409
    # Once it is over, "scan now" starts a new job.
    third = scan_now(console, rule["id"])
    assert third["id"] != first["id"]


def test_cancel_reaches_the_job_on_its_event_loop(console: Console, silent_registry: str) -> None:
    rule = create_rule(console, name="hangs", registry=silent_registry, repository="x/*")
    job = scan_now(console, rule["id"])
    on_loop: list[bool] = []
    runner = console.services.jobs
    original = runner.cancel

    def cancel(job_id: int) -> bool:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            on_loop.append(False)
        else:
            on_loop.append(True)
        return original(job_id)

    runner.cancel = cancel  # type: ignore[method-assign]
    assert console.api.post(f"{API}/scans/{job['id']}/cancel").status_code == 200
    console.wait_for_job(job["id"])
    assert on_loop == [True]


def test_a_rescan_marks_a_vanished_image_stale(
    console: Console, scratch_registry: SampleRegistry, tmp_path: Path
) -> None:
    namespace = f"api{uuid.uuid4().hex[:8]}"
    digests = push_images(scratch_registry, namespace)
    rule = create_rule(console, registry=scratch_registry.url, repository=f"{namespace}/*", cap=0)
    assert console.wait_for_job(scan_now(console, rule["id"])["id"])["status"] == "completed"
    worker = digests[f"{namespace}/worker"]
    pusher = Pusher(scratch_registry.url)
    try:
        pusher.delete_manifest(f"{namespace}/worker", worker)
    finally:
        pusher.close()
    second = console.wait_for_job(scan_now(console, rule["id"])["id"])
    assert second["status"] == "completed", second
    assert second["trigger"] == "user"
    stale = console.api.get(f"{API}/images", params={"stale": "true"}).json()
    assert [i["digest"] for i in stale["items"]] == [worker]
    assert stale["items"][0]["stale_since"] is not None
    fresh = console.api.get(f"{API}/images", params={"stale": "false"}).json()
    assert {i["digest"] for i in fresh["items"]} == set(digests.values()) - {worker}
    jobs = console.api.get(f"{API}/scans").json()
    assert [j["status"] for j in jobs] == ["completed", "completed"]
    assert jobs[0]["id"] == second["id"]  # newest first
