"""Shared fixtures: an isolated, migrated database per test.

SQLite by default (a file under ``tmp_path``); when ``ROTA_TEST_DATABASE_URL`` points at
PostgreSQL every test gets its own schema, selected through the connection's ``search_path`` so
that subprocesses given the same URL see the same schema.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from rota.db import make_engine, upgrade

PG_URL_ENV = "ROTA_TEST_DATABASE_URL"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip tests marked ``postgres`` unless a PostgreSQL test database is configured."""
    if os.environ.get(PG_URL_ENV):
        return
    skip = pytest.mark.skip(reason=f"needs {PG_URL_ENV}")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def _with_search_path(url: str, schema: str) -> str:
    """The PostgreSQL URL with every connection's search_path set to ``schema``."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database that only this test uses."""
    base = os.environ.get(PG_URL_ENV)
    if not base:
        yield f"sqlite:///{tmp_path / 'rota.db'}"
        return
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = make_engine(base)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield _with_search_path(base, schema)
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the test database with the migrations applied."""
    eng = make_engine(database_url)
    try:
        upgrade(eng)
        yield eng
    finally:
        eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the migrated test database; the test decides when to commit."""
    with Session(engine) as s:
        yield s
