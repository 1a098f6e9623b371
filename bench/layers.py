"""Benchmark: streaming layer analysis on a real Debian bookworm image (one layer of
about 83 MB gzip / 236 MB tar), every figure measured in the same run.

    .venv/bin/python -m bench.layers [--rounds 5]

(a) walker throughput (inflate + tar walk + analyzers, in process) against
    ``gzip -dc > /dev/null`` on the same blob — goal: at least 2x as fast;
(b) cold ``regsentry image`` wall time against ``skopeo copy docker://… oci:DIR`` from the
    same local registry followed by ``gzip -dc`` of its layers — goal: at most 0.5x;
(c) the same wall time against the in-process inflate floor (ISA-L decompressing the same
    bytes) — goal: at most 1.5x;
and the peak RSS of ``regsentry image``. The command's wall time is taken from its fork
to its exit by the launcher that also reads its peak RSS (the launcher's own start-up is
not counted). Needs root (mmdebstrap), skopeo and Debian's docker-registry. Prints
figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from isal import isal_zlib
from tests.support.debian_rootfs import CACHE, bookworm_tar, layer_of_tar
from tests.support.images import Pusher, image_from_layers
from tests.support.measure import Measured, run_measured
from tests.support.registry_server import start_registry

from bench.timing import compile_bytecode, median_seconds
from regsentry.analyzer.builtin import builtin_analyzers
from regsentry.indexer.decompress import DecompressionLimits
from regsentry.indexer.layer import LayerWalker
from regsentry.model.digest import Digest

PACKAGES = ("python3", "perl", "curl", "less", "procps", "openssl", "ca-certificates",
            "xz-utils", "bzip2", "file")  # fmt: skip
CHUNK = 1 << 20


def layer_blob() -> bytes:
    cached = CACHE / "bookworm-bench-layer.tar.gz"
    if not cached.exists():
        cached.write_bytes(layer_of_tar(bookworm_tar("bench", PACKAGES)))
    return cached.read_bytes()


def inflate_floor(blob: bytes) -> None:
    inflater = isal_zlib.decompressobj(wbits=31)
    for start in range(0, len(blob), CHUNK):
        pending = blob[start : start + CHUNK]
        while pending:
            inflater.decompress(pending, CHUNK)
            pending = inflater.unconsumed_tail


def walker(blob: bytes) -> None:
    walk = LayerWalker(Digest.of(blob), builtin_analyzers(), limits=DecompressionLimits())
    for start in range(0, len(blob), CHUNK):
        walk.feed(blob[start : start + CHUNK])
    walk.finish()


def gzip_dc(path: Path) -> None:
    with path.open("rb") as source:
        subprocess.run(["gzip", "-dc"], stdin=source, stdout=subprocess.DEVNULL, check=True)


def regsentry_image(reference: str, work: Path) -> Measured:
    """Cold run (fresh REGSENTRY_HOME): the command's own wall time and peak RSS."""
    home = Path(tempfile.mkdtemp(dir=work))
    measured = run_measured(
        [sys.executable, "-m", "regsentry", "image", reference, "--insecure", "--format",
         "json", "--output", str(home / "report.json")],
        env={**os.environ, "REGSENTRY_HOME": str(home)},
    )  # fmt: skip
    if measured.returncode != 0:
        raise SystemExit(f"regsentry image failed: {measured.stderr}")
    return measured


def skopeo_then_gzip(reference: str, work: Path) -> None:
    target = Path(tempfile.mkdtemp(dir=work))
    subprocess.run(
        ["skopeo", "copy", "--quiet", "--src-tls-verify=false", f"docker://{reference}",
         f"oci:{target}/oci"],
        check=True,
    )  # fmt: skip
    blobs = target / "oci/blobs/sha256"
    for blob in blobs.iterdir():
        if blob.stat().st_size > 1 << 20:  # the layers, not the config or manifest
            gzip_dc(blob)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    compile_bytecode()
    blob = layer_blob()
    with tempfile.TemporaryDirectory(prefix="regsentry-bench-") as directory:
        work = Path(directory)
        blob_path = work / "layer.gz"
        blob_path.write_bytes(blob)
        registry = start_registry(work / "registry")
        try:
            pusher = Pusher(registry.url)
            pusher.push("bench/debian", image_from_layers((blob,)), "latest")
            pusher.close()
            reference = f"{registry.host}/bench/debian:latest"
            floor = median_seconds(lambda: inflate_floor(blob), rounds)
            walk = median_seconds(lambda: walker(blob), rounds)
            gunzip = median_seconds(lambda: gzip_dc(blob_path), rounds)
            runs = [regsentry_image(reference, work) for _ in range(rounds)]
            image = statistics.median(run.seconds for run in runs)
            naive = median_seconds(lambda: skopeo_then_gzip(reference, work), rounds)
        finally:
            registry.stop()
    size = len(blob)
    print(f"layer: {size / 1e6:.1f} MB gzip; medians of {rounds}")
    print(f"gzip -dc            : {gunzip:6.2f} s")
    print(f"ISA-L inflate floor : {floor:6.2f} s")
    print(f"walker (in process) : {walk:6.2f} s  {size / walk / 1e6:6.0f} MB/s")
    peak = max(run.peak_rss for run in runs)
    print(f"regsentry image     : {image:6.2f} s  peak RSS {peak / 2**20:.0f} MiB")
    print(f"skopeo copy + gzip  : {naive:6.2f} s")
    print(f"(a) walker vs gzip -dc          : {gunzip / walk:5.2f}x faster (goal >= 2)")
    print(f"(b) image vs skopeo + gzip      : {image / naive:5.2f}x the time (goal <= 0.5)")
    print(f"(c) image vs inflate floor      : {image / floor:5.2f}x the time (goal <= 1.5)")


if __name__ == "__main__":
    main()
