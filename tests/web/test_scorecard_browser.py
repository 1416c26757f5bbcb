"""A manager opens the scorecard in Chromium: charts drawn, no console errors, CSV downloads."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from fairdesk.auth.models import Role
from fairdesk.db.session import unit_of_work
from tests.factories import PASSWORD, make_user
from tests.scorecard.helpers import PERIOD, make_desk
from tests.web.conftest import LiveServer

pytestmark = pytest.mark.browser


def test_scorecard_draws_its_charts_and_downloads_csv(
    live_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    with unit_of_work(live_server.engine) as session:
        manager = make_user(session, role=Role.MANAGER)
        make_desk(session, [make_user(session, role=Role.AGENT)])
        email = manager.email
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(f"{m.location.get('url')}: {m.text}") if m.type == "error" else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)

    page.goto(f"{live_server.url}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Scorecard").click()
    expect(page.get_by_role("heading", name="Customer-focus scorecard")).to_be_visible()
    page.get_by_label("From").fill(PERIOD["since"])
    page.get_by_label("To").fill(PERIOD["until"])
    page.get_by_label("Break down by").select_option("agent")
    page.get_by_role("button", name="Show").click()

    canvases = page.locator("canvas[data-chart]")
    expect(canvases).to_have_count(4)
    # Chart.js sizes and draws each canvas; an undrawn one keeps its 300x150 default.
    drawn = page.evaluate(
        "() => [...document.querySelectorAll('canvas[data-chart]')]"
        ".map(c => Chart.getChart(c) !== undefined)"
    )
    assert drawn == [True, True, True, True]
    page.screenshot(path=tmp_path / "scorecard.png", full_page=True)

    with page.expect_download() as info:
        page.locator("a[download]").first.click()
    saved = tmp_path / "weeks.csv"
    info.value.save_as(saved)
    assert saved.read_text().startswith("week,tickets,resolved")
    # The browser's own favicon probe is not the page's doing.
    assert missing == [] and [p for p in problems if "/favicon.ico:" not in p] == []
