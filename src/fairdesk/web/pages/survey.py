"""The customer's survey page: reached by the signed link in the e-mail, no account, no JS.

Each score in the e-mail is its own link (``?csat=4``). Opening it shows the form with that
score already chosen and one "Send" button; it does not record anything. Mail scanners and
link previews open every link in a message (all eleven NPS links, say): recording on GET would
store whichever score the scanner fetched last, an answer the customer never gave. So a GET
only ever shows, and the answer is the customer's one POST. The rest of the form is optional.

Every route starts from the token and the ticket in the path (``answers.open_invitation``);
a refused link gets a plain page with 403 or 410, never the form.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from fairdesk.auth.csrf import require_csrf
from fairdesk.config import get_settings
from fairdesk.db.base import utcnow
from fairdesk.db.deps import DbSession
from fairdesk.errors import FairdeskError, ValidationFailed
from fairdesk.feedback.surveys import answers, followups, links
from fairdesk.feedback.surveys.forms import QUESTIONS, SCORE_QUESTIONS
from fairdesk.feedback.surveys.models import Question, SurveyAnswer, SurveyForm, SurveyInvitation
from fairdesk.tickets.models import Ticket
from fairdesk.web.templating import render

router = APIRouter()
PRIVATE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}


def _refused(request: Request, exc: FairdeskError) -> Response:
    response = render(request, "survey/refused.html", {"error": exc}, status_code=exc.status_code)
    response.headers.update(PRIVATE)
    return response


def _open(session: Session, scope: str, token: str, *, any_age: bool = False) -> SurveyInvitation:
    return answers.open_invitation(session, token, scope=scope, any_age=any_age)


def _values(raw: Mapping[str, Any]) -> dict[str, Any]:
    """What to pre-fill: scores from the e-mail link or a re-shown form, as typed."""
    return {q.value: str(raw.get(q.value, "")).strip() for q in SCORE_QUESTIONS}


def _form_page(
    request: Request,
    session: Session,
    scope: str,
    token: str,
    invitation: SurveyInvitation,
    values: dict[str, Any],
    *,
    error: FairdeskError | None = None,
    status_code: int = 200,
) -> Response:
    form = session.get(SurveyForm, invitation.form_id)
    ticket = session.get(Ticket, invitation.ticket_id) if invitation.ticket_id else None
    existing = answers.answer_of(session, invitation.id)
    settings = get_settings()
    if existing is not None and not any(values.get(q.value) for q in SCORE_QUESTIONS):
        if error is None and utcnow() > answers.editable_until(existing, settings):
            return _done(request, existing, closed=True)
        values = {
            "csat": str(existing.csat or ""),
            "ces": str(existing.ces or ""),
            "nps": "" if existing.nps is None else str(existing.nps),
            "reasons": list(existing.reasons),
            "comment": existing.comment,
        }
    questions = [Question(q) for q in invitation.questions]
    ctx = {
        "invitation": invitation,
        "title": form.title if form else "Your opinion",
        "ticket": ticket,
        "questions": questions,
        "specs": QUESTIONS,
        "scores": SCORE_QUESTIONS,
        "reason_codes": form.reason_codes if form else [],
        "values": values,
        "error": error,
        "existing": existing,
        "action": links.path_for(token, invitation.ticket_id),
        "opt_out": links.path_for(token, invitation.ticket_id) + "/opt-out",
        "scope": scope,
    }
    response = render(request, "survey/answer.html", ctx, status_code=status_code)
    response.headers.update(PRIVATE)
    return response


def _done(
    request: Request, answer: SurveyAnswer, *, closed: bool, updated: bool = False
) -> Response:
    response = render(
        request,
        "survey/thanks.html",
        {
            "answer": answer,
            "closed": closed,
            "updated": updated,
            "low": followups.is_low(answer, get_settings()),
        },
    )
    response.headers.update(PRIVATE)
    return response


@router.get("/survey/{scope}/{token}")
def survey_page(request: Request, scope: str, token: str, session: DbSession) -> Response:
    """Show the form, with the score from the e-mail preselected; records nothing."""
    try:
        invitation = _open(session, scope, token)
    except FairdeskError as exc:
        return _refused(request, exc)
    return _form_page(request, session, scope, token, invitation, _values(request.query_params))


@router.post("/survey/{scope}/{token}", dependencies=[Depends(require_csrf)])
async def survey_submit(request: Request, scope: str, token: str, session: DbSession) -> Response:
    try:
        invitation = _open(session, scope, token)
    except FairdeskError as exc:
        return _refused(request, exc)
    form = await request.form()
    data: dict[str, Any] = {key: form.get(key) for key in ("csat", "ces", "nps", "comment")}
    data["reasons"] = [str(v) for v in form.getlist("reasons")]
    try:
        answer, updated = answers.submit(session, invitation=invitation, data=data)
    except ValidationFailed as exc:
        values = {**_values(data), "reasons": data["reasons"], "comment": data.get("comment")}
        return _form_page(
            request, session, scope, token, invitation, values, error=exc, status_code=422
        )
    except answers.SurveyClosed as exc:
        return _refused(request, exc)
    return _done(request, answer, closed=False, updated=updated)


@router.get("/survey/{scope}/{token}/opt-out")
def opt_out_page(request: Request, scope: str, token: str, session: DbSession) -> Response:
    """Ask before opting out: a link scanner opening this must not unsubscribe anyone."""
    try:
        invitation = _open(session, scope, token, any_age=True)
    except FairdeskError as exc:
        return _refused(request, exc)
    action = links.path_for(token, invitation.ticket_id) + "/opt-out"
    response = render(request, "survey/opt_out.html", {"action": action, "done": False})
    response.headers.update(PRIVATE)
    return response


@router.post("/survey/{scope}/{token}/opt-out", dependencies=[Depends(require_csrf)])
def opt_out(request: Request, scope: str, token: str, session: DbSession) -> Response:
    try:
        invitation = _open(session, scope, token, any_age=True)
    except FairdeskError as exc:
        return _refused(request, exc)
    answers.opt_out(session, invitation=invitation)
    return RedirectResponse(
        links.path_for(token, invitation.ticket_id) + "/opted-out", status_code=303
    )


@router.get("/survey/{scope}/{token}/opted-out")
def opted_out(request: Request, scope: str, token: str, session: DbSession) -> Response:
    response = render(request, "survey/opt_out.html", {"action": "", "done": True})
    response.headers.update(PRIVATE)
    return response
