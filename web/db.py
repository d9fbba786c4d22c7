"""The database for the web app: one engine per app, one session per request in ``g``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from rota.db import make_engine, make_session_factory

EXTENSION = "rota_db"
# Ending a transaction on a connection the server has just dropped (a restart) raises, yet there is
# nothing left to undo: the server rolled it back, and the pool throws the connection away.
GONE = (OperationalError, InterfaceError)


@dataclass(frozen=True)
class Database:
    """The app's engine and session factory."""

    engine: Engine
    sessions: sessionmaker[Session]


def init_app(app: Flask) -> None:
    """Create the engine and close the request's session when the app context ends."""
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions[EXTENSION] = Database(engine, make_session_factory(engine))
    app.teardown_appcontext(close_session)


def database(app: Flask | None = None) -> Database:
    """The app's database (the current app's by default)."""
    return (app or current_app).extensions[EXTENSION]  # type: ignore[no-any-return]


def get_session() -> Session:
    """The request's session, opened on first use."""
    if "db_session" not in g:
        g.db_session = database().sessions(info={"actor": _actor, "clock": current_app.config["CLOCK"]})
    return g.db_session  # type: ignore[no-any-return]


def _actor() -> str:
    """The audit log's actor of this request: the logged-in account's id (no names)."""
    user = g.get("_login_user")  # set by Flask-Login; never load the user from inside a flush
    return f"user:{user.id}" if user is not None and user.is_authenticated else "anonymous"


def close_session(_exc: BaseException | None = None) -> None:
    """Roll back whatever was not committed and close the request's session."""
    session = g.pop("db_session", None)
    if session is not None:
        with suppress(*GONE):
            session.close()


def rollback() -> None:
    """Undo the request's uncommitted work (after an error)."""
    session = g.get("db_session")
    if session is not None:
        with suppress(*GONE):
            session.rollback()


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """The request's session, committed if the block succeeds and rolled back if it raises."""
    session = get_session()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def dispose(app: Flask) -> None:
    """Close every pooled connection of the app's engine (tests, shutdown)."""
    database(app).engine.dispose()
