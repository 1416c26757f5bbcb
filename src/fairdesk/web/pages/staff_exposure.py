"""Staff protection pages: the managers' staff exposure board, who is in the senior queue,
and routing a customer to the senior queue from the customer or ticket page.

Thin over ``fairness.protection``; every change is a manager's POST with CSRF and a reason,
audited by the service. The customer-page panel (tickets with masked previews, routing) is
built here so the customer page only includes it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from fairdesk.auth.csrf import require_csrf
from fairdesk.auth.deps import ManagerPage
from fairdesk.auth.models import Role, StaffUser
from fairdesk.db.base import utcnow
from fairdesk.db.deps import DbSession
from fairdesk.errors import NotFound, ValidationFailed
from fairdesk.fairness.protection import exposure, routing
from fairdesk.tickets import inbox_query, reading
from fairdesk.web.templating import flash, render

router = APIRouter()
CSRF = [Depends(require_csrf)]
MAX_DB_ID = 2**63 - 1
WEEKS = 8
CUSTOMER_TICKETS = 20
Reason = Annotated[str, Form(max_length=routing.MAX_REASON)]


@router.get("/fairness/exposure")
def exposure_board(request: Request, session: DbSession, user: ManagerPage) -> Response:
    """Who has been exposed to how much abuse, how bad, and the week-on-week trend."""
    board = exposure.exposure_board(session, now=utcnow(), weeks=WEEKS)
    seniors = routing.senior_ids(session)
    return render(
        request,
        "fairness/exposure.html",
        {
            "board": board,
            "weeks": WEEKS,
            "seniors": seniors,
            "senior_roles": (Role.MANAGER.value, Role.ADMIN.value),
            "severity": exposure.SEVERITY,
        },
    )


@router.post("/fairness/exposure/staff/{staff_id:int}/senior", dependencies=CSRF)
def set_senior(
    request: Request,
    staff_id: int,
    session: DbSession,
    user: ManagerPage,
    senior: Annotated[str, Form(max_length=1)] = "",
    reason: Reason = "",
) -> Response:
    if senior not in ("0", "1"):
        raise ValidationFailed("senior: choose 1 (senior) or 0", field="senior")
    if staff_id > MAX_DB_ID:
        raise NotFound(f"no active staff user with id {staff_id}", field="staff_id")
    routing.set_senior(session, staff_id=staff_id, senior=senior == "1", actor=user, reason=reason)
    flash(request, "Senior queue updated.", "success")
    return RedirectResponse("/fairness/exposure", status_code=303)


def _back(back: str, customer_id: int) -> str:
    """Only our own customer or ticket pages: never an open redirect."""
    ok = back.startswith(("/customers/", "/tickets/")) and back[1:].replace("/", "").isalnum()
    return back if ok else f"/customers/{customer_id}"


@router.post("/customers/{customer_id:int}/routing", dependencies=CSRF)
def change_routing(
    request: Request,
    customer_id: int,
    session: DbSession,
    user: ManagerPage,
    action: Annotated[str, Form(max_length=10)] = "",
    reason: Reason = "",
    back: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Route the customer's new tickets to the senior queue, or back to everyone."""
    if customer_id > MAX_DB_ID:
        raise NotFound(f"no customer with id {customer_id}", field="customer_id")
    if action == "set":
        routing.set_routing(session, customer_id=customer_id, reason=reason, actor=user)
        flash(request, "New tickets from this customer now go to the senior queue.", "success")
    elif action == "clear":
        routing.clear_routing(session, customer_id=customer_id, reason=reason, actor=user)
        flash(request, "This customer's new tickets go to the ordinary rotation again.", "success")
    else:
        raise ValidationFailed("action: choose set or clear", field="action")
    return RedirectResponse(_back(back, customer_id), status_code=303)


def customer_panel(session: Session, customer_id: int, viewer: StaffUser) -> dict[str, Any]:
    """The customer page's tickets (masked subjects and previews, abuse marker) and routing."""
    tickets = reading.tickets_of_customer(session, customer_id, limit=CUSTOMER_TICKETS)
    return {
        "tickets": inbox_query.rows_for(session, tickets, now=utcnow()),
        "routing": routing.routing_of(session, customer_id),
        "can_route": Role(viewer.role).at_least(Role.MANAGER),
    }
