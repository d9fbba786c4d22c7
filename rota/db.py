"""Engines, sessions and migrations.

The application owns the session's lifetime: services take a session and never commit; the CLI
(or a web request, or a job) wraps ``with session.begin():`` around one unit of work.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, MetaData, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_DATABASE_URL = "sqlite:///rota.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Modules that declare tables on ``rota.models.Base``; the migrations cover all of them.
MODEL_MODULES = (
    "rota.models",
    "rota.accounts",
    "rota.feeds",
    "rota.visits",
    "rota.selfservice",
    "rota.audit",
)


def database_url(environ: Mapping[str, str] | None = None) -> str:
    """The configured database URL: ``ROTA_DATABASE_URL`` or a SQLite file in the current directory."""
    env = os.environ if environ is None else environ
    return env.get("ROTA_DATABASE_URL") or DEFAULT_DATABASE_URL


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` (default: the configured one); SQLite gets foreign keys enforced.

    Server databases get ``pool_pre_ping``: after a restart or failover every pooled connection is
    dead, and the ping swaps it for a fresh one instead of failing the next request that draws it.
    """
    url = url or database_url()
    options: dict[str, Any] = {} if url.startswith("sqlite") else {"pool_pre_ping": True}
    engine = create_engine(url, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    """Enforce foreign keys and let SQLAlchemy, not the driver, decide where transactions begin.

    The sqlite3 driver would otherwise commit before every DDL statement, so a failed migration
    would leave half a schema behind (SQLAlchemy's documented pysqlite recipe).
    """
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    """Open the transaction the driver no longer opens by itself."""
    connection.exec_driver_sql("BEGIN")


def metadata() -> MetaData:
    """The metadata of every table the migrations create (imports each model module once)."""
    for name in MODEL_MODULES:
        importlib.import_module(name)
    from rota.models import Base

    return Base.metadata


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory bound to ``engine`` whose sessions write the audit log."""
    from rota.audit import install

    sessions = sessionmaker(bind=engine)
    install(sessions)
    return sessions


def alembic_config() -> Config:
    """An Alembic configuration pointing at the packaged migrations, whatever the working directory."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply the migrations up to ``revision`` in one transaction."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None before the first migration)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
