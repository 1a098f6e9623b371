"""Manifest and config parsing for every supported media type."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from regsentry.model.digest import Digest
from regsentry.registry.errors import RegistryProtocolError
from regsentry.registry.manifest import (
    DOCKER_SCHEMA1_SIGNED,
    ImageIndex,
    ImageManifest,
    Schema1Manifest,
    parse_image_config,
    parse_manifest,
    parse_timestamp,
)
from tests.conftest import SampleRegistry
from tests.support.images import HELM_CONFIG_TYPE, build_image, build_index

DIGEST = Digest.of(b"x")


def test_docker_and_oci_manifests() -> None:
    for oci in (False, True):
        image = build_image(oci=oci)
        manifest = parse_manifest(image.manifest.data, content_type="", digest=DIGEST)
        assert isinstance(manifest, ImageManifest)
        assert manifest.media_type == image.manifest.media_type
        assert str(manifest.config.digest) == image.config.digest
        assert [str(layer.digest) for layer in manifest.layers] == [
            layer.digest for layer in image.layers
        ]
        assert manifest.is_container_image


def test_artifact_manifest_is_not_a_container_image() -> None:
    image = build_image(oci=True, config_media_type=HELM_CONFIG_TYPE)
    manifest = parse_manifest(image.manifest.data, content_type="", digest=DIGEST)
    assert isinstance(manifest, ImageManifest)
    assert not manifest.is_container_image


def test_index_and_manifest_list_platforms() -> None:
    children = (
        build_image(label="a"),
        build_image(label="b", architecture="arm64"),
        build_image(label="c", architecture="arm", variant="v6"),
    )
    for oci in (True, False):
        index = build_index(children, oci=oci)
        parsed = parse_manifest(index.manifest.data, content_type="", digest=DIGEST)
        assert isinstance(parsed, ImageIndex)
        assert [str(child.platform) for child in parsed.manifests] == [
            "linux/amd64",
            "linux/arm64/v8",
            "linux/arm/v6",
        ]


def test_media_type_from_content_type_when_document_has_none() -> None:
    document = json.loads(build_index((build_image(),)).manifest.data)
    del document["mediaType"]
    body = json.dumps(document).encode()
    parsed = parse_manifest(
        body, content_type="application/vnd.oci.image.index.v1+json", digest=DIGEST
    )
    assert isinstance(parsed, ImageIndex)
    assert isinstance(parse_manifest(body, content_type="", digest=DIGEST), ImageIndex)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"schemaVersion": 2, "mediaType": "application/x-unknown"}',
        b'{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json"}',
        json.dumps(
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"digest": "sha256:nothex", "size": 1},
                "layers": [],
            }
        ).encode(),
        json.dumps(
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"digest": str(DIGEST), "size": -5},
            }
        ).encode(),
    ],
)
def test_malformed_manifests_are_protocol_errors(body: bytes) -> None:
    with pytest.raises(RegistryProtocolError):
        parse_manifest(body, content_type="", digest=DIGEST)


@pytest.mark.registry
def test_real_schema1_from_the_registry(open_registry: SampleRegistry) -> None:
    """distribution down-converts a v2 manifest to signed schema 1 when asked without Accept."""
    response = httpx.get(f"{open_registry.url}/v2/team/app/manifests/1.1")
    assert response.headers["content-type"] == DOCKER_SCHEMA1_SIGNED
    manifest = parse_manifest(
        response.content, content_type=response.headers["content-type"], digest=DIGEST
    )
    assert isinstance(manifest, Schema1Manifest)
    assert manifest.created == datetime(2024, 2, 1, 12, tzinfo=UTC)
    assert str(manifest.platform) == "linux/amd64"
    assert len(manifest.layers) == 1


def test_config_fields() -> None:
    image = build_image(created="2023-06-13T23:20:27.123456789Z", architecture="arm64")
    config = parse_image_config(image.config.data, DIGEST)
    assert str(config.platform) == "linux/arm64/v8"
    assert config.created == datetime(2023, 6, 13, 23, 20, 27, 123456, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-02T03:04:05Z", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2024-01-02T03:04:05.1Z", datetime(2024, 1, 2, 3, 4, 5, 100000, tzinfo=UTC)),
        ("2024-01-02T05:04:05+02:00", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2024-01-02T03:04:05", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("0001-01-01T00:00:00Z", datetime(1, 1, 1, tzinfo=UTC)),
        ("yesterday", None),
        ("", None),
        (12345, None),
    ],
)
def test_timestamps(text: object, expected: datetime | None) -> None:
    assert parse_timestamp(text) == expected
