"""The result store: SQLAlchemy 2 tables, Alembic migrations, and the repository the
services use. SQLite (WAL) under REGSENTRY_HOME by default, PostgreSQL at scale.

Content-addressed: layer analyses are keyed by (layer digest, analyzer versions), image
inventories by manifest digest; registries, repositories and tags point at digests.
"""
