"""Who the customer is, where the agent works: value, segments and remedy in the sidebars."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fairdesk.auth.models import StaffUser
from fairdesk.tickets.intake import Incoming, receive
from fairdesk.tickets.models import IntakeChannel
from tests.conftest import login
from tests.factories import make_customer


def test_ticket_sidebar_links_remedy_and_shows_value_and_segments(
    client: TestClient, agent: StaffUser, session: Session
) -> None:
    customer = make_customer(session, email="sidebar@example.com")
    ticket = receive(
        session,
        Incoming(
            channel=IntakeChannel.WEB,
            email=customer.email,
            subject="Late parcel",
            body="Where is it?",
        ),
    ).ticket
    login(client, agent)
    page = client.get(f"/tickets/{ticket.id}")
    assert page.status_code == 200
    assert f'href="/goodwill/tickets/{ticket.id}"' in page.text
    assert "Lifetime value" in page.text and "No lifetime value yet" in page.text
    assert "Segments &amp; persona" in page.text
    detail = client.get(f"/customers/{customer.id}")
    assert "Segments &amp; persona" in detail.text and "Lifetime value" in detail.text
