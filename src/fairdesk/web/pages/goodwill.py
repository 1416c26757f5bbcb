"""Goodwill pages: grant on a ticket, the policy editor, approvals, budgets, spend report."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from fairdesk.auth.csrf import require_csrf
from fairdesk.auth.deps import ManagerPage, StaffPage
from fairdesk.auth.models import Role, StaffUser
from fairdesk.db.base import utcnow
from fairdesk.db.deps import DbSession
from fairdesk.errors import Conflict, FairdeskError, NotFound, ValidationFailed
from fairdesk.goodwill import approval_links, grants, ledger
from fairdesk.goodwill import service as goodwill_service
from fairdesk.goodwill.models import Gesture, GestureStatus
from fairdesk.goodwill.policy import PolicyError
from fairdesk.goodwill.rules import GestureInvalid, GestureRequest
from fairdesk.tickets import service as ticket_service
from fairdesk.web.templating import flash, render

router = APIRouter()
CSRF = [Depends(require_csrf)]
GROUPS = ("category", "remedy", "segment", "persona", "agent")
COLOURS = ("#2457d6", "#34d399", "#f59e0b", "#ef4444", "#8b5cf6", "#94a3b8", "#60a5fa")


@router.get("/goodwill/tickets/{ticket_id:int}")
def ticket_page(ticket_id: int, request: Request, session: DbSession, user: StaffPage) -> Response:
    ticket = ticket_service.get_ticket(session, ticket_id)
    rec, version = goodwill_service.recommendation_for(session, ticket_id=ticket_id, actor=user)
    return render(request, "goodwill/ticket.html", {
        "ticket": ticket, "rec": rec, "version": version,
        "policy": goodwill_service.rules_of(session, version),
        "history": ledger.gestures(session, ticket_id=ticket_id),
    })


@router.post("/goodwill/tickets/{ticket_id:int}", dependencies=CSRF)
def ticket_action(
    ticket_id: int, request: Request, session: DbSession, user: StaffPage,
    remedy: Annotated[str, Form()], amount: Annotated[str, Form()],
    currency: Annotated[str, Form()], action: Annotated[str, Form()] = "grant",
    receipt: Annotated[bool, Form()] = False, note: Annotated[str, Form()] = "",
) -> Response:
    """One click grants within policy; above it the agent is told the limit and may ask."""
    back = RedirectResponse(f"/goodwill/tickets/{ticket_id}", status_code=303)
    try:
        value = Decimal(amount.strip() or "0")
    except InvalidOperation:
        flash(request, "The amount is not a number.", "error")
        return back
    req = GestureRequest(remedy, value, currency.upper(), receipt)
    try:
        if action == "request":
            grants.request_approval(session, ticket_id=ticket_id, actor=user, request=req,
                                    note=note)
            flash(request, "Sent to a manager; the customer has been told when to expect an "
                  "answer.", "success")
        else:
            gesture = grants.grant(session, ticket_id=ticket_id, actor=user, request=req,
                                   note=note)
            flash(request, f"Granted under rule {gesture.rule}; the customer has been told.",
                  "success")
    except (grants.OverLimit, GestureInvalid) as exc:
        flash(request, exc.message, "error")
    return back


@router.get("/goodwill/policy")
def policy_page(request: Request, session: DbSession, user: ManagerPage) -> Response:
    version = goodwill_service.current_version(session)
    return render(request, "goodwill/policy.html", {
        "version": version, "source": version.source, "errors": [],
        "versions": goodwill_service.list_versions(session),
    })


@router.post("/goodwill/policy", dependencies=CSRF)
def save_policy(
    request: Request, session: DbSession, user: ManagerPage,
    source: Annotated[str, Form()], note: Annotated[str, Form()] = "",
) -> Response:
    try:
        version = goodwill_service.save_policy(session, source=source, actor=user, note=note)
    except PolicyError as exc:
        current = goodwill_service.current_version(session)
        return render(request, "goodwill/policy.html", {
            "version": current, "source": source, "errors": exc.details,
            "versions": goodwill_service.list_versions(session),
        }, status_code=422)
    flash(request, f"Saved as version {version.number}; it is now in force.", "success")
    return RedirectResponse("/goodwill/policy", status_code=303)


@router.get("/goodwill/approvals")
def approvals_page(request: Request, session: DbSession, user: ManagerPage) -> Response:
    pending = list(reversed(ledger.gestures(session, status=GestureStatus.PENDING, limit=500)))
    return render(request, "goodwill/approvals.html", {
        "pending": pending, "decided": ledger.gestures(session, limit=20),
    })


@router.post("/goodwill/approvals/{gesture_id:int}", dependencies=CSRF)
def decide_approval(
    gesture_id: int, request: Request, session: DbSession, user: ManagerPage,
    decision: Annotated[str, Form()], note: Annotated[str, Form()] = "",
) -> Response:
    try:
        if decision == "approve":
            grants.approve(session, gesture_id=gesture_id, approver=user, note=note)
            flash(request, "Approved; the customer has been told.", "success")
        else:
            grants.decline(session, gesture_id=gesture_id, approver=user, reason=note)
            flash(request, "Declined; the customer has been told why.", "success")
    except FairdeskError as exc:
        flash(request, exc.message, "error")
    return RedirectResponse("/goodwill/approvals", status_code=303)


def _link_page(
    request: Request, session: DbSession, token: str, *, error: str | None = None,
    status_code: int = 200,
) -> Response:
    """The request a valid e-mail link names, with a confirm form while it is pending."""
    link = approval_links.read(token)
    gesture = session.get(Gesture, link.gesture_id)
    if gesture is None:
        raise NotFound("this goodwill request no longer exists")
    ticket = ticket_service.get_ticket(session, gesture.ticket_id)
    rules = goodwill_service.policy_of(goodwill_service.current_version(session))
    people = {u.id: u.name for u in session.scalars(select(StaffUser).where(
        StaffUser.id.in_([i for i in (gesture.actor_id, gesture.approver_id) if i])))}
    return render(request, "goodwill/approval_link.html", {
        "gesture": gesture, "ticket": ticket, "decision": link.decision, "token": token,
        "remedy": rules.remedies[gesture.remedy].label if gesture.remedy in rules.remedies
        else gesture.remedy,
        "asked_by": people.get(gesture.actor_id or 0, "(unknown)"),
        "decided_by": people.get(gesture.approver_id or 0, "(unknown)"),
        "pending": gesture.status == GestureStatus.PENDING, "error": error,
    }, status_code=status_code)


@router.get("/goodwill/approvals/link/{token}")
def approval_link_page(
    token: str, request: Request, session: DbSession, user: ManagerPage
) -> Response:
    """Opening an e-mail link shows the request and asks to confirm; it changes nothing."""
    return _link_page(request, session, token)


@router.post("/goodwill/approvals/link/{token}", dependencies=CSRF)
def approval_link_confirm(
    token: str, request: Request, session: DbSession, user: ManagerPage,
    reason: Annotated[str, Form()] = "",
) -> Response:
    """The one-click confirm: the decision the link names, by the signed-in manager."""
    link = approval_links.read(token)
    try:
        if link.decision == "approve":
            grants.approve(session, gesture_id=link.gesture_id, approver=user,
                           note=reason, via="email link")
        else:
            grants.decline(session, gesture_id=link.gesture_id, approver=user,
                           reason=reason, via="email link")
    except (Conflict, ValidationFailed, grants.OverLimit) as exc:
        # The decision's savepoint is rolled back; show the request as it now stands.
        return _link_page(request, session, token, error=exc.message,
                          status_code=exc.status_code)
    flash(request, "Approved; the customer has been told." if link.decision == "approve"
          else "Declined; the customer has been told why.", "success")
    return RedirectResponse(f"/goodwill/approvals/link/{token}", status_code=303)


@router.get("/goodwill/budget")
def budget_page(request: Request, session: DbSession, user: StaffPage) -> Response:
    rules = goodwill_service.policy_of(goodwill_service.current_version(session))
    today = utcnow().date()
    manager = Role(user.role).at_least(Role.MANAGER)
    rows = ledger.budgets(session, rules, today) if manager else [
        ledger.budget_of(session, user, rules, today)]
    recent = ledger.gestures(session, actor_id=None if manager else user.id, limit=50)
    return render(request, "goodwill/budget.html", {
        "rows": rows, "recent": recent, "currency": rules.currency,
        "manager": manager,
    })


def _chart(rows: list[tuple[str, Decimal, int]], label: str) -> dict[str, Any]:
    return {"type": "bar", "data": {"labels": [r[0] for r in rows], "datasets": [{
        "label": label, "data": [float(r[1]) for r in rows],
        "backgroundColor": [COLOURS[i % len(COLOURS)] for i in range(len(rows))]}]},
        "options": {"plugins": {"legend": {"display": False}},
                    "scales": {"y": {"title": {"display": True, "text": label}}}}}


@router.get("/goodwill/report")
def report_page(request: Request, session: DbSession, user: ManagerPage) -> Response:
    rules = goodwill_service.policy_of(goodwill_service.current_version(session))
    tables = {group: ledger.spend_by(session, group) for group in GROUPS}
    label = f"granted ({rules.currency})"
    return render(request, "goodwill/report.html", {
        "tables": tables, "currency": rules.currency,
        "charts": {group: _chart(rows, label) for group, rows in tables.items()},
    })
