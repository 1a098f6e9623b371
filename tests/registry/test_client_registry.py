"""The registry client against Debian's docker-registry: open, basic, TLS and token auth."""

from __future__ import annotations

import pytest

from regsentry.model.digest import Digest
from regsentry.model.registry_address import RegistryAddress
from regsentry.registry.auth import Credentials
from regsentry.registry.client import CATALOG_SCOPE, ClientOptions, RegistryClient, pull_scope
from regsentry.registry.errors import (
    AuthenticationError,
    NotFoundError,
    RegistryTLSError,
)
from regsentry.registry.manifest import ImageIndex, ImageManifest
from tests.conftest import ADMIN, READER, SampleRegistry
from tests.support.token_server import TokenServer

pytestmark = pytest.mark.registry

SAMPLE_REPOSITORIES = [
    "helm/chart",
    "multi/platform",
    "nodate/img",
    "other/thing",
    "team/app",
    "team/tools",
    "tmp/scratch",
    "win/only",
]


async def connect(address: str, **options: object) -> RegistryClient:
    return await RegistryClient.connect(
        RegistryAddress.parse(address),
        ClientOptions(**options),  # type: ignore[arg-type]
    )


async def test_catalog_tags_manifest_config_and_blob(open_registry: SampleRegistry) -> None:
    image = open_registry.sample.tags["team/app"]["2.0"]
    async with await connect(open_registry.url, page_size=3) as client:
        assert await client.catalog() == SAMPLE_REPOSITORIES  # three pages of three
        assert sorted(await client.tags("team/app")) == [
            "1.0", "1.1", "2.0", "2.1-rc", "dev-branch", "latest",
        ]  # fmt: skip
        manifest = await client.manifest("team/app", "latest")
        assert isinstance(manifest, ImageManifest)
        assert str(manifest.digest) == image.digest
        assert await client.manifest("team/app", manifest.digest) == manifest
        config = await client.image_config("team/app", manifest.config)
        assert config.created is not None
        assert config.created.year == 2024
        layer = manifest.layers[0]
        data = b"".join([chunk async for chunk in client.blob("team/app", layer)])
        assert Digest.of(data) == layer.digest


async def test_index_children_by_digest(open_registry: SampleRegistry) -> None:
    async with await connect(open_registry.url) as client:
        index = await client.manifest("multi/platform", "1")
        assert isinstance(index, ImageIndex)
        assert sorted(str(child.platform) for child in index.manifests) == [
            "linux/amd64",
            "linux/arm64/v8",
            "windows/amd64",
        ]
        child = await client.manifest("multi/platform", index.manifests[0].digest)
        assert isinstance(child, ImageManifest)


async def test_unknown_repository_is_not_found(open_registry: SampleRegistry) -> None:
    async with await connect(open_registry.url) as client:
        with pytest.raises(NotFoundError, match="NAME_UNKNOWN"):
            await client.tags("does/not-exist")
        with pytest.raises(NotFoundError, match="MANIFEST_UNKNOWN"):
            await client.manifest("team/app", "no-such-tag")


async def test_insecure_bare_host_falls_back_to_plain_http(open_registry: SampleRegistry) -> None:
    async with await connect(open_registry.host, insecure=True) as client:
        assert "team/app" in await client.catalog()


async def test_bare_host_without_insecure_speaks_tls_and_says_how_to_fix(
    open_registry: SampleRegistry,
) -> None:
    with pytest.raises(RegistryTLSError, match="write http://"):
        await connect(open_registry.host)


async def test_basic_auth(basic_registry: SampleRegistry) -> None:
    credentials = Credentials(*READER)
    async with await connect(basic_registry.url, credentials=credentials) as client:
        assert "team/app" in await client.catalog()


@pytest.mark.parametrize(
    ("credentials", "message"),
    [
        (None, "requires credentials"),
        (Credentials(READER[0], "wrong"), f"check the credentials of user '{READER[0]}'"),
    ],
)
async def test_basic_auth_failures(
    basic_registry: SampleRegistry, credentials: Credentials | None, message: str
) -> None:
    with pytest.raises(AuthenticationError, match=message) as raised:
        await connect(basic_registry.url, credentials=credentials)
    assert basic_registry.host in str(raised.value)
    assert "wrong" not in str(raised.value)


async def test_tls_with_the_ca(tls_registry: SampleRegistry) -> None:
    assert tls_registry.server.ca is not None
    async with await connect(tls_registry.host, ca_file=tls_registry.server.ca) as client:
        assert "team/app" in await client.catalog()


async def test_tls_without_the_ca_is_refused(tls_registry: SampleRegistry) -> None:
    with pytest.raises(RegistryTLSError, match=r"not trusted.*--ca-file"):
        await connect(tls_registry.host)


async def test_tls_insecure_skips_verification(tls_registry: SampleRegistry) -> None:
    async with await connect(tls_registry.host, insecure=True) as client:
        assert "team/app" in await client.catalog()


async def test_token_auth_anonymous_pull(token_registry: SampleRegistry) -> None:
    async with await connect(token_registry.url) as client:
        manifest = await client.manifest("team/app", "1.0")
        assert str(manifest.digest) == token_registry.sample.digest("team/app", "1.0")
        with pytest.raises(AuthenticationError, match="anonymous access lacks access"):
            await client.catalog()


async def test_token_auth_with_credentials_caches_tokens_per_scope(
    token_registry: SampleRegistry, token_server: TokenServer
) -> None:
    before_catalog = token_server.count(CATALOG_SCOPE)
    before_pull = token_server.count(pull_scope("team/tools"))
    async with await connect(token_registry.url, credentials=Credentials(*ADMIN)) as client:
        assert await client.catalog() == SAMPLE_REPOSITORIES
        for _ in range(3):
            await client.tags("team/tools")
            await client.manifest("team/tools", "v1")
    assert token_server.count(CATALOG_SCOPE) == before_catalog + 1
    assert token_server.count(pull_scope("team/tools")) == before_pull + 1


async def test_token_auth_wrong_credentials_fail_at_connect(
    token_registry: SampleRegistry,
) -> None:
    with pytest.raises(AuthenticationError, match="401 from token server"):
        await connect(token_registry.url, credentials=Credentials(ADMIN[0], "wrong"))
