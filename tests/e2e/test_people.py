"""In a real browser: a coordinator deactivates a butler who left, and the next plan leaves them out."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rota.domain import RotaStatus
from rota.models import Assignment, Person, Rota
from tests.e2e.test_coordinator_flow import log_in
from tests.web.conftest import Demo
from tests.web.helpers import read
from tests.web.test_staff_selfservice import W51

pytestmark = pytest.mark.e2e


def test_a_butler_who_left_is_deactivated_and_not_planned(
    browser: Any, server: str, demo: Demo, live_app: Flask
) -> None:
    page = browser.new_context(locale="zh-CN").new_page()
    page.set_default_timeout(30_000)
    log_in(page, server, "coordinator")
    page.goto(f"{server}/manage/{demo.station}/people/{demo.staff_person_id}")
    page.click("#active-form button[type=submit]")
    page.wait_for_selector("#inactive-badge")
    flash = page.text_content(".flash")
    page.goto(f"{server}/rota/{demo.station}/2026-W51")
    page.click("#generate")
    page.wait_for_url(re.compile(rf"/rota/{demo.station}/2026-W51$"), timeout=60_000)

    def drafted(session: Session) -> int:
        return int(session.scalar(
            select(func.count()).select_from(Assignment).join(Rota).where(
                Rota.week_start == W51, Rota.status == RotaStatus.DRAFT,
                Assignment.person_id == demo.staff_person_id,
            )
        ) or 0)  # fmt: skip

    assert "已停用" in (flash or "")
    assert read(live_app, lambda s: s.get(Person, demo.staff_person_id).active) is False
    assert read(
        live_app, lambda s: s.scalar(select(func.count()).select_from(Rota).where(Rota.week_start == W51))
    )
    assert read(live_app, drafted) == 0
    page.context.close()
