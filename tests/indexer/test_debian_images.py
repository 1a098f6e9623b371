"""Real Debian bookworm images, made by mmdebstrap and dpkg, against dpkg-query itself.

One image is a single layer; the other has three: the minbase, extra packages (curl,
less), and ``dpkg --purge less`` — so whiteouts and a replaced status file are exercised.
The oracle is ``dpkg-query -W`` on the final filesystem.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SampleRegistry
from tests.support.debian_rootfs import (
    bookworm_tar,
    copy_tree,
    dpkg_query,
    extract,
    layer_of_diff,
    layer_of_tar,
    purge,
)
from tests.support.images import Image, Pusher, image_from_layers

pytestmark = [pytest.mark.registry, pytest.mark.slow]


@dataclass
class DebianImages:
    one_layer: Image
    three_layer: Image
    minbase_packages: set[tuple[str, str, str]]
    final_packages: set[tuple[str, str, str]]
    with_extras_packages: set[tuple[str, str, str]]


@pytest.fixture(scope="module")
def debian_images(
    scratch_registry: SampleRegistry, tmp_path_factory: pytest.TempPathFactory
) -> DebianImages:
    if os.geteuid() != 0:
        pytest.fail("building Debian rootfs images needs root (mmdebstrap, chroot)")
    work = tmp_path_factory.mktemp("debian")
    minbase_tar = bookworm_tar("minbase")
    extras_tar = bookworm_tar("curl-less", ("curl", "less"))
    minbase = extract(minbase_tar, work / "minbase")
    extras = extract(extras_tar, work / "extras")
    final = copy_tree(extras, work / "final")
    purge(final, "less", work / "purge.log")
    base_layer = layer_of_tar(minbase_tar)
    images = DebianImages(
        one_layer=image_from_layers((base_layer,)),
        three_layer=image_from_layers(
            (base_layer, layer_of_diff(minbase, extras), layer_of_diff(extras, final))
        ),
        minbase_packages=dpkg_query(minbase),
        final_packages=dpkg_query(final),
        with_extras_packages=dpkg_query(extras),
    )
    pusher = Pusher(scratch_registry.url)
    pusher.push("debian/bookworm", images.one_layer, "one-layer")
    pusher.push("debian/bookworm", images.three_layer, "three-layer")
    pusher.close()
    return images


def regsentry_image(registry: SampleRegistry, tag: str) -> tuple[int, dict[str, Any]]:
    result = subprocess.run(
        [sys.executable, "-m", "regsentry", "image", f"{registry.host}/debian/bookworm:{tag}",
         "--insecure", "--format", "json"],
        capture_output=True, text=True, check=False, timeout=300,
        env={**os.environ, "REGSENTRY_HOME": str(Path(registry.server.root) / "home")},
    )  # fmt: skip
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout)


def packages_of(report: dict[str, Any]) -> list[dict[str, str]]:
    [image] = report["images"]
    return image["packages"]  # type: ignore[no-any-return]


def test_one_layer_image_lists_exactly_what_dpkg_lists(
    scratch_registry: SampleRegistry, debian_images: DebianImages
) -> None:
    code, report = regsentry_image(scratch_registry, "one-layer")
    assert code == 0
    [image] = report["images"]
    assert image["status"] == "scanned"
    assert image["os"] == {"family": "debian", "version": "12", "name": "bookworm"}
    listed = {(p["name"], p["version"], p["arch"]) for p in packages_of(report)}
    assert listed == debian_images.minbase_packages
    assert len(listed) > 80
    layer = debian_images.one_layer.layers[0].digest
    assert {p["layer"] for p in packages_of(report)} == {layer}


def test_three_layer_image_applies_whiteouts_and_the_replaced_status(
    scratch_registry: SampleRegistry, debian_images: DebianImages
) -> None:
    code, report = regsentry_image(scratch_registry, "three-layer")
    assert code == 0
    [image] = report["images"]
    assert image["status"] == "scanned"
    packages = packages_of(report)
    listed = {(p["name"], p["version"], p["arch"]) for p in packages}
    assert listed == debian_images.final_packages
    assert "less" in {name for name, _, _ in debian_images.with_extras_packages}
    assert "less" not in {p["name"] for p in packages}
    base, extras, purge_layer = (blob.digest for blob in debian_images.three_layer.layers)
    by_name = {p["name"]: p for p in packages}
    assert by_name["curl"]["layer"] == extras
    assert by_name["bash"]["layer"] == base
    assert by_name["libcurl4"]["source_name"] == "curl"
    assert by_name["libcurl4"]["purl"].startswith("pkg:deb/debian/libcurl4@")
    status_files = [f for f in image["analysis"]["files"] if f["path"] == "var/lib/dpkg/status"]
    assert status_files == [{"path": "var/lib/dpkg/status", "analyzer": "dpkg",
                             "layer": purge_layer}]  # fmt: skip


def test_scan_stores_exactly_what_dpkg_lists(
    scratch_registry: SampleRegistry, debian_images: DebianImages, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    result = subprocess.run(
        [sys.executable, "-m", "regsentry", "scan", scratch_registry.url, "--repo",
         "debian/bookworm", "--tag", "*-layer", "--cap", "0", "--format", "json"],
        capture_output=True, text=True, check=False, timeout=300,
        env={**os.environ, "REGSENTRY_HOME": str(home)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    images = {tuple(i["tags"]): i for i in json.loads(result.stdout)["images"]}
    expected = {("one-layer",): debian_images.minbase_packages,
                ("three-layer",): debian_images.final_packages}  # fmt: skip
    for tags, packages in expected.items():
        listed = {(p["name"], p["version"], p["arch"]) for p in images[tags]["packages"]}
        assert listed == packages
    with sqlite3.connect(home / "results.sqlite") as connection:
        stored = connection.execute(
            "SELECT p.name, p.version, p.arch FROM packages p JOIN images i ON i.id = p.image_id "
            "WHERE i.digest = ?",
            (debian_images.three_layer.digest,),
        ).fetchall()
    assert set(stored) == debian_images.final_packages
