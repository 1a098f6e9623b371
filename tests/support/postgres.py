"""Fresh PostgreSQL schemas on the machine's server (127.0.0.1:5432, trust auth, db test)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator

import psycopg
import pytest

PG_URL = os.environ.get(
    "REGSENTRY_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


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
