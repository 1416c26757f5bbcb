"""Theme pages: the list (sizes, weekly trend, who writes), one theme, manager edits."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from fairdesk.auth.csrf import require_csrf
from fairdesk.auth.deps import ManagerPage, StaffPage
from fairdesk.auth.models import Role
from fairdesk.db.base import utcnow
from fairdesk.db.deps import DbSession
from fairdesk.errors import FairdeskError
from fairdesk.feedback.improvements import service as improvement_service
from fairdesk.feedback.themes import build as themes_build
from fairdesk.feedback.themes import service as theme_service
from fairdesk.feedback.themes import stats
from fairdesk.web.templating import flash, render

router = APIRouter()
CSRF = [Depends(require_csrf)]


@router.get("/feedback/themes")
def themes_page(request: Request, session: DbSession, user: StaffPage) -> Response:
    themes = list(theme_service.list_themes(session))
    ids = [t.id for t in themes]
    weekly = stats.weekly(session, ids)
    split = stats.breakdown(session, ids)
    rows = [
        {
            "theme": t,
            "trend": weekly.trend(t.id),
            "split": split[t.id],
            "chart": stats.sparkline(
                weekly.counts[t.id], weekly.starts, "texts per week", compact=True
            ),
        }
        for t in themes
    ]
    return render(
        request,
        "feedback/themes.html",
        {
            "rows": rows,
            "build": theme_service.latest_build(session),
            "manager": Role(user.role).at_least(Role.MANAGER),
            "other": theme_service.list_themes(session, include_inactive=True),
        },
    )


@router.post("/feedback/themes/build", dependencies=CSRF)
def build_page(request: Request, session: DbSession, user: ManagerPage) -> Response:
    try:
        report = themes_build.build(session, now=utcnow())
    except FairdeskError as exc:
        flash(request, exc.message, "error")
    else:
        flash(
            request,
            f"Grouped {report.n_themed:,} of {report.n_texts:,} texts into "
            f"{report.themes} themes ({report.new} new); your names, merges and splits "
            "were kept.",
            "success",
        )
    return RedirectResponse("/feedback/themes", status_code=303)


@router.get("/feedback/themes/{theme_id:int}")
def theme_page(theme_id: int, request: Request, session: DbSession, user: StaffPage) -> Response:
    theme = theme_service.get_theme(session, theme_id)
    weekly = stats.weekly(session, [theme.id])
    active = [t for t in theme_service.list_themes(session) if t.id != theme.id]
    return render(
        request,
        "feedback/theme.html",
        {
            "theme": theme,
            "trend": weekly.trend(theme.id),
            "chart": stats.sparkline(weekly.counts[theme.id], weekly.starts, "texts per week"),
            "split": stats.breakdown(session, [theme.id])[theme.id],
            "members": stats.members(session, theme.id),
            "children": theme_service.children(session, theme.id),
            "parent": theme_service.get_theme(session, theme.parent_id)
            if theme.parent_id
            else None,
            "merged_into": theme_service.get_theme(session, theme.merged_into_id)
            if theme.merged_into_id
            else None,
            "others": active,
            "manager": Role(user.role).at_least(Role.MANAGER),
            "improvements": improvement_service.for_theme(session, theme.id),
        },
    )


def _back(theme_id: int) -> RedirectResponse:
    return RedirectResponse(f"/feedback/themes/{theme_id}", status_code=303)


@router.post("/feedback/themes/{theme_id:int}/rename", dependencies=CSRF)
def rename_page(
    theme_id: int,
    request: Request,
    session: DbSession,
    user: ManagerPage,
    name: Annotated[str, Form()] = "",
) -> Response:
    try:
        theme_service.rename(session, theme_id, name=name, actor=user)
        flash(request, "Renamed; rebuilds keep this name.", "success")
    except FairdeskError as exc:
        flash(request, exc.message, "error")
    return _back(theme_id)


@router.post("/feedback/themes/{theme_id:int}/merge", dependencies=CSRF)
def merge_page(
    theme_id: int,
    request: Request,
    session: DbSession,
    user: ManagerPage,
    into_id: Annotated[str, Form()] = "",
) -> Response:
    try:
        if not into_id.strip().isdigit():
            flash(request, "Choose the theme to merge into.", "error")
            return _back(theme_id)
        target = theme_service.merge(session, theme_id, into_id=int(into_id), actor=user)
    except FairdeskError as exc:
        flash(request, exc.message, "error")
        return _back(theme_id)
    flash(request, f"Merged into “{target.name}”; rebuilds keep the merge.", "success")
    return _back(target.id)


@router.post("/feedback/themes/{theme_id:int}/split", dependencies=CSRF)
def split_page(
    theme_id: int,
    request: Request,
    session: DbSession,
    user: ManagerPage,
    parts: Annotated[str, Form()] = "",
) -> Response:
    try:
        wanted = int(parts) if parts.strip() else None
    except ValueError:
        flash(request, "Parts must be a whole number between 2 and 8.", "error")
        return _back(theme_id)
    try:
        made = theme_service.split(session, theme_id, parts=wanted, actor=user)
    except FairdeskError as exc:
        flash(request, exc.message, "error")
        return _back(theme_id)
    flash(
        request,
        f"Split into {len(made)} themes: " + ", ".join(f"“{t.name}” ({t.size})" for t in made),
        "success",
    )
    return _back(theme_id)
