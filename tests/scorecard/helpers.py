"""Survey answers and goodwill gestures on top of existing tickets, deterministic by ticket id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.auth.models import StaffUser
from fairdesk.customers.models import JourneyEvent, JourneyStage
from fairdesk.feedback.surveys.models import (
    InvitationStatus,
    SurveyAnswer,
    SurveyForm,
    SurveyInvitation,
    SurveyKind,
)
from fairdesk.goodwill import service as goodwill_service
from fairdesk.goodwill.models import Gesture, GestureStatus
from fairdesk.scorecard.rollup import rebuild
from fairdesk.segments.models import CustomerScore, Segment, SegmentKind
from fairdesk.tickets import service as ticket_service
from fairdesk.tickets.intake import Incoming, receive
from fairdesk.tickets.models import IntakeChannel, Ticket, TicketStatus
from tests.factories import make_customer

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


START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday
PERIOD = {"since": "2026-03-01", "until": "2026-04-30"}


def make_desk(session: Session, agents: list[StaffUser]) -> None:
    """Six customers in an '=HYPERLINK' segment, each with a ticket answered and solved."""
    session.add(Segment(key="rfm:odd", kind=SegmentKind.RFM, name='=HYPERLINK("x")'))
    for i in range(6):
        c = make_customer(session, email=f"c{i}@example.com")
        session.add(
            JourneyEvent(
                customer_id=c.id,
                stage=JourneyStage.FIRST_PURCHASE,
                event_type="first_order",
                occurred_at=START,
            )
        )
        session.add(
            CustomerScore(
                customer_id=c.id,
                computed_at=START,
                orders=1,
                spend=10.0,
                recency_days=1.0,
                r_score=3,
                f_score=1,
                m_score=2,
                rfm_segment="odd",
                cluster_segment_id=None,
                fit_score=None,
                fit_segment_id=None,
                persona_id=None,
            )
        )
        at = START + timedelta(days=i)
        ticket = receive(
            session,
            Incoming(
                channel=IntakeChannel.WEB,
                customer_id=c.id,
                subject="Where is my parcel",
                body="Still waiting.",
            ),
            now=at,
        ).ticket
        agent = agents[i % len(agents)]
        ticket.assignee_id = agent.id
        ticket_service.reply(
            session,
            ticket_id=ticket.id,
            author=agent,
            body="On its way.",
            status_after=TicketStatus.RESOLVED,
            now=at + timedelta(hours=2),
        )
    session.flush()
    add_feedback(session)
    rebuild(session)
