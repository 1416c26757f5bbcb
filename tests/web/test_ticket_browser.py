"""A customer writes in, an agent answers with a canned reply, the customer reads it online.

Real Chromium against the live server: the anonymous support form, the agent's inbox and
ticket page, and the portal link taken from the acknowledgement e-mail in the outbox.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from fairdesk.auth.models import Role
from fairdesk.db.session import unit_of_work
from fairdesk.outbox.models import OutboxItem
from fairdesk.tickets import canned
from fairdesk.tickets.models import Ticket
from tests.factories import PASSWORD, make_user
from tests.web.conftest import LiveServer

pytestmark = pytest.mark.browser


def test_form_to_inbox_to_canned_reply_to_portal(
    live_server: LiveServer, page: Page, browser: Browser, tmp_path: Path
) -> None:
    email = f"ada.{uuid.uuid4().hex[:8]}@example.com"
    with unit_of_work(live_server.engine) as session:
        agent = make_user(session, role=Role.AGENT, name="Sam Agent")
        agent_email = agent.email
        canned.create_canned(
            session,
            title="Parcel delayed",
            category="shipping",
            actor=agent,
            body="Hello {first_name},\n\nSorry about {ticket_reference}: your parcel is "
            "delayed, a new one leaves today.\n\n{agent_name}",
        )

    # 1. An anonymous customer writes in.
    page.goto(f"{live_server.url}/support")
    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Subject").fill("Parcel never arrived")
    page.get_by_label("Message").fill("I ordered a <b>kettle</b> two weeks ago.")
    page.get_by_role("button", name="Send message").click()
    expect(page.get_by_role("heading", name="Thank you, we have your message")).to_be_visible()
    reference = page.locator("strong.ref").inner_text()
    assert re.fullmatch(r"FD-[A-Z0-9]{8}", reference)
    expect(page.get_by_role("status")).to_contain_text(f"Your reference is {reference}")
    page.screenshot(path=tmp_path / "support-thanks.png", full_page=True)

    # 2. An agent finds it among the unassigned tickets and answers with a canned reply.
    staff = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    staff.goto(f"{live_server.url}/login")
    staff.get_by_label("E-mail").fill(agent_email)
    staff.get_by_label("Password").fill(PASSWORD)
    staff.get_by_role("button", name="Sign in").click()
    staff.get_by_role("link", name="Inbox", exact=True).click()
    staff.get_by_role("navigation", name="views").get_by_role("link", name="Unassigned").click()
    row = staff.locator("table.inbox tbody tr", has_text=reference)
    expect(row).to_contain_text("Parcel never arrived")
    expect(row).to_contain_text("Ada Lovelace")
    expect(row.locator(".sla")).to_have_text(re.compile(r"due in \d+ h"))
    staff.screenshot(path=tmp_path / "inbox.png", full_page=True)

    row.get_by_role("link", name=reference).click()
    expect(staff.get_by_role("heading", name=re.compile(reference))).to_be_visible()
    expect(staff.locator(".msg-customer .body")).to_have_text(
        "I ordered a <b>kettle</b> two weeks ago."
    )
    staff.get_by_label("Canned reply").select_option(label="shipping: Parcel delayed")
    staff.get_by_role("button", name="Insert").click()
    composer = staff.get_by_label("Message")
    expect(composer).to_have_value(
        f"Hello Ada,\n\nSorry about {reference}: your parcel is delayed, a new one leaves "
        "today.\n\nSam Agent"
    )
    staff.get_by_role("button", name="Send").click()
    expect(staff.get_by_text("Reply sent to the customer.")).to_be_visible()
    expect(staff.locator(".msg-reply .body")).to_contain_text("your parcel is delayed")

    staff.get_by_label("Internal note").check()
    staff.get_by_label("Message").fill("Courier says the address was wrong; do not blame her.")
    staff.get_by_role("button", name="Send").click()
    expect(staff.get_by_text("Internal note added.")).to_be_visible()
    expect(staff.locator(".msg-note")).to_contain_text("do not blame her")
    expect(staff.locator(".ticket-meta .tstatus")).to_have_text("pending")
    staff.screenshot(path=tmp_path / "ticket.png", full_page=True)
    staff.context.close()

    # 3. The customer follows the link from the acknowledgement e-mail.
    with unit_of_work(live_server.engine) as session:
        ticket_id = session.scalar(select(Ticket.id).where(Ticket.reference == reference))
        ack = session.scalar(
            select(OutboxItem).where(OutboxItem.dedup_key == f"ack:ticket:{ticket_id}")
        )
        assert ack is not None
        link = re.search(r"/portal/t/\S+", ack.payload["text"])
        assert link is not None
    page.goto(live_server.url + link.group(0))
    expect(page.get_by_role("heading", name=re.compile(reference))).to_be_visible()
    expect(page.locator(".thread")).to_contain_text("your parcel is delayed")
    expect(page.locator(".thread")).not_to_contain_text("do not blame her")
    expect(page.get_by_text("do not blame her")).to_have_count(0)
    page.get_by_label("Your message").fill("Thank you, I will wait.")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("your message was added")).to_be_visible()
    expect(page.locator(".msg-customer").last).to_contain_text("Thank you, I will wait.")
    page.screenshot(path=tmp_path / "portal.png", full_page=True)
