"""CSRF tokens: one random token per browser session, required on every form post."""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request

from fairdesk.errors import FairdeskError

SESSION_KEY = "csrf"
FORM_FIELD = "csrf_token"
HEADER = "X-CSRF-Token"


class CsrfFailed(FairdeskError):
    status_code = 403
    code = "csrf_failed"


def csrf_token(request: Request) -> str:
    token = request.session.get(SESSION_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[SESSION_KEY] = token
    return token


async def require_csrf(request: Request) -> None:
    """FastAPI dependency for state-changing form routes."""
    expected = request.session.get(SESSION_KEY)
    given = request.headers.get(HEADER)
    if given is None:
        form = await request.form()
        value = form.get(FORM_FIELD)
        given = value if isinstance(value, str) else None
    if not isinstance(expected, str) or given is None or not hmac.compare_digest(expected, given):
        raise CsrfFailed("the form has expired or was not sent from this site; reload and retry")
