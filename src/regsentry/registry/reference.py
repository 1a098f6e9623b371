"""Image references as users type them: ``[host[:port]/]repo[:tag|@sha256:…]``.

Docker's rules decide whether the first path component is a registry: it is when it
contains a ``.`` or a ``:`` or is ``localhost``; otherwise the reference is on Docker Hub,
where a one-component name means ``library/NAME``. ``http://`` or ``https://`` may be
written in front to choose the scheme.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from regsentry.errors import ConfigError
from regsentry.model.digest import Digest
from regsentry.model.registry_address import RegistryAddress

_REPOSITORY_RE = re.compile(
    r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$"
)
_TAG_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


@dataclass(frozen=True)
class ImageReference:
    """A parsed reference; ``reference`` is the digest if one was given, else the tag."""

    address: RegistryAddress
    repository: str
    tag: str | None = None
    digest: Digest | None = None

    @property
    def reference(self) -> str | Digest:
        """What to ask the registry for: the digest when pinned, else the tag."""
        return self.digest or self.tag or "latest"

    @classmethod
    def parse(cls, text: str) -> ImageReference:
        """Parse a reference; anything malformed is a ConfigError saying why."""
        raw = text.strip()
        scheme = ""
        for prefix in ("http://", "https://"):
            if raw.lower().startswith(prefix):
                scheme, raw = prefix, raw[len(prefix) :]
        if not raw:
            raise ConfigError("empty image reference")
        name, at, digest_text = raw.partition("@")
        digest = Digest.parse(digest_text) if at else None
        first, slash, rest = name.partition("/")
        if slash and ("." in first or ":" in first or first == "localhost"):
            address = RegistryAddress.parse(scheme + first)
            remainder = rest
        else:
            if scheme:
                raise ConfigError(f"image reference {text!r}: a scheme needs a registry host")
            address = RegistryAddress.parse("")
            remainder = name
        repository, tag = remainder, ""
        colon = remainder.rfind(":")
        if colon > remainder.rfind("/"):  # a colon after the last slash starts the tag
            repository, tag = remainder[:colon], remainder[colon + 1 :]
        repository = address.repository_name(repository)
        if not _REPOSITORY_RE.match(repository):
            raise ConfigError(f"image reference {text!r}: {repository!r} is not a repository name")
        if tag and not _TAG_RE.match(tag):
            raise ConfigError(f"image reference {text!r}: {tag!r} is not a valid tag")
        return cls(address, repository, tag or (None if digest else "latest"), digest)

    def __str__(self) -> str:
        suffix = f"@{self.digest}" if self.digest else f":{self.tag}"
        return f"{self.address.display}/{self.repository}{suffix}"
