"""The vulndb layer imports only what is below it (docs/ARCHITECTURE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import regsentry.vulndb

FORBIDDEN = (
    "regsentry.cli",
    "regsentry.api",
    "regsentry.worker",
    "regsentry.service",
    "regsentry.config",
    "regsentry.db",
    "regsentry.indexer",
    "regsentry.analyzer",
    "regsentry.matcher",
    "regsentry.report",
    "regsentry.registry",
    "sqlalchemy",
    "fastapi",
    "celery",
    "typer",
    "rich",
)


def test_vulndb_imports_nothing_above_it() -> None:
    package = Path(regsentry.vulndb.__file__).parent
    offenders = []
    for module in sorted(package.rglob("*.py")):
        tree = ast.parse(module.read_text())
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{module.name}: {name}"
                for name in names
                if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)
            ]
    assert offenders == []
