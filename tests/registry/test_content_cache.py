"""The content-addressed cache of registry documents."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from regsentry.model.digest import Digest
from regsentry.model.rule import ScanRule
from regsentry.registry.client import ClientOptions
from regsentry.registry.content_cache import DirectoryContentCache
from regsentry.service.plan import plan_images
from tests.conftest import SampleRegistry


def test_round_trip_and_private_directory(tmp_path: Path) -> None:
    cache = DirectoryContentCache(tmp_path / "cache")
    data = b'{"os": "linux"}'
    digest = Digest.of(data)
    assert cache.get(digest) is None
    cache.put(digest, data)
    assert cache.get(digest) == data
    assert stat.S_IMODE((tmp_path / "cache").stat().st_mode) == 0o700


def test_a_corrupt_entry_is_dropped_not_trusted(tmp_path: Path) -> None:
    cache = DirectoryContentCache(tmp_path)
    data = b"config"
    digest = Digest.of(data)
    cache.put(digest, data)
    [entry] = [p for p in tmp_path.rglob("*") if p.is_file()]
    entry.write_bytes(b"tampered")
    assert cache.get(digest) is None
    assert not entry.exists()


def test_oversized_items_and_unwritable_directories_are_skipped(tmp_path: Path) -> None:
    small = DirectoryContentCache(tmp_path / "small", max_item_bytes=4)
    small.put(Digest.of(b"too big"), b"too big")
    assert small.get(Digest.of(b"too big")) is None
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    broken = DirectoryContentCache(blocker / "cache")
    broken.put(Digest.of(b"x"), b"x")  # no exception: the cache is best-effort
    assert broken.get(Digest.of(b"x")) is None


@pytest.mark.registry
async def test_relisting_reads_no_config_twice(
    open_registry: SampleRegistry, tmp_path: Path
) -> None:
    rule = ScanRule.build(
        registry=open_registry.url, repository="team/*,multi/*", cap=0, platforms="*"
    )
    options = ClientOptions(content_cache=DirectoryContentCache(tmp_path))
    blob_gets = r"GET /v2/(team|multi)/[^ ]*/blobs/"
    child_gets = r"GET /v2/multi/platform/manifests/sha256:"

    before = len(open_registry.server.access_log_lines(blob_gets))
    first = await plan_images(rule, options)
    after_first = len(open_registry.server.access_log_lines(blob_gets))
    children_after_first = len(open_registry.server.access_log_lines(child_gets))
    second = await plan_images(rule, options)

    assert after_first - before == 10  # the ten distinct configs, once each
    assert len(open_registry.server.access_log_lines(blob_gets)) == after_first
    assert len(open_registry.server.access_log_lines(child_gets)) == children_after_first
    assert second == first
