"""The closed loop: a low score opens a follow-up task that a person must act on in time.

The owner is the person the customer dealt with (the ticket's assignee), else that agent's
team lead, else a manager, so a dissatisfied customer always hears back from someone with a
name. The due time is ``survey_follow_up_hours`` after the answer; overdue tasks stay visible.
Opening and closing are audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fairdesk.auth import service as audit
from fairdesk.auth.models import Role, StaffUser
from fairdesk.config import Settings, get_settings
from fairdesk.customers.models import Customer
from fairdesk.db.base import utcnow
from fairdesk.errors import Conflict, NotFound, ValidationFailed
from fairdesk.feedback.surveys.models import (
    FollowUpStatus,
    SurveyAnswer,
    SurveyFollowUp,
)
from fairdesk.tickets.models import AgentAvailability, Ticket

MAX_NOTE = 4000


def is_low(answer: SurveyAnswer, settings: Settings) -> bool:
    """A score that says the customer is unhappy: CSAT or NPS at or below the thresholds."""
    return (answer.csat is not None and answer.csat <= settings.survey_low_csat) or (
        answer.nps is not None and answer.nps <= settings.survey_low_nps
    )


def _active(session: Session, staff_id: int | None) -> StaffUser | None:
    user = session.get(StaffUser, staff_id) if staff_id is not None else None
    return user if user is not None and user.is_active else None


def owner_for(session: Session, ticket_id: int | None) -> StaffUser | None:
    """The assignee, else their team lead, else the longest-standing active manager."""
    ticket = session.get(Ticket, ticket_id) if ticket_id is not None else None
    if ticket is not None:
        assignee = _active(session, ticket.assignee_id)
        if assignee is not None:
            return assignee
        if ticket.assignee_id is not None:
            availability = session.get(AgentAvailability, ticket.assignee_id)
            lead = _active(session, availability.team_lead_id if availability else None)
            if lead is not None:
                return lead
    return session.scalar(
        select(StaffUser)
        .where(StaffUser.is_active, StaffUser.role.in_((Role.MANAGER, Role.ADMIN)))
        .order_by(StaffUser.id)
        .limit(1)
    )


def open_if_low(
    session: Session, *, answer: SurveyAnswer, now: datetime, settings: Settings | None = None
) -> SurveyFollowUp | None:
    """Open the follow-up for a low answer (once per answer); None when not low or open."""
    settings = settings or get_settings()
    if not is_low(answer, settings):
        return None
    existing = session.scalar(select(SurveyFollowUp).where(SurveyFollowUp.answer_id == answer.id))
    if existing is not None:
        return None
    owner = owner_for(session, answer.ticket_id)
    follow_up = SurveyFollowUp(
        answer_id=answer.id,
        customer_id=answer.customer_id,
        ticket_id=answer.ticket_id,
        owner_id=owner.id if owner else None,
        status=FollowUpStatus.OPEN,
        due_at=now + timedelta(hours=settings.survey_follow_up_hours),
        created_at=now,
    )
    session.add(follow_up)
    session.flush()
    audit.record(
        session,
        actor=None,
        action="survey.follow_up.open",
        entity_type="survey_follow_up",
        entity_id=follow_up.id,
        details={
            "answer_id": answer.id,
            "ticket_id": answer.ticket_id,
            "owner_id": follow_up.owner_id,
            "csat": answer.csat,
            "nps": answer.nps,
        },
    )
    return follow_up


@dataclass(frozen=True)
class FollowUpRow:
    """A follow-up with what its owner needs to call the customer back."""

    follow_up: SurveyFollowUp
    answer: SurveyAnswer
    customer: Customer
    ticket: Ticket | None
    owner: StaffUser | None
    overdue: bool


def list_follow_ups(
    session: Session,
    *,
    owner_id: int | None = None,
    status: FollowUpStatus | None = FollowUpStatus.OPEN,
    overdue_only: bool = False,
    ticket_id: int | None = None,
    limit: int = 200,
    now: datetime | None = None,
) -> list[FollowUpRow]:
    """Follow-ups, most urgent first (earliest due among open ones)."""
    now = now or utcnow()
    stmt = (
        select(SurveyFollowUp, SurveyAnswer, Customer, Ticket, StaffUser)
        .join(SurveyAnswer, SurveyAnswer.id == SurveyFollowUp.answer_id)
        .join(Customer, Customer.id == SurveyFollowUp.customer_id)
        .outerjoin(Ticket, Ticket.id == SurveyFollowUp.ticket_id)
        .outerjoin(StaffUser, StaffUser.id == SurveyFollowUp.owner_id)
    )
    if owner_id is not None:
        stmt = stmt.where(SurveyFollowUp.owner_id == owner_id)
    if status is not None:
        stmt = stmt.where(SurveyFollowUp.status == status)
    if ticket_id is not None:
        stmt = stmt.where(SurveyFollowUp.ticket_id == ticket_id)
    if overdue_only:
        stmt = stmt.where(SurveyFollowUp.status == FollowUpStatus.OPEN, SurveyFollowUp.due_at < now)
    rows = session.execute(
        stmt.order_by(SurveyFollowUp.due_at, SurveyFollowUp.id).limit(limit)
    ).all()
    return [
        FollowUpRow(f, a, c, t, u, overdue=f.status == FollowUpStatus.OPEN and f.due_at < now)
        for f, a, c, t, u in rows
    ]


def counts(session: Session, *, now: datetime | None = None) -> tuple[int, int]:
    """(open, overdue) follow-ups, for the list's header and the scorecard."""
    now = now or utcnow()
    open_n = (
        session.scalar(
            select(func.count())
            .select_from(SurveyFollowUp)
            .where(SurveyFollowUp.status == FollowUpStatus.OPEN)
        )
        or 0
    )
    overdue_n = (
        session.scalar(
            select(func.count())
            .select_from(SurveyFollowUp)
            .where(SurveyFollowUp.status == FollowUpStatus.OPEN, SurveyFollowUp.due_at < now)
        )
        or 0
    )
    return open_n, overdue_n


