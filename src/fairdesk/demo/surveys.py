"""Months of survey answers for the demo, fitting the tickets they are about.

The ticket history already went through the real status changes, so every solved ticket got
its survey invitation (or a recorded skip) from the product's own hook, with the fatigue rule
applied. Here about a third of the customers answer, through ``answers.submit`` with an
explicit ``now``, so low scores open follow-ups exactly as they would have. How a case went
decides the answer: a breached SLA, a reopening or a billing dispute lowers the score, picks
the matching reason codes ("slow", "not solved", "policy", "had to repeat myself") and a
comment about that topic. Relationship NPS goes out in waves over the last six months
(``send_relationship`` at past dates) and is answered the same way.

Follow-ups older than two weeks are closed with a note by their owner, some of them late; the
most recent stay open, so the follow-up list has work on it. E-mails queued here belong to the
past and are marked sent, like the ticket history's. Deterministic from ``rng`` (nonces and
references stay random: links must be unguessable).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from fairdesk.auth.models import StaffUser
from fairdesk.customers.models import Customer, LifecycleStatus
from fairdesk.demo.survey_texts import CLOSING_NOTES, HAPPY, MARKUP, NPS_COMMENTS, UNHAPPY
from fairdesk.feedback.surveys import answers, followups, service
from fairdesk.feedback.surveys.models import (
    FollowUpStatus,
    InvitationStatus,
    SurveyFollowUp,
    SurveyInvitation,
    SurveyKind,
)
from fairdesk.outbox.models import OutboxItem, OutboxStatus
from fairdesk.tickets.models import Ticket

if TYPE_CHECKING:
    from fairdesk.demo import DemoSummary

TICKET_RESPONSE = 0.36
RELATIONSHIP_RESPONSE = 0.24
WAVE_DAYS_AGO = (175, 135, 95, 55, 15)
MARKUP_SHARE = 0.04
KEEP_OPEN_DAYS = 14
KEEP_OPEN_AT_LEAST = 4


@dataclass(frozen=True)
class SurveyCounts:
    invitations: int
    answers: int
    follow_ups_open: int
    follow_ups_closed: int


class _Answerer:
    """Draws one customer's answer from what happened on their case."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def pick(self, options: Sequence[str]) -> str:
        return options[int(self.rng.integers(len(options)))]

    def delay(self, sent: datetime) -> datetime:
        """Most answer within hours of the e-mail, a tail within days."""
        return sent + timedelta(hours=min(24 * 12, float(self.rng.lognormal(np.log(5.0), 1.3))))

    def ticket_answer(self, ticket: Ticket, agent: str) -> dict[str, object]:
        topic = ticket.tags[0] if ticket.tags else "product_question"
        slow = bool(ticket.resolution_breached or ticket.first_response_breached)
        reopened = "reopened" in ticket.tags
        billing = topic in ("subscription_billing", "refund")
        mood = 0.78 - 0.3 * slow - 0.4 * reopened - 0.12 * billing + self.rng.normal(0, 0.2)
        csat = int(np.clip(round(1 + 4 * mood + self.rng.normal(0, 0.5)), 1, 5))
        ces = int(np.clip(round(csat * 1.4 + self.rng.normal(0, 0.9) - 0.4 * reopened), 1, 7))
        reasons: list[str] = []
        if csat <= 3:
            if slow:
                reasons.append("slow")
            if reopened:
                reasons += ["not solved", "had to repeat myself"]
            if billing and self.rng.random() < 0.6:
                reasons.append("policy")
            if not reasons:
                reasons.append(self.pick(("slow", "not solved")))
        comment = ""
        if self.rng.random() < (0.7 if csat <= 2 else 0.4):
            pool = (UNHAPPY if csat <= 3 else HAPPY).get(topic, UNHAPPY["product_question"])
            text = self.pick(MARKUP) if self.rng.random() < MARKUP_SHARE else self.pick(pool)
            comment = text.format(agent=agent)
        return {"csat": str(csat), "ces": str(ces), "reasons": reasons, "comment": comment}

    def nps_answer(self, unhappy_before: bool) -> dict[str, object]:
        base = self.rng.choice(11, p=_NPS_WEIGHTS)
        score = int(np.clip(base - (3 if unhappy_before else 0), 0, 10))
        kind = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
        comment = self.pick(NPS_COMMENTS[kind]) if self.rng.random() < 0.45 else ""
        return {"nps": str(score), "comment": comment}


_NPS_WEIGHTS = np.array([1, 1, 1, 2, 2, 4, 6, 10, 16, 22, 20], dtype=np.float64)
_NPS_WEIGHTS /= _NPS_WEIGHTS.sum()


