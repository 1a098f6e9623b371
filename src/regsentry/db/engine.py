"""Opening the store: engine creation, SQLite pragmas, and automatic migration.

The schema is created and migrated on first use, in either mode (SPEC §5): whoever opens
the store first brings it to the current Alembic revision. SQLite runs in WAL mode so
readers (the console) never block the scanner writing results.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from regsentry.errors import ConfigError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: The newest migration's revision (tests check it against the migrations directory).
#: When the database is already there, Alembic itself need not even be imported.
HEAD_REVISION = "0004"
#: PostgreSQL advisory lock id held while migrating ("regsentr" in ASCII).
_MIGRATION_LOCK = 0x7265677365


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"


def open_engine(url: str, *, migrate: bool = True) -> Engine:
    """An engine for ``url`` whose schema is at the latest revision."""
    try:
        parsed = make_url(url)
    except Exception as exc:  # SQLAlchemy raises ArgumentError; any parse failure is config
        raise ConfigError(f"invalid database URL {url!r:.100}: {exc}") from exc
    options: dict[str, Any] = {"future": True}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        options["connect_args"] = {"timeout": 60}
    else:
        options["pool_pre_ping"] = True
    engine = create_engine(parsed, **options)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if migrate:
        upgrade(engine)
    return engine


def upgrade(engine: Engine, *, create_fresh: bool = True) -> None:
    """Bring the schema to the newest Alembic revision (idempotent).

    An empty database gets the current tables straight from the models and is stamped
    with the head revision (tests check that this equals running every migration), which
    spares a first run importing Alembic and replaying the history.
    """
    if current_revision(engine) == HEAD_REVISION:
        return
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # Scanners and the console starting together must not migrate twice at
            # once: the second waits here, then finds the schema current.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        if create_fresh and not inspect(connection).get_table_names():
            _create_current(connection)
            return
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _create_current(connection: Connection) -> None:
    from regsentry.db.tables import Base

    Base.metadata.create_all(connection)
    version = Table(
        "alembic_version",
        MetaData(),
        Column("version_num", String(32), primary_key=True),
    )
    version.create(connection)
    connection.execute(version.insert().values(version_num=HEAD_REVISION))


def current_revision(engine: Engine) -> str | None:
    """The schema's Alembic revision, or None for an empty database."""
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:
        return None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.close()
