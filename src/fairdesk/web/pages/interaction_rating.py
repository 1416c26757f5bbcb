"""Page form: an agent rates a resolved ticket's interaction (the form on the ticket page)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from fairdesk.auth.csrf import require_csrf
from fairdesk.auth.deps import StaffPage
from fairdesk.db.deps import DbSession
from fairdesk.errors import FairdeskError
from fairdesk.fairness import ratings
from fairdesk.web.templating import flash

router = APIRouter()


@router.post("/tickets/{ticket_id:int}/rating", dependencies=[Depends(require_csrf)])
def rate_ticket(
    ticket_id: int,
    request: Request,
    session: DbSession,
    user: StaffPage,
    rating: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
) -> Response:
    back = RedirectResponse(f"/tickets/{ticket_id}", status_code=303)
    if not rating.strip().isdigit():
        flash(request, "Choose a rating from 1 to 5.", "error")
        return back
    try:
        ratings.rate(session, ticket_id=ticket_id, staff=user, rating=int(rating), note=note)
    except FairdeskError as exc:
        flash(request, exc.message, "error")
        return back
    flash(request, "Thanks: your rating is saved. The customer never sees it.")
    return back
