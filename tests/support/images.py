"""Container images built in Python (tar layers, configs, manifests, indexes) and pushed
through the registry's v2 API, so tests need no Docker daemon.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import re
import ssl
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
HELM_CONFIG_TYPE = "application/vnd.cncf.helm.config.v1+json"


def sha256(data: bytes) -> str:
    """``sha256:hex`` of data."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def tar_bytes(files: Mapping[str, bytes], *, mtime: int = 1_700_000_000) -> bytes:
    """An uncompressed tar of regular files (parents are implied), reproducibly."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for path, content in sorted(files.items()):
            info = tarfile.TarInfo(path)
            info.size = len(content)
            info.mtime = mtime
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def gzip_layer(files: Mapping[str, bytes]) -> bytes:
    """A gzip-compressed tar layer, reproducibly."""
    return gzip.compress(tar_bytes(files), mtime=0)


@dataclass(frozen=True)
class Blob:
    """Bytes with their media type."""

    media_type: str
    data: bytes

    @property
    def digest(self) -> str:
        """Content digest."""
        return sha256(self.data)

    def descriptor(self, **extra: object) -> dict[str, object]:
        """An OCI descriptor of this blob."""
        return {
            "mediaType": self.media_type,
            "digest": self.digest,
            "size": len(self.data),
            **extra,
        }


@dataclass(frozen=True)
class Image:
    """A single-platform image: manifest, config and layers."""

    manifest: Blob
    config: Blob
    layers: tuple[Blob, ...]
    os: str
    architecture: str
    variant: str = ""

    @property
    def digest(self) -> str:
        """Manifest digest."""
        return self.manifest.digest

    def platform(self) -> dict[str, str]:
        """The image's platform as an index lists it."""
        platform = {"os": self.os, "architecture": self.architecture}
        if self.variant:
            platform["variant"] = self.variant
        return platform


@dataclass(frozen=True)
class Index:
    """A multi-platform index and its children."""

    manifest: Blob
    children: tuple[Image, ...]

    @property
    def digest(self) -> str:
        """Index digest."""
        return self.manifest.digest


def build_image(
    files: Mapping[str, bytes] | None = None,
    *,
    created: datetime | str | None = datetime(2024, 1, 1, tzinfo=UTC),
    os: str = "linux",
    architecture: str = "amd64",
    variant: str = "",
    oci: bool = False,
    label: str = "",
    extra_layers: tuple[Mapping[str, bytes], ...] = (),
    config_media_type: str | None = None,
) -> Image:
    """An image with one layer of ``files`` (plus ``extra_layers``) and a config.

    ``label`` makes otherwise equal images distinct (it lands in the config).
    """
    layers = tuple(
        Blob(OCI_LAYER if oci else DOCKER_LAYER, gzip_layer(layer_files))
        for layer_files in (
            {"etc/hostname": label.encode() or b"x\n", **(files or {})},
            *extra_layers,
        )
    )
    config_document: dict[str, object] = {
        "architecture": architecture,
        "os": os,
        "config": {"Labels": {"test": label}} if label else {},
        "rootfs": {
            "type": "layers",
            "diff_ids": [sha256(gzip.decompress(layer.data)) for layer in layers],
        },
    }
    if variant:
        config_document["variant"] = variant
    history: dict[str, str] = {"created_by": "regsentry test layer"}
    if created is not None:
        config_document["created"] = history["created"] = (
            created if isinstance(created, str) else created.isoformat().replace("+00:00", "Z")
        )
    config_document["history"] = [history for _ in layers]
    config = Blob(
        config_media_type or (OCI_CONFIG if oci else DOCKER_CONFIG),
        json.dumps(config_document, sort_keys=True).encode(),
    )
    manifest_type = OCI_MANIFEST if oci else DOCKER_MANIFEST
    manifest = Blob(
        manifest_type,
        json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": manifest_type,
                "config": config.descriptor(),
                "layers": [layer.descriptor() for layer in layers],
            },
            indent=3,
        ).encode(),
    )
    return Image(manifest, config, layers, os, architecture, variant)


