"""Builders for the staff protection tests: tickets through the real intake."""

from __future__ import annotations

import re
from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.auth.models import AuditEntry
from fairdesk.customers.models import Customer
from fairdesk.db.base import utcnow
from fairdesk.tickets.intake import Incoming, IntakeResult, receive
from fairdesk.tickets.models import IntakeChannel

ABUSIVE = "Where is my parcel, you useless idiot? I need it by Friday."
INSULT = "idiot"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def write(
    session: Session,
    customer: Customer,
    body: str = ABUSIVE,
    *,
    subject: str = "Parcel late",
    at: datetime | None = None,
    into: int | None = None,
) -> IntakeResult:
    """A customer message through the real intake (triaged there), as a new ticket or a reply."""
    return receive(
        session,
        Incoming(
            channel=IntakeChannel.EMAIL,
            body=body,
            subject=subject,
            customer_id=customer.id,
            into_ticket_id=into,
        ),
        now=at or utcnow(),
    )


def csrf(client: TestClient, url: str) -> str:
    found = CSRF_RE.search(client.get(url).text)
    assert found, url
    return found.group(1)


def audits(session: Session, action: str) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )
