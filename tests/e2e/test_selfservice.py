"""In a real browser: leave requested, approved and respected by a re-plan; a swap refused for too little
rest with the reason shown; a volunteer signing up for an activity."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from rota.accounts import create_user
from rota.domain import OrgKind, RotaStatus
from rota.models import Assignment, Leave, Person, Rota, Shift
from tests.e2e.test_coordinator_flow import log_in
from tests.web.conftest import PASSWORD, Demo
from tests.web.helpers import read
from tests.web.test_staff_selfservice import W51, cadres, publish_rows
from web.db import database

pytestmark = pytest.mark.e2e


def test_leave_requested_approved_and_respected_by_a_replan(
    browser: Any, server: str, demo: Demo, live_app: Flask
) -> None:
    staff = browser.new_context(locale="zh-CN").new_page()
    staff.set_default_timeout(30_000)
    log_in(staff, server, "staff")
    staff.goto(f"{server}/me/requests")
    staff.fill("#first", "2026-12-15")
    staff.fill("#last", "2026-12-16")
    staff.fill("#reason", "体检")
    staff.click("#request-leave")
    staff.wait_for_selector(".flash-success")
    leave_id = read(live_app, lambda s: s.scalars(select(Leave.id).order_by(Leave.id.desc())).first())

    coordinator = browser.new_context(locale="zh-CN").new_page()
    coordinator.set_default_timeout(30_000)
    log_in(coordinator, server, "coordinator")
    coordinator.goto(f"{server}/approvals/")
    coordinator.click(f'tr[data-leave="{leave_id}"] button.approve')
    coordinator.wait_for_selector(".flash-success")
    coordinator.goto(f"{server}/rota/{demo.station}/2026-W51")
    coordinator.click("#generate")
    coordinator.wait_for_url(re.compile(rf"/rota/{demo.station}/2026-W51$"), timeout=60_000)

    def staff_days(session: Session) -> list[date]:
        return list(session.scalars(
            select(Shift.date).join(Assignment).join(Rota).where(
                Rota.week_start == W51, Rota.status == RotaStatus.DRAFT,
                Assignment.person_id == demo.staff_person_id,
            )
        ))  # fmt: skip

    days = read(live_app, staff_days)
    assert [d for d in days if d in (date(2026, 12, 15), date(2026, 12, 16))] == []  # type: ignore[attr-defined]
    assert "已批准" in staff.goto(f"{server}/me/requests").text()  # type: ignore[union-attr]
    staff.context.close()
    coordinator.context.close()


def test_swap_refused_for_too_little_rest_shows_the_reason(
    browser: Any, server: str, demo: Demo, live_app: Flask
) -> None:
    colleague = cadres(live_app, demo)[2]
    publish_rows(live_app, W51, [("HLN+0", demo.staff_person_id), ("AM+1", colleague)])
    page = browser.new_context(locale="zh-CN").new_page()
    page.set_default_timeout(30_000)
    log_in(page, server, "staff")
    page.goto(f"{server}/me/swaps")
    page.select_option("#colleague_id", str(colleague))
    page.select_option("#other_shift_id", "0")
    page.click("#offer-swap")

    error = page.wait_for_selector(".flash-error").text_content()

    assert "不允许" in error
    assert "最短休息时间" in error
    page.context.close()


def _volunteer(app: Flask, demo: Demo) -> tuple[int, date, str, str]:
    """A volunteer with an account: (person, a day of W51 in their first window, its start and end)."""
    with database(app).sessions() as session, session.begin():
        ours = select(Person).where(Person.station_id == demo.station_id).order_by(Person.id)
        people = session.scalars(ours)
        person = next(p for p in people if p.org.kind == OrgKind.VOLUNTEER and p.availability)
        window = person.availability[0]
        create_user(session, username="volunteer", password=PASSWORD, role="staff", person=person)
        day = W51 + timedelta(days=window.weekday)
        return person.id, day, f"{window.start_time:%H:%M}", f"{window.end_time:%H:%M}"


def test_volunteer_signs_up_for_an_activity(browser: Any, server: str, demo: Demo, live_app: Flask) -> None:
    _person, day, start, end = _volunteer(live_app, demo)
    coordinator = browser.new_context(locale="zh-CN").new_page()
    coordinator.set_default_timeout(30_000)
    log_in(coordinator, server, "coordinator")
    coordinator.goto(f"{server}/approvals/activities")
    coordinator.fill("#title", "中秋游园会")
    coordinator.fill("#day", day.isoformat())
    coordinator.fill("#start", start)
    coordinator.fill("#end", end)
    coordinator.fill("#places", "3")
    coordinator.fill("#signup_until", (W51 - timedelta(days=1)).isoformat())
    coordinator.click("#plan-activity")
    coordinator.wait_for_selector(".flash-success")

    volunteer = browser.new_context(locale="zh-CN").new_page()
    volunteer.set_default_timeout(30_000)
    log_in(volunteer, server, "volunteer")
    volunteer.goto(f"{server}/me/activities")
    volunteer.click("#activities button.primary")
    volunteer.wait_for_selector(".flash-success")

    assert volunteer.text_content(".signup-status") == "等待协调员审批"
    assert volunteer.text_content("td.places").split() == ["1", "/", "3"]
    coordinator.goto(f"{server}/approvals/")
    assert "中秋游园会" in coordinator.text_content("#signup-queue")
    coordinator.context.close()
    volunteer.context.close()