def image_from_layers(
    layers: tuple[bytes, ...],
    *,
    created: datetime = datetime(2024, 1, 1, tzinfo=UTC),
    media_type: str = DOCKER_LAYER,
    diff_ids: tuple[str, ...] | None = None,
) -> Image:
    """An image of ready-made (compressed) layer blobs, bottom first."""
    blobs = tuple(Blob(media_type, data) for data in layers)
    config = Blob(
        DOCKER_CONFIG,
        json.dumps(
            {
                "architecture": "amd64",
                "os": "linux",
                "created": created.isoformat().replace("+00:00", "Z"),
                "rootfs": {"type": "layers", "diff_ids": list(diff_ids or ())},
                "history": [{"created_by": "regsentry test layer"} for _ in blobs],
            }
        ).encode(),
    )
    manifest = Blob(
        DOCKER_MANIFEST,
        json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": DOCKER_MANIFEST,
                "config": config.descriptor(),
                "layers": [blob.descriptor() for blob in blobs],
            }
        ).encode(),
    )
    return Image(manifest, config, blobs, "linux", "amd64")


def build_index(children: tuple[Image, ...], *, oci: bool = True) -> Index:
    """A multi-platform index over ``children``."""
    media_type = OCI_INDEX if oci else DOCKER_LIST
    document = {
        "schemaVersion": 2,
        "mediaType": media_type,
        "manifests": [child.manifest.descriptor(platform=child.platform()) for child in children],
    }
    return Index(Blob(media_type, json.dumps(document, indent=2).encode()), children)


@dataclass
class Pusher:
    """Pushes blobs and manifests through the v2 API, handling Basic and Bearer auth."""

    base_url: str
    username: str = ""
    password: str = ""
    ca_file: str | None = None
    _tokens: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        verify = ssl.create_default_context(cafile=self.ca_file) if self.ca_file else True
        self._http = httpx.Client(verify=verify, timeout=60)

    def close(self) -> None:
        """Close connections."""
        self._http.close()

    def push(self, repository: str, item: Image | Index, *tags: str) -> None:
        """Push an image or index (children first) and tag it."""
        if isinstance(item, Index):
            for child in item.children:
                self.push(repository, child)
        else:
            for blob in (*item.layers, item.config):
                self.push_blob(repository, blob.data)
        for reference in tags or (item.digest,):
            self.put_manifest(repository, reference, item.manifest)

    def push_blob(self, repository: str, data: bytes) -> str:
        """Upload a blob (monolithic POST then PUT) unless it exists; return its digest."""
        digest = sha256(data)
        if self._request("HEAD", f"/v2/{repository}/blobs/{digest}", repository).status_code == 200:
            return digest
        start = self._request("POST", f"/v2/{repository}/blobs/uploads/", repository)
        assert start.status_code == 202, start.text
        location = httpx.URL(self.base_url).join(start.headers["Location"])
        response = self._request(
            "PUT",
            str(location.copy_merge_params({"digest": digest})),
            repository,
            content=data,
            headers={"Content-Type": "application/octet-stream"},
        )
        assert response.status_code == 201, response.text
        return digest

    def put_manifest(self, repository: str, reference: str, manifest: Blob) -> None:
        """PUT a manifest under a tag or digest."""
        response = self._request(
            "PUT",
            f"/v2/{repository}/manifests/{reference}",
            repository,
            content=manifest.data,
            headers={"Content-Type": manifest.media_type},
        )
        assert response.status_code == 201, response.text

    def delete_manifest(self, repository: str, digest: str) -> None:
        """DELETE a manifest by digest (removes every tag on it)."""
        response = self._request("DELETE", f"/v2/{repository}/manifests/{digest}", repository)
        assert response.status_code == 202, response.text

    def _request(
        self,
        method: str,
        url: str,
        repository: str,
        *,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        full = httpx.URL(self.base_url).join(url)
        for _ in range(2):
            request_headers = dict(headers or {})
            if authorization := self._authorization(repository):
                request_headers["Authorization"] = authorization
            response = self._http.request(method, full, headers=request_headers, content=content)
            if response.status_code != 401:
                break
            self._learn(response, repository)
        return response

    def _authorization(self, repository: str) -> str | None:
        if repository in self._tokens:
            return self._tokens[repository]
        if self.username and "basic" in self._tokens:
            return self._tokens["basic"]
        return None

    def _learn(self, response: httpx.Response, repository: str) -> None:
        challenge = response.headers.get("www-authenticate", "")
        if challenge.lower().startswith("basic"):
            raw = f"{self.username}:{self.password}".encode()
            self._tokens["basic"] = "Basic " + base64.b64encode(raw).decode()
            return
        params = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
        token_response = self._http.get(
            params["realm"],
            params={"service": params["service"], "scope": f"repository:{repository}:pull,push"},
            auth=(self.username, self.password) if self.username else None,
        )
        token_response.raise_for_status()
        self._tokens[repository] = "Bearer " + token_response.json()["token"]
