"""Staff survey pages: the figures and comments, the form editor, and the follow-up list."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from fairdesk.auth.csrf import require_csrf
from fairdesk.auth.deps import ManagerPage, StaffPage
from fairdesk.auth.models import Role
from fairdesk.customers.models import Customer
from fairdesk.db.base import utcnow
from fairdesk.db.deps import DbSession
from fairdesk.errors import FairdeskError, PermissionDenied, ValidationFailed
from fairdesk.feedback.surveys import followups, forms
from fairdesk.feedback.surveys.models import (
    FollowUpStatus,
    Question,
    SurveyAnswer,
    SurveyFollowUp,
    SurveyKind,
)
from fairdesk.feedback.surveys.stats import survey_stats
from fairdesk.tickets.models import Ticket
from fairdesk.web.templating import flash, render

router = APIRouter()
CSRF = [Depends(require_csrf)]
VIEWS = ("mine", "open", "overdue", "done")
RECENT = 50


@router.get("/surveys")
def overview(
    request: Request,
    session: DbSession,
    user: StaffPage,
    days: Annotated[int, Query(ge=1, le=3650)] = 90,
    low: bool = False,
) -> Response:
    """Figures for the last ``days`` and the latest answers, comments shown escaped."""
    now = utcnow()
    figures = {
        kind: survey_stats(session, since=now - timedelta(days=days), kind=kind, now=now)
        for kind in SurveyKind
    }
    stmt = (
        select(SurveyAnswer, Customer, Ticket)
        .join(Customer, Customer.id == SurveyAnswer.customer_id)
        .outerjoin(Ticket, Ticket.id == SurveyAnswer.ticket_id)
    )
    if low:
        settings = request.app.state.settings
        stmt = stmt.where(
            (SurveyAnswer.csat <= settings.survey_low_csat)
            | (SurveyAnswer.nps <= settings.survey_low_nps)
        )
    recent = session.execute(
        stmt.order_by(SurveyAnswer.answered_at.desc(), SurveyAnswer.id.desc()).limit(RECENT)
    ).all()
    return render(
        request,
        "survey/overview.html",
        {
            "figures": figures,
            "days": days,
            "recent": recent,
            "low": low,
        },
    )


@router.get("/surveys/forms")
def forms_page(request: Request, session: DbSession, user: ManagerPage) -> Response:
    return render(
        request,
        "survey/forms.html",
        {
            "forms": forms.all_forms(session),
            "all_questions": list(Question),
            "specs": forms.QUESTIONS,
            "error": None,
        },
    )


@router.post("/surveys/forms/{kind}", dependencies=CSRF)
async def save_form(
    kind: SurveyKind, request: Request, session: DbSession, user: ManagerPage
) -> Response:
    data = await request.form()
    order = {q.value: i for i, q in enumerate(Question)}
    questions = sorted((str(q) for q in data.getlist("questions")), key=lambda q: order.get(q, 99))
    reasons = str(data.get("reason_codes") or "").replace(",", "\n").splitlines()
    try:
        forms.update_form(
            session,
            kind=kind,
            actor=user,
            title=str(data.get("title") or ""),
            questions=questions,
            reason_codes=reasons,
            active=data.get("active") == "on",
        )
    except ValidationFailed as exc:
        return render(
            request,
            "survey/forms.html",
            {
                "forms": forms.all_forms(session),
                "all_questions": list(Question),
                "specs": forms.QUESTIONS,
                "error": exc,
                "error_kind": kind,
            },
            status_code=422,
        )
    flash(request, f"The {kind} survey was saved; new invitations use it.", "success")
    return RedirectResponse("/surveys/forms", status_code=303)


@router.get("/surveys/follow-ups")
def follow_ups_page(
    request: Request, session: DbSession, user: StaffPage, view: str = "mine"
) -> Response:
    """Mine (default), every open one, the overdue ones, or the closed ones."""
    if view not in VIEWS:
        view = "mine"
    rows = followups.list_follow_ups(
        session,
        owner_id=user.id if view == "mine" else None,
        status=FollowUpStatus.DONE if view == "done" else FollowUpStatus.OPEN,
        overdue_only=view == "overdue",
    )
    open_n, overdue_n = followups.counts(session)
    return render(
        request,
        "survey/follow_ups.html",
        {
            "rows": rows,
            "view": view,
            "views": VIEWS,
            "open_n": open_n,
            "overdue_n": overdue_n,
        },
    )


@router.post("/surveys/follow-ups/{follow_up_id:int}/close", dependencies=CSRF)
def close_follow_up(
    follow_up_id: int,
    request: Request,
    session: DbSession,
    user: StaffPage,
    note: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "mine",
) -> Response:
    """The owner (or a manager) closes it with what was done."""
    target = f"/surveys/follow-ups?view={back if back in VIEWS else 'mine'}"
    try:
        row = session.get(SurveyFollowUp, follow_up_id)
        if (
            row is not None
            and row.owner_id != user.id
            and not Role(user.role).at_least(Role.MANAGER)
        ):
            raise PermissionDenied("only its owner or a manager can close this follow-up")
        followups.close(session, follow_up_id=follow_up_id, actor=user, note=note)
        flash(request, "Follow-up closed; thank you for calling the customer back.", "success")
    except FairdeskError as exc:
        flash(request, exc.message, "error")
    return RedirectResponse(target, status_code=303)
