"""rpm and apk images end to end, and a layer shared by two images fetched once."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from regsentry.analyzer.builtin import builtin_analyzers
from regsentry.indexer.image import ImageIndexer
from regsentry.model.digest import Digest
from regsentry.model.registry_address import RegistryAddress
from regsentry.registry.client import ClientOptions, RegistryClient
from regsentry.registry.manifest import ImageManifest
from tests.analyzer.data import shared_data
from tests.conftest import SampleRegistry
from tests.support.images import Pusher, gzip_layer, image_from_layers

pytestmark = pytest.mark.registry


def image_report(registry: SampleRegistry, reference: str, home: Path) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "regsentry", "image", f"{registry.host}/{reference}",
         "--insecure", "--format", "json"],
        capture_output=True, text=True, check=False,
        env={**os.environ, "REGSENTRY_HOME": str(home)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    [image] = json.loads(result.stdout)["images"]
    return image  # type: ignore[no-any-return]


def test_rpm_image_with_a_real_sqlite_database(
    scratch_registry: SampleRegistry, tmp_path: Path
) -> None:
    mariner = shared_data("go-rpmdb", "cbl-mariner-2.0")
    os_release = (
        b'NAME="Common Base Linux Mariner"\nVERSION="2.0.20230107"\nID=mariner\nVERSION_ID="2.0"\n'
    )
    blob = gzip_layer(
        {
            "etc/os-release": os_release,
            "var/lib/rpm/rpmdb.sqlite": (mariner / "rpmdb.sqlite").read_bytes(),
        }
    )
    pusher = Pusher(scratch_registry.url)
    pusher.push("rpm/mariner", image_from_layers((blob,)), "2.0")
    pusher.close()
    image = image_report(scratch_registry, "rpm/mariner:2.0", tmp_path)
    assert image["status"] == "scanned"
    assert image["os"]["family"] == "mariner"
    with (mariner / "rpm-qa.tsv").open() as table:
        expected = {
            (name, f"{'' if epoch == '(none)' else epoch + ':'}{version}-{release}", arch)
            for name, epoch, version, release, arch, *_ in csv.reader(table, delimiter="\t")
            if name != "gpg-pubkey"
        }
    listed = {(p["name"], p["version"], p["arch"]) for p in image["packages"]}
    assert listed == expected
    curl = next(p for p in image["packages"] if p["name"] == "curl")
    assert curl["purl"].startswith("pkg:rpm/microsoft/curl@7.76.0-6.cm2?arch=x86_64")


def test_apk_image(scratch_registry: SampleRegistry, tmp_path: Path) -> None:
    apk = shared_data("osv-scalibr-pkgdb", "apk")
    blob = gzip_layer(
        {
            "etc/alpine-release": b"3.18.0\n",
            "etc/os-release": b'ID=alpine\nVERSION_ID=3.18.0\nNAME="Alpine Linux"\n',
            "lib/apk/db/installed": (apk / "installed").read_bytes(),
        }
    )
    pusher = Pusher(scratch_registry.url)
    pusher.push("apk/alpine", image_from_layers((blob,)), "3.18")
    pusher.close()
    image = image_report(scratch_registry, "apk/alpine:3.18", tmp_path)
    assert image["status"] == "scanned"
    assert image["os"] == {"family": "alpine", "version": "3.18.0", "name": "Alpine Linux"}
    expected = json.loads((apk / "installed.expected.json").read_text())["packages"]
    assert sorted((p["name"], p["version"], p["source_name"]) for p in image["packages"]) == sorted(
        (p["name"], p["version"], p["source_name"]) for p in expected
    )


async def test_a_layer_shared_by_two_images_is_downloaded_once(
    scratch_registry: SampleRegistry,
) -> None:
    base = gzip_layer(
        {"etc/os-release": b"ID=debian\nVERSION_ID=12\n", "shared": os.urandom(50_000)}
    )
    images = [
        image_from_layers((base, gzip_layer({"var/lib/dpkg/status": f"Package: p{i}\n".encode()})))
        for i in range(2)
    ]
    pusher = Pusher(scratch_registry.url)
    for number, image in enumerate(images):
        pusher.push("shared/base", image, f"v{number}")
    pusher.close()
    base_digest = images[0].layers[0].digest
    gets = rf"GET /v2/shared/base/blobs/{base_digest}"
    before = len(scratch_registry.server.access_log_lines(gets))
    address = RegistryAddress.parse(scratch_registry.url)
    async with await RegistryClient.connect(address, ClientOptions()) as client:
        with ThreadPoolExecutor(4) as pool:
            indexer = ImageIndexer(client, builtin_analyzers(), pool)
            for image in images:
                manifest = await client.manifest("shared/base", Digest.parse(image.digest))
                assert isinstance(manifest, ImageManifest)
                await indexer.inventory("shared/base", manifest)
    assert len(scratch_registry.server.access_log_lines(gets)) == before + 1
