"""Size caps for everything a registry sends, and the one bounded reader that applies them.

A registry is untrusted input: a 2 GB "manifest" or an endless token response must fail
fast with a clear error instead of filling memory. The caps default to generous multiples
of what real registries send (distribution itself refuses manifests over 4 MiB).
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from regsentry.registry.errors import ResponseTooLargeError

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Caps on response sizes and on listings."""

    manifest_bytes: int = 4 * MiB
    config_bytes: int = 16 * MiB
    listing_page_bytes: int = 32 * MiB
    token_bytes: int = 1 * MiB
    error_body_bytes: int = 64 * 1024
    blob_bytes: int = 64 * 1024 * MiB
    listing_pages: int = 10_000
    listing_items: int = 1_000_000


async def read_bounded(response: httpx.Response, max_bytes: int, *, what: str) -> bytes:
    """Read a streamed response's body, refusing it as soon as it passes ``max_bytes``.

    The declared Content-Length is checked first so an honest oversized answer is refused
    before a byte of its body is read.
    """
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise ResponseTooLargeError(
            f"{what} is {int(declared):,} bytes, over the {max_bytes:,}-byte cap"
        )
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > max_bytes:
            raise ResponseTooLargeError(f"{what} is over the {max_bytes:,}-byte cap")
    return bytes(body)
