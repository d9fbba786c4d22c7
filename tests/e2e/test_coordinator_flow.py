"""In a real browser: a coordinator generates, pins, moves and publishes; staff then see their shifts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from rota.accounts import Role, create_user
from rota.domain import RotaStatus
from rota.models import Person
from tests.web.conftest import PASSWORD, Demo
from tests.web.helpers import current
from web.db import database

pytestmark = pytest.mark.e2e
WEEK = "2026-W51"  # a week without a rota: the coordinator generates it


def log_in(page: Any, server: str, username: str) -> None:
    """Fill in the login form."""
    page.goto(f"{server}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")


def test_coordinator_plans_and_publishes_and_staff_see_it(
    browser: Any, server: str, demo: Demo, live_app: Flask
) -> None:
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)

    log_in(page, server, "coordinator")
    page.goto(f"{server}/rota/{demo.station}/{WEEK}")
    assert page.text_content("#status-badge") == "尚无值班表"

    page.click("#generate")
    page.wait_for_selector(".progress[data-state=running]")
    page.wait_for_url(re.compile(rf"/rota/{demo.station}/{WEEK}$"), timeout=60_000)
    assert page.text_content("#status-badge").startswith("草稿")
    chips = page.locator("#week-grid a.chip")
    assert chips.count() > 0

    chips.first.click()
    page.click("#pin")
    page.wait_for_selector("#week-grid a.chip.pinned")

    moved_person = _move_somewhere(page)
    assert moved_person

    page.click("#publish")
    page.wait_for_selector(".flash-success")
    assert page.text_content("#status-badge").startswith("已发布")
    context.close()

    published = current(live_app, RotaStatus.PUBLISHED)
    assert published, "the published rota has assignments"
    on_duty = published[0][2]  # a person with at least one shift in the published week
    _staff_account(live_app, on_duty, "onduty")
    staff = browser.new_context(locale="zh-CN").new_page()
    log_in(staff, server, "onduty")
    staff.goto(f"{server}/me/shifts")
    mine = [s for _, s, p, _ in published if p == on_duty]
    assert staff.locator("h1").text_content() == "我的班次"
    assert staff.locator("#my-shifts tbody tr").count() == len(mine) > 0
    staff.context.close()


def _staff_account(app: Flask, person_id: int, username: str) -> None:
    """A staff login for the person (the seeded staff account may have no shift in a short solve)."""
    with database(app).sessions() as session, session.begin():
        person = session.get(Person, person_id)
        assert person is not None
        create_user(
            session,
            username=username,
            password=PASSWORD,
            role=Role.STAFF,
            person=person,
            station=person.station,
        )


def _move_somewhere(page: Any) -> str:
    """Open assignments and try move targets until the hard rules accept one; returns the person."""
    week_url = page.url
    for index in range(page.locator("#week-grid a.chip").count()):
        chip = page.locator("#week-grid a.chip").nth(index)
        person = chip.get_attribute("data-person")
        with page.expect_navigation():
            chip.click()
        values = [o.get_attribute("value") for o in page.locator("#shift_id option").all()]
        for value in reversed(values):
            page.select_option("#shift_id", value)
            with page.expect_navigation():
                page.click("#move")
            if page.locator(".flash-success").count():
                return str(person)
            assert "hard rule" in page.text_content(".flash-error")  # refused, with the rule named
        page.goto(week_url)
    return ""
