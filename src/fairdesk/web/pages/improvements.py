""" "You said, we did" pages: plan and ship improvements (staff), and the public list."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from fairdesk.auth.csrf import require_csrf
from fairdesk.auth.deps import ManagerPage, StaffPage
from fairdesk.auth.models import Role, StaffUser
from fairdesk.db.deps import DbSession
from fairdesk.errors import FairdeskError, ValidationFailed
from fairdesk.feedback.improvements import metrics
from fairdesk.feedback.improvements import service as improvement_service
from fairdesk.feedback.improvements.models import ImprovementStatus
from fairdesk.feedback.themes import service as theme_service
from fairdesk.web.templating import flash, render

router = APIRouter()
CSRF = [Depends(require_csrf)]


def _ids(values: list[str], field: str) -> list[int]:
    try:
        return [int(v) for v in values if v.strip()]
    except ValueError as exc:
        raise ValidationFailed("theme ids are whole numbers", field=field) from exc


@router.get("/feedback/improvements")
def improvements_page(
    request: Request, session: DbSession, user: StaffPage, theme: int | None = None
) -> Response:
    return render(
        request,
        "feedback/improvements.html",
        {
            "improvements": improvement_service.list_improvements(session),
            "themes": theme_service.list_themes(session),
            "chosen": theme,
            "staff": session.scalars(
                select(StaffUser).where(StaffUser.is_active).order_by(StaffUser.name)
            ).all(),
            "manager": Role(user.role).at_least(Role.MANAGER),
        },
    )


@router.post("/feedback/improvements", dependencies=CSRF)
def create_page(
    request: Request,
    session: DbSession,
    user: ManagerPage,
    title: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    owner_id: Annotated[str, Form()] = "",
    planned_for: Annotated[str, Form()] = "",
    theme_ids: Annotated[list[str] | None, Form()] = None,
) -> Response:
    try:
        when = date.fromisoformat(planned_for) if planned_for.strip() else None
    except ValueError:
        flash(request, "The planned date is not a date (YYYY-MM-DD).", "error")
        return RedirectResponse("/feedback/improvements", status_code=303)
    try:
        improvement = improvement_service.create(
            session,
            title=title,
            description=description,
            owner_id=int(owner_id) if owner_id.strip().isdigit() else None,
            planned_for=when,
            theme_ids=_ids(theme_ids or [], "theme_ids"),
            actor=user,
        )
    except FairdeskError as exc:
        flash(request, exc.message, "error")
        return RedirectResponse("/feedback/improvements", status_code=303)
    flash(
        request,
        "Planned. Ship it when it is live: the customers who asked will be told.",
        "success",
    )
    return RedirectResponse(f"/feedback/improvements/{improvement.id}", status_code=303)


@router.get("/feedback/improvements/{improvement_id:int}")
def improvement_page(
    improvement_id: int, request: Request, session: DbSession, user: StaffPage
) -> Response:
    improvement = improvement_service.get_improvement(session, improvement_id)
    linked = improvement_service.themes_of(session, improvement.id)
    compared = metrics.before_after(session, improvement)
    owner = session.get(StaffUser, improvement.owner_id) if improvement.owner_id else None
    return render(
        request,
        "feedback/improvement.html",
        {
            "i": improvement,
            "linked": linked,
            "owner": owner,
            "compared": compared,
            "chart": compared.chart() if compared else None,
            "counts": improvement_service.notification_counts(session, improvement.id),
            "candidates": [
                t for t in theme_service.list_themes(session) if t.id not in {x.id for x in linked}
            ],
            "manager": Role(user.role).at_least(Role.MANAGER),
        },
    )


@router.post("/feedback/improvements/{improvement_id:int}/themes", dependencies=CSRF)
def link_page(
    improvement_id: int,
    request: Request,
    session: DbSession,
    user: ManagerPage,
    theme_ids: Annotated[list[str] | None, Form()] = None,
) -> Response:
    try:
        improvement_service.link(
            session, improvement_id, theme_ids=_ids(theme_ids or [], "theme_ids"), actor=user
        )
        flash(request, "Linked.", "success")
    except FairdeskError as exc:
        flash(request, exc.message, "error")
    return RedirectResponse(f"/feedback/improvements/{improvement_id}", status_code=303)


@router.post("/feedback/improvements/{improvement_id:int}/ship", dependencies=CSRF)
def ship_page(
    improvement_id: int, request: Request, session: DbSession, user: ManagerPage
) -> Response:
    try:
        _, report = improvement_service.ship(session, improvement_id, actor=user)
    except FairdeskError as exc:
        flash(request, exc.message, "error")
    else:
        flash(
            request,
            f"Shipped. {report.queued} customer(s) will be told by e-mail; "
            f"{report.skipped} do not allow contact; {report.already} were handled before.",
            "success",
        )
    return RedirectResponse(f"/feedback/improvements/{improvement_id}", status_code=303)


@router.get("/you-said-we-did")
def public_page(request: Request, session: DbSession) -> Response:
    """Public, no sign-in: shipped improvements, their customer-safe text only."""
    shipped = improvement_service.list_improvements(session, status=ImprovementStatus.SHIPPED)
    return render(request, "feedback/public.html", {"shipped": shipped})
