"""Builders for triage tests: tickets through the real intake, resolved the real way."""

from __future__ import annotations

import itertools

from sqlalchemy.orm import Session

from fairdesk.auth.models import StaffUser
from fairdesk.tickets.intake import Incoming, IntakeResult, receive
from fairdesk.tickets.models import IntakeChannel, Ticket, TicketStatus
from fairdesk.tickets.service import change_status, reply

_seq = itertools.count(1)


def write_in(session: Session, body: str, *, subject: str = "My order") -> IntakeResult:
    """A new ticket from a new customer, as the API channel stores it."""
    n = next(_seq)
    return receive(
        session,
        Incoming(
            channel=IntakeChannel.API, body=body, subject=subject, email=f"triage{n}@example.com"
        ),
    )


def resolved(
    session: Session,
    agent: StaffUser,
    body: str,
    *,
    answer: str,
    category: str | None = None,
    subject: str = "My order",
) -> Ticket:
    """A ticket that was answered and resolved, with a category."""
    ticket = write_in(session, body, subject=subject).ticket
    ticket.category = category
    reply(session, ticket_id=ticket.id, author=agent, body=answer)
    change_status(session, ticket=ticket, actor=agent, status=TicketStatus.RESOLVED)
    session.flush()
    return ticket
