"""Alembic environment: the URL comes from the caller (app.core.migrations) or KB_DATABASE_URL.

Every upgrade or downgrade runs in ONE transaction on both engines, so a crash (even
SIGKILL) at any point leaves the database as it was before the command or at the
target revision, never half-way. PostgreSQL has transactional DDL. SQLite does too,
but pysqlite's own transaction handling commits before DDL and only begins before
DML; the migration engine turns that off (``isolation_level = None``) and emits its
own ``BEGIN``, SQLAlchemy's documented recipe for SQLite transactional DDL.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection, Engine, event

from app.core.config import get_settings
from app.core.db import create_db_engine
from app.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or get_settings().database_url


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        # One transaction for the whole command (SQLite's Alembic default is none).
        transactional_ddl=True,
    )


def _sqlite_transactional_ddl(engine: Engine) -> None:
    """Make every SQLite statement of this engine, DDL included, run in the transaction
    SQLAlchemy begins, committed or rolled back as a whole."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # After app.core.db's own connect hook (journal mode, foreign keys on).
        dbapi_connection.isolation_level = None  # pysqlite: no implicit BEGIN or COMMIT
        # Batch migrations rebuild tables (copy, drop, rename); with foreign keys on,
        # dropping a referenced table fails. The pragma is a no-op inside a transaction,
        # so it is set here, before any BEGIN; the check before COMMIT restores the
        # guarantee, and the engine is disposed of after the command.
        dbapi_connection.execute("PRAGMA foreign_keys=OFF")

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # Deferred: a command with nothing to do only reads (a read-only file works).
        conn.exec_driver_sql("BEGIN")


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_db_engine(_url())
    sqlite = engine.dialect.name == "sqlite"
    if sqlite:
        _sqlite_transactional_ddl(engine)
    try:
        with engine.connect() as conn:
            _configure(conn)
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    # Inside the transaction: broken foreign keys roll everything back.
                    problems = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if problems:
                        raise RuntimeError(f"migration left broken foreign keys: {problems[:5]}")
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
