"""Builders for survey tests: a ticket solved through the real status change, and its link."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.auth.models import StaffUser
from fairdesk.customers.models import Customer
from fairdesk.feedback.surveys import links
from fairdesk.feedback.surveys.models import SurveyInvitation
from fairdesk.outbox.models import OutboxItem
from fairdesk.tickets import service as ticket_service
from fairdesk.tickets.models import IntakeChannel, Ticket, TicketStatus
from tests.factories import make_customer


def solve_ticket(
    session: Session,
    *,
    customer: Customer | None = None,
    assignee: StaffUser | None = None,
    now: datetime | None = None,
    subject: str = "My grinder arrived broken",
    **customer_kw: Any,
) -> tuple[Ticket, SurveyInvitation | None]:
    """A ticket moved to resolved by ``change_status`` (the hook under test)."""
    customer = customer or make_customer(session, **customer_kw)
    ticket = Ticket(
        reference=secrets.token_hex(5).upper(),
        customer_id=customer.id,
        channel=IntakeChannel.EMAIL,
        subject=subject,
        status=TicketStatus.OPEN,
        assignee_id=assignee.id if assignee else None,
    )
    session.add(ticket)
    session.flush()
    ticket_service.change_status(
        session, ticket=ticket, actor=assignee, status=TicketStatus.RESOLVED, now=now
    )
    session.flush()
    invitation = session.scalar(
        select(SurveyInvitation)
        .where(SurveyInvitation.ticket_id == ticket.id)
        .order_by(SurveyInvitation.id.desc())
    )
    return ticket, invitation


def link_path(invitation: SurveyInvitation, *, ticket_id: int | None = None) -> str:
    """The answer page's path, as the e-mail has it (optionally onto another ticket's path)."""
    token = links.sign(
        invitation_id=invitation.id,
        nonce=invitation.nonce,
        ticket_id=invitation.ticket_id,
        now=invitation.sent_at,
    )
    return links.path_for(token, ticket_id if ticket_id is not None else invitation.ticket_id)


def survey_mails(session: Session, customer: Customer) -> list[OutboxItem]:
    return [
        item
        for item in session.scalars(
            select(OutboxItem).where(OutboxItem.dedup_key.like("survey:invitation:%"))
        ).all()
        if item.payload.get("to") == customer.email
    ]
