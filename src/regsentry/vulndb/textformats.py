"""Decoding feed documents: strict YAML and incremental top-level JSON.

YAML is read with a loader that keeps every scalar a string except ``null`` and booleans:
PyYAML's default resolvers would turn a version ``1.10`` into the float ``1.1`` and a
``modified:`` timestamp into a ``datetime``, silently changing what the advisory says.
Anchors and aliases are refused: no OSV or secdb file uses them, and they are how a small
YAML file expands into an enormous tree ("billion laughs").

The Debian tracker JSON is one large object (package → CVE → …); :func:`iter_object_items`
decodes it one top-level member at a time so only one package's tree is alive at once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import yaml

from regsentry.vulndb.errors import InvalidFeedError

_STRING_RESOLVERS: dict[str, list[tuple[str, Any]]] = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag in ("tag:yaml.org,2002:null", "tag:yaml.org,2002:bool")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
# Anything that might be an anchor (&a) or alias (*a) where a node may start; plain text
# such as "**Resolved**" matches too, which only costs the slower, checking loader.
_MAYBE_ANCHOR = re.compile(r"(?:^|[\s\[\]{},])[&*][^\s\[\]{},]", re.MULTILINE)


class _StringYamlLoader(yaml.SafeLoader):
    """SafeLoader with only the null and bool implicit resolvers, and no aliases."""

    yaml_implicit_resolvers = _STRING_RESOLVERS

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "YAML aliases are not accepted in advisory data", event.start_mark
            )
        return super().compose_node(parent, index)


_FAST_LOADER: Any = None
if hasattr(yaml, "CSafeLoader"):

    class _FastStringYamlLoader(yaml.CSafeLoader):
        """The same resolvers on libyaml (10x faster), for text that has no anchor."""

        yaml_implicit_resolvers = _STRING_RESOLVERS

    _FAST_LOADER = _FastStringYamlLoader


def load_yaml(text: str, *, origin: str) -> object:
    """Parse one YAML document: scalars stay strings (but null and booleans), no aliases.

    libyaml cannot be stopped at an alias, so it is used only when no anchor or alias can
    be in the text; otherwise the pure-Python loader refuses them as it meets them.
    """
    loader = _FAST_LOADER
    if loader is None or _MAYBE_ANCHOR.search(text):
        loader = _StringYamlLoader
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - SafeLoader subclasses
    except yaml.YAMLError as exc:
        raise InvalidFeedError(f"{origin}: not valid YAML: {_first_line(exc)}") from exc


def load_json(text: str, *, origin: str) -> object:
    """Parse one JSON document."""
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise InvalidFeedError(f"{origin}: not valid JSON: {_first_line(exc)}") from exc


def _skip_blank(text: str, pos: int) -> int:
    """The first position at or after ``pos`` that is not JSON whitespace."""
    while pos < len(text) and text[pos] in " \t\n\r":
        pos += 1
    return pos


def iter_object_items(text: str, *, origin: str) -> Iterator[tuple[str, object]]:
    """Yield the (key, value) members of the top-level JSON object in ``text`` one by one.

    Raises :class:`InvalidFeedError` if the text is not one JSON object.
    """
    decoder = json.JSONDecoder()
    pos = _skip_blank(text, 0)
    if not text.startswith("{", pos):
        raise InvalidFeedError(f"{origin}: not a JSON object")
    pos = _skip_blank(text, pos + 1)
    if text.startswith("}", pos):
        return
    while True:
        try:
            key, pos = decoder.raw_decode(text, pos)
            pos = _skip_blank(text, pos)
            if not text.startswith(":", pos) or not isinstance(key, str):
                raise InvalidFeedError(f"{origin}: malformed JSON object at offset {pos}")
            pos = _skip_blank(text, pos + 1)
            value, pos = decoder.raw_decode(text, pos)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise InvalidFeedError(f"{origin}: not valid JSON: {_first_line(exc)}") from exc
        yield key, value
        pos = _skip_blank(text, pos)
        if text.startswith(",", pos):
            pos = _skip_blank(text, pos + 1)
            continue
        if text.startswith("}", pos) and not text[pos + 1 :].strip():
            return
        raise InvalidFeedError(f"{origin}: malformed JSON object at offset {pos}")


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