def _answer_tickets(session: Session, who: _Answerer, now: datetime) -> tuple[int, set[int]]:
    """Answer a share of the ticket surveys; returns (answers, customers who were unhappy)."""
    rows = session.execute(
        select(SurveyInvitation, Ticket, StaffUser.name)
        .join(Ticket, Ticket.id == SurveyInvitation.ticket_id)
        .outerjoin(StaffUser, StaffUser.id == Ticket.assignee_id)
        .where(SurveyInvitation.status == InvitationStatus.QUEUED)
        .order_by(SurveyInvitation.id)
    ).all()
    count, unhappy = 0, set()
    for invitation, ticket, agent_name in rows:
        if who.rng.random() >= TICKET_RESPONSE:
            continue
        at = who.delay(invitation.sent_at)
        if at >= now or at >= invitation.expires_at:
            continue
        data = who.ticket_answer(ticket, (agent_name or "the team").split()[0])
        answer, _ = answers.submit(session, invitation=invitation, data=data, now=at)
        count += 1
        if answer.csat is not None and answer.csat <= 2:
            unhappy.add(invitation.customer_id)
    return count, unhappy


def _relationship_waves(
    session: Session, who: _Answerer, now: datetime, unhappy: set[int]
) -> tuple[int, int]:
    """Send relationship NPS at past dates and answer a share; returns (sent, answered)."""
    active = (
        session.scalar(
            select(func.count())
            .select_from(Customer)
            .where(Customer.lifecycle_status == LifecycleStatus.ACTIVE)
        )
        or 0
    )
    batch = max(1, -(-active // 3))
    sent = answered = 0
    for days in WAVE_DAYS_AGO:
        at = now - timedelta(days=days)
        report = service.send_relationship(session, now=at, limit=batch)
        sent += report.queued
        invitations = session.scalars(
            select(SurveyInvitation)
            .where(
                SurveyInvitation.kind == SurveyKind.RELATIONSHIP,
                SurveyInvitation.status == InvitationStatus.QUEUED,
                SurveyInvitation.sent_at == at,
            )
            .order_by(SurveyInvitation.id)
        ).all()
        for invitation in invitations:
            if who.rng.random() >= RELATIONSHIP_RESPONSE:
                continue
            answered_at = who.delay(at)
            if answered_at >= now:
                continue
            data = who.nps_answer(invitation.customer_id in unhappy)
            answers.submit(session, invitation=invitation, data=data, now=answered_at)
            answered += 1
    return sent, answered


def _close_old_follow_ups(session: Session, who: _Answerer, now: datetime) -> tuple[int, int]:
    """Owners close all but the recent follow-ups, some after their due time."""
    rows = session.scalars(
        select(SurveyFollowUp).order_by(SurveyFollowUp.created_at.desc(), SurveyFollowUp.id)
    ).all()
    keep = {f.id for f in rows[:KEEP_OPEN_AT_LEAST]}
    keep |= {f.id for f in rows if f.created_at > now - timedelta(days=KEEP_OPEN_DAYS)}
    closed = 0
    for follow_up in rows:
        if follow_up.id in keep:
            continue
        owner = session.get(StaffUser, follow_up.owner_id) if follow_up.owner_id else None
        customer = session.get(Customer, follow_up.customer_id)
        if owner is None or customer is None:
            continue
        hours = float(who.rng.lognormal(np.log(10.0), 0.8))  # most in time, some late
        note = who.pick(CLOSING_NOTES).format(customer=customer.first_name or "the customer")
        followups.close(
            session,
            follow_up_id=follow_up.id,
            actor=owner,
            note=note,
            now=follow_up.created_at + timedelta(hours=hours),
        )
        closed += 1
    still_open = (
        session.scalar(
            select(func.count())
            .select_from(SurveyFollowUp)
            .where(SurveyFollowUp.status == FollowUpStatus.OPEN)
        )
        or 0
    )
    return still_open, closed


def add_surveys(session: Session, summary: DemoSummary, rng: np.random.Generator) -> SurveyCounts:
    """Answer the history's ticket surveys, add relationship NPS waves, settle follow-ups."""
    first_outbox = session.scalar(select(func.coalesce(func.max(OutboxItem.id), 0))) or 0
    who = _Answerer(rng)
    now = summary.now
    ticket_answers, unhappy = _answer_tickets(session, who, now)
    _, nps_answers = _relationship_waves(session, who, now, unhappy)
    still_open, closed = _close_old_follow_ups(session, who, now)
    session.execute(
        update(OutboxItem)
        .where(OutboxItem.id > first_outbox)
        .values(status=OutboxStatus.SENT, sent_at=now, attempts=1)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    invitations = session.scalar(select(func.count()).select_from(SurveyInvitation)) or 0
    return SurveyCounts(
        invitations=invitations,
        answers=ticket_answers + nps_answers,
        follow_ups_open=still_open,
        follow_ups_closed=closed,
    )
