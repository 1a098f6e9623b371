"""The registry client: one object per registry, speaking the Docker Registry v2 / OCI API.

    async with RegistryClient.open(RegistryAddress.parse("registry.example.com")) as client:
        for repository in await client.catalog(): ...

It knows repositories, tags, manifests and blobs, and nothing of packages or
vulnerabilities. Every answer is size-bounded, every digest-addressed answer verified.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from urllib.parse import quote

import httpcore
import httpx

from regsentry import __version__
from regsentry.errors import ConfigError
from regsentry.model.digest import Digest, InvalidDigestError
from regsentry.model.registry_address import RegistryAddress
from regsentry.registry.auth import Credentials, RegistryAuth
from regsentry.registry.content_cache import ContentCache
from regsentry.registry.errors import (
    BlobIntegrityError,
    NotARegistryError,
    RegistryError,
    RegistryProtocolError,
    RegistryTLSError,
    RegistryUnreachableError,
    ResponseTooLargeError,
)
from regsentry.registry.limits import Limits
from regsentry.registry.manifest import (
    MANIFEST_MEDIA_TYPES,
    Descriptor,
    ImageConfig,
    Manifest,
    Schema1Manifest,
    parse_image_config,
    parse_manifest,
)
from regsentry.registry.paging import list_all
from regsentry.registry.transport import RegistryTransport, RetryPolicy, Sleep

CATALOG_SCOPE = "registry:catalog:*"
_SOCKET_READ_BYTES = 1024 * 1024
# httpcore reads HTTP/1.1 bodies 64 KiB at a time: for layers of hundreds of MB that is
# thousands of trips through httpcore, h11 and the event loop, a third of a scan's
# download cost on loopback. A read still returns only what the socket has, so memory
# stays bounded by this size.
httpcore.AsyncHTTP11Connection.READ_NUM_BYTES = _SOCKET_READ_BYTES
_USER_AGENT = f"regsentry/{__version__}"


def pull_scope(repository: str) -> str:
    """The token scope for reading one repository."""
    return f"repository:{repository}:pull"


@dataclass(frozen=True)
class ClientOptions:
    """How to reach and treat one registry; every field has a safe default."""

    credentials: Credentials | None = None
    ca_file: Path | None = None
    #: Extra trusted CA certificates as PEM text (a scanner gets them from its job).
    ca_pem: str | None = None
    insecure: bool = False
    concurrency: int = 8
    timeout: float = 30.0
    page_size: int = 1000
    limits: Limits = field(default_factory=Limits)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    #: Where documents fetched by digest are kept so they are never fetched twice.
    content_cache: ContentCache | None = None


class RegistryClient:
    """Docker Registry v2 client for one registry; use :meth:`connect` to make one."""

    def __init__(
        self,
        transport: RegistryTransport,
        *,
        page_size: int,
        content_cache: ContentCache | None = None,
    ) -> None:
        self._transport = transport
        self._page_size = page_size
        self._cache = content_cache
        self._exit_stack = AsyncExitStack()

    @property
    def registry(self) -> str:
        """The registry's ``host[:port]`` as messages name it."""
        return self._transport.registry

    @classmethod
    async def connect(
        cls,
        address: RegistryAddress,
        options: ClientOptions = ClientOptions(),
        *,
        sleep: Sleep | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> RegistryClient:
        """Reach the registry (``GET /v2/``), learn its authentication and check credentials.

        With ``insecure`` and no scheme written, HTTPS (unverified) is tried first and
        plain HTTP second, as Docker treats an insecure registry. ``sleep`` and ``clock``
        are injectable so tests can observe backoff and token expiry without waiting.
        """
        schemes = [address.scheme]
        if options.insecure and address.scheme == "https":
            schemes.append("http")
        last_error: RegistryError | None = None
        for scheme in schemes:
            client = cls._build(address, scheme, options, sleep, clock)
            try:
                await client.ping()
                await client._transport.auth.login()
            except (RegistryTLSError, RegistryUnreachableError) as exc:
                await client.aclose()
                last_error = exc
                continue
            except BaseException:
                await client.aclose()
                raise
            return client
        assert last_error is not None
        raise last_error

    @classmethod
    def _build(
        cls,
        address: RegistryAddress,
        scheme: str,
        options: ClientOptions,
        sleep: Sleep | None,
        clock: Callable[[], float],
    ) -> RegistryClient:
        http = httpx.AsyncClient(
            verify=_tls_context(options),
            timeout=httpx.Timeout(options.timeout, pool=None),
            limits=httpx.Limits(
                max_connections=options.concurrency + 4,
                max_keepalive_connections=options.concurrency + 4,
            ),
            follow_redirects=True,
            headers={"User-Agent": _USER_AGENT},
        )
        auth = RegistryAuth(
            http,
            registry=address.host,
            credentials=options.credentials,
            allow_plain_http_realm=options.insecure or scheme == "http",
            limits=options.limits,
            clock=clock,
        )
        transport = RegistryTransport(
            http,
            auth,
            registry=address.host,
            base_url=httpx.URL(f"{scheme}://{address.host}/"),
            concurrency=options.concurrency,
            limits=options.limits,
            retry=options.retry,
            **({"sleep": sleep} if sleep else {}),
        )
        client = cls(transport, page_size=options.page_size, content_cache=options.content_cache)
        client._exit_stack.push_async_callback(http.aclose)
        return client

    async def __aenter__(self) -> RegistryClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections."""
        await self._exit_stack.aclose()

    async def ping(self) -> None:
        """``GET /v2/``: check that this is a registry and learn how it authenticates."""
        try:
            response = await self._transport.get(
                "/v2/",
                scope="",
                what="the API root /v2/",
                max_bytes=64 * 1024,
                ok_statuses=(200, 404),
            )
        except RegistryProtocolError as exc:
            raise NotARegistryError(
                f"{self._transport.base_url} does not speak the Docker Registry v2 API "
                f"({exc}); check the registry address",
                registry=self.registry,
            ) from exc
        api_version = response.headers.get("docker-distribution-api-version", "")
        content_type = response.headers.get("content-type", "")
        body_is_json = response.body.lstrip()[:1] in (b"{", b"") and "html" not in content_type
        speaks_v2 = api_version.startswith("registry/2") or body_is_json
        if response.status_code != 200 or not speaks_v2:
            raise NotARegistryError(
                f"{self._transport.base_url} does not answer the Docker Registry v2 API at "
                f"/v2/ (HTTP {response.status_code}); check the registry address",
                registry=self.registry,
            )

    async def catalog(self) -> list[str]:
        """Every repository the registry lists (``/v2/_catalog``, all pages)."""
        return await list_all(
            self._transport,
            f"/v2/_catalog?n={self._page_size}",
            key="repositories",
            scope=CATALOG_SCOPE,
            what="the repository catalog",
        )

    async def tags(self, repository: str) -> list[str]:
        """Every tag of ``repository`` (``/v2/NAME/tags/list``, all pages)."""
        return await list_all(
            self._transport,
            f"/v2/{_path(repository)}/tags/list?n={self._page_size}",
            key="tags",
            scope=pull_scope(repository),
            what=f"the tags of repository {repository}",
        )

    async def manifest(self, repository: str, reference: str | Digest) -> Manifest:
        """The manifest a tag or digest names, verified against its digest."""
        what = f"manifest {repository}{'@' if isinstance(reference, Digest) else ':'}{reference}"
        cached = self._cached(reference)
        if cached is not None and isinstance(reference, Digest):
            return self._parse_manifest(cached, "", reference, what)
        response = await self._transport.get(
            f"/v2/{_path(repository)}/manifests/{quote(str(reference), safe=':')}",
            scope=pull_scope(repository),
            what=what,
            accept=MANIFEST_MEDIA_TYPES,
            max_bytes=self._transport.limits.manifest_bytes,
        )
        digest = self._manifest_digest(response.body, response.headers, reference, what)
        manifest = self._parse_manifest(
            response.body, response.headers.get("content-type", ""), digest, what
        )
        if not isinstance(manifest, Schema1Manifest):
            self._verify(response.body, digest, what)
            self._remember(digest, response.body)
        return manifest

    def _parse_manifest(
        self, body: bytes, content_type: str, digest: Digest, what: str
    ) -> Manifest:
        try:
            return parse_manifest(body, content_type=content_type, digest=digest)
        except RegistryProtocolError as exc:
            raise RegistryProtocolError(
                f"registry {self.registry}: {what}: {exc}", registry=self.registry
            ) from exc

    async def image_config(self, repository: str, config: Descriptor) -> ImageConfig:
        """The image config blob, verified against its digest."""
        what = f"image config {config.digest.short} of {repository}"
        limit = self._transport.limits.config_bytes
        self._check_declared_size(config, limit, what)
        body = self._cached(config.digest)
        if body is None:
            response = await self._transport.get(
                f"/v2/{_path(repository)}/blobs/{config.digest}",
                scope=pull_scope(repository),
                what=what,
                max_bytes=limit,
            )
            body = response.body
            self._verify(body, config.digest, what)
            self._remember(config.digest, body)
        try:
            return parse_image_config(body, config.digest)
        except RegistryProtocolError as exc:
            raise RegistryProtocolError(
                f"registry {self.registry}: {what}: {exc}", registry=self.registry
            ) from exc

    async def blob(self, repository: str, layer: Descriptor) -> AsyncIterator[bytes]:
        """Stream a blob's bytes; the stream ends with a BlobIntegrityError if they are wrong.

        The digest and the declared size are checked as the bytes flow, so a consumer must
        not trust what it derived from the blob until the iterator finished cleanly.
        """
        what = f"blob {layer.digest.short} of {repository}"
        self._check_declared_size(layer, self._transport.limits.blob_bytes, what)
        hasher = layer.digest.hasher()
        received = 0
        async with self._transport.stream(
            "GET",
            f"/v2/{_path(repository)}/blobs/{layer.digest}",
            scope=pull_scope(repository),
            what=what,
            headers={"Accept-Encoding": "identity"},
        ) as response:
            # The pieces as the socket gave them: re-chunking them to a fixed size would
            # copy every byte twice more. A server that compresses the transfer anyway
            # (identity was asked for) is decoded, so the digest is checked on the blob.
            encoding = response.headers.get("content-encoding", "").strip().lower()
            pieces = (
                response.aiter_raw() if encoding in ("", "identity") else response.aiter_bytes()
            )
            async for chunk in pieces:
                received += len(chunk)
                if received > layer.size:
                    raise BlobIntegrityError(
                        f"registry {self.registry}: {what} is longer than the "
                        f"{layer.size:,} bytes its manifest declares",
                        registry=self.registry,
                    )
                hasher.update(chunk)
                yield chunk
        if received < layer.size:
            raise BlobIntegrityError(
                f"registry {self.registry}: {what} ended after {received:,} of "
                f"{layer.size:,} bytes (truncated)",
                registry=self.registry,
            )
        if hasher.hexdigest() != layer.digest.hex:
            raise BlobIntegrityError(
                f"registry {self.registry}: {what} does not match its digest "
                f"{layer.digest} (got {layer.digest.algorithm}:{hasher.hexdigest()})",
                registry=self.registry,
            )

    def _cached(self, reference: str | Digest) -> bytes | None:
        if self._cache is None or not isinstance(reference, Digest):
            return None
        return self._cache.get(reference)

    def _remember(self, digest: Digest, body: bytes) -> None:
        if self._cache is not None:
            self._cache.put(digest, body)

    def _check_declared_size(self, descriptor: Descriptor, limit: int, what: str) -> None:
        """Refuse content whose manifest already declares it over its cap."""
        if descriptor.size > limit:
            raise ResponseTooLargeError(
                f"registry {self.registry}: {what} declares {descriptor.size:,} bytes, over "
                f"the {limit:,}-byte cap",
                registry=self.registry,
            )

    def _manifest_digest(
        self, body: bytes, headers: httpx.Headers, reference: str | Digest, what: str
    ) -> Digest:
        if isinstance(reference, Digest):
            return reference
        header = headers.get("docker-content-digest", "")
        if header:
            try:
                return Digest.parse(header)
            except InvalidDigestError as exc:
                raise RegistryProtocolError(
                    f"registry {self.registry}: {what} has an invalid Docker-Content-Digest "
                    f"{header[:100]!r}",
                    registry=self.registry,
                ) from exc
        return Digest.of(body)

    def _verify(self, body: bytes, digest: Digest, what: str) -> None:
        actual = Digest.of(body, digest.algorithm)
        if actual != digest:
            raise BlobIntegrityError(
                f"registry {self.registry}: {what} does not match its digest {digest} "
                f"(got {actual})",
                registry=self.registry,
            )


def _path(repository: str) -> str:
    """A repository name as a URL path (its slashes are path separators)."""
    return quote(repository, safe="/")


def _tls_context(options: ClientOptions) -> ssl.SSLContext | bool:
    if options.insecure:
        return False
    context = ssl.create_default_context()
    if options.ca_file is not None:
        try:
            context.load_verify_locations(cafile=str(options.ca_file))
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"cannot load CA file {options.ca_file}: {exc}") from exc
    if options.ca_pem:
        try:
            context.load_verify_locations(cadata=options.ca_pem)
        except (ssl.SSLError, ValueError) as exc:
            raise ConfigError(f"cannot load the job's CA certificates: {exc}") from exc
    return context
