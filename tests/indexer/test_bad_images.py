"""Bad images through ``regsentry image``: each is a clear per-image error, exit 3, in
bounded memory — never a traceback, never a clean result."""

from __future__ import annotations

import gzip
import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import zstandard

from tests.conftest import SampleRegistry
from tests.support.images import DOCKER_LAYER, Pusher, image_from_layers, tar_bytes
from tests.support.measure import run_measured

pytestmark = pytest.mark.registry

OS_RELEASE = b'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n'
STATUS = b"Package: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.2\n\n"
MiB = 1024 * 1024


@dataclass
class Run:
    code: int
    report: dict[str, Any]
    stderr: str
    max_rss: int

    @property
    def image(self) -> dict[str, Any]:
        [image] = self.report["images"]
        return image  # type: ignore[no-any-return]


def regsentry_image(registry: SampleRegistry, reference: str, home: Path) -> Run:
    """Run the CLI and measure its peak memory."""
    measured = run_measured(
        [sys.executable, "-m", "regsentry", "image", f"{registry.host}/{reference}",
         "--insecure", "--format", "json"],
        env={**os.environ, "REGSENTRY_HOME": str(home)},
    )  # fmt: skip
    assert "Traceback" not in measured.stderr, measured.stderr
    return Run(measured.returncode, json.loads(measured.stdout), measured.stderr, measured.peak_rss)


def push(registry: SampleRegistry, name: str, *layers: bytes, media_type: str = "") -> str:
    image = image_from_layers(layers, media_type=media_type or DOCKER_LAYER)
    pusher = Pusher(registry.url)
    pusher.push(f"bad/{name}", image, "latest")
    pusher.close()
    return image.layers[0].digest


def assert_failed(run: Run, *fragments: str) -> None:
    assert run.code == 3, run.stderr
    assert run.image["status"] == "failed"
    error = str(run.image["error"])
    for fragment in fragments:
        assert fragment in error, error
    assert run.max_rss < 200 * MiB, f"peak memory {run.max_rss:,} bytes"


