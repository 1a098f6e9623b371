"""Where the shared, upstream-derived advisory data lives (``/work/shared/data`` in the lab).

Each folder has a SOURCE.md saying where it comes from and what it is good for.
"""

from __future__ import annotations

from pathlib import Path

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
PYPA = SHARED_DATA / "pypa-advisory-database"
GOLANG = SHARED_DATA / "golang-vulndb"
UBUNTU_SAMPLE = SHARED_DATA / "ubuntu-osv-sample"
GHSA_SAMPLE = SHARED_DATA / "ghsa-sample"
VUNNEL = SHARED_DATA / "vunnel-fixtures"
ALPINE_LEGACY = SHARED_DATA / "alpine-secdb-legacy"
CISA_KEV = SHARED_DATA / "cisa-kev" / "known_exploited_vulnerabilities.json"
OSV_GOLDEN = SHARED_DATA / "osv-scanner-golden" / "osv-api-querybatch.jsonl"

DEBIAN_TRACKER = VUNNEL / "debian" / "test-fixtures" / "input" / "debian.json"
DEBIAN_SNAPSHOTS = VUNNEL / "debian" / "test-fixtures" / "snapshots"
ALPINE_SECDB = VUNNEL / "alpine" / "test-fixtures" / "input" / "secdb"
ALPINE_SNAPSHOTS = VUNNEL / "alpine" / "test-fixtures" / "snapshots"
UBUNTU_OSV = VUNNEL / "ubuntu" / "test-fixtures"
KEV_SAMPLE = VUNNEL / "kev" / "test-fixtures" / "valid-catalog-1.json"
EPSS_DIR = VUNNEL / "epss" / "test-fixtures"
