"""HTTP to one registry: authentication, retries, concurrency limit and error mapping.

Every request of the registry layer goes through :class:`RegistryTransport`, so the rules
live in one place:

* at most ``concurrency`` requests (streams included) are in flight at once;
* transient failures are retried with exponential backoff and jitter: connection errors
  and timeouts, 5xx, and 429 honouring ``Retry-After``; nothing else is retried;
* a 401 is answered by learning the challenge (see :mod:`regsentry.registry.auth`);
* httpx follows redirects, and drops the Authorization header when a redirect leaves the
  registry's origin (blob storage on another host never sees it);
* failures become the project's own errors, with a message naming the registry, what was
  asked for and what the user can do.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import random
import socket
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import NoReturn

import httpx

from regsentry.registry.auth import RegistryAuth
from regsentry.registry.errors import (
    AuthenticationError,
    AuthorizationError,
    NotFoundError,
    RateLimitedError,
    RegistryError,
    RegistryProtocolError,
    RegistryServerError,
    RegistryTLSError,
    RegistryUnreachableError,
)
from regsentry.registry.limits import Limits, read_bounded

_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently transient failures are retried."""

    attempts: int = 4
    base_delay: float = 0.25
    max_delay: float = 30.0
    #: A Retry-After longer than this is not waited for: the request fails instead.
    max_retry_after: float = 120.0

    def backoff(self, attempt: int) -> float:
        """Delay before retry number ``attempt`` (1-based): exponential with full jitter."""
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        jitter: float = random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not crypto
        return ceiling / 2 + jitter


@dataclass(frozen=True)
class BufferedResponse:
    """A response whose (bounded) body has been read."""

    status_code: int
    headers: httpx.Headers
    body: bytes
    url: httpx.URL


