"""In a real browser: a resident books a home visit in a slot a butler can really come, then cancels it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from rota.domain import VisitStatus
from rota.models import VisitRequest
from rota.visits import VisitState
from tests.e2e.test_coordinator_flow import log_in
from tests.web.conftest import Demo
from tests.web.helpers import read

pytestmark = pytest.mark.e2e


def test_a_resident_books_sees_and_cancels_a_visit(
    browser: Any, server: str, demo: Demo, live_app: Flask
) -> None:
    page = browser.new_context(locale="zh-CN").new_page()
    page.set_default_timeout(30_000)
    log_in(page, server, "resident")

    page.click("nav >> text=预约上门服务")
    page.wait_for_url(re.compile(r"/book$"))
    page.select_option("select[name=service_type]", "housekeeping")
    assert page.locator("select[name=service_type] option:checked").text_content() == "上门家政"
    with page.expect_navigation():
        page.click("#choose button[type=submit]")
    slots = page.locator("#book label.slot")
    assert slots.count() > 0
    assert "上门家政" in page.text_content("#book legend")
    chosen = slots.nth(1)
    chosen_text = chosen.text_content().strip()
    chosen.locator("input").check()
    page.fill("#book input[name=name]", "李婆婆")
    page.fill("#book input[name=phone]", "137 0013 7000")
    page.fill("#book input[name=flat]", "502")
    with page.expect_navigation():
        page.click("#book button[type=submit]")

    flash = page.text_content(".flash-success")
    reference = page.text_content("h1 .reference").strip()
    assert re.fullmatch(r"BK-[A-Z0-9]+", reference)
    assert reference in flash
    assert page.text_content("dd.status") == "已安排"
    assert page.text_content("dd.time") == chosen_text
    assert page.text_content("dd.butler").strip()  # a butler is assigned
    assert page.locator("text=13700137000").count() == 0  # residents see no butler's view of contacts

    page.click("nav >> text=我的预约")
    page.wait_for_url(re.compile(r"/my/bookings$"))
    row = page.locator("table.bookings tbody tr", has_text=reference)
    assert row.count() == 1
    assert "上门家政" in row.text_content()
    assert row.locator("td.status").text_content() == "已安排"

    with page.expect_navigation():
        row.locator(f"a:text('{reference}')").click()
    with page.expect_navigation():
        page.click("#cancel button")
    assert page.text_content("dd.status") == "已取消"
    assert page.locator("#cancel").count() == 0
    page.click("nav >> text=我的预约")
    page.wait_for_url(re.compile(r"/my/bookings$"))
    assert (
        page.locator("table.bookings tbody tr", has_text=reference).locator("td.status").text_content()
        == "已取消"
    )

    def stored_status(session: Any) -> VisitStatus:
        return session.scalars(
            select(VisitRequest.status).join(VisitState).where(VisitState.reference == reference)
        ).one()

    assert read(live_app, stored_status) == VisitStatus.CANCELLED
    page.context.close()
