"""Authentication to a registry: anonymous, HTTP Basic, and the Bearer token flow.

The registry says what it wants in its 401 challenge; until then requests go anonymous.
Bearer tokens are fetched from the challenge's realm for the scope a request needs
(``repository:R:pull``, ``registry:catalog:*``), cached per scope and refreshed shortly
before they expire or when the registry rejects them.

Credentials are sent only to the registry itself and to its token realm, never over plain
HTTP unless the user opted into ``--insecure``; they never appear in a repr, a log or an
error message.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from regsentry.registry.challenge import Challenge, parse_challenges
from regsentry.registry.errors import (
    AuthenticationError,
    AuthorizationError,
    RegistryProtocolError,
    RegistryUnreachableError,
)
from regsentry.registry.limits import Limits, read_bounded

#: Docker's default when a token response has no ``expires_in`` (distribution spec).
DEFAULT_TOKEN_LIFETIME = 60.0


@dataclass(frozen=True)
class Credentials:
    """A username and a secret; ``label`` is how messages name them (never the secret)."""

    username: str
    password: str = field(repr=False)
    label: str = ""

    @property
    def description(self) -> str:
        """How an error message refers to these credentials."""
        return self.label or f"the credentials of user {self.username!r}"

    def basic_header(self) -> str:
        """The ``Authorization`` value for HTTP Basic."""
        raw = f"{self.username}:{self.password}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")


@dataclass
class _Token:
    value: str
    refresh_at: float


class RegistryAuth:
    """Authorization headers for one registry, learned from its challenges."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        registry: str,
        credentials: Credentials | None,
        allow_plain_http_realm: bool,
        limits: Limits,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._registry = registry
        self._credentials = credentials
        self._allow_plain_http_realm = allow_plain_http_realm
        self._limits = limits
        self._clock = clock
        self._challenge: Challenge | None = None
        self._tokens: dict[str, _Token] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    @property
    def scheme(self) -> str:
        """``none`` until challenged, then ``basic`` or ``bearer``."""
        return self._challenge.scheme if self._challenge else "none"

    def credentials_hint(self) -> str:
        """What a user should check after a 401/403."""
        if self._credentials is None:
            return "the registry requires credentials: pass --username and --password-stdin"
        return f"check {self._credentials.description}"

    def who(self) -> str:
        """Who the registry sees: the credentials' description, or anonymous access."""
        return self._credentials.description if self._credentials else "anonymous access"

    async def authorization(self, scope: str) -> str | None:
        """The ``Authorization`` value for a request needing ``scope``, if any."""
        challenge = self._challenge
        if challenge is None:
            return None
        if challenge.scheme == "basic":
            return self._credentials.basic_header() if self._credentials else None
        return f"Bearer {await self._token(challenge, scope)}"

    async def challenged(self, response: httpx.Response, scope: str, sent: str | None) -> None:
        """Learn from a 401 so the next attempt can succeed, or raise if it cannot.

        ``sent`` is the Authorization value the rejected request carried.
        """
        challenges = parse_challenges(response.headers.get_list("www-authenticate"))
        usable = [c for c in challenges if c.scheme in ("bearer", "basic")]
        if not usable:
            raise AuthenticationError(
                f"401 from registry {self._registry} without a Basic or Bearer challenge: "
                f"{self.credentials_hint()}",
                registry=self._registry,
            )
        challenge = next((c for c in usable if c.scheme == "bearer"), usable[0])
        if challenge.scheme == "basic":
            if self._credentials is None or (sent and sent.startswith("Basic ")):
                raise AuthenticationError(
                    f"401 from registry {self._registry}: {self.credentials_hint()}",
                    registry=self._registry,
                )
        elif sent and sent.startswith("Bearer "):
            # A token we sent was refused: drop it so the retry fetches a fresh one.
            cached = self._tokens.get(scope)
            if cached and sent == f"Bearer {cached.value}":
                del self._tokens[scope]
        self._challenge = challenge

    async def login(self) -> None:
        """Check the credentials now (``docker login`` does the same), not at first use.

        With Basic the registry's ping already did; with Bearer a token is requested for
        no scope, which token servers grant to any valid account.
        """
        if self._credentials is not None and self._challenge and self._challenge.scheme == "bearer":
            await self._token(self._challenge, "")

    async def _token(self, challenge: Challenge, scope: str) -> str:
        lock = self._locks.setdefault(scope, asyncio.Lock())
        async with lock:
            cached = self._tokens.get(scope)
            if cached and self._clock() < cached.refresh_at:
                return cached.value
            token = await self._fetch_token(challenge, scope)
            self._tokens[scope] = token
            return token.value

    async def _fetch_token(self, challenge: Challenge, scope: str) -> _Token:
        realm = challenge.realm
        try:
            realm_url = httpx.URL(realm)
        except httpx.InvalidURL as exc:
            raise RegistryProtocolError(
                f"registry {self._registry} sent a Bearer challenge with an invalid realm "
                f"{realm[:200]!r}",
                registry=self._registry,
            ) from exc
        if realm_url.scheme not in ("https", "http") or not realm_url.host:
            raise RegistryProtocolError(
                f"registry {self._registry} sent a Bearer challenge without a usable realm "
                f"URL ({realm[:200]!r})",
                registry=self._registry,
            )
        if (
            realm_url.scheme == "http"
            and self._credentials is not None
            and not self._allow_plain_http_realm
        ):
            raise AuthenticationError(
                f"registry {self._registry} sends credentials to the plain-HTTP token "
                f"server {realm_url.host}; refusing (use --insecure to allow)",
                registry=self._registry,
            )
        params: list[tuple[str, str | int | float | bool | None]] = []
        if service := challenge.params.get("service"):
            params.append(("service", service))
        if scope:
            params.append(("scope", scope))
        headers = {"Accept": "application/json"}
        if self._credentials is not None:
            params.append(("account", self._credentials.username))
            headers["Authorization"] = self._credentials.basic_header()
        started = self._clock()
        request = self._http.build_request(
            "GET", realm_url.copy_merge_params(params), headers=headers
        )
        try:
            response = await self._http.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise RegistryUnreachableError(
                f"token server {realm_url.host} of registry {self._registry} is unreachable: {exc}",
                registry=self._registry,
            ) from exc
        try:
            body = await read_bounded(
                response, self._limits.token_bytes, what=f"token server {realm_url.host}"
            )
        finally:
            await response.aclose()
        if response.status_code in (401, 403):
            error_type = AuthenticationError if response.status_code == 401 else AuthorizationError
            raise error_type(
                f"{response.status_code} from token server {realm_url.host} of registry "
                f"{self._registry} for scope {scope or '(login)'}: {self.credentials_hint()}",
                registry=self._registry,
            )
        if response.status_code != 200:
            raise RegistryProtocolError(
                f"token server {realm_url.host} of registry {self._registry} answered "
                f"HTTP {response.status_code} for scope {scope or '(login)'}",
                registry=self._registry,
            )
        return self._parse_token(body, started, realm_url.host)

    def _parse_token(self, body: bytes, started: float, host: str) -> _Token:
        try:
            document = json.loads(body)
            value = document.get("token") or document.get("access_token")
            lifetime = float(document.get("expires_in") or DEFAULT_TOKEN_LIFETIME)
        except (ValueError, AttributeError, TypeError) as exc:
            raise RegistryProtocolError(
                f"token server {host} of registry {self._registry} sent no valid JSON",
                registry=self._registry,
            ) from exc
        if not isinstance(value, str) or not value:
            raise RegistryProtocolError(
                f"token server {host} of registry {self._registry} sent no token",
                registry=self._registry,
            )
        # Refresh a little early so a token never expires in flight.
        margin = min(30.0, lifetime / 10)
        return _Token(value, started + max(lifetime - margin, 0.0))
