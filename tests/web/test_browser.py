"""A person's path through the customer pages in headless Chromium against a live server."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from fairdesk.auth.models import Role
from fairdesk.customers.models import JourneyEvent, JourneyStage
from fairdesk.db.session import unit_of_work
from tests.factories import PASSWORD, make_customer, make_order, make_user
from tests.web.conftest import LiveServer

pytestmark = pytest.mark.browser


def test_sign_in_search_and_open_a_customer(live_server: LiveServer, page: Page,
                                            tmp_path: Path) -> None:
    with unit_of_work(live_server.engine) as session:
        agent = make_user(session, role=Role.AGENT)
        email = agent.email
        for i in range(12):
            make_customer(session, first_name="Filler", last_name=f"Person{i:02d}",
                          interests=["hiking", "books"], lifecycle_status="active")
        ada = make_customer(session, first_name="Ada", last_name="Lovelace", country="GB",
                            city="London", birth_year=1985, interests=["mathematics"],
                            lifecycle_status="active")
        for n, (amount, refunded) in enumerate([("120.00", "0"), ("35.50", "10.00")], 1):
            make_order(session, ada, external_id=f"ADA-{n}", amount=Decimal(amount),
                       refunded_amount=Decimal(refunded),
                       placed_at=datetime(2026, n, 15, tzinfo=UTC))
        session.add(JourneyEvent(customer_id=ada.id, stage=JourneyStage.FIRST_PURCHASE,
                                 event_type="order_placed",
                                 occurred_at=datetime(2026, 1, 15, 10, 5, tzinfo=UTC)))

    page.goto(f"{live_server.url}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="main")).to_be_visible()

    page.get_by_role("link", name="Customers", exact=True).click()
    expect(page.get_by_role("heading", name="Customers")).to_be_visible()
    page.screenshot(path=tmp_path / "customers-list.png", full_page=True)

    page.get_by_label("Search").fill("lovelace")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("status")).to_have_text("Showing 1–1 of 1 customers")
    page.get_by_role("link", name="Ada Lovelace").click()

    expect(page.get_by_role("heading", name="Ada Lovelace")).to_be_visible()
    orders = page.locator("table.orders tbody tr")
    expect(orders).to_have_count(2)
    expect(orders.first).to_contain_text("ADA-2")
    expect(page.locator(".totals")).to_contain_text("spent £155.50 · refunded £10.00")
    expect(page.locator(".timeline")).to_contain_text("first purchase order placed")
    page.screenshot(path=tmp_path / "customer-detail.png", full_page=True)
