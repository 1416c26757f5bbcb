"""Survey answers and goodwill gestures on top of existing tickets, deterministic by ticket id."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.feedback.surveys.models import (
    InvitationStatus,
    SurveyAnswer,
    SurveyForm,
    SurveyInvitation,
    SurveyKind,
)
from fairdesk.goodwill import service as goodwill_service
from fairdesk.goodwill.models import Gesture, GestureStatus
from fairdesk.tickets.models import Ticket

REASONS = ("slow", "not solved", "rude", "policy")


def add_feedback(session: Session) -> None:
    """Answers to two thirds of resolved tickets, a gesture on every fourth ticket.

    Scores cycle through their whole ranges; every fifth invitation stays unanswered, and
    gestures are granted at once, approved by a manager, pending or declined in turn.
    """
    form = session.scalar(select(SurveyForm).where(SurveyForm.kind == SurveyKind.TICKET))
    if form is None:
        form = SurveyForm(
            kind=SurveyKind.TICKET,
            title="How did we do?",
            questions=["csat", "ces", "nps", "comment"],
            reason_codes=list(REASONS),
        )
        session.add(form)
        session.flush()
    version = goodwill_service.current_version(session)
    tickets = session.scalars(select(Ticket).order_by(Ticket.id)).all()
    for n, t in enumerate(tickets):
        if t.resolved_at is not None and n % 3 != 0:
            inv = SurveyInvitation(
                form_id=form.id,
                kind=SurveyKind.TICKET,
                customer_id=t.customer_id,
                ticket_id=t.id,
                nonce=f"h6-{t.id}",
                questions=form.questions,
                sent_at=t.resolved_at,
                expires_at=t.resolved_at + timedelta(days=14),
                status=InvitationStatus.QUEUED if n % 5 == 0 else InvitationStatus.ANSWERED,
            )
            session.add(inv)
            session.flush()
            if n % 5 != 0:
                csat = 1 + n % 5
                session.add(
                    SurveyAnswer(
                        invitation_id=inv.id,
                        customer_id=t.customer_id,
                        ticket_id=t.id,
                        csat=csat,
                        ces=1 + n % 7,
                        nps=n % 11 if n % 4 else None,
                        reasons=[REASONS[n % len(REASONS)]] if csat <= 3 else [],
                        answered_at=t.resolved_at + timedelta(hours=3),
                    )
                )
        if n % 4 == 0:
            status, approved = [
                (GestureStatus.GRANTED, False),
                (GestureStatus.GRANTED, True),
                (GestureStatus.PENDING, False),
                (GestureStatus.DECLINED, True),
            ][(n // 4) % 4]
            session.add(
                Gesture(
                    ticket_id=t.id,
                    customer_id=t.customer_id,
                    request_key=f"h6-{t.id}",
                    remedy="store_credit",
                    amount=Decimal("5.00"),
                    currency="GBP",
                    status=status,
                    rule="test",
                    policy_version_id=version.id,
                    actor_id=t.assignee_id,
                    approver_id=t.assignee_id if approved else None,
                    created_at=t.created_at + timedelta(hours=1),
                )
            )
    session.flush()
