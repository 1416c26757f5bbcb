"""Routing spreads abuse (nobody gets the same customer's abuse again when someone else is in)
and a manager's senior-queue routing: still stored, acknowledged, answered, never dropped."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.auth.models import Role, StaffUser
from fairdesk.db.base import utcnow
from fairdesk.errors import NotFound, PermissionDenied, ValidationFailed
from fairdesk.fairness.models import CustomerRouting
from fairdesk.fairness.protection import routing
from fairdesk.outbox.models import OutboxItem
from fairdesk.tickets import assignment, away
from fairdesk.tickets.models import Message, MessageKind, TicketStatus
from tests.conftest import login
from tests.factories import make_customer, make_token, make_user
from tests.fairness.protection.helpers import ABUSIVE, audits, csrf, write

POLITE = "Hello, could you tell me where my parcel is? Thanks."


def _agents(session: Session, n: int) -> list[StaffUser]:
    people = [make_user(session, name=f"Agent {i}") for i in range(n)]
    for p in people:
        assignment.set_availability(session, staff_id=p.id, available=True)
    return people


def test_new_tickets_avoid_whoever_received_this_customers_abuse(session: Session) -> None:
    ann, bob, cat = _agents(session, 3)
    rude = make_customer(session)
    first = write(session, rude, ABUSIVE).ticket
    first.assignee_id = ann.id
    session.flush()
    later = [write(session, rude, POLITE).ticket for _ in range(4)]
    assert all(t.assignee_id in (bob.id, cat.id) for t in later), [t.assignee_id for t in later]
    # Another customer's tickets still reach Ann in her turn: nothing changes for them.
    others = [write(session, make_customer(session), POLITE).ticket for _ in range(3)]
    assert ann.id in {t.assignee_id for t in others}


def test_avoidance_never_leaves_a_ticket_unassigned(session: Session) -> None:
    (ann,) = _agents(session, 1)
    rude = make_customer(session)
    first = write(session, rude, ABUSIVE).ticket
    first.assignee_id = ann.id
    session.flush()
    assert write(session, rude, POLITE).ticket.assignee_id == ann.id


def test_old_abuse_is_forgotten_after_the_window(session: Session) -> None:
    ann, _ = _agents(session, 2)
    rude = make_customer(session)
    long_ago = utcnow() - timedelta(days=90)
    first = write(session, rude, ABUSIVE, at=long_ago).ticket
    first.assignee_id = ann.id
    session.flush()
    assert (
        routing.received_abuse_from(session, rude.id, since=utcnow() - timedelta(days=30)) == set()
    )


def test_rotation_on_away_avoids_the_exposed_agent(session: Session, manager: StaffUser) -> None:
    ann, bob, cat = _agents(session, 3)
    rude = make_customer(session)
    old = write(session, rude, ABUSIVE).ticket
    old.assignee_id = ann.id
    current = write(session, rude, POLITE).ticket
    current.assignee_id = bob.id
    session.flush()
    moves = away.update_availability(
        session, staff_id=bob.id, available=False, away_until=None, actor=manager
    )
    assert [m.to_staff_id for m in moves if m.ticket_id == current.id] == [cat.id]


def test_senior_queue_routing_keeps_every_promise(session: Session, manager: StaffUser) -> None:
    _agents(session, 2)
    senior = make_user(session, name="Senior agent")
    routing.set_senior(session, staff_id=senior.id, senior=True, actor=manager, reason="calm")
    rude = make_customer(session)
    routing.set_routing(session, customer_id=rude.id, reason="threats to staff", actor=manager)
    queue = {manager.id, senior.id}
    made = [write(session, rude, ABUSIVE) for _ in range(3)]
    for result in made:
        ticket = result.ticket
        assert ticket.assignee_id in queue and routing.SENIOR_TAG in ticket.tags
        # Stored, acknowledged, on the SLA clock, open: never dropped.
        stored = session.get(Message, result.message.id)
        assert stored is not None and stored.body == ABUSIVE and stored.kind == MessageKind.CUSTOMER
        assert "We received your message" in result.acknowledgement
        assert ticket.first_response_due_at is not None and ticket.status == TicketStatus.NEW
        assert session.scalar(
            select(OutboxItem).where(OutboxItem.dedup_key == f"ack:ticket:{ticket.id}")
        )
    # Spread inside the queue too: both members got some.
    assert {r.ticket.assignee_id for r in made} == queue
    [entry] = audits(session, "customer.routing.set")
    assert entry.actor_id == manager.id and entry.details["reason"] == "threats to staff"
    routing.clear_routing(session, customer_id=rude.id, reason="apologised", actor=manager)
    assert audits(session, "customer.routing.clear")
    back = write(session, rude, POLITE).ticket
    assert back.assignee_id not in queue and routing.SENIOR_TAG not in back.tags


def test_senior_queue_all_away_falls_back_to_the_rotation(
    session: Session, manager: StaffUser
) -> None:
    (ann,) = _agents(session, 1)
    assignment.set_availability(session, staff_id=manager.id, available=False)
    rude = make_customer(session)
    routing.set_routing(session, customer_id=rude.id, reason="abuse", actor=manager)
    result = write(session, rude, POLITE)
    assert result.ticket.assignee_id == ann.id and routing.SENIOR_TAG in result.ticket.tags


def test_only_managers_route_and_bad_input_changes_nothing(
    session: Session, agent: StaffUser, manager: StaffUser
) -> None:
    rude = make_customer(session)
    with pytest.raises(PermissionDenied):
        routing.set_routing(session, customer_id=rude.id, reason="x", actor=agent)
    with pytest.raises(PermissionDenied):
        routing.set_senior(session, staff_id=agent.id, senior=True, actor=agent)
    with pytest.raises(ValidationFailed) as blank:
        routing.set_routing(session, customer_id=rude.id, reason="  ", actor=manager)
    assert blank.value.field == "reason"
    with pytest.raises(NotFound):
        routing.set_routing(session, customer_id=10**9, reason="x", actor=manager)
    with pytest.raises(NotFound):
        routing.clear_routing(session, customer_id=rude.id, reason="x", actor=manager)
    assert session.get(CustomerRouting, rude.id) is None
    assert audits(session, "customer.routing.set") == []


def test_routing_pages_and_api(
    client: TestClient, session: Session, agent: StaffUser, manager: StaffUser
) -> None:
    rude = make_customer(session)
    ticket = write(session, rude, ABUSIVE).ticket
    login(client, agent)
    token = csrf(client, f"/tickets/{ticket.id}")
    refused = client.post(
        f"/customers/{rude.id}/routing",
        data={"csrf_token": token, "action": "set", "reason": "rude"},
    )
    assert refused.status_code == 403
    headers = {"Authorization": f"Bearer {make_token(session, agent)}"}
    api = f"/api/v1/protection/customers/{rude.id}/routing"
    assert client.put(api, json={"reason": "rude"}, headers=headers).status_code == 403
    assert session.get(CustomerRouting, rude.id) is None

    login(client, manager)
    token = csrf(client, f"/tickets/{ticket.id}")
    done = client.post(
        f"/customers/{rude.id}/routing",
        data={
            "csrf_token": token,
            "action": "set",
            "reason": "threats",
            "back": f"/tickets/{ticket.id}",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == f"/tickets/{ticket.id}"
    assert session.get(CustomerRouting, rude.id) is not None
    page = client.get(f"/customers/{rude.id}").text
    assert "Senior queue:" in page and "threats" in page
    missing = client.post(
        f"/customers/{rude.id}/routing", data={"csrf_token": token, "action": "clear", "reason": ""}
    )
    assert missing.status_code == 422 and session.get(CustomerRouting, rude.id) is not None
    as_manager = {"Authorization": f"Bearer {make_token(session, manager)}"}
    cleared = client.post(f"{api}/clear", json={"reason": "calmer now"}, headers=as_manager)
    assert cleared.status_code == 200 and cleared.json()["queue"] is None
    assert [e.details["reason"] for e in audits(session, "customer.routing.clear")] == [
        "calmer now"
    ]
    senior = client.put(
        f"/api/v1/protection/staff/{agent.id}/senior", json={"senior": True}, headers=as_manager
    )
    assert senior.status_code == 200 and agent.id in routing.senior_ids(session)
    assert agent.role == Role.AGENT
