"""Printing the week: the print stylesheet fits one station-week on one A4 landscape page."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.conftest import browser, live_app, server  # noqa: F401 -- fixtures shared with tests/e2e
from tests.web.conftest import PASSWORD, WEEK, Demo, demo, seeded, seeded_file  # noqa: F401

pytestmark = pytest.mark.e2e


def test_the_week_prints_on_one_a4_landscape_page(
    server: str,  # noqa: F811 -- the fixture imported above
    browser: Any,  # noqa: F811 -- the fixture imported above
    demo: Demo,  # noqa: F811 -- the fixture imported above
) -> None:
    page = browser.new_page()
    page.goto(f"{server}/login")
    page.fill("#username", "coordinator")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{server}/rota/{demo.station}/{WEEK}")
    page.emulate_media(media="print")

    pdf = page.pdf(format="A4", landscape=True, print_background=True)
    counts = re.findall(rb"/Type\s*/Pages\b.*?/Count (\d+)", pdf, re.DOTALL)

    assert pdf.startswith(b"%PDF")
    assert [int(c) for c in counts] == [1]
