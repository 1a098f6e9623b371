"""Benchmark: import advisories, then match inventories against them.

    .venv/bin/python -m bench.match [--rounds 5]

Imports all of pypa-advisory-database and golang-vulndb (records/s), then matches a
2,000-package inventory (packages/s) and a 500-package one (latency per image), cold (a
fresh database handle) and warm (a handle that has seen these packages, as when a scan
goes through many images sharing a base). Goal (issue 4): an image of 500 packages
matched in under 50 ms. Prints figures; asserts nothing.

The inventories are drawn from the packages the advisories name (PyPI and Go, at
versions both inside and outside the affected ranges) plus Debian packages of a real
bookworm status file matched against a Debian tracker sample, so that lookups hit and
miss as in a real image.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from tests.analyzer.data import shared_data
from tests.support.debian_rootfs import CACHE

from bench.timing import median_seconds
from regsentry.analyzer.dpkg import DpkgAnalyzer
from regsentry.matcher.match import match_inventory
from regsentry.model.inventory import Inventory
from regsentry.model.package import Distro, Package, PackageType
from regsentry.vulndb.importer import import_path
from regsentry.vulndb.store import AdvisoryDB

SOURCES = ("pypa-advisory-database", "golang-vulndb")


def language_packages(database: AdvisoryDB, count: int, seed: int) -> list[Package]:
    """Packages named by the advisories, at versions from their own version lists."""
    rows = database._fetch("SELECT DISTINCT ecosystem, name FROM affected_index", ())
    rng = random.Random(seed)
    chosen = rng.sample(rows, min(count, len(rows)))
    packages = []
    for ecosystem, name in chosen:
        kind = PackageType.PYTHON if ecosystem == "PyPI" else PackageType.GO
        advisories = database.advisories_for(str(ecosystem), str(name))
        versions = [v for a in advisories for aff in a.affected for v in aff.versions]
        version = rng.choice(versions) if versions else "1.0.0"
        packages.append(Package(kind, str(name), version))
    return packages


def debian_packages() -> list[Package]:
    """The packages of a real bookworm minbase status file, if cached; else none."""
    tar = CACHE / "bookworm-minbase.tar"
    if not tar.exists():
        return []
    import tarfile

    with tarfile.open(tar) as archive:
        member = archive.extractfile("./var/lib/dpkg/status")
        assert member is not None
        status = member.read()
    return list(DpkgAnalyzer().analyze("var/lib/dpkg/status", status).packages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory(prefix="regsentry-bench-") as directory:
        path = Path(directory) / "vulndb.sqlite"
        started = time.perf_counter()
        imported = sum(import_path(path, shared_data(name)).imported for name in SOURCES)
        import_seconds = time.perf_counter() - started
        tracker = shared_data("vunnel-fixtures", "debian", "input", "debian.json")
        if tracker.exists():
            import_path(path, tracker)
        with AdvisoryDB(path) as database:
            debian = debian_packages()
            big = Inventory(
                distro=Distro("debian", "12", "bookworm"),
                packages=tuple(language_packages(database, 2000 - len(debian), 1) + debian),
            )
            small = Inventory(
                distro=big.distro, packages=tuple(random.Random(2).sample(big.packages, 500))
            )
            findings = len(match_inventory(big, database).findings)

        def cold(inventory: Inventory) -> None:
            # A fresh handle: nothing remembered, every advisory read and decoded.
            with AdvisoryDB(path) as fresh:
                match_inventory(inventory, fresh)

        big_seconds = median_seconds(lambda: cold(big), rounds)
        small_seconds = median_seconds(lambda: cold(small), rounds)
        with AdvisoryDB(path) as warm_handle:
            match_inventory(big, warm_handle)
            warm_seconds = median_seconds(lambda: match_inventory(small, warm_handle), rounds)
    print(f"import: {imported:,} records in {import_seconds:.2f} s "
          f"({imported / import_seconds:,.0f} records/s)")  # fmt: skip
    rate = len(big.packages) / big_seconds
    print(f"match 2,000 packages: {big_seconds * 1000:.1f} ms "
          f"({rate:,.0f} packages/s, {findings:,} findings)")  # fmt: skip
    print(f"match one 500-package image: {small_seconds * 1000:.1f} ms cold (fresh handle), "
          f"{warm_seconds * 1000:.1f} ms warm (packages seen before); goal < 50 ms; "
          f"medians of {rounds}")  # fmt: skip


if __name__ == "__main__":
    main()
