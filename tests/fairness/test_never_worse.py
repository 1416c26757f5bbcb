"""Never silently worse service (DESIGN rule 6): a flag alone changes nothing the customer sees.

Two twin customers with the same orders write the same ticket through the real intake API; one
of them has strong fairness signals and an open case. Every customer-visible outcome is compared:
the acknowledgement (response and e-mail), SLA due times, priority, status, routing, the
recommended remedy, the portal page, and the survey invitation when the ticket is solved. Only
names, references, ids, links and clock readings may differ. A restriction a manager decided
*does* change the remedy: the last test shows the comparison would catch a difference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.auth.models import Role, StaffUser
from fairdesk.customers.models import Customer, LifecycleStatus, OrderStatus
from fairdesk.fairness import decisions
from fairdesk.fairness.decisions import DecisionInput
from fairdesk.fairness.models import CaseStatus, FairnessCase, SignalKind
from fairdesk.feedback.surveys.models import SurveyInvitation
from fairdesk.outbox.models import OutboxItem
from fairdesk.tickets import assignment
from fairdesk.tickets.models import Ticket
from tests.factories import make_customer, make_order, make_token, make_user
from tests.fairness.case_helpers import make_case, make_signal

ORDER_DATES = [datetime(2026, m, 3, 12, tzinfo=UTC) for m in (2, 5, 8)]


@dataclass
class Twin:
    customer: Customer
    order_ids: list[str]


def _twin(session: Session, first_name: str) -> Twin:
    customer = make_customer(
        session, first_name=first_name, last_name="Twin", lifecycle_status=LifecycleStatus.ACTIVE
    )
    orders = [
        make_order(
            session,
            customer,
            placed_at=at,
            amount=Decimal("60.00"),
            status=OrderStatus.FULFILLED,
            delivered_at=at,
        )
        for at in ORDER_DATES
    ]
    return Twin(customer, [o.external_id for o in orders])


def _flag(session: Session, customer: Customer) -> FairnessCase:
    for kind in (SignalKind.CLAIM_RATE, SignalKind.NOT_RECEIVED, SignalKind.ABUSE_TOWARD_STAFF):
        make_signal(session, customer, kind=kind, strength=1.0)
    return make_case(session, customer, score=3.0)


def _normalise(text: str, twin: Twin, ticket: Ticket) -> str:
    """The text with everything that names this twin or this ticket replaced by a marker."""
    c = twin.customer
    out = text
    for value, marker in (
        (ticket.reference, "REF"),
        (c.email or "", "EMAIL"),
        (c.first_name, "NAME"),
        (c.external_id or "", "CUSTOMER_ID"),
        (twin.order_ids[-1], "ORDER"),
    ):
        out = out.replace(value, marker)
    out = re.sub(r"/portal/t/[A-Za-z0-9_.\-]+", "/portal/t/TOKEN", out)
    out = re.sub(r"/(survey|s)/[A-Za-z0-9_.\-/]+", "/SURVEY_LINK", out)
    out = re.sub(
        r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2})?", "TIME", out
    )
    out = re.sub(r"\b\d{1,2}:\d{2}\b", "TIME", out)
    return re.sub(r'(id|href)="[^"]*\d+[^"]*"', r'\1="ID"', out)


def _visible(
    client: TestClient, session: Session, headers: dict[str, str], twin: Twin
) -> dict[str, Any]:
    """Write in as this twin through the API and collect everything the customer sees."""
    created = client.post(
        "/api/v1/tickets",
        headers=headers,
        json={
            "customer": {"id": twin.customer.id},
            "subject": "Kettle arrived broken",
            "body": "The kettle in my last order arrived with a cracked lid. This is the third "
            "time something arrived damaged and I am really fed up!",
            "category": "defect",
            "order_external_id": twin.order_ids[-1],
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    ticket = session.get(Ticket, body["id"])
    assert ticket is not None
    ack = session.scalar(
        select(OutboxItem).where(OutboxItem.dedup_key == f"ack:ticket:{ticket.id}")
    )
    assert ack is not None
    portal_path = re.search(r"/portal/t/\S+", ack.payload["text"])
    assert portal_path is not None
    portal = client.get(portal_path.group(0))
    assert portal.status_code == 200
    remedy = client.get(f"/api/v1/goodwill/tickets/{ticket.id}/recommendation", headers=headers)
    assert remedy.status_code == 200, remedy.text
    created_at = datetime.fromisoformat(body["created_at"])
    due = {
        k: datetime.fromisoformat(body[k]) - created_at
        for k in ("first_response_due_at", "resolution_due_at")
    }
    solved = client.patch(
        f"/api/v1/tickets/{ticket.id}", headers=headers, json={"status": "resolved"}
    )
    assert solved.status_code == 200, solved.text
    invitations = session.scalars(
        select(SurveyInvitation).where(SurveyInvitation.ticket_id == ticket.id)
    ).all()
    survey_mail = [
        _normalise(item.payload["text"], twin, ticket)
        for item in session.scalars(
            select(OutboxItem).where(
                OutboxItem.dedup_key.in_([f"survey:invitation:{i.nonce}" for i in invitations])
            )
        )
    ]
    return {
        "acknowledgement": _normalise(body["acknowledgement"], twin, ticket),
        "ack_email": (
            _normalise(ack.payload["subject"], twin, ticket),
            _normalise(ack.payload["text"], twin, ticket),
        ),
        "sla": due,
        "priority": body["priority"],
        "status": body["status"],
        "tags": body["tags"],
        "category": body["category"],
        "assignee": body["assignee_id"],
        "remedy": remedy.json(),
        "portal": _normalise(portal.text, twin, ticket),
        "surveys": [(i.kind, i.status, i.skip_reason, i.questions) for i in invitations],
        "survey_email": survey_mail,
    }


def _setup(session: Session) -> tuple[StaffUser, dict[str, str], Twin, Twin]:
    agent = make_user(session, role=Role.AGENT, name="Only Agent")
    assignment.set_availability(session, staff_id=agent.id, available=True)
    return (
        agent,
        {"Authorization": f"Bearer {make_token(session, agent)}"},
        _twin(session, "Alice"),
        _twin(session, "Carol"),
    )


def test_a_flagged_customer_gets_exactly_what_the_unflagged_twin_gets(
    client: TestClient, session: Session
) -> None:
    agent, headers, flagged, plain = _setup(session)
    case = _flag(session, flagged.customer)
    seen_flagged = _visible(client, session, headers, flagged)
    seen_plain = _visible(client, session, headers, plain)
    assert seen_flagged == seen_plain
    assert seen_flagged["assignee"] == agent.id  # routed, not held back or sent elsewhere
    assert seen_flagged["remedy"]["outcome"] == "grant"
    assert seen_flagged["surveys"], "solving a ticket offers a survey to both twins"
    session.refresh(case)
    assert case.status == CaseStatus.OPEN  # the flag was there all along


def test_a_decided_restriction_is_what_changes_the_remedy(
    client: TestClient, session: Session
) -> None:
    """The same comparison tells the twins apart once a manager restricts a policy."""
    _, headers, restricted, plain = _setup(session)
    case = _flag(session, restricted.customer)
    manager = make_user(session, role=Role.MANAGER)
    decisions.decide(
        session,
        case_id=case.id,
        actor=manager,
        data=DecisionInput(
            customer_id=restricted.customer.id,
            kind="restrict",
            reason="Claims",
            restriction="no_questions_asked_off",
        ),
    )
    seen_restricted = _visible(client, session, headers, restricted)
    seen_plain = _visible(client, session, headers, plain)
    assert seen_restricted["remedy"] != seen_plain["remedy"]
    assert seen_plain["remedy"]["rule"].startswith("no_questions_asked:")
    assert not seen_restricted["remedy"]["rule"].startswith("no_questions_asked:")
    assert seen_restricted["sla"] == seen_plain["sla"]  # everything else stays the same
    assert seen_restricted["acknowledgement"] == seen_plain["acknowledgement"]
