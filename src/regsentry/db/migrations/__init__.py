"""Alembic migrations of the result store (run automatically by ``engine.open_engine``)."""
