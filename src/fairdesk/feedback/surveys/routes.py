"""REST endpoints for staff: survey forms, invitations, answers, stats, follow-ups, sending."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import select

from fairdesk.auth.deps import ApiManager, ApiUser
from fairdesk.auth.models import Role
from fairdesk.db.base import utcnow
from fairdesk.db.deps import DbSession
from fairdesk.errors import NotFound, PermissionDenied, ValidationFailed
from fairdesk.feedback.surveys import followups, forms, service
from fairdesk.feedback.surveys.models import (
    FollowUpStatus,
    InvitationStatus,
    SurveyAnswer,
    SurveyFollowUp,
    SurveyInvitation,
    SurveyKind,
)
from fairdesk.feedback.surveys.schemas import (
    AnswerOut,
    CloseIn,
    FollowUpOut,
    FormIn,
    FormOut,
    InvitationOut,
    SendOut,
)
from fairdesk.feedback.surveys.stats import survey_stats

router = APIRouter(prefix="/surveys", tags=["surveys"])
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0)]


def _period(since: datetime | None, until: datetime | None) -> None:
    if since is not None and until is not None and since >= until:
        raise ValidationFailed("since must be before until", field="since")


@router.get("/forms", response_model=list[FormOut])
def list_forms(session: DbSession, user: ApiUser) -> Any:
    """Both forms (created with the defaults on first use)."""
    return forms.all_forms(session)


@router.put("/forms/{kind}", response_model=FormOut)
def put_form(kind: SurveyKind, data: FormIn, session: DbSession, user: ApiManager) -> Any:
    """Replace a form's title, questions, reason codes and switch; audited."""
    return forms.update_form(
        session,
        kind=kind,
        actor=user,
        title=data.title,
        questions=data.questions,
        reason_codes=data.reason_codes,
        active=data.active,
    )


@router.get("/invitations", response_model=list[InvitationOut])
def list_invitations(
    session: DbSession,
    user: ApiUser,
    status: InvitationStatus | None = None,
    kind: SurveyKind | None = None,
    customer_id: int | None = None,
    ticket_id: int | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Any:
    """Invitations, newest first; skipped ones carry the reason they were never sent."""
    stmt = select(SurveyInvitation)
    if status is not None:
        stmt = stmt.where(SurveyInvitation.status == status)
    if kind is not None:
        stmt = stmt.where(SurveyInvitation.kind == kind)
    if customer_id is not None:
        stmt = stmt.where(SurveyInvitation.customer_id == customer_id)
    if ticket_id is not None:
        stmt = stmt.where(SurveyInvitation.ticket_id == ticket_id)
    return session.scalars(
        stmt.order_by(SurveyInvitation.sent_at.desc(), SurveyInvitation.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()


@router.get("/answers", response_model=list[AnswerOut])
def list_answers(
    session: DbSession,
    user: ApiUser,
    since: datetime | None = None,
    until: datetime | None = None,
    customer_id: int | None = None,
    ticket_id: int | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Any:
    """Answers by when they were given, newest first; comments exactly as typed."""
    _period(since, until)
    stmt = select(SurveyAnswer)
    if since is not None:
        stmt = stmt.where(SurveyAnswer.answered_at >= since)
    if until is not None:
        stmt = stmt.where(SurveyAnswer.answered_at < until)
    if customer_id is not None:
        stmt = stmt.where(SurveyAnswer.customer_id == customer_id)
    if ticket_id is not None:
        stmt = stmt.where(SurveyAnswer.ticket_id == ticket_id)
    return session.scalars(
        stmt.order_by(SurveyAnswer.answered_at.desc(), SurveyAnswer.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()


@router.get("/stats")
def stats(
    session: DbSession,
    user: ApiUser,
    since: datetime | None = None,
    until: datetime | None = None,
    kind: SurveyKind | None = None,
) -> dict[str, Any]:
    """Sent, answered, response rate, CSAT, CES, NPS with 95 % intervals; null = no data."""
    _period(since, until)
    return survey_stats(session, since=since, until=until, kind=kind).to_dict()


@router.get("/follow-ups", response_model=list[FollowUpOut])
def list_follow_ups(
    session: DbSession,
    user: ApiUser,
    status: FollowUpStatus | None = FollowUpStatus.OPEN,
    owner_id: int | None = None,
    overdue: bool = False,
    limit: Limit = 200,
) -> Any:
    rows = followups.list_follow_ups(
        session, owner_id=owner_id, status=status, overdue_only=overdue, limit=limit
    )
    return [
        FollowUpOut.model_validate(r.follow_up).model_copy(update={"overdue": r.overdue})
        for r in rows
    ]


@router.post("/follow-ups/{follow_up_id}/close", response_model=FollowUpOut)
def close_follow_up(follow_up_id: int, data: CloseIn, session: DbSession, user: ApiUser) -> Any:
    """Close with a note: the owner, or a manager."""
    row = session.get(SurveyFollowUp, follow_up_id)
    if row is None:
        raise NotFound(f"no follow-up with id {follow_up_id}", field="follow_up_id")
    if row.owner_id != user.id and not Role(user.role).at_least(Role.MANAGER):
        raise PermissionDenied("only its owner or a manager can close this follow-up")
    return followups.close(session, follow_up_id=follow_up_id, actor=user, note=data.note)


@router.post("/send", response_model=SendOut)
def send(
    session: DbSession,
    user: ApiManager,
    relationship: bool = False,
    dry_run: bool = False,
    days: Annotated[int, Query(ge=1, le=365)] = 7,
) -> SendOut:
    """Relationship NPS for the customers due, or ticket surveys missed in the last ``days``."""
    if relationship:
        report = service.send_relationship(session, dry_run=dry_run)
    else:
        report = service.send_for_resolved(
            session, since=utcnow() - timedelta(days=days), dry_run=dry_run
        )
    return SendOut(
        queued=report.queued,
        skipped=dict(report.skipped),
        customer_ids=report.customer_ids,
        dry_run=dry_run,
    )
