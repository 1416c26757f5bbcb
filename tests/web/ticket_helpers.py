"""Builders and small helpers shared by the ticket, inbox, support-form and portal tests."""

from __future__ import annotations

import re
import string
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fairdesk.customers.models import Customer
from fairdesk.db.base import utcnow
from fairdesk.tickets.intake import Incoming, IncomingAttachment, receive
from fairdesk.tickets.models import IntakeChannel, Priority, Ticket

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
B64URL = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"


def tamper(token: str, position: int) -> str:
    """The token with one base64url character changed in its high bit, which always changes
    the decoded bytes (a change in a last character's low bits may decode to the same)."""
    i = position % len(token)
    assert token[i] in B64URL, token[i]
    return token[:i] + B64URL[(B64URL.index(token[i]) + 32) % 64] + token[i + 1 :]


def new_ticket(
    session: Session,
    customer: Customer,
    *,
    subject: str = "My order has not arrived",
    body: str = "Where is it?",
    at: datetime | None = None,
    channel: IntakeChannel = IntakeChannel.EMAIL,
    priority: Priority = Priority.NORMAL,
    attachments: list[IncomingAttachment] | None = None,
    **fields: Any,
) -> Ticket:
    """A ticket through the real intake (SLA clock started at ``at``), then ``fields`` set."""
    result = receive(
        session,
        Incoming(
            channel=channel,
            body=body,
            subject=subject,
            customer_id=customer.id,
            priority=priority,
            attachments=attachments or [],
        ),
        now=at or utcnow(),
    )
    for name, value in fields.items():
        setattr(result.ticket, name, value)
    session.flush()
    return result.ticket


def csrf_of(client: TestClient, path: str) -> str:
    """The CSRF token a page hands out (the same for the whole browser session)."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = CSRF_RE.search(page.text)
    assert found is not None, f"no CSRF field on {path}"
    return found.group(1)
