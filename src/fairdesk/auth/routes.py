"""Login and logout pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from fairdesk.auth import service as auth_service
from fairdesk.auth.csrf import require_csrf
from fairdesk.auth.deps import SESSION_USER_KEY
from fairdesk.db.deps import DbSession
from fairdesk.errors import NotAuthenticated
from fairdesk.web.templating import render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    # Only same-site paths: never redirect to another host after login.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "auth/login.html", {"next": _safe_next(next)})


@router.post("/login", dependencies=[Depends(require_csrf)])
def login(
    request: Request,
    session: DbSession,
    email: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    try:
        user = auth_service.authenticate(session, email=email, password=password)
    except NotAuthenticated as exc:
        return render(
            request,
            "auth/login.html",
            {"next": _safe_next(next), "error": exc.message, "email": email},
            status_code=401,
        )
    request.session.clear()  # a fresh session on login: no fixation
    request.session[SESSION_USER_KEY] = user.id
    auth_service.record(
        session, actor=user, action="auth.login", entity_type="staff_user", entity_id=user.id
    )
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Depends(require_csrf)])
def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
