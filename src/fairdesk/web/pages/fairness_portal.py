"""The customer's page for a fairness decision: what was decided, in respectful words, and an
appeal form. Opened by the signed link in the notice e-mail (``fairness.links``); no account.

The link names the decision and the customer it was sent to; nothing else in the request can
name another. A refused or expired link gets the portal's plain refusal page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from fairdesk.auth.csrf import require_csrf
from fairdesk.db.deps import DbSession
from fairdesk.errors import FairdeskError
from fairdesk.fairness import appeals as appeal_service
from fairdesk.fairness import links
from fairdesk.fairness.appeals import MAX_APPEAL_CHARS
from fairdesk.fairness.models import DecisionKind, FairnessDecision, RestrictionKind
from fairdesk.fairness.restrictions import CUSTOMER_WORDS
from fairdesk.tickets.portal import LinkExpired
from fairdesk.web.templating import flash, render

router = APIRouter()
PRIVATE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


def _open(session: Session, token: str) -> FairnessDecision:
    grant = links.read(token)
    return appeal_service.decision_for_customer(
        session, decision_id=grant.decision_id, customer_id=grant.customer_id
    )


def _refused(request: Request, exc: FairdeskError) -> Response:
    # An expired decision link cannot be renewed like a case link: the notice says to reply.
    return render(
        request,
        "fairness/portal_refused.html",
        {"error": exc, "expired": isinstance(exc, LinkExpired)},
        status_code=exc.status_code,
    )


def _words(decision: FairnessDecision) -> str:
    if DecisionKind(decision.kind) is DecisionKind.PART_WAYS:
        return CUSTOMER_WORDS[RestrictionKind.PARTED]
    if decision.restriction:
        return CUSTOMER_WORDS[RestrictionKind(decision.restriction)]
    return ""


def _page(
    request: Request,
    session: Session,
    token: str,
    decision: FairnessDecision,
    *,
    draft: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    response = render(
        request,
        "fairness/portal_decision.html",
        {
            "token": token,
            "decision": decision,
            "words": _words(decision),
            "appealable": appeal_service.appealable(decision),
            "appeal": appeal_service.appeal_of(session, decision_id=decision.id),
            "parted": DecisionKind(decision.kind) is DecisionKind.PART_WAYS,
            "draft": draft,
            "error": error,
            "max_chars": MAX_APPEAL_CHARS,
        },
        status_code=status_code,
    )
    response.headers.update(PRIVATE)
    return response


@router.get("/portal/decisions/{token}")
def decision_page(request: Request, token: str, session: DbSession) -> Response:
    try:
        decision = _open(session, token)
    except FairdeskError as exc:
        return _refused(request, exc)
    return _page(request, session, token, decision)


@router.post("/portal/decisions/{token}/appeal", dependencies=[Depends(require_csrf)])
def appeal(
    request: Request,
    token: str,
    session: DbSession,
    body: Annotated[str, Form(max_length=MAX_APPEAL_CHARS * 2)] = "",
) -> Response:
    try:
        decision = _open(session, token)
    except FairdeskError as exc:
        return _refused(request, exc)
    try:
        appeal_service.submit(
            session, decision_id=decision.id, customer_id=decision.customer_id, body=body
        )
    except FairdeskError as exc:
        return _page(
            request,
            session,
            token,
            decision,
            draft=body,
            error=exc.message[:1].upper() + exc.message[1:] + ".",
            status_code=exc.status_code,
        )
    flash(
        request,
        "Thank you: your appeal was received. A different manager will review it "
        "and you will hear the outcome by e-mail.",
        "success",
    )
    return RedirectResponse(f"/portal/decisions/{token}", status_code=303)