def test_truncated_gzip(scratch_registry: SampleRegistry, tmp_path: Path) -> None:
    whole = gzip.compress(tar_bytes({"etc/os-release": OS_RELEASE, "filler": os.urandom(200_000)}))
    push(scratch_registry, "truncated", whole[: len(whole) // 2])
    assert_failed(regsentry_image(scratch_registry, "bad/truncated", tmp_path), "truncated")


def test_blob_corrupted_in_the_registry_storage(
    scratch_registry: SampleRegistry, tmp_path: Path
) -> None:
    layer = gzip.compress(tar_bytes({"etc/os-release": OS_RELEASE, "var/lib/dpkg/status": STATUS}))
    digest = push(scratch_registry, "corrupt", layer)
    algorithm, hex_digest = digest.split(":")
    data = (
        scratch_registry.server.root / "storage/docker/registry/v2/blobs" / algorithm
        / hex_digest[:2] / hex_digest / "data"
    )  # fmt: skip
    corrupted = bytearray(data.read_bytes())
    corrupted[-20] ^= 0xFF
    data.write_bytes(bytes(corrupted))
    run = regsentry_image(scratch_registry, "bad/corrupt", tmp_path)
    assert_failed(run, "does not match its digest", digest)
    assert "packages" not in run.image  # nothing from an unverified blob is reported


def test_path_traversal(scratch_registry: SampleRegistry, tmp_path: Path) -> None:
    push(
        scratch_registry,
        "traversal",
        gzip.compress(tar_bytes({"../../etc/passwd": b"root::0:0\n"})),
    )
    assert_failed(
        regsentry_image(scratch_registry, "bad/traversal", tmp_path), "escapes the image root"
    )


def test_decompression_bomb(scratch_registry: SampleRegistry, tmp_path: Path) -> None:
    zeros = bytes(16 * MiB)
    compressor = zstandard.ZstdCompressor(level=19).compressobj()
    header = tar_bytes({"etc/os-release": OS_RELEASE})[:-1024]  # no end marker: more follows
    body = compressor.compress(header)
    for _ in range(256):  # a 4 GiB file of zeros
        body += compressor.compress(zeros)
    bomb = body + compressor.flush()
    assert len(bomb) < 1 * MiB
    push(scratch_registry, "bomb", bomb, media_type="application/vnd.oci.image.layer.v1.tar+zstd")
    assert_failed(regsentry_image(scratch_registry, "bad/bomb", tmp_path), "decompression bomb")


def test_a_100_mb_status_file(scratch_registry: SampleRegistry, tmp_path: Path) -> None:
    huge = STATUS * (100 * MiB // len(STATUS))
    layer = gzip.compress(tar_bytes({"etc/os-release": OS_RELEASE, "var/lib/dpkg/status": huge}), 1)
    push(scratch_registry, "huge-status", layer)
    assert_failed(
        regsentry_image(scratch_registry, "bad/huge-status", tmp_path),
        "var/lib/dpkg/status is 104,857,",
        "cap",
    )


def test_garbage_in_the_rpm_header_region(scratch_registry: SampleRegistry, tmp_path: Path) -> None:
    database = tmp_path / "rpmdb.sqlite"
    with sqlite3.connect(database) as connection:
        connection.execute(
            "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)"
        )
        connection.execute("INSERT INTO Packages (blob) VALUES (?)", (b"\x00\x00\x00\x05garbage!",))
    rocky = b'ID="rocky"\nVERSION_ID="9.3"\nNAME="Rocky Linux"\n'
    layer = gzip.compress(
        tar_bytes({"etc/os-release": rocky, "var/lib/rpm/rpmdb.sqlite": database.read_bytes()})
    )
    push(scratch_registry, "rpm-garbage", layer)
    assert_failed(
        regsentry_image(scratch_registry, "bad/rpm-garbage", tmp_path), "var/lib/rpm/rpmdb.sqlite"
    )


def test_unknown_os(scratch_registry: SampleRegistry, tmp_path: Path) -> None:
    push(scratch_registry, "no-os", gzip.compress(tar_bytes({"app/server": b"\x7fELF..."})))
    run = regsentry_image(scratch_registry, "bad/no-os", tmp_path)
    assert_failed(run, "unknown OS")
    assert run.image["packages"] == []


def test_unsupported_layer_media_type(scratch_registry: SampleRegistry, tmp_path: Path) -> None:
    push(
        scratch_registry, "encrypted", b"opaque",
        media_type="application/vnd.oci.image.layer.v1.tar+gzip+encrypted",
    )  # fmt: skip
    assert_failed(
        regsentry_image(scratch_registry, "bad/encrypted", tmp_path), "unsupported media type"
    )


def test_missing_tag_is_a_clear_error(scratch_registry: SampleRegistry, tmp_path: Path) -> None:
    reference = f"{scratch_registry.host}/bad/none:nope"
    run_args = [sys.executable, "-m", "regsentry", "image", reference, "--insecure"]
    result = subprocess.run(run_args, capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "MANIFEST_UNKNOWN" in result.stderr or "NAME_UNKNOWN" in result.stderr
    assert "Traceback" not in result.stderr


def test_oci_zstd_image_is_scanned(scratch_registry: SampleRegistry, tmp_path: Path) -> None:
    layer = zstandard.ZstdCompressor().compress(
        tar_bytes({"etc/os-release": OS_RELEASE, "var/lib/dpkg/status": STATUS})
    )
    push(scratch_registry, "zstd", layer, media_type="application/vnd.oci.image.layer.v1.tar+zstd")
    run = regsentry_image(scratch_registry, "bad/zstd", tmp_path)
    assert run.code == 0, run.stderr
    assert run.image["status"] == "scanned"
    assert [p["name"] for p in run.image["packages"]] == ["bash"]
