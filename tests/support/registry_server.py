"""Start Debian's ``docker-registry`` (CNCF distribution) for tests and benchmarks.

Each instance gets its own storage directory, a free loopback port and a generated
config: open, htpasswd basic auth, TLS from a CA the caller provides, or token auth
against a :class:`~tests.support.token_server.TokenServer`. Its access log is kept so
tests can count requests (for instance blob GETs).
"""

from __future__ import annotations

import json
import re
import shutil
import ssl
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import bcrypt
import httpx

from tests.support.ports import free_port
from tests.support.token_server import TokenServer

REGISTRY_BINARY = "docker-registry"


class RegistryNotInstalledError(RuntimeError):
    """Debian's docker-registry is missing (the README's test command installs it)."""


@dataclass
class TLSFiles:
    """A server certificate chain and key, and the CA that signed them."""

    cert_chain: Path
    key: Path
    ca: Path


@dataclass
class RunningRegistry:
    """A docker-registry process and how to reach it."""

    host: str
    scheme: str
    root: Path
    log_path: Path
    process: subprocess.Popen[bytes]
    users: dict[str, str] = field(default_factory=dict)
    ca: Path | None = None
    token_server: TokenServer | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:5000``."""
        return f"{self.scheme}://{self.host}"

    def access_log_lines(self, pattern: str) -> list[str]:
        """Access-log lines matching a regular expression (e.g. ``GET /v2/.*/blobs/``)."""
        regex = re.compile(pattern)
        text = self.log_path.read_text(errors="replace")
        return [line for line in text.splitlines() if regex.search(line)]

    def stop(self) -> None:
        """Stop the process (its storage stays for inspection)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_registry(
    directory: Path,
    *,
    users: dict[str, str] | None = None,
    tls: TLSFiles | None = None,
    token_server: TokenServer | None = None,
) -> RunningRegistry:
    """Start a registry in ``directory``; return once ``/v2/`` answers."""
    if shutil.which(REGISTRY_BINARY) is None:
        raise RegistryNotInstalledError(
            "Debian's docker-registry is not installed; run the README's test command"
        )
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config: dict[str, object] = {
        "version": 0.1,
        "log": {"level": "warn", "formatter": "text", "accesslog": {"disabled": False}},
        "storage": {
            "filesystem": {"rootdirectory": str(directory / "storage")},
            "delete": {"enabled": True},
            "cache": {"blobdescriptor": "inmemory"},
        },
        "http": {"addr": f"127.0.0.1:{port}", "secret": "regsentry-tests"},
    }
    if users:
        htpasswd = directory / "htpasswd"
        htpasswd.write_text(
            "".join(
                f"{user}:{bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode()}\n"
                for user, password in users.items()
            )
        )
        config["auth"] = {"htpasswd": {"realm": "regsentry-tests", "path": str(htpasswd)}}
    if token_server:
        config["auth"] = {
            "token": {
                "realm": token_server.realm,
                "service": token_server.service,
                "issuer": token_server.issuer,
                "rootcertbundle": str(token_server.cert_path),
            }
        }
    if tls:
        http_config = config["http"]
        assert isinstance(http_config, dict)
        http_config["tls"] = {"certificate": str(tls.cert_chain), "key": str(tls.key)}
    config_path = directory / "config.yml"
    config_path.write_text(json.dumps(config))  # JSON is YAML
    log_path = directory / "registry.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [REGISTRY_BINARY, "serve", str(config_path)], stdout=log, stderr=subprocess.STDOUT
        )
    registry = RunningRegistry(
        host=f"127.0.0.1:{port}",
        scheme="https" if tls else "http",
        root=directory,
        log_path=log_path,
        process=process,
        users=dict(users or {}),
        ca=tls.ca if tls else None,
        token_server=token_server,
    )
    _wait_until_up(registry)
    return registry


def _wait_until_up(registry: RunningRegistry, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    verify = ssl.create_default_context(cafile=str(registry.ca)) if registry.ca else True
    while time.monotonic() < deadline:
        if registry.process.poll() is not None:
            raise RuntimeError(
                f"docker-registry exited: {registry.log_path.read_text(errors='replace')[-2000:]}"
            )
        try:
            httpx.get(f"{registry.url}/v2/", verify=verify, timeout=1.0)
            return
        except httpx.HTTPError:
            time.sleep(0.05)
    registry.stop()
    raise RuntimeError(f"docker-registry did not answer within {timeout} s")
