"""Readable JSON text: equal to the document when parsed, one flat object per line."""

from __future__ import annotations

import json
from typing import Any

import pytest

from regsentry.report import json_text

DOCUMENTS: list[Any] = [
    {},
    [],
    'text with "quotes", a tab\t and é',
    {"a": 1, "b": [1, 2], "c": None, "d": {"e": {"f": [{"g": 1.5}, {"h": True}]}}},
    [{"name": "bash", "aliases": ["CVE-1", "CVE-2"]}, {"name": "libc6", "aliases": []}],
    {"images": [{"packages": [], "vulnerabilities": [{"id": "X"}], "os": {}}]},
    {"nested": [[1, 2], [3, [4]]]},
]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_the_text_parses_back_to_the_same_document(document: Any) -> None:
    assert json.loads(json_text.dumps(document)) == document


def test_flat_objects_take_one_line_and_the_structure_is_indented() -> None:
    document = {
        "images": [
            {"os": {"family": "debian"}, "packages": [{"name": "bash"}, {"name": "zlib1g"}]}
        ],
        "summary": {"images": 1},
    }
    assert json_text.dumps(document).splitlines() == [
        "{",
        '  "images": [',
        "    {",
        '      "os": {"family": "debian"},',
        '      "packages": [',
        '        {"name": "bash"},',
        '        {"name": "zlib1g"}',
        "      ]",
        "    }",
        "  ],",
        '  "summary": {"images": 1}',
        "}",
    ]
