"""The demo's surveys: answers that fit the tickets, follow-ups open and closed, deterministic."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fairdesk.demo import build_demo, stream
from fairdesk.demo.surveys import add_surveys
from fairdesk.demo.tickets import add_tickets
from fairdesk.feedback.surveys.models import (
    FollowUpStatus,
    InvitationStatus,
    SurveyAnswer,
    SurveyFollowUp,
    SurveyInvitation,
    SurveyKind,
)
from fairdesk.feedback.surveys.stats import survey_stats
from fairdesk.outbox.models import OutboxItem, OutboxStatus
from fairdesk.tickets.models import Ticket

CUSTOMERS = 500


def _build(session: Session, seed: int = 5, customers: int = CUSTOMERS) -> Any:
    summary = build_demo(session, seed=seed, customers=customers)
    add_tickets(session, summary, stream(summary.seed, "tickets"))
    return summary, add_surveys(session, summary, stream(summary.seed, "surveys"))


def test_demo_surveys_fit_the_tickets_and_close_the_loop(session: Session) -> None:
    summary, counts = _build(session)
    rows = session.execute(
        select(SurveyAnswer, Ticket).outerjoin(Ticket, Ticket.id == SurveyAnswer.ticket_id)
    ).all()
    assert len(rows) == counts.answers > 20
    ticket_rows = [(a, t) for a, t in rows if t is not None]
    nps = [a.nps for a, t in rows if t is None]
    assert ticket_rows and nps and all(n is not None for n in nps)
    csat = Counter(a.csat for a, _ in ticket_rows)
    assert csat[5] + csat[4] > 0 and csat[1] + csat[2] > 0  # satisfied and unhappy
    # A case that breached its SLA and went to a low score says "slow"; a reopened one, more.
    for answer, ticket in ticket_rows:
        # (a reopened case was surveyed after its first solve, so compare with the opening)
        assert ticket.created_at < answer.answered_at <= summary.now
        if answer.csat is not None and answer.csat <= 3 and ticket.resolution_breached:
            assert "slow" in answer.reasons
    assert any(a.comment for a, _ in rows)
    # Follow-ups: one per low answer, the older ones closed with a note, a few still open.
    follow_ups = session.scalars(select(SurveyFollowUp)).all()
    low = [a for a, _ in rows if (a.csat or 5) <= 2 or (a.nps is not None and a.nps <= 6)]
    assert len(follow_ups) == len(low) > 0
    done = [f for f in follow_ups if f.status == FollowUpStatus.DONE]
    assert counts.follow_ups_open >= 1 and done
    assert all(f.note and f.done_at is not None for f in done)
    # Skipped offers keep their reason; no e-mail of the past waits to be sent.
    reasons = session.scalars(
        select(SurveyInvitation.skip_reason).where(
            SurveyInvitation.status == InvitationStatus.SKIPPED
        )
    ).all()
    assert "surveyed within 30 days" in reasons
    pending = session.scalar(
        select(func.count()).select_from(OutboxItem).where(OutboxItem.status != OutboxStatus.SENT)
    )
    assert pending == 0
    # The stats agree with counting the rows directly.
    figures = survey_stats(session, kind=SurveyKind.TICKET)
    answered = sum(1 for _, t in rows if t is not None)
    assert figures.answered == answered
    satisfied = sum(1 for a, _ in ticket_rows if a.csat is not None and a.csat >= 4)
    assert figures.csat.value is not None
    assert abs(figures.csat.value - 100 * satisfied / figures.csat.n) < 1e-9


def test_demo_surveys_are_deterministic(session: Session) -> None:
    _build(session, seed=9, customers=250)
    first = session.execute(
        select(
            SurveyAnswer.csat, SurveyAnswer.ces, SurveyAnswer.nps, SurveyAnswer.comment
        ).order_by(SurveyAnswer.id)
    ).all()
    session.rollback()
    _build(session, seed=9, customers=250)
    again = session.execute(
        select(
            SurveyAnswer.csat, SurveyAnswer.ces, SurveyAnswer.nps, SurveyAnswer.comment
        ).order_by(SurveyAnswer.id)
    ).all()
    assert first == again and len(first) > 0
