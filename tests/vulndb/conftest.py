"""Fixtures of the vulndb tests: databases built once from the real advisory data."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from regsentry.vulndb.importer import import_path
from regsentry.vulndb.report import ImportReport
from regsentry.vulndb.store import AdvisoryDB
from tests.vulndb.data import GOLANG, PYPA


@pytest.fixture(scope="session")
def language_db_reports(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, ImportReport, ImportReport]:
    """A database holding all of pypa-advisory-database and golang-vulndb (read only!)."""
    path = tmp_path_factory.mktemp("language-db") / "vulndb.sqlite"
    pypa = import_path(path, PYPA, name="pypa")
    golang = import_path(path, GOLANG, name="golang")
    return path, pypa, golang


@pytest.fixture(scope="session")
def language_db_path(language_db_reports: tuple[Path, ImportReport, ImportReport]) -> Path:
    """The path of the shared language database (copy it before changing it)."""
    return language_db_reports[0]


@pytest.fixture
def language_db(language_db_path: Path) -> Iterator[AdvisoryDB]:
    """A read-only handle on the shared language database."""
    with AdvisoryDB(language_db_path) as database:
        yield database


@pytest.fixture
def writable_db(language_db_path: Path, tmp_path: Path) -> Path:
    """A private copy of the language database, for tests that change it."""
    path = tmp_path / "db" / "vulndb.sqlite"
    path.parent.mkdir()
    shutil.copyfile(language_db_path, path)
    return path


def file_digest(path: Path) -> str:
    """The SHA-256 of a file (to prove a database was left byte for byte unchanged)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