class RegistryTransport:
    """Sends requests to one registry's origin under its auth, limits and retry policy."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        auth: RegistryAuth,
        *,
        registry: str,
        base_url: httpx.URL,
        concurrency: int,
        limits: Limits,
        retry: RetryPolicy,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.registry = registry
        self.base_url = base_url
        self.limits = limits
        self._http = http
        self._auth = auth
        self._slots = asyncio.Semaphore(concurrency)
        self._retry = retry
        self._sleep = sleep

    @property
    def auth(self) -> RegistryAuth:
        """The registry's authentication state."""
        return self._auth

    def url(self, path_or_url: str) -> httpx.URL:
        """Resolve a path (or a same-origin URL) against the registry's base URL."""
        return self.base_url.join(path_or_url)

    async def get(
        self,
        path_or_url: str,
        *,
        scope: str,
        what: str,
        max_bytes: int,
        accept: Sequence[str] = (),
        ok_statuses: Sequence[int] = (200,),
    ) -> BufferedResponse:
        """GET and read a bounded body; statuses outside ``ok_statuses`` raise."""
        async with self.stream(
            "GET", path_or_url, scope=scope, what=what, accept=accept, ok_statuses=ok_statuses
        ) as response:
            body = await read_bounded(response, max_bytes, what=f"{what} from {self.registry}")
            return BufferedResponse(response.status_code, response.headers, body, response.url)

    @asynccontextmanager
    async def stream(
        self,
        method: str,
        path_or_url: str,
        *,
        scope: str,
        what: str,
        accept: Sequence[str] = (),
        ok_statuses: Sequence[int] = (200,),
        headers: dict[str, str] | None = None,
    ) -> AsyncIterator[httpx.Response]:
        """Open a streamed response with a status in ``ok_statuses``; else raise.

        The concurrency slot is held until the caller leaves the context, so a blob being
        streamed counts against the registry's limit like any other request.
        """
        async with self._slots:
            response = await self._send(
                method, self.url(path_or_url), scope, what, accept, ok_statuses, headers or {}
            )
            try:
                yield response
            except httpx.HTTPError as exc:
                raise self._transport_error(exc, what) from exc
            finally:
                await response.aclose()

    async def _send(
        self,
        method: str,
        url: httpx.URL,
        scope: str,
        what: str,
        accept: Sequence[str],
        ok_statuses: Sequence[int],
        extra_headers: dict[str, str],
    ) -> httpx.Response:
        challenges = 0
        attempt = 0
        while True:
            attempt += 1
            headers = dict(extra_headers)
            if accept:
                headers["Accept"] = ", ".join(accept)
            authorization = await self._auth.authorization(scope)
            if authorization:
                headers["Authorization"] = authorization
            request = self._http.build_request(method, url, headers=headers)
            try:
                response = await self._http.send(request, stream=True)
            except httpx.TransportError as exc:
                if _is_transient(exc) and attempt < self._retry.attempts:
                    await self._sleep(self._retry.backoff(attempt))
                    continue
                raise self._transport_error(exc, what) from exc
            status = response.status_code
            if status in ok_statuses:
                return response
            if status == 401 and challenges < 2:
                await response.aclose()
                challenges += 1
                await self._auth.challenged(response, scope, authorization)
                continue
            if status in _RETRY_STATUSES and attempt < self._retry.attempts:
                delay = self._retry_delay(response, attempt)
                if delay is not None:
                    await response.aclose()
                    await self._sleep(delay)
                    continue
            await self._raise_for_response(response, what)

    def _retry_delay(self, response: httpx.Response, attempt: int) -> float | None:
        """Seconds to wait before retrying, or None when Retry-After asks too much."""
        retry_after = _parse_retry_after(response.headers.get("retry-after"))
        if retry_after is None:
            return self._retry.backoff(attempt)
        if retry_after > self._retry.max_retry_after:
            return None
        return retry_after

    async def _raise_for_response(self, response: httpx.Response, what: str) -> NoReturn:
        try:
            body = await read_bounded(
                response, self.limits.error_body_bytes, what="an error response"
            )
        except (RegistryError, httpx.HTTPError):
            body = b""
        finally:
            await response.aclose()
        raise self.status_error(response.status_code, response.headers, body, what)

    def status_error(
        self, status: int, headers: httpx.Headers, body: bytes, what: str
    ) -> RegistryError:
        """The error for an unexpected HTTP status (the single status → error mapping)."""
        detail = _error_detail(body)
        prefix = f"{status} from registry {self.registry} for {what}"
        registry = self.registry
        if status == 401:
            if self._auth.scheme == "bearer":
                reason = (
                    f"{detail or 'access denied'}; the repository may not exist, or "
                    f"{self._auth.who()} lacks access to it"
                )
            else:
                reason = f"{detail or 'unauthorized'}; {self._auth.credentials_hint()}"
            return AuthenticationError(f"{prefix}: {reason}", registry=registry)
        if status == 403:
            return AuthorizationError(
                f"{prefix}: forbidden{': ' + detail if detail else ''}; "
                f"{self._auth.credentials_hint()} and its permissions",
                registry=registry,
            )
        if status == 404:
            return NotFoundError(
                f"{prefix}: not found{': ' + detail if detail else ''}", registry=registry
            )
        if status == 429:
            wait = headers.get("retry-after")
            hint = f"; the registry asks to retry after {wait}" if wait else ""
            return RateLimitedError(f"{prefix}: rate limited{hint}", registry=registry)
        if status >= 500:
            return RegistryServerError(
                f"{prefix}: server error{': ' + detail if detail else ''} (after "
                f"{self._retry.attempts} attempts)",
                registry=registry,
            )
        return RegistryProtocolError(
            f"{prefix}: unexpected HTTP status{': ' + detail if detail else ''}",
            registry=registry,
        )

    def _transport_error(self, exc: httpx.HTTPError, what: str) -> RegistryError:
        registry = self.registry
        if isinstance(exc, httpx.TimeoutException):
            return RegistryUnreachableError(
                f"registry {registry} timed out for {what} ({type(exc).__name__})",
                registry=registry,
            )
        cause = _root_cause(exc)
        if isinstance(cause, ssl.SSLCertVerificationError):
            return RegistryTLSError(
                f"TLS certificate of registry {registry} is not trusted "
                f"({cause.verify_message}); pass --ca-file with the CA that signed it, "
                f"or --insecure to skip verification",
                registry=registry,
            )
        if isinstance(cause, ssl.SSLError):
            return RegistryTLSError(
                f"TLS with registry {registry} failed ({cause.reason or cause}); if it "
                f"serves plain HTTP, write http://{registry} or pass --insecure",
                registry=registry,
            )
        if isinstance(cause, socket.gaierror):
            return RegistryUnreachableError(
                f"registry host {registry} not found (DNS: {cause.strerror})", registry=registry
            )
        if isinstance(exc, httpx.ConnectError | httpx.NetworkError):
            return RegistryUnreachableError(
                f"cannot connect to registry {registry}: {cause}", registry=registry
            )
        if isinstance(exc, httpx.RemoteProtocolError | httpx.DecodingError):
            return RegistryProtocolError(
                f"registry {registry} broke the HTTP protocol for {what}: {exc}",
                registry=registry,
            )
        return RegistryError(
            f"HTTP error from registry {registry} for {what}: {exc}", registry=registry
        )


def _root_cause(exc: BaseException) -> BaseException:
    seen: set[int] = set()
    current = exc
    while (nxt := current.__cause__ or current.__context__) is not None and id(nxt) not in seen:
        seen.add(id(current))
        current = nxt
    return current


def _is_transient(exc: httpx.TransportError) -> bool:
    """Connection drops and timeouts are worth retrying; TLS and DNS failures are not."""
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.ProxyError):
        return False
    cause = _root_cause(exc)
    return not isinstance(cause, ssl.SSLError | socket.gaierror)


def _parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP-date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _error_detail(body: bytes) -> str:
    """The message of an OCI error body ``{"errors": [{"code", "message"}]}``, if any."""
    try:
        document = json.loads(body)
        errors = document.get("errors") or []
        parts = [
            f"{error.get('code', '')} {error.get('message', '')}".strip()
            for error in errors
            if isinstance(error, dict)
        ]
    except (ValueError, AttributeError):
        return ""
    return "; ".join(part for part in parts if part)[:300]
