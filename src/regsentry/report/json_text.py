"""JSON text that people can read and machines can write fast.

``json.dumps(indent=2)`` runs Python's pure encoder (the C one serves only compact
output), which for a registry report of thousands of packages is a visible part of a
scan. Here objects and lists are indented down to the level where an object holds only
scalars (or lists of scalars): such an object (a package, a vulnerability, a count) is
written on one line by the C encoder. The result is valid JSON, equal when parsed to the
indented form, and scans well: one package or finding per line.
"""

from __future__ import annotations

import json
from typing import Any

_INDENT = "  "


def _is_flat(value: Any) -> bool:
    """A scalar, or a list of scalars: written on one line."""
    if isinstance(value, list):
        return all(not isinstance(item, (dict, list)) for item in value)
    return not isinstance(value, dict)


def dumps(document: Any) -> str:
    """``document`` as readable JSON text (no trailing newline)."""
    parts: list[str] = []
    _write(document, 0, parts)
    return "".join(parts)


def _write(value: Any, depth: int, parts: list[str]) -> None:
    if isinstance(value, dict):
        if not value or (all(_is_flat(item) for item in value.values()) and depth > 0):
            parts.append(json.dumps(value))
            return
        inner = _INDENT * (depth + 1)
        parts.append("{")
        for index, (key, item) in enumerate(value.items()):
            parts.append(("," if index else "") + "\n" + inner + json.dumps(str(key)) + ": ")
            _write(item, depth + 1, parts)
        parts.append("\n" + _INDENT * depth + "}")
    elif isinstance(value, list):
        if _is_flat(value):
            parts.append(json.dumps(value))
            return
        inner = _INDENT * (depth + 1)
        parts.append("[")
        for index, item in enumerate(value):
            parts.append(("," if index else "") + "\n" + inner)
            _write(item, depth + 1, parts)
        parts.append("\n" + _INDENT * depth + "]")
    else:
        parts.append(json.dumps(value))
