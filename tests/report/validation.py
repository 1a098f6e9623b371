"""Schema validation of the report formats: SARIF and SPDX against the vendored official
schemas (see schemas/README.md), CycloneDX with cyclonedx-python-lib's own validator."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # ships no type information
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

SCHEMAS = Path(__file__).parent / "schemas"


@cache
def _validator(name: str) -> Any:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _errors(name: str, document: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
        for error in _validator(name).iter_errors(document)
    ]


def sarif_errors(document: Any) -> list[str]:
    """Violations of the SARIF 2.1.0 schema (empty when valid)."""
    return _errors("sarif-schema-2.1.0.json", document)


def spdx_errors(document: Any) -> list[str]:
    """Violations of the SPDX 2.3 JSON schema (empty when valid)."""
    return _errors("spdx-schema-2.3.json", document)


def cyclonedx_errors(text: str) -> list[str]:
    """Violations of the CycloneDX 1.6 strict JSON schema (empty when valid)."""
    validator = JsonStrictValidator(SchemaVersion.V1_6)
    return [str(error) for error in validator.validate_str(text, all_errors=True) or ()]
