"""Benchmark: a whole registry, scanned cold and rescanned, against the naive pipeline.

    .venv/bin/python -m bench.registry [--images 200] [--bases 5]

A local docker-registry holds ``--images`` images built on ``--bases`` shared base
layers (each base carries the real dpkg status file of a bookworm minbase, so every
image has ~90 Debian packages). Printed, all measured in the same run:

* bytes downloaded by the first scan / bytes of unique layers (goal 1.00);
* requests and blob GETs of a rescan of the unchanged registry (goal 0 blob GETs);
* first-scan wall time against ``skopeo copy`` of every image into one OCI layout and
  ``gzip -dc`` of each unique layer (goal <= 0.5x);
* the time to re-match every stored inventory after an advisory update, extrapolated to
  10,000 images (goal <= 60 s).

Needs root (mmdebstrap, for the status file), skopeo and Debian's docker-registry.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from tests.service.scan_support import OS_RELEASE
from tests.support.debian_rootfs import bookworm_tar
from tests.support.images import Pusher, gzip_layer, image_from_layers, sha256
from tests.support.registry_server import RunningRegistry, start_registry

from bench.timing import compile_bytecode, median_seconds
from regsentry.analyzer.dpkg import DpkgAnalyzer
from regsentry.config import Settings
from regsentry.db.store import ResultStore
from regsentry.service.advisories import import_into_database
from regsentry.service.rematch import rematch_stored

_BLOB_LINE = re.compile(
    r'"GET /v2/(?P<repo>[^ ]+)/blobs/(?P<digest>sha256:[0-9a-f]+) [^"]*" 200 (?P<size>\d+)'
)


def minbase_status() -> bytes:
    with tarfile.open(bookworm_tar("minbase")) as archive:
        member = archive.extractfile("./var/lib/dpkg/status")
        assert member is not None
        return member.read()


def populate(registry: RunningRegistry, images: int, bases: int) -> set[str]:
    """Push the images; return the digests of every layer."""
    status = minbase_status()
    rng = random.Random(7)
    base_layers = [
        gzip_layer({"etc/os-release": OS_RELEASE, "var/lib/dpkg/status": status,
               f"opt/base{n}/data": rng.randbytes(4_000_000)})
        for n in range(bases)
    ]  # fmt: skip
    pusher = Pusher(registry.url)
    layers: set[str] = {sha256(b) for b in base_layers}
    for number in range(images):
        app = gzip_layer({f"srv/app{number}/payload": rng.randbytes(150_000)})
        image = image_from_layers((base_layers[number % bases], app))
        pusher.push(f"bench/app{number % 20}", image, f"v{number}")
        layers.add(sha256(app))
    pusher.close()
    return layers


def blob_downloads(registry: RunningRegistry, since_line: int) -> list[tuple[str, int]]:
    lines = registry.log_path.read_text(errors="replace").splitlines()[since_line:]
    return [(m["digest"], int(m["size"])) for line in lines if (m := _BLOB_LINE.search(line))]


def request_count(registry: RunningRegistry, since_line: int) -> int:
    lines = registry.log_path.read_text(errors="replace").splitlines()[since_line:]
    return sum(1 for line in lines if '"GET /v2/' in line or '"HEAD /v2/' in line)


def log_length(registry: RunningRegistry) -> int:
    return len(registry.log_path.read_text(errors="replace").splitlines())


def regsentry_scan(registry: RunningRegistry, home: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "regsentry", "scan", registry.url, "--repo", "bench/*",
         "--cap", "0", "--format", "json", "--output", str(home / "report.json")],
        env={**os.environ, "REGSENTRY_HOME": str(home)}, check=True, capture_output=True,
    )  # fmt: skip


def naive(registry: RunningRegistry, work: Path, repositories: dict[str, list[str]]) -> None:
    layout = Path(tempfile.mkdtemp(dir=work)) / "oci"
    for repository, tags in repositories.items():
        for tag in tags:
            image = f"docker://{registry.host}/{repository}:{tag}"
            target = f"oci:{layout}:{repository}-{tag}"
            subprocess.run(
                ["skopeo", "copy", "--quiet", "--src-tls-verify=false", image, target],
                check=True,
            )
    for blob in (layout / "blobs/sha256").iterdir():
        if blob.stat().st_size > 100_000:
            with blob.open("rb") as source:
                subprocess.run(["gzip", "-dc"], stdin=source, stdout=subprocess.DEVNULL, check=True)


def advisories(directory: Path, status: bytes, count_per_package: int = 3) -> Path:
    """Debian:12 OSV records for the minbase's source packages (synthetic, real names)."""
    directory.mkdir(parents=True, exist_ok=True)
    analysis = DpkgAnalyzer().analyze("var/lib/dpkg/status", status)
    sources = sorted({p.source_name or p.name for p in analysis.packages})
    number = 0
    for source in sources:
        for _ in range(count_per_package):
            number += 1
            record = {
                "id": f"DEBIAN-CVE-2099-{number:05d}",
                "modified": "2026-01-01T00:00:00Z",
                "aliases": [f"CVE-2099-{number:05d}"],
                "affected": [{"package": {"ecosystem": "Debian:12", "name": source},
                              "ranges": [{"type": "ECOSYSTEM", "events": [
                                  {"introduced": "0"}, {"fixed": f"{number}:99"}]}]}],
            }  # fmt: skip
            (directory / f"{record['id']}.json").write_text(json.dumps(record))
    return directory


