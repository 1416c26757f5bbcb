"""In a real browser: an agent opens an abusive ticket, sees the words masked and marked,
reveals them with one click, and the reveal is in the audit log."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from fairdesk.auth.models import AuditEntry, Role
from fairdesk.db.session import unit_of_work
from tests.factories import PASSWORD, make_customer, make_user
from tests.fairness.protection.helpers import ABUSIVE, write
from tests.web.conftest import LiveServer

pytestmark = pytest.mark.browser


def test_reveal_on_the_ticket_page(live_server: LiveServer, page: Page) -> None:
    with unit_of_work(live_server.engine) as session:
        agent = make_user(session, role=Role.AGENT, email=f"reveal.{uuid.uuid4().hex[:8]}@x.org")
        email, agent_id = agent.email, agent.id
        made = write(session, make_customer(session), ABUSIVE)
        ticket_id, message_id = made.ticket.id, made.message.id

    page.goto(f"{live_server.url}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/tickets/{ticket_id}")
    body = page.locator(f"#m{message_id} .body")
    expect(body).not_to_contain_text("idiot")
    expect(body).to_contain_text("•••••")
    expect(page.locator(f"#m{message_id} .badge-abuse")).to_contain_text("abusive toward staff")

    page.get_by_role("button", name="Reveal the hidden words").click()
    expect(page.locator(f"#m{message_id} .body")).to_have_text(ABUSIVE)
    expect(page.get_by_role("status").filter(has_text="reveal is logged")).to_be_visible()

    with unit_of_work(live_server.engine) as session:
        entries = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "message.reveal", AuditEntry.entity_id == str(message_id)
            )
        ).all()
        assert [e.actor_id for e in entries] == [agent_id]
