"""A manager follows the approve link from the e-mail in a real browser: sign in, confirm."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from fairdesk.auth.models import Role
from fairdesk.db.session import unit_of_work
from fairdesk.goodwill import grants
from fairdesk.goodwill.models import Gesture, GestureStatus
from fairdesk.goodwill.rules import GestureRequest
from fairdesk.outbox.models import OutboxItem
from tests.factories import PASSWORD, make_user
from tests.goodwill.helpers import make_ticket
from tests.web.conftest import LiveServer

pytestmark = pytest.mark.browser


def test_manager_approves_from_the_email_link(
    live_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    with unit_of_work(live_server.engine) as session:
        manager = make_user(session, role=Role.MANAGER, name="Mia Manager")
        agent = make_user(session, role=Role.AGENT, name="Sam Agent")
        ticket = make_ticket(session, category="other", amount="200")
        gesture = grants.request_approval(
            session,
            ticket_id=ticket.id,
            actor=agent,
            request=GestureRequest("store_credit", Decimal("90"), "GBP"),
        )
        gesture_id, manager_email = gesture.id, manager.email
        mail = session.scalar(
            select(OutboxItem).where(
                OutboxItem.dedup_key == f"goodwill:approval:{gesture_id}:{manager.id}"
            )
        )
        assert mail is not None
        match = re.search(r"Approve: \S+(/goodwill/approvals/link/\S+)", mail.payload["text"])
        assert match is not None

    page.goto(live_server.url + match.group(1))
    expect(page).to_have_url(re.compile(r"/login\?next=/goodwill/approvals/link/"))
    page.get_by_label("E-mail").fill(manager_email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Store credit · £90.00")).to_be_visible()
    expect(page.get_by_text("Asked by Sam Agent")).to_be_visible()
    page.screenshot(path=tmp_path / "approval-link.png", full_page=True)
    page.get_by_role("button", name="Confirm: approve £90.00").click()

    expect(page.get_by_text("Approved; the customer has been told.")).to_be_visible()
    expect(page.get_by_text("This request was approved by Mia Manager")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Confirm"))).to_have_count(0)
    with unit_of_work(live_server.engine) as session:
        stored = session.get(Gesture, gesture_id)
        assert stored is not None
        assert stored.status == GestureStatus.GRANTED
        assert stored.approver_id is not None
