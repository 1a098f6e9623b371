"""Parsing ``WWW-Authenticate`` challenges (RFC 7235) as registries send them.

Registries answer 401 with ``Basic realm="…"`` or
``Bearer realm="https://auth…/token",service="…",scope="repository:R:pull"``; a header may
hold several challenges and a response several headers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

_TOKEN_CHARS = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"  # noqa: S105 - RFC 7230 token, no secret
_PARAM_RE = re.compile(
    rf"\s*(?P<key>{_TOKEN_CHARS})\s*=\s*(?:\"(?P<quoted>(?:[^\"\\]|\\.)*)\"|(?P<plain>[^\s,]*))\s*,?"
)
_SCHEME_RE = re.compile(rf"\s*,?\s*(?P<scheme>{_TOKEN_CHARS})(?=\s|$|,)")


@dataclass(frozen=True)
class Challenge:
    """One authentication challenge; ``params`` keys are lower-case."""

    scheme: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def realm(self) -> str:
        """The ``realm`` parameter (a token endpoint URL for Bearer)."""
        return self.params.get("realm", "")


def parse_challenges(headers: Iterable[str]) -> list[Challenge]:
    """Every challenge in the given header values, in order; schemes lower-cased."""
    challenges: list[Challenge] = []
    for header in headers:
        position = 0
        while position < len(header):
            scheme_match = _SCHEME_RE.match(header, position)
            if not scheme_match:
                break
            position = scheme_match.end()
            params: dict[str, str] = {}
            while True:
                param = _PARAM_RE.match(header, position)
                if not param:
                    break
                value = param["quoted"] if param["quoted"] is not None else param["plain"]
                params[param["key"].lower()] = re.sub(r"\\(.)", r"\1", value)
                position = param.end()
            challenges.append(Challenge(scheme_match["scheme"].lower(), params))
    return challenges