def open_for_ticket(session: Session, ticket_id: int) -> Sequence[SurveyFollowUp]:
    """Open follow-ups of one ticket: the ticket page shows a marker for them."""
    return session.scalars(
        select(SurveyFollowUp)
        .where(SurveyFollowUp.ticket_id == ticket_id, SurveyFollowUp.status == FollowUpStatus.OPEN)
        .order_by(SurveyFollowUp.due_at)
    ).all()


def close(
    session: Session,
    *,
    follow_up_id: int,
    actor: StaffUser,
    note: str,
    now: datetime | None = None,
) -> SurveyFollowUp:
    """Close a follow-up with what was done; the note is required, the change audited."""
    now = now or utcnow()
    text = note.strip()
    if not text:
        raise ValidationFailed("say what you did: the note is empty", field="note")
    if len(text) > MAX_NOTE:
        raise ValidationFailed(f"the note is longer than {MAX_NOTE} characters", field="note")
    follow_up = session.get(SurveyFollowUp, follow_up_id)
    if follow_up is None:
        raise NotFound(f"no follow-up with id {follow_up_id}", field="follow_up_id")
    if follow_up.status == FollowUpStatus.DONE:
        raise Conflict("this follow-up is already closed", field="follow_up_id")
    follow_up.status = FollowUpStatus.DONE
    follow_up.done_at = now
    follow_up.note = text
    audit.record(
        session,
        actor=actor,
        action="survey.follow_up.close",
        entity_type="survey_follow_up",
        entity_id=follow_up.id,
        details={"late": now > follow_up.due_at, "owner_id": follow_up.owner_id},
    )
    session.flush()
    return follow_up
