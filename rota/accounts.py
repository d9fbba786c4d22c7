"""User accounts: who may log in, with which role, linked to a butler or a station.

Passwords are hashed with Argon2 (argon2-cffi); only the hash is stored.  Like every service,
these functions take a session and never commit.
"""

from __future__ import annotations

import enum
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from rota.errors import FieldError, InvalidInput, StateConflict
from rota.models import Base, Person, Station, enum_column

MIN_PASSWORD_LENGTH = 8
USERNAME_MAX = 50


class Role(enum.StrEnum):
    """What a user may do: plan (coordinator), see their own duty (staff) or book visits (resident)."""

    COORDINATOR = "coordinator"
    STAFF = "staff"
    RESIDENT = "resident"


class User(Base):
    """A login; staff accounts point at their Person, coordinators and residents at a station."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = enum_column(Role)
    display_name: Mapped[str | None] = mapped_column(String(100))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(default=True)

    person: Mapped[Person | None] = relationship()
    station: Mapped[Station | None] = relationship()

    # The session-user protocol web frameworks expect (Flask-Login's), without importing one.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        """False for disabled accounts, which cannot log in."""
        return self.active

    def get_id(self) -> str:
        """The id kept in the session cookie."""
        return str(self.id)


def _hasher() -> PasswordHasher:
    """The Argon2 hasher with the library's recommended parameters."""
    return PasswordHasher()


def hash_password(password: str) -> str:
    """An Argon2 hash of the password."""
    return _hasher().hash(password)


def check_password(password_hash: str, password: str) -> bool:
    """True if the password matches the hash (False for a malformed hash too)."""
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _validate(username: str, password: str) -> list[FieldError]:
    """Field errors of a new account's username and password."""
    errors = []
    if not username or len(username) > USERNAME_MAX or not username.isprintable() or " " in username:
        errors.append(FieldError("username", f"1 to {USERNAME_MAX} characters without spaces"))
    if len(password) < MIN_PASSWORD_LENGTH:
        errors.append(FieldError("password", f"at least {MIN_PASSWORD_LENGTH} characters"))
    return errors


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role | str,
    person: Person | None = None,
    station: Station | None = None,
    display_name: str | None = None,
) -> User:
    """Add an account; InvalidInput for bad fields, StateConflict if the username is taken."""
    errors = _validate(username, password)
    if errors:
        raise InvalidInput("the account cannot be created", errors)
    if find_user(session, username) is not None:
        raise StateConflict(f"the username {username!r} is taken")
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=Role(role),
        person=person,
        station=station if station is not None else (person.station if person else None),
        display_name=display_name or (person.name if person else None),
    )
    session.add(user)
    session.flush()
    return user


def find_user(session: Session, username: str) -> User | None:
    """The account with this username, if any."""
    return session.scalars(select(User).where(User.username == username)).one_or_none()


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active account matching the credentials, or None (same work whether or not it exists)."""
    user = find_user(session, username)
    if user is None:
        # Hash anyway so that timing does not reveal which usernames exist.
        check_password(hash_password("timing-equaliser"), password)
        return None
    if not user.active or not check_password(user.password_hash, password):
        return None
    return user


def seed_demo_accounts(session: Session, station: Station) -> list[tuple[str, str, str]]:
    """One demo account per role at a station, with random passwords: (role, username, password).

    For demo data only: the passwords are printed once and never stored in clear.
    """
    people = sorted(station.people, key=lambda p: p.id)
    plan = [
        (Role.COORDINATOR, f"coord-{station.code}".lower(), None),
        (Role.STAFF, f"staff-{station.code}".lower(), people[0] if people else None),
        (Role.RESIDENT, f"resident-{station.code}".lower(), None),
    ]
    created = []
    for role, username, person in plan:
        if find_user(session, username) is not None:
            continue
        password = secrets.token_urlsafe(9)
        create_user(session, username=username, password=password, role=role, person=person, station=station)
        created.append((role.value, username, password))
    return created
