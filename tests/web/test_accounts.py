"""Accounts: creation with validation, authentication, demo logins."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from rota.accounts import Role, authenticate, create_user, seed_demo_accounts
from rota.errors import InvalidInput, StateConflict
from tests.conftest import TinyStation


@pytest.mark.parametrize(
    ("username", "password", "field"),
    [
        ("", "long-enough", "username"),
        ("has space", "long-enough", "username"),
        ("x" * 51, "long-enough", "username"),
        ("fine", "short", "password"),
    ],
)
def test_create_user_validates(session: Session, username: str, password: str, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        create_user(session, username=username, password=password, role=Role.STAFF)

    assert [e.where for e in caught.value.errors] == [field]


def test_username_taken(session: Session) -> None:
    create_user(session, username="ana", password="long-enough", role=Role.STAFF)

    with pytest.raises(StateConflict):
        create_user(session, username="ana", password="long-enough", role=Role.RESIDENT)


def test_authenticate(session: Session) -> None:
    user = create_user(session, username="ana", password="long-enough", role=Role.COORDINATOR)

    assert authenticate(session, "ana", "long-enough") is user
    assert authenticate(session, "ana", "wrong-one") is None
    assert authenticate(session, "bob", "long-enough") is None
    assert user.password_hash.startswith("$argon2")


def test_inactive_users_cannot_log_in(session: Session) -> None:
    user = create_user(session, username="ana", password="long-enough", role=Role.STAFF)
    user.active = False

    assert authenticate(session, "ana", "long-enough") is None


def test_seed_demo_accounts_once_per_role(session: Session, tiny: TinyStation) -> None:
    station = tiny.station
    first = seed_demo_accounts(session, station)
    second = seed_demo_accounts(session, station)

    assert [role for role, _, _ in first] == ["coordinator", "staff", "resident"]
    assert second == []
    assert all(authenticate(session, username, password) for _, username, password in first)
