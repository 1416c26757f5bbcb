"""Builders for feedback tests: survey comments and customer ticket messages, at given times."""

from __future__ import annotations

import itertools
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.customers.models import Customer
from fairdesk.feedback.surveys.models import (
    SurveyAnswer,
    SurveyForm,
    SurveyInvitation,
    SurveyKind,
)
from fairdesk.tickets.models import IntakeChannel, Message, MessageKind, Ticket, TicketStatus

T0 = datetime(2026, 9, 1, 10, tzinfo=UTC)
_seq = itertools.count(1)


def _form(session: Session) -> SurveyForm:
    form = session.scalar(select(SurveyForm).where(SurveyForm.kind == SurveyKind.TICKET))
    if form is None:
        form = SurveyForm(
            kind=SurveyKind.TICKET,
            title="How did we do?",
            questions=["csat", "comment"],
            reason_codes=[],
        )
        session.add(form)
        session.flush()
    return form


def add_ticket(
    session: Session, customer: Customer, *, at: datetime = T0, resolved_hours: float | None = 24.0
) -> Ticket:
    ticket = Ticket(
        reference=f"FD-{next(_seq):08d}",
        customer_id=customer.id,
        channel=IntakeChannel.WEB,
        subject="Help",
        created_at=at,
        status=TicketStatus.RESOLVED if resolved_hours else TicketStatus.OPEN,
        resolved_at=at + timedelta(hours=resolved_hours) if resolved_hours else None,
    )
    session.add(ticket)
    session.flush()
    return ticket


def add_message(
    session: Session,
    customer: Customer,
    body: str,
    *,
    at: datetime = T0,
    ticket: Ticket | None = None,
) -> Message:
    ticket = ticket or add_ticket(session, customer, at=at)
    message = Message(
        ticket_id=ticket.id,
        kind=MessageKind.CUSTOMER,
        channel=IntakeChannel.WEB,
        body=body,
        created_at=at,
    )
    session.add(message)
    session.flush()
    return message


def add_comment(
    session: Session,
    customer: Customer,
    comment: str,
    *,
    at: datetime = T0,
    ticket: Ticket | None = None,
    csat: int | None = None,
) -> SurveyAnswer:
    form = _form(session)
    invitation = SurveyInvitation(
        form_id=form.id,
        kind=SurveyKind.TICKET,
        customer_id=customer.id,
        ticket_id=ticket.id if ticket else None,
        nonce=secrets.token_hex(8),
        questions=["csat", "comment"],
        sent_at=at,
        expires_at=at + timedelta(days=14),
    )
    session.add(invitation)
    session.flush()
    answer = SurveyAnswer(
        invitation_id=invitation.id,
        customer_id=customer.id,
        ticket_id=ticket.id if ticket else None,
        csat=csat,
        comment=comment,
        answered_at=at,
        updated_at=at,
    )
    session.add(answer)
    session.flush()
    return answer
