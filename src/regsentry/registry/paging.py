"""Paged listings (catalog, tags): ``n``/``last`` pages linked by RFC 5988 ``Link`` headers.

A listing is followed to its end, but never forever: a repeated or foreign next link, more
pages or more items than the caps allow, or a page that adds nothing, ends it with a
PagingError. Next links must stay on the registry's origin, because the transport sends
the registry's credentials with every request.
"""

from __future__ import annotations

import json
import re

import httpx

from regsentry.registry.errors import PagingError, RegistryProtocolError
from regsentry.registry.transport import RegistryTransport

_LINK_RE = re.compile(r"<(?P<url>[^>]*)>(?P<params>[^,]*)")
_REL_NEXT_RE = re.compile(r";\s*rel\s*=\s*\"?(?:[^\";]*\s)?next(?:\s[^\";]*)?\"?", re.I)
_STALL_LIMIT = 3


def next_link(headers: httpx.Headers) -> str | None:
    """The ``rel="next"`` target of the response's Link headers, if any."""
    for header in headers.get_list("link"):
        for match in _LINK_RE.finditer(header):
            if _REL_NEXT_RE.search(match["params"]):
                return match["url"].strip()
    return None


async def list_all(
    transport: RegistryTransport,
    first: str,
    *,
    key: str,
    scope: str,
    what: str,
) -> list[str]:
    """Every item of a paged listing, in the registry's order, without duplicates."""
    limits = transport.limits
    items: dict[str, None] = {}
    seen_urls: set[str] = set()
    url: httpx.URL = transport.url(first)
    stalled = 0
    for _page in range(limits.listing_pages):
        response = await transport.get(
            str(url), scope=scope, what=what, max_bytes=limits.listing_page_bytes
        )
        before = len(items)
        for item in _page_items(response.body, key, transport.registry, what):
            items.setdefault(item)
        if len(items) > limits.listing_items:
            raise PagingError(
                f"registry {transport.registry} lists over {limits.listing_items:,} items "
                f"for {what}; refusing to go on",
                registry=transport.registry,
            )
        stalled = stalled + 1 if len(items) == before else 0
        target = next_link(response.headers)
        if target is None:
            return list(items)
        url = response.url.join(target)
        if (url.scheme, url.host, url.port) != (
            transport.base_url.scheme,
            transport.base_url.host,
            transport.base_url.port,
        ):
            raise PagingError(
                f"registry {transport.registry} links the next page of {what} to another "
                f"origin ({url.host}); refusing to send credentials there",
                registry=transport.registry,
            )
        if str(url) in seen_urls or stalled >= _STALL_LIMIT:
            raise PagingError(
                f"registry {transport.registry} pages {what} in a loop (next link repeats "
                f"or pages add nothing); stopped after {len(items):,} items",
                registry=transport.registry,
            )
        seen_urls.add(str(url))
    raise PagingError(
        f"registry {transport.registry} returned over {limits.listing_pages:,} pages for "
        f"{what}; refusing to go on",
        registry=transport.registry,
    )


def _page_items(body: bytes, key: str, registry: str, what: str) -> list[str]:
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RegistryProtocolError(
            f"registry {registry} sent invalid JSON for {what}", registry=registry
        ) from exc
    values = document.get(key) if isinstance(document, dict) else None
    if values is None and isinstance(document, dict):
        return []  # distribution answers "tags": null when every manifest was deleted
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise RegistryProtocolError(
            f"registry {registry} sent a malformed {key!r} list for {what}", registry=registry
        )
    return values