def fix_some(directory: Path, every: int = 10) -> None:
    """Every ``every``-th record now says it was fixed long ago (its finding resolves)."""
    for number, path in enumerate(sorted(directory.glob("*.json"))):
        if number % every == 0:
            record = json.loads(path.read_text())
            record["modified"] = "2026-02-01T00:00:00Z"
            record["affected"][0]["ranges"][0]["events"][1]["fixed"] = "0.1"
            path.write_text(json.dumps(record))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--bases", type=int, default=5)
    args = parser.parse_args()
    compile_bytecode()
    with tempfile.TemporaryDirectory(prefix="regsentry-bench-") as directory:
        work = Path(directory)
        registry = start_registry(work / "registry")
        try:
            print(f"pushing {args.images} images on {args.bases} bases …", flush=True)
            layers = populate(registry, args.images, args.bases)
            home = work / "home"
            start = log_length(registry)
            started = time.perf_counter()
            regsentry_scan(registry, home)
            first_scan = time.perf_counter() - started
            downloads = [(d, s) for d, s in blob_downloads(registry, start) if d in layers]
            sizes = dict(downloads)
            downloaded = sum(size for _, size in downloads)
            unique = sum(sizes.values())
            start = log_length(registry)
            rescan = median_seconds(lambda: regsentry_scan(registry, home), 1)
            rescan_blobs = len(blob_downloads(registry, start))
            rescan_requests = request_count(registry, start)
            repositories: dict[str, list[str]] = {}
            for number in range(args.images):
                repositories.setdefault(f"bench/app{number % 20}", []).append(f"v{number}")
            naive_seconds = median_seconds(lambda: naive(registry, work, repositories), 1)
        finally:
            registry.stop()
        settings = Settings(home=home)
        records = advisories(work / "records", minbase_status())
        import_into_database(settings, records)
        store = ResultStore.open(settings.store_url)
        initial = rematch_stored(settings, store)  # every finding is new: the first match
        fix_some(records)  # an update: some advisories gain a fix that is installed
        import_into_database(settings, records)
        report = rematch_stored(settings, store)
        store.close()
    per_image = report.seconds / max(report.images, 1)
    print(f"images: {args.images} on {args.bases} bases, {len(layers)} unique layers")
    print(f"first scan downloaded {downloaded / 1e6:.1f} MB of {unique / 1e6:.1f} MB unique "
          f"layer bytes: ratio {downloaded / unique:.2f} (goal 1.00)")  # fmt: skip
    print(f"rescan of the unchanged registry: {rescan:.2f} s, {rescan_requests} requests, "
          f"{rescan_blobs} blob GETs (goal 0)")  # fmt: skip
    print(f"first scan {first_scan:.2f} s vs skopeo copy + gzip -dc {naive_seconds:.2f} s: "
          f"{first_scan / naive_seconds:.2f}x (goal <= 0.5)")  # fmt: skip
    print(f"first match of {initial.images} stored inventories: {initial.seconds:.2f} s "
          f"({initial.new_findings} findings, all new)")  # fmt: skip
    print(f"re-match after an advisory update: {report.seconds:.2f} s "
          f"({report.new_findings} new, {report.resolved_findings} resolved); "
          f"10,000 images ≈ {per_image * 10_000:.0f} s (goal <= 60 s)")  # fmt: skip


if __name__ == "__main__":
    main()
