"""Authentication flows against scripted servers: token expiry and rotation, response
shapes, and where credentials may travel."""

from __future__ import annotations

import base64
import json
import ssl
from pathlib import Path

import pytest

from regsentry.model.digest import Digest
from regsentry.model.registry_address import RegistryAddress
from regsentry.registry.auth import Credentials
from regsentry.registry.client import ClientOptions, RegistryClient
from regsentry.registry.errors import AuthenticationError
from regsentry.registry.manifest import Descriptor
from regsentry.registry.transport import RetryPolicy
from tests.support.fake_server import FakeServer, Reply, Request
from tests.support.registry_server import TLSFiles

USER = Credentials("alice", "secret-pass", label="credential ci-robot")
BASIC = "Basic " + base64.b64encode(b"alice:secret-pass").decode()


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class TokenRegistry:
    """A registry that accepts only the newest token its realm issued."""

    def __init__(
        self,
        *,
        token_key: str = "token",
        expires_in: int | None = 300,
    ) -> None:
        self.issued = 0
        self.token_key = token_key
        self.expires_in = expires_in
        self.token_requests: list[Request] = []
        self.realm_server = FakeServer(self.realm)
        self.registry = FakeServer(self.serve)

    def realm(self, request: Request) -> Reply:
        self.token_requests.append(request)
        if request.headers.get("Authorization", BASIC) != BASIC:
            return Reply(401, body=b'{"details": "bad credentials"}')
        self.issued += 1
        body: dict[str, object] = {self.token_key: f"tok{self.issued}"}
        if self.expires_in is not None:
            body["expires_in"] = self.expires_in
        return Reply(200, {"Content-Type": "application/json"}, json.dumps(body).encode())

    def serve(self, request: Request) -> Reply:
        if request.headers.get("Authorization") != f"Bearer tok{self.issued}":
            return Reply(
                401,
                {
                    "WWW-Authenticate": f'Bearer realm="{self.realm_server.url}/token",'
                    f'service="fake",scope="repository:x/y:pull"',
                    "Docker-Distribution-API-Version": "registry/2.0",
                },
                b'{"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]}',
            )
        if request.path == "/v2/":
            return Reply(200, {"Docker-Distribution-API-Version": "registry/2.0"}, b"{}")
        return Reply(200, body=b'{"tags": ["1"]}')

    def __enter__(self) -> TokenRegistry:
        self.realm_server.__enter__()
        self.registry.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.registry.__exit__()
        self.realm_server.__exit__()

    async def connect(
        self, credentials: Credentials | None = USER, clock: Clock | None = None
    ) -> RegistryClient:
        return await RegistryClient.connect(
            RegistryAddress.parse(self.registry.url),
            ClientOptions(credentials=credentials),
            clock=clock or Clock(),
        )


def scopes(requests: list[Request]) -> list[str]:
    return [request.path.partition("scope=")[2].partition("&")[0] for request in requests]


async def test_tokens_are_cached_per_scope() -> None:
    with TokenRegistry() as fake:
        async with await fake.connect() as client:
            for _ in range(5):
                assert await client.tags("x/y") == ["1"]
        assert scopes(fake.token_requests) == ["", "repository%3Ax%2Fy%3Apull"]
        assert all("service=fake" in r.path for r in fake.token_requests)
        assert all("account=alice" in r.path for r in fake.token_requests)


async def test_an_expired_token_is_refreshed_before_use() -> None:
    clock = Clock()
    with TokenRegistry(expires_in=60) as fake:
        async with await fake.connect(clock=clock) as client:
            await client.tags("x/y")
            before = len(fake.token_requests)
            clock.now += 59  # inside the refresh margin of a 60 s token
            await client.tags("x/y")
            assert len(fake.token_requests) == before + 1
            await client.tags("x/y")
            assert len(fake.token_requests) == before + 1


async def test_a_token_the_registry_rejects_is_replaced() -> None:
    with TokenRegistry() as fake:
        async with await fake.connect() as client:
            await client.tags("x/y")
            before = len(fake.token_requests)
            fake.issued += 1  # the registry revokes every token handed out so far
            assert await client.tags("x/y") == ["1"]
            assert len(fake.token_requests) == before + 1


