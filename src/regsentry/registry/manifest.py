"""Manifests and image configs: the media types registries serve, parsed and checked.

Supported: Docker image manifest v2 schema 2, OCI image manifest, Docker manifest list,
OCI image index (multi-platform), and legacy Docker schema 1 (signed or not), from which
only dates, platform and layer digests are taken. Anything else is a
RegistryProtocolError naming the media type.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from regsentry.model.digest import Digest, InvalidDigestError
from regsentry.model.platform import Platform
from regsentry.registry.errors import RegistryProtocolError

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+json"
DOCKER_SCHEMA1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"

#: Sent as ``Accept`` on every manifest request. Without the OCI types distribution answers
#: 404 for OCI manifests; without the list types it silently returns one platform's child.
MANIFEST_MEDIA_TYPES = (
    OCI_INDEX,
    DOCKER_MANIFEST_LIST,
    OCI_MANIFEST,
    DOCKER_MANIFEST,
    DOCKER_SCHEMA1_SIGNED,
    DOCKER_SCHEMA1,
)
IMAGE_CONFIG_MEDIA_TYPES = frozenset({DOCKER_CONFIG, OCI_CONFIG})
_INDEX_TYPES = frozenset({OCI_INDEX, DOCKER_MANIFEST_LIST})
_MANIFEST_TYPES = frozenset({OCI_MANIFEST, DOCKER_MANIFEST})
_SCHEMA1_TYPES = frozenset({DOCKER_SCHEMA1, DOCKER_SCHEMA1_SIGNED})


@dataclass(frozen=True)
class Descriptor:
    """A reference to content by digest (OCI descriptor)."""

    media_type: str
    digest: Digest
    size: int
    platform: Platform | None = None
    annotations: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ImageManifest:
    """A single-platform image: config plus layers (Docker schema 2 or OCI)."""

    digest: Digest
    media_type: str
    config: Descriptor
    layers: tuple[Descriptor, ...]

    @property
    def is_container_image(self) -> bool:
        """False for OCI artifacts (Helm charts, signatures …) that merely use a manifest."""
        return self.config.media_type in IMAGE_CONFIG_MEDIA_TYPES


@dataclass(frozen=True)
class ImageIndex:
    """A multi-platform index (OCI index or Docker manifest list)."""

    digest: Digest
    media_type: str
    manifests: tuple[Descriptor, ...]


@dataclass(frozen=True)
class Schema1Manifest:
    """Legacy Docker schema 1: its config is embedded in ``history[].v1Compatibility``."""

    digest: Digest
    media_type: str
    platform: Platform
    created: datetime | None
    layers: tuple[Digest, ...]


Manifest = ImageManifest | ImageIndex | Schema1Manifest


@dataclass(frozen=True)
class ImageConfig:
    """The parts of an image config the scan needs: platform and creation date."""

    digest: Digest
    platform: Platform
    created: datetime | None
    os_version: str = ""


def parse_manifest(body: bytes, *, content_type: str, digest: Digest) -> Manifest:
    """Parse a manifest of any supported media type.

    The document's own ``mediaType`` wins over the Content-Type header; documents without
    either are recognised by shape, as old registries serve them.
    """
    document = _json_object(body, "manifest")
    media_type = str(document.get("mediaType") or content_type.split(";")[0].strip())
    if media_type not in MANIFEST_MEDIA_TYPES:
        media_type = _infer_media_type(document, media_type)
    if media_type in _INDEX_TYPES:
        children = tuple(_descriptor(item) for item in _list(document, "manifests"))
        return ImageIndex(digest, media_type, children)
    if media_type in _MANIFEST_TYPES:
        config = _descriptor(_object(document, "config"))
        layers = tuple(_descriptor(item) for item in _list(document, "layers"))
        return ImageManifest(digest, media_type, config, layers)
    return _parse_schema1(document, digest, media_type)


def parse_image_config(body: bytes, digest: Digest) -> ImageConfig:
    """Parse an image config blob (Docker or OCI) for platform and creation date."""
    document = _json_object(body, "image config")
    platform = Platform.of(
        str(document.get("os") or ""),
        str(document.get("architecture") or ""),
        str(document.get("variant") or ""),
    )
    return ImageConfig(
        digest=digest,
        platform=platform,
        created=parse_timestamp(document.get("created")),
        os_version=str(document.get("os.version") or ""),
    )


def parse_timestamp(value: object) -> datetime | None:
    """An RFC 3339 date as configs write it (nanoseconds, ``Z``), in UTC; else None."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    head, dot, rest = text.partition(".")
    if dot:  # Python takes at most 6 fractional digits
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = f"{head}.{rest[: min(digits, 6)]}{rest[digits:]}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _infer_media_type(document: dict[str, Any], declared: str) -> str:
    if document.get("schemaVersion") == 1:
        return DOCKER_SCHEMA1
    if not declared and isinstance(document.get("manifests"), list):
        return OCI_INDEX
    if not declared and isinstance(document.get("config"), dict):
        return OCI_MANIFEST
    raise RegistryProtocolError(f"unsupported manifest media type {declared[:100]!r}")


def _parse_schema1(document: dict[str, Any], digest: Digest, media_type: str) -> Schema1Manifest:
    history = _list(document, "history")
    newest: dict[str, Any] = {}
    if history:
        compat = history[0].get("v1Compatibility") if isinstance(history[0], dict) else None
        if isinstance(compat, str):
            newest = _json_object(compat.encode(), "schema 1 v1Compatibility")
    platform = Platform.of(
        str(newest.get("os") or "linux"), str(document.get("architecture") or "amd64")
    )
    layers = tuple(
        _digest(layer.get("blobSum") if isinstance(layer, dict) else None)
        for layer in _list(document, "fsLayers")
    )
    return Schema1Manifest(
        digest, media_type, platform, parse_timestamp(newest.get("created")), layers
    )


def _descriptor(item: object) -> Descriptor:
    if not isinstance(item, dict):
        raise RegistryProtocolError("manifest has a descriptor that is not an object")
    size = item.get("size")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise RegistryProtocolError(f"manifest descriptor has an invalid size {size!r}")
    platform = None
    raw_platform = item.get("platform")
    if isinstance(raw_platform, dict):
        platform = Platform.of(
            str(raw_platform.get("os") or ""),
            str(raw_platform.get("architecture") or ""),
            str(raw_platform.get("variant") or ""),
        )
    annotations = item.get("annotations")
    return Descriptor(
        media_type=str(item.get("mediaType") or ""),
        digest=_digest(item.get("digest")),
        size=size,
        platform=platform,
        annotations=tuple(sorted((str(k), str(v)) for k, v in annotations.items()))
        if isinstance(annotations, dict)
        else (),
    )


def _digest(value: object) -> Digest:
    try:
        return Digest.parse(value if isinstance(value, str) else "")
    except InvalidDigestError as exc:
        raise RegistryProtocolError(
            f"manifest references an invalid digest {value!r:.100}"
        ) from exc


def _json_object(body: bytes, what: str) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RegistryProtocolError(f"{what} is not valid JSON") from exc
    if not isinstance(document, dict):
        raise RegistryProtocolError(f"{what} is not a JSON object")
    return document


def _object(document: dict[str, Any], key: str) -> dict[str, Any]:
    value = document.get(key)
    if not isinstance(value, dict):
        raise RegistryProtocolError(f"manifest has no {key!r} object")
    return value


def _list(document: dict[str, Any], key: str) -> list[Any]:
    value = document.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise RegistryProtocolError(f"manifest field {key!r} is not a list")
    return value
