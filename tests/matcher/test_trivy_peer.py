"""Peer check against Trivy's integration goldens (shared/data/trivy-integration-golden).

Trivy's tests match real images against a small fixture database; here the same fixture
advisories are turned into OSV-shaped records and the same installed packages are
matched. Findings must agree on vulnerability, package and fixed version. Severities are
not compared: Trivy takes them from its NVD fixture, regsentry from the distro's rating.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from regsentry.matcher.match import match_inventory
from regsentry.model.advisory import Advisory, Affected, AffectedRange, RangeEvent
from regsentry.model.inventory import Inventory
from regsentry.model.package import Distro, Package, PackageType
from tests.analyzer.data import shared_data
from tests.matcher.lookup import MemoryLookup

GOLDEN = shared_data("trivy-integration-golden")
#: Binary → source package, as each distro's own database records it (Trivy reads the
#: same from apk origins and dpkg Source fields of the images, not in the goldens).
SOURCES = {
    "libcrypto1.1": "openssl",
    "libssl1.1": "openssl",
    "musl-utils": "musl",
    "libidn2-0": "libidn2",
    "e2fslibs": "e2fsprogs",
    "libcomerr2": "e2fsprogs",
    "libcom-err2": "e2fsprogs",
    "libext2fs2": "e2fsprogs",
    "libss2": "e2fsprogs",
}
FAMILIES = {"alpine": ("Alpine", PackageType.APK), "debian": ("Debian", PackageType.DEB),
            "ubuntu": ("Ubuntu", PackageType.DEB)}  # fmt: skip


def _release(family: str, bucket_version: str) -> str:
    return f"v{bucket_version}" if family == "alpine" else bucket_version


def fixture_advisories(family: str) -> list[Advisory]:
    """Trivy's fixture buckets (``alpine 3.9`` → package → CVE → fix) as OSV records."""
    ecosystem = FAMILIES[family][0]
    advisories = []
    for release_bucket in yaml.safe_load((GOLDEN / "fixtures-db" / f"{family}.yaml").read_text()):
        _, _, version = release_bucket["bucket"].partition(" ")
        for package_bucket in release_bucket["pairs"]:
            for pair in package_bucket["pairs"]:
                fixed = (pair.get("value") or {}).get("FixedVersion")
                events = [RangeEvent("introduced", "0")]
                if fixed:
                    events.append(RangeEvent("fixed", str(fixed)))
                affected = Affected(
                    ecosystem, _release(family, version), package_bucket["bucket"],
                    (AffectedRange("ECOSYSTEM", tuple(events)),),
                )  # fmt: skip
                advisories.append(Advisory(pair["key"], "trivy-fixture", affected=(affected,)))
    return advisories


def golden(name: str) -> dict[str, Any]:
    return json.loads((GOLDEN / "findings-summary.json").read_text())[name]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "name",
    [
        "alpine-39.json.golden",
        "alpine-310.json.golden",
        "debian-buster.json.golden",
        "debian-stretch.json.golden",
        "ubuntu-1804.json.golden",
    ],
)
def test_same_findings_as_trivy(name: str) -> None:
    expected_run = golden(name)
    family = expected_run["os"]["Family"]
    version = expected_run["os"]["Name"]
    package_type = FAMILIES[family][1]
    installed = {(f["pkg"], f["installed"]) for f in expected_run["findings"]}
    packages = [
        Package(package_type, pkg, ver, "amd64", SOURCES.get(pkg, pkg), ver)
        for pkg, ver in sorted(installed)
    ]
    packages.append(Package(package_type, "unrelated", "1.0-1", "amd64"))
    result = match_inventory(
        Inventory(distro=Distro(family, version), packages=tuple(packages)),
        MemoryLookup(fixture_advisories(family)),
    )
    ours = {(f.id, f.package, f.fixed_version) for f in result.findings}
    theirs = {(f["id"], f["pkg"], f["fixed"]) for f in expected_run["findings"]}
    assert ours == theirs
