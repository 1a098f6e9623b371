"""Where a registry is: parsing the ``registry`` field of a scan rule (SPEC §1).

``https://`` is assumed; ``http://`` only when written explicitly. Blank, ``docker.io``,
``index.docker.io`` and ``registry-1.docker.io`` all mean Docker Hub, whose API lives at
``registry-1.docker.io`` and whose official images are ``library/NAME``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from regsentry.errors import ConfigError

DOCKER_HUB_HOST = "registry-1.docker.io"
DOCKER_HUB_ALIASES = frozenset(
    {"", "docker.io", "index.docker.io", DOCKER_HUB_HOST, "hub.docker.com"}
)

# RFC 1123 host names, IPv4, or a bracketed IPv6 literal, with an optional port.
_HOST_RE = re.compile(
    r"^(?P<host>\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)"
    r"(?::(?P<port>[0-9]{1,5}))?$"
)


@dataclass(frozen=True)
class RegistryAddress:
    """A registry's scheme and ``host[:port]``; ``explicit_http`` records a written http://."""

    host: str
    scheme: str = "https"

    @classmethod
    def parse(cls, text: str) -> RegistryAddress:
        """Parse ``[http[s]://]host[:port][/]``; anything else is a ConfigError."""
        raw = text.strip()
        scheme = "https"
        lowered = raw.lower()
        for prefix in ("https://", "http://"):
            if lowered.startswith(prefix):
                scheme = prefix.removesuffix("://")
                raw = raw[len(prefix) :]
                break
        else:
            if "://" in raw:
                raise ConfigError(f"registry {text!r}: only https:// and http:// are supported")
        raw = raw.removesuffix("/")
        if not raw and raw != text.strip():
            raise ConfigError(f"registry {text!r} has no host")
        if raw.lower() in DOCKER_HUB_ALIASES:
            return cls(DOCKER_HUB_HOST, "https")
        match = _HOST_RE.match(raw)
        if not match:
            raise ConfigError(
                f"registry {text!r} is not host[:port] (a registry is addressed by host, "
                f"not by a path)"
            )
        port = match["port"]
        if port is not None and not 0 < int(port) < 65536:
            raise ConfigError(f"registry {text!r}: port {port} is out of range")
        return cls(raw.lower(), scheme)

    @property
    def is_docker_hub(self) -> bool:
        """Whether this is Docker Hub (bare names mean ``library/NAME`` there)."""
        return self.host == DOCKER_HUB_HOST

    @property
    def display(self) -> str:
        """How reports name the registry: ``docker.io`` for Hub, else ``host[:port]``."""
        return "docker.io" if self.is_docker_hub else self.host

    def repository_name(self, name: str) -> str:
        """Apply Docker Hub's convention: a bare ``alpine`` is ``library/alpine``."""
        if self.is_docker_hub and "/" not in name:
            return f"library/{name}"
        return name

    def __str__(self) -> str:
        return f"{self.scheme}://{self.host}"