async def test_a_registry_that_rejects_every_token_ends_in_an_error() -> None:
    realm = FakeServer(lambda _r: Reply(200, body=b'{"token": "never-good"}'))

    def handler(request: Request) -> Reply:
        return Reply(401, {"WWW-Authenticate": f'Bearer realm="{realm.url}/token"'})

    with realm, FakeServer(handler) as server:
        with pytest.raises(AuthenticationError, match="401 from registry"):
            await RegistryClient.connect(RegistryAddress.parse(server.url))
        assert len(realm.requests) <= 2
        assert len(server.requests) <= 3


async def test_access_token_key_and_default_lifetime() -> None:
    with TokenRegistry(token_key="access_token", expires_in=None) as fake:
        async with await fake.connect(credentials=None) as client:
            assert await client.tags("x/y") == ["1"]


async def test_wrong_credentials_fail_at_connect_naming_the_credential() -> None:
    wrong = Credentials("alice", "nope", label="credential ci-robot")
    with TokenRegistry() as fake, pytest.raises(AuthenticationError) as raised:
        await fake.connect(credentials=wrong)
    message = str(raised.value)
    assert "401 from token server" in message
    assert "credential ci-robot" in message
    assert "nope" not in message


async def test_basic_challenge_without_credentials_says_what_to_pass() -> None:
    def handler(request: Request) -> Reply:
        return Reply(401, {"WWW-Authenticate": 'Basic realm="r"'})

    with FakeServer(handler) as server:
        with pytest.raises(AuthenticationError, match="--username and --password-stdin"):
            await RegistryClient.connect(
                RegistryAddress.parse(server.url), ClientOptions(retry=RetryPolicy(attempts=1))
            )


async def test_401_without_a_challenge_is_an_error() -> None:
    with FakeServer(lambda _r: Reply(401)) as server:
        with pytest.raises(AuthenticationError, match="without a Basic or Bearer challenge"):
            await RegistryClient.connect(RegistryAddress.parse(server.url))


def _tls_context(tls_files: TLSFiles) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(tls_files.cert_chain), str(tls_files.key))
    return context


async def test_credentials_are_not_sent_to_a_plain_http_realm_of_a_tls_registry(
    tls_files: TLSFiles,
) -> None:
    realm = FakeServer(lambda _r: Reply(200, body=b'{"token": "t"}'))

    def handler(request: Request) -> Reply:
        return Reply(401, {"WWW-Authenticate": f'Bearer realm="{realm.url}/token"'})

    with realm, FakeServer(handler, tls=_tls_context(tls_files)) as server:
        with pytest.raises(AuthenticationError, match="plain-HTTP token server"):
            await RegistryClient.connect(
                RegistryAddress.parse(server.url),
                ClientOptions(credentials=USER, ca_file=tls_files.ca),
            )
        assert realm.requests == []


async def test_blob_redirect_to_another_host_drops_authorization(tmp_path: Path) -> None:
    data = b"blob content"
    descriptor = Descriptor("application/octet-stream", Digest.of(data), len(data))
    storage = FakeServer(lambda _r: Reply(200, body=data), host="localhost")

    def registry(request: Request) -> Reply:
        if request.headers.get("Authorization") != BASIC:
            return Reply(401, {"WWW-Authenticate": 'Basic realm="r"'})
        if request.path == "/v2/":
            return Reply(200, {"Docker-Distribution-API-Version": "registry/2.0"}, b"{}")
        return Reply(307, {"Location": f"{storage.url}/bucket/blob?signature=abc"})

    with storage, FakeServer(registry) as server:
        async with await RegistryClient.connect(
            RegistryAddress.parse(server.url), ClientOptions(credentials=USER)
        ) as client:
            received = b"".join([chunk async for chunk in client.blob("x/y", descriptor)])
        assert received == data
        [blob_request] = storage.requests
        assert blob_request.path == "/bucket/blob?signature=abc"
        assert "Authorization" not in blob_request.headers
        assert server.requests[-1].headers["Authorization"] == BASIC
