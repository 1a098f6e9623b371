"""Fetching one source over HTTPS: conditional, streamed to disk, capped, retried.

* Conditional: the ETag and Last-Modified stored from the last success are sent as
  ``If-None-Match`` / ``If-Modified-Since``; ``304 Not Modified`` means "unchanged" and
  nothing is downloaded.
* Streamed to a temporary file next to the database (feeds reach hundreds of MB) while
  hashing it, so an unchanged body served without validators is still recognised.
* Capped: a declared ``Content-Length`` over the source's cap is refused before reading,
  and the body is cut off as soon as it passes the cap (decoded bytes are counted, so a
  compressed transfer cannot inflate past it).
* Verified: a body shorter than its ``Content-Length`` is an error, never a feed.
* Retried with backoff only for transient failures: connection errors, timeouts, 429
  and 5xx. Everything else fails at once with :class:`DownloadError`.
* HTTPS only, unless the caller allows plain HTTP (tests, internal mirrors); redirects
  are followed by httpx, and the final URL is held to the same rule.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import httpx

from regsentry.vulndb.errors import DownloadError
from regsentry.vulndb.limits import DownloadLimits
from regsentry.vulndb.sources import Source

_CHUNK = 1024 * 1024
_TRANSIENT_STATUS = frozenset({408, 429, 500, 502, 503, 504})


class _TransientError(Exception):
    """A failure worth retrying (internal to :func:`fetch`)."""


@dataclass(frozen=True)
class FetchResult:
    """What one fetch produced: a file (``downloaded``) or nothing new (``unchanged``)."""

    status: Literal["downloaded", "unchanged"]
    path: Path | None = None
    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None
    size: int = 0


def fetch(
    client: httpx.Client,
    source: Source,
    *,
    directory: Path,
    etag: str | None = None,
    last_modified: str | None = None,
    limits: DownloadLimits | None = None,
    allow_http: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> FetchResult:
    """Download ``source`` into ``directory`` unless its validators say it is unchanged.

    The caller owns the returned file (and should delete it when done).
    """
    limits = limits or DownloadLimits()
    _check_scheme(source, source.url, allow_http)
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    attempt = 0
    while True:
        attempt += 1
        try:
            return _fetch_once(client, source, directory, headers, allow_http)
        except _TransientError as exc:
            if attempt >= limits.attempts:
                raise DownloadError(
                    f"{exc} (after {attempt} attempts)", source=source.name
                ) from exc
            sleep(limits.backoff_seconds * 2 ** (attempt - 1))


def _fetch_once(
    client: httpx.Client,
    source: Source,
    directory: Path,
    headers: dict[str, str],
    allow_http: bool,
) -> FetchResult:
    target = directory / f".download-{uuid.uuid4().hex}"
    try:
        with client.stream("GET", source.url, headers=headers) as response:
            _check_scheme(source, str(response.url), allow_http)
            if response.status_code == httpx.codes.NOT_MODIFIED:
                return FetchResult(
                    status="unchanged", etag=etag_of(response), last_modified=lm_of(response)
                )
            if response.status_code in _TRANSIENT_STATUS:
                raise _TransientError(f"HTTP {response.status_code} from {source.url}")
            if response.status_code != httpx.codes.OK:
                raise DownloadError(
                    f"HTTP {response.status_code} from {source.url}", source=source.name
                )
            digest, size = _save(response, source, target)
            return FetchResult(
                status="downloaded",
                path=target,
                etag=etag_of(response),
                last_modified=lm_of(response),
                sha256=digest,
                size=size,
            )
    except httpx.TransportError as exc:
        _unlink(target)
        raise _TransientError(f"{type(exc).__name__} fetching {source.url}: {exc}") from exc
    except (httpx.HTTPError, OSError) as exc:
        _unlink(target)
        raise DownloadError(f"fetching {source.url}: {exc}", source=source.name) from exc
    except BaseException:
        _unlink(target)
        raise


def _save(response: httpx.Response, source: Source, target: Path) -> tuple[str, int]:
    cap = source.byte_cap
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise DownloadError(
            f"{source.url} is {int(declared):,} bytes, over the {cap:,}-byte cap",
            source=source.name,
        )
    digest = hashlib.sha256()
    size = 0
    with target.open("wb") as out:
        for chunk in response.iter_bytes(_CHUNK):
            size += len(chunk)
            if size > cap:
                raise DownloadError(
                    f"{source.url} is over the {cap:,}-byte cap", source=source.name
                )
            digest.update(chunk)
            out.write(chunk)
    encoded = response.headers.get("content-encoding", "identity").lower()
    if (
        declared.isdigit()
        and encoded == "identity"
        and response.num_bytes_downloaded != int(declared)
    ):
        raise _TransientError(
            f"{source.url} ended after {response.num_bytes_downloaded:,} of {int(declared):,} bytes"
        )
    return digest.hexdigest(), size


def _check_scheme(source: Source, url: str, allow_http: bool) -> None:
    scheme = url.split(":", 1)[0].lower()
    if scheme == "https" or (scheme == "http" and allow_http):
        return
    raise DownloadError(f"refusing to fetch {url}: only https:// is allowed", source=source.name)


def etag_of(response: httpx.Response) -> str | None:
    """The response's ETag, if any."""
    return response.headers.get("etag") or None


def lm_of(response: httpx.Response) -> str | None:
    """The response's Last-Modified, if any (kept verbatim, as servers compare strings)."""
    return response.headers.get("last-modified") or None


def _unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
