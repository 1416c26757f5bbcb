"""Agents' private interaction ratings: API, page form, and never on customer pages."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.auth.models import StaffUser
from fairdesk.fairness.models import InteractionRating
from fairdesk.outbox.models import OutboxItem
from fairdesk.tickets import service as ticket_service
from fairdesk.tickets.models import Ticket, TicketStatus
from tests.conftest import login
from tests.factories import make_customer
from tests.fairness.signal_helpers import claim, delivered_order


def resolved_ticket(session: Session, staff: StaffUser) -> Ticket:
    c = make_customer(session)
    ticket = claim(session, c, delivered_order(session, c), category="delivery")
    ticket_service.change_status(session, ticket=ticket, actor=staff, status=TicketStatus.RESOLVED)
    session.flush()
    return ticket


def test_api_rates_a_resolved_ticket_and_rating_again_replaces(
    client: TestClient, session: Session, agent: StaffUser, api_headers: dict[str, str]
) -> None:
    ticket = resolved_ticket(session, agent)
    url = f"/api/v1/tickets/{ticket.id}/rating"
    first = client.post(url, json={"rating": 1, "note": "called me an idiot"}, headers=api_headers)
    assert first.status_code == 201, first.text
    assert first.json()["rating"] == 1 and first.json()["customer_id"] == ticket.customer_id
    assert client.post(url, json={"rating": 2}, headers=api_headers).status_code == 201
    rows = session.scalars(
        select(InteractionRating).where(InteractionRating.ticket_id == ticket.id)
    ).all()
    assert [(r.rating, r.staff_id) for r in rows] == [(2, agent.id)]


def test_api_refuses_bad_input_and_open_tickets_changing_nothing(
    client: TestClient, session: Session, agent: StaffUser, api_headers: dict[str, str]
) -> None:
    ticket = resolved_ticket(session, agent)
    url = f"/api/v1/tickets/{ticket.id}/rating"
    assert client.post(url, json={"rating": 6}, headers=api_headers).status_code == 422
    assert client.post(url, json={"rating": 3}).status_code == 401
    missing = client.post("/api/v1/tickets/999999/rating", json={"rating": 3}, headers=api_headers)
    assert missing.status_code == 404
    ticket_service.change_status(session, ticket=ticket, actor=agent, status=TicketStatus.OPEN)
    session.flush()
    still_open = client.post(url, json={"rating": 3}, headers=api_headers)
    assert still_open.status_code == 409 and still_open.json()["field"] == "ticket"
    assert session.scalars(select(InteractionRating)).all() == []


def test_page_form_rates_and_customer_portal_never_shows_it(
    client: TestClient, session: Session, agent: StaffUser
) -> None:
    ticket = resolved_ticket(session, agent)
    login(client, agent)
    page = client.get(f"/tickets/{ticket.id}").text
    assert "Rate this interaction" in page
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    done = client.post(
        f"/tickets/{ticket.id}/rating",
        data={"rating": "1", "note": "shouted at me", "csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303
    row = session.scalar(select(InteractionRating).where(InteractionRating.ticket_id == ticket.id))
    assert row is not None and row.rating == 1 and row.note == "shouted at me"
    ack = session.scalar(
        select(OutboxItem).where(OutboxItem.dedup_key == f"ack:ticket:{ticket.id}")
    )
    assert ack is not None
    found = re.search(r"/portal/t/(\S+)", ack.payload["text"])
    assert found is not None
    link = found.group(1)
    client.cookies.clear()
    customer_view = client.get(f"/portal/t/{link}")
    assert customer_view.status_code == 200
    assert "shouted at me" not in customer_view.text and "Rate this" not in customer_view.text


def test_page_form_needs_csrf(client: TestClient, session: Session, agent: StaffUser) -> None:
    ticket = resolved_ticket(session, agent)
    login(client, agent)
    refused = client.post(
        f"/tickets/{ticket.id}/rating", data={"rating": "2"}, follow_redirects=False
    )
    assert refused.status_code in (400, 403)
    assert session.scalars(select(InteractionRating)).all() == []
