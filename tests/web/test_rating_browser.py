"""An agent rates a resolved ticket's interaction from the ticket page, in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from fairdesk.auth.models import Role
from fairdesk.db.session import unit_of_work
from fairdesk.fairness.models import InteractionRating
from fairdesk.tickets import service as ticket_service
from fairdesk.tickets.models import TicketStatus
from tests.factories import PASSWORD, make_customer, make_user
from tests.fairness.signal_helpers import claim, delivered_order
from tests.web.conftest import LiveServer

pytestmark = pytest.mark.browser


def test_agent_rates_a_resolved_ticket(live_server: LiveServer, page: Page) -> None:
    with unit_of_work(live_server.engine) as session:
        agent = make_user(session, role=Role.AGENT, name="Rita Rater")
        customer = make_customer(session)
        ticket = claim(session, customer, delivered_order(session, customer), category="delivery")
        ticket_service.change_status(
            session, ticket=ticket, actor=agent, status=TicketStatus.RESOLVED
        )
        agent_email, ticket_id = agent.email, ticket.id
    page.goto(f"{live_server.url}/login")
    page.get_by_label("E-mail").fill(agent_email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/tickets/{ticket_id}")
    form = page.locator("form.rating-form")
    expect(page.get_by_role("heading", name="Rate this interaction")).to_be_visible()
    form.get_by_label("2").check()
    form.get_by_label("Note").fill("Raised voice, calmed down later.")
    form.get_by_role("button", name="Save rating").click()
    expect(page.get_by_text("your rating is saved")).to_be_visible()
    with unit_of_work(live_server.engine) as session:
        row = session.scalar(
            select(InteractionRating).where(InteractionRating.ticket_id == ticket_id)
        )
        assert row is not None and (row.rating, row.note) == (2, "Raised voice, calmed down later.")
