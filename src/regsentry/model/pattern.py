"""Name patterns of scan rules (SPEC §1): ``*``, ``?``, comma lists and ``!`` excludes.

``*`` matches any run of characters, ``/`` included; ``?`` matches one character. A
pattern matches a whole name. Several patterns may be given comma-separated; those that
start with ``!`` exclude. With no including pattern every name is included (so ``!tmp/*``
means "everything but tmp/…").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from regsentry.errors import ConfigError


@lru_cache(maxsize=1024)
def _compile(glob: str) -> re.Pattern[str]:
    parts = (".*" if char == "*" else "." if char == "?" else re.escape(char) for char in glob)
    return re.compile("".join(parts), re.DOTALL)


@dataclass(frozen=True)
class NamePattern:
    """A parsed repository or tag pattern."""

    includes: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str, *, what: str = "pattern") -> NamePattern:
        """Parse a comma list; an empty element or a lone ``!`` is a ConfigError."""
        if not text.strip():
            return cls()
        includes: list[str] = []
        excludes: list[str] = []
        for raw in text.split(","):
            item = raw.strip()
            target = excludes if item.startswith("!") else includes
            item = item.removeprefix("!").strip()
            if not item:
                raise ConfigError(f"{what} {text!r} has an empty element")
            if any(char.isspace() for char in item):
                raise ConfigError(f"{what} {text!r}: {item!r} contains whitespace")
            target.append(item)
        return cls(tuple(includes), tuple(excludes))

    def transformed(self, transform: Callable[[str], str]) -> NamePattern:
        """The same pattern with every glob rewritten (e.g. Docker Hub's ``library/``)."""
        return NamePattern(
            tuple(map(transform, self.includes)), tuple(map(transform, self.excludes))
        )

    def matches(self, name: str) -> bool:
        """Whether ``name`` is included and not excluded."""
        included = not self.includes or any(
            _compile(glob).fullmatch(name) for glob in self.includes
        )
        return included and not any(_compile(glob).fullmatch(name) for glob in self.excludes)

    @property
    def literal_names(self) -> tuple[str, ...] | None:
        """The exact names when every include is a plain name, else None.

        A rule naming its repositories exactly needs no catalog listing (which many
        registries reserve for administrators).
        """
        if not self.includes or any(set("*?") & set(glob) for glob in self.includes):
            return None
        return tuple(name for name in dict.fromkeys(self.includes) if self.matches(name))
