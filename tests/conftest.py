"""Shared fixtures: real docker-registry instances (open, basic, TLS, token) with content."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import trustme

from tests.support.images import Pusher
from tests.support.registry_server import RunningRegistry, TLSFiles, start_registry
from tests.support.sample import Sample, push_sample
from tests.support.token_server import TokenPolicy, TokenServer

#: Fixtures shared across test packages (a fresh PostgreSQL schema per call).
pytest_plugins = ["tests.support.postgres"]

ADMIN = ("admin", "s3cret-admin")
READER = ("reader", "s3cret-reader")


@dataclass
class SampleRegistry:
    """A running registry holding the sample content."""

    server: RunningRegistry
    sample: Sample

    @property
    def host(self) -> str:
        """``127.0.0.1:PORT``."""
        return self.server.host

    @property
    def url(self) -> str:
        """``http[s]://127.0.0.1:PORT``."""
        return self.server.url


def _populated(server: RunningRegistry, username: str = "", password: str = "") -> SampleRegistry:
    pusher = Pusher(server.url, username, password, ca_file=str(server.ca) if server.ca else None)
    try:
        return SampleRegistry(server, push_sample(pusher))
    finally:
        pusher.close()


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TLSFiles:
    """A CA and a server certificate for 127.0.0.1 and localhost."""
    directory = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    files = TLSFiles(directory / "server.pem", directory / "server.key", directory / "ca.pem")
    cert.private_key_pem.write_to_path(str(files.key))
    with files.cert_chain.open("wb") as handle:
        for blob in cert.cert_chain_pems:
            handle.write(blob.bytes())
    ca.cert_pem.write_to_path(str(files.ca))
    return files


@pytest.fixture(scope="session")
def open_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SampleRegistry]:
    """An open plain-HTTP registry with the sample content."""
    server = start_registry(tmp_path_factory.mktemp("open-registry"))
    try:
        yield _populated(server)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def scratch_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SampleRegistry]:
    """An open registry for tests that push their own images (never listed as a whole)."""
    server = start_registry(tmp_path_factory.mktemp("scratch-registry"))
    try:
        yield SampleRegistry(server, Sample())
    finally:
        server.stop()


@pytest.fixture(scope="session")
def basic_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SampleRegistry]:
    """A registry with htpasswd basic auth (users ADMIN and READER)."""
    server = start_registry(tmp_path_factory.mktemp("basic-registry"), users=dict([ADMIN, READER]))
    try:
        yield _populated(server, *ADMIN)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def tls_registry(
    tmp_path_factory: pytest.TempPathFactory, tls_files: TLSFiles
) -> Iterator[SampleRegistry]:
    """An open registry serving TLS from the test CA."""
    server = start_registry(tmp_path_factory.mktemp("tls-registry"), tls=tls_files)
    try:
        yield _populated(server)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def token_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TokenServer]:
    """The token server of :func:`token_registry` (anonymous pull allowed)."""
    server = TokenServer(
        tmp_path_factory.mktemp("token-server"), TokenPolicy(users=dict([ADMIN, READER]))
    ).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def token_registry(
    tmp_path_factory: pytest.TempPathFactory, token_server: TokenServer
) -> Iterator[SampleRegistry]:
    """A registry behind bearer-token auth served by :func:`token_server`."""
    server = start_registry(tmp_path_factory.mktemp("token-registry"), token_server=token_server)
    try:
        yield _populated(server, *ADMIN)
    finally:
        server.stop()


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--regen-golden``: rewrite the report golden files instead of comparing with them."""
    parser.addoption(
        "--regen-golden",
        action="store_true",
        default=False,
        help="rewrite tests/report/golden/* from the current renderers instead of comparing",
    )


@pytest.fixture
def regen_golden(request: pytest.FixtureRequest) -> bool:
    """Whether this run rewrites golden files (``pytest --regen-golden``)."""
    return bool(request.config.getoption("--regen-golden"))
