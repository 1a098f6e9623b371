"""Path and query parameters shared by the routes, bounded so that no value a client can
send overflows the database's 64-bit integers (a 422, never a 500)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

#: The largest integer SQLite and PostgreSQL BIGINT hold.
MAX_INT = 2**63 - 1

RowId = Annotated[int, Path(ge=1, le=MAX_INT, description="A row id.")]
Offset = Annotated[int, Query(ge=0, le=MAX_INT, description="Rows to skip.")]
