"""Content digests (``algorithm:hex``) as the OCI image spec defines them.

Only algorithms that hashlib provides and the OCI spec registers are accepted, so every
digest regsentry holds can also be verified.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from regsentry.errors import ConfigError

_HEX_LENGTH = {"sha256": 64, "sha512": 128}
_DIGEST_RE = re.compile(r"^(?P<algorithm>sha256|sha512):(?P<hex>[a-f0-9]+)$")


class InvalidDigestError(ConfigError):
    """A string that should be a digest is not one regsentry can verify."""


@dataclass(frozen=True, order=True)
class Digest:
    """A verified-format content digest such as ``sha256:ab12…``."""

    algorithm: str
    hex: str

    @classmethod
    def parse(cls, text: str) -> Digest:
        """Parse ``algorithm:hex``; raise InvalidDigestError for anything else."""
        match = _DIGEST_RE.match(text)
        if not match or len(match["hex"]) != _HEX_LENGTH[match["algorithm"]]:
            raise InvalidDigestError(f"not a valid sha256/sha512 digest: {text[:100]!r}")
        return cls(match["algorithm"], match["hex"])

    @classmethod
    def of(cls, data: bytes, algorithm: str = "sha256") -> Digest:
        """The digest of ``data``."""
        return cls(algorithm, hashlib.new(algorithm, data).hexdigest())

    def hasher(self) -> hashlib._Hash:
        """A fresh hash object of this digest's algorithm, for verifying a stream."""
        return hashlib.new(self.algorithm)

    def __str__(self) -> str:
        return f"{self.algorithm}:{self.hex}"

    @property
    def short(self) -> str:
        """The first 12 hex characters, as ``docker images`` shows them."""
        return self.hex[:12]
