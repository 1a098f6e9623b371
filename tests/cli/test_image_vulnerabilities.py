"""``regsentry db import`` then ``regsentry image``: vulnerabilities in the report, and the
report's honesty about the advisory database it used."""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SampleRegistry
from tests.support.images import Pusher, image_from_layers

pytestmark = pytest.mark.registry

OS_RELEASE = b'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n'
STATUS = b"""Package: libc6
Status: install ok installed
Architecture: amd64
Source: glibc
Version: 2.36-9+deb12u4

Package: bash
Status: install ok installed
Architecture: amd64
Version: 5.2.15-2+b2
Source: bash (5.2.15-2)

Package: zlib1g
Status: install ok installed
Architecture: amd64
Source: zlib
Version: 1:1.2.13.dfsg-1

"""


def osv(id_: str, package: str, fixed: str | None, **extra: object) -> dict[str, object]:
    events: list[dict[str, str]] = [{"introduced": "0"}]
    if fixed:
        events.append({"fixed": fixed})
    return {
        "schema_version": "1.6.0",
        "id": id_,
        "modified": "2024-06-01T00:00:00Z",
        "summary": f"{package} issue",
        "affected": [
            {
                "package": {"ecosystem": "Debian:12", "name": package},
                "ranges": [{"type": "ECOSYSTEM", "events": events}],
            }
        ],
        **extra,
    }


@pytest.fixture(scope="module")
def image_reference(scratch_registry: SampleRegistry) -> str:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, content in (("etc/os-release", OS_RELEASE), ("var/lib/dpkg/status", STATUS)):
            member = tarfile.TarInfo(name)
            member.size = len(content)
            archive.addfile(member, io.BytesIO(content))
    pusher = Pusher(scratch_registry.url)
    pusher.push("vuln/debian", image_from_layers((gzip.compress(buffer.getvalue()),)), "12")
    pusher.close()
    return f"{scratch_registry.host}/vuln/debian:12"


def regsentry(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "regsentry", *args],
        capture_output=True, text=True, check=False, timeout=120,
        env={**os.environ, "REGSENTRY_HOME": str(home), **env},
    )  # fmt: skip


def image_json(home: Path, reference: str, **env: str) -> dict[str, Any]:
    result = regsentry(home, "image", reference, "--insecure", "--format", "json", **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_vulnerabilities_after_import(image_reference: str, tmp_path: Path) -> None:
    records = tmp_path / "records"
    records.mkdir()
    for record in (
        osv("DEBIAN-CVE-2024-2961", "glibc", "2.36-9+deb12u7", aliases=["CVE-2024-2961"],
            severity=[{"type": "CVSS_V3",
                       "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]),
        osv("DEBIAN-CVE-2022-3715", "bash", None, aliases=["CVE-2022-3715"]),
        osv("DEBIAN-CVE-2018-25032", "zlib", "1:1.2.11.dfsg-4", aliases=["CVE-2018-25032"]),
    ):  # fmt: skip
        (records / f"{record['id']}.json").write_text(json.dumps(record))
    home = tmp_path / "home"
    imported = regsentry(home, "db", "import", str(records))
    assert imported.returncode == 0, imported.stderr
    assert "3 imported" in imported.stderr
    report = image_json(home, image_reference)
    assert report["advisories"]["used"] is True
    assert report["advisories"]["stale"] is False
    [image] = report["images"]
    assert image["status"] == "scanned"
    found = {(v["id"], v["package"], v["fixed_version"]) for v in image["vulnerabilities"]}
    assert found == {
        ("CVE-2024-2961", "libc6", "2.36-9+deb12u7"),
        ("CVE-2022-3715", "bash", None),
    }  # zlib's fix 1:1.2.11.dfsg-4 is older than the installed 1:1.2.13.dfsg-1
    glibc = next(v for v in image["vulnerabilities"] if v["package"] == "libc6")
    assert glibc["source_name"] == "glibc"
    assert glibc["severity"] == "critical"
    assert glibc["cvss_score"] == 9.8
    assert glibc["match"]["matched_by"] == "source-package"
    assert glibc["match"]["ecosystem"] == "Debian:12"
    assert image["summary"] == {"critical": 1, "high": 0, "medium": 0, "low": 0,
                                "negligible": 0, "unknown": 1}  # fmt: skip
    assert report["summary"]["vulnerabilities"]["critical"] == 1

    stale = image_json(home, image_reference, REGSENTRY_ADVISORY_MAX_AGE_DAYS="0.000001")
    assert stale["advisories"]["stale"] is True
    assert "stale" in stale["advisories"]["note"]
    assert "the advisory database is stale" in stale["images"][0]["notes"]


def test_without_a_database_the_report_says_nothing_was_assessed(
    image_reference: str, tmp_path: Path
) -> None:
    report = image_json(tmp_path / "empty-home", image_reference)
    assert report["advisories"]["used"] is False
    [image] = report["images"]
    assert image["summary"] is None
    assert report["summary"]["vulnerabilities"] is None


def test_an_empty_database_is_flagged(image_reference: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    kev = Path(__file__).resolve().parents[3] / "shared/data/cisa-kev"
    assert (
        regsentry(
            home, "db", "import", str(kev / "known_exploited_vulnerabilities.json")
        ).returncode
        == 0
    )
    report = image_json(home, image_reference)
    assert report["advisories"]["empty"] is True
    assert "empty" in report["advisories"]["note"]


def test_db_status_and_bad_imports(tmp_path: Path) -> None:
    home = tmp_path / "home"
    bad = tmp_path / "bad.json"
    bad.write_text("{ not json")
    result = regsentry(home, "db", "import", str(bad))
    assert result.returncode == 2
    assert "not valid JSON" in result.stderr
    assert "nothing was changed" in result.stderr
    assert "Traceback" not in result.stderr
    missing = regsentry(home, "db", "import", str(tmp_path / "nope"))
    assert missing.returncode == 2
    assert "Traceback" not in missing.stderr
    status = regsentry(home, "db", "status")
    assert status.returncode == 0
    assert "advisories" in status.stdout
