"""Images with real package databases, for scan tests: Debian-like layers built in Python."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.support.images import Image, gzip_layer, image_from_layers

OS_RELEASE = b'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n'


def stanza(name: str, version: str, source: str = "") -> bytes:
    extra = f"Source: {source}\n" if source else ""
    return (
        f"Package: {name}\nStatus: install ok installed\nArchitecture: amd64\n"
        f"Version: {version}\n{extra}\n"
    ).encode()


def base_layer(label: str, filler: int = 100_000) -> bytes:
    """A Debian-like base: os-release, a status file, and incompressible filler."""
    status = stanza("bash", "5.2.15-2+b2", "bash (5.2.15-2)") + stanza(
        "libc6", "2.36-9+deb12u4", "glibc"
    )
    return gzip_layer(
        {
            "etc/os-release": OS_RELEASE,
            "var/lib/dpkg/status": status,
            f"opt/{label}/filler": os.urandom(filler),
        }
    )


def app_image(base: bytes, app: str, extra_status: bytes = b"", filler: int = 50_000) -> Image:
    """A base plus an application layer that may add packages (replacing the status)."""
    files = {f"srv/{app}/payload": os.urandom(filler)}
    if extra_status:
        base_status = stanza("bash", "5.2.15-2+b2", "bash (5.2.15-2)") + stanza(
            "libc6", "2.36-9+deb12u4", "glibc"
        )
        files["var/lib/dpkg/status"] = base_status + extra_status
    return image_from_layers((base, gzip_layer(files)))


def osv_record(id_: str, package: str, fixed: str | None, **extra: object) -> dict[str, object]:
    events: list[dict[str, str]] = [{"introduced": "0"}]
    if fixed:
        events.append({"fixed": fixed})
    return {
        "id": id_,
        "modified": "2024-06-01T00:00:00Z",
        "summary": f"{package} issue",
        "affected": [
            {
                "package": {"ecosystem": "Debian:12", "name": package},
                "ranges": [{"type": "ECOSYSTEM", "events": events}],
            }
        ],
        **extra,
    }


def write_records(directory: Path, *records: dict[str, object]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for record in records:
        (directory / f"{record['id']}.json").write_text(json.dumps(record))
    return directory
