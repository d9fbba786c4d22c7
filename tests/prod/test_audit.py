"""The audit log: hand edits, publishing and plan saves, by whom and when, with ids only."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from rota.audit import AuditEntry
from tests.web.conftest import NOW, WEEK, Demo
from tests.web.helpers import read


def entries(app: Flask) -> list[tuple[str, str, str]]:
    """(actor, action, target) of every audit entry, oldest first."""
    rows = read(app, lambda s: s.execute(select(AuditEntry.actor, AuditEntry.action, AuditEntry.target)
                                        .order_by(AuditEntry.id)).all())  # fmt: skip
    return [tuple(r) for r in rows]  # type: ignore[attr-defined]


def test_hand_edit_and_publish_are_audited(app: Flask, coordinator: FlaskClient, demo: Demo) -> None:
    week = coordinator.get(f"/api/v1/stations/{demo.station}/weeks/{WEEK}/rota").get_json()
    rota_id = week["rota"]["id"]
    assignment = next(a for c in week["shifts"] for a in c["assignments"])

    coordinator.delete(f"/api/v1/assignments/{assignment['id']}")
    coordinator.post(f"/api/v1/stations/{demo.station}/weeks/{WEEK}/publish", json={})

    actions = [(action, target) for actor, action, target in entries(app) if actor.startswith("user:")]
    assert actions == [("assignment.removed", f"rota:{rota_id}"), ("rota.published", f"rota:{rota_id}")]


def test_audit_entry_holds_ids_and_time_not_names(app: Flask, coordinator: FlaskClient, demo: Demo) -> None:
    week = coordinator.get(f"/api/v1/stations/{demo.station}/weeks/{WEEK}/rota").get_json()
    assignment = next(a for c in week["shifts"] for a in c["assignments"])

    coordinator.delete(f"/api/v1/assignments/{assignment['id']}")

    entry = read(app, lambda s: s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first())
    assert (entry.at, entry.before, entry.after) == (  # type: ignore[attr-defined]
        NOW,
        {"shift": next(c["id"] for c in week["shifts"] if assignment in c["assignments"]),
         "person": assignment["person_id"], "pinned": assignment["pinned"]},
        None,
    )  # fmt: skip
    assert assignment["person"] not in repr(entries(app))
