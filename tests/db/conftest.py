"""The store on both databases it supports: SQLite (the default) and PostgreSQL."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from regsentry.db.store import ResultStore

PG_URL = os.environ.get(
    "REGSENTRY_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


class Clock:
    """A clock tests move by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def postgres_schema_url() -> Iterator[Callable[[], str]]:
    """Makes a fresh PostgreSQL schema per call and drops them all afterwards."""
    made: list[str] = []
    plain = PG_URL.replace("postgresql+psycopg://", "postgresql://")

    def make() -> str:
        schema = f"rs_{secrets.token_hex(6)}"
        with psycopg.connect(plain, autocommit=True) as connection:
            connection.execute(f"CREATE SCHEMA {schema}")
        made.append(schema)
        return f"{PG_URL}?options=-csearch_path%3D{schema}"

    yield make
    with psycopg.connect(plain, autocommit=True) as connection:
        for schema in made:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_schema_url: Callable[[], str]
) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    return postgres_schema_url()


@pytest.fixture
def store(store_url: str, clock: Clock) -> Iterator[ResultStore]:
    opened = ResultStore.open(store_url, clock=clock)
    yield opened
    opened.close()
