"""The customer portal: one case's public thread and a reply box, opened by a signed link.

Every route starts from the token in its path (``tickets.portal.open_ticket``): its signature,
its age and that the ticket still belongs to the customer it was issued to. Nothing else in
the request can name another ticket: attachments are looked up through the token's ticket and
only on public messages, and "your other cases" are links freshly signed for each of them.
Internal notes and system events are never read here. A refused link gets a plain page with
403, 404 or 410, and an expired one offers to e-mail a fresh link to the address on file.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from fairdesk.auth.csrf import require_csrf
from fairdesk.customers.models import Customer
from fairdesk.db.base import utcnow
from fairdesk.db.deps import DbSession
from fairdesk.errors import FairdeskError, NotFound
from fairdesk.fairness import links as fairness_links
from fairdesk.outbox import service as outbox_service
from fairdesk.outbox.models import OutboxKind
from fairdesk.tickets import portal, reading
from fairdesk.tickets import service as ticket_service
from fairdesk.tickets.intake import Incoming, receive
from fairdesk.tickets.models import IntakeChannel, Ticket, TicketStatus
from fairdesk.tickets.schemas import MAX_BODY_CHARS
from fairdesk.web.pages.support_form import MAX_FILES, read_uploads
from fairdesk.web.pages.ticket import attachment_response
from fairdesk.web.templating import flash, render

router = APIRouter()

MAX_TOKEN_CHARS = 400
MAX_DB_ID = 2**63 - 1
OTHER_CASES = 20
PRIVATE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
STATUS_WORDS = {
    TicketStatus.NEW: "Received: a person will answer you soon.",
    TicketStatus.OPEN: "We are working on it.",
    TicketStatus.PENDING: "We have answered and are waiting for your reply.",
    TicketStatus.RESOLVED: "Resolved. If anything is still wrong, reply and we reopen it.",
    TicketStatus.CLOSED: "Closed. Reply if you need us again; it reopens your case.",
}


def _open(session: Session, token: str) -> tuple[portal.PortalGrant, Ticket]:
    if len(token) > MAX_TOKEN_CHARS:
        raise portal.LinkInvalid("this link is not valid")
    return portal.open_ticket(session, token)


def _refused(request: Request, exc: FairdeskError, token: str) -> Response:
    return render(
        request,
        "portal/refused.html",
        {
            "error": exc,
            "expired": isinstance(exc, portal.LinkExpired),
            "token": token,
        },
        status_code=exc.status_code,
    )


def _page(
    request: Request,
    session: Session,
    token: str,
    grant: portal.PortalGrant,
    ticket: Ticket,
    *,
    draft: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    messages = ticket_service.thread(session, ticket.id, include_internal=False)
    others = reading.tickets_of_customer(
        session, grant.customer_id, exclude_id=ticket.id, limit=OTHER_CASES
    )
    ctx: dict[str, Any] = {
        "t": ticket,
        "token": token,
        "messages": messages,
        "attachments": reading.attachments_by_message(session, (m.id for m in messages)),
        "status_words": STATUS_WORDS[TicketStatus(ticket.status)],
        "others": [(o, portal.sign(ticket_id=o.id, customer_id=grant.customer_id)) for o in others],
        "draft": draft,
        "error": error,
        "max_files": MAX_FILES,
        "fairness_notices": fairness_links.notices_for(session, customer_id=grant.customer_id),
    }
    response = render(request, "portal/ticket.html", ctx, status_code=status_code)
    response.headers.update(PRIVATE)
    return response


@router.get("/portal/t/{token}")
def portal_ticket(request: Request, token: str, session: DbSession) -> Response:
    try:
        grant, ticket = _open(session, token)
    except FairdeskError as exc:
        return _refused(request, exc, token)
    return _page(request, session, token, grant, ticket)


@router.post("/portal/t/{token}/reply", dependencies=[Depends(require_csrf)])
async def portal_reply(
    request: Request,
    token: str,
    session: DbSession,
    body: Annotated[str, Form()] = "",
    attachments: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    try:
        grant, ticket = _open(session, token)
    except FairdeskError as exc:
        return _refused(request, exc, token)
    uploads = [u for u in attachments or [] if u.filename]
    problem = None
    if not body.strip():
        problem = "Write your message before sending."
    elif len(body) > MAX_BODY_CHARS:
        problem = f"Your message is too long: at most {MAX_BODY_CHARS:,} characters."
    elif len(uploads) > MAX_FILES:
        problem = f"Attach at most {MAX_FILES} files."
    if problem:
        return _page(
            request, session, token, grant, ticket, draft=body, error=problem, status_code=422
        )
    kept, refused = await read_uploads(uploads, request.app.state.settings.attachment_max_bytes)
    result = receive(
        session,
        Incoming(
            channel=IntakeChannel.PORTAL,
            body=body.strip(),
            customer_id=grant.customer_id,
            into_ticket_id=ticket.id,
            attachments=kept,
        ),
    )
    refused += result.rejected_attachments
    if refused:
        result.message.meta = {**(result.message.meta or {}), "rejected_attachments": refused}
        flash(
            request,
            "Your message was added, but these files were not accepted: " + "; ".join(refused),
            "error",
        )
    else:
        flash(request, "Thank you: your message was added to your case.", "success")
    return RedirectResponse(f"/portal/t/{token}#m{result.message.id}", status_code=303)


@router.get("/portal/t/{token}/attachments/{attachment_id:int}")
def portal_download(
    request: Request, token: str, attachment_id: int, session: DbSession
) -> Response:
    try:
        _grant, ticket = _open(session, token)
        if attachment_id > MAX_DB_ID:
            raise NotFound("no such attachment on this case", field="attachment_id")
        att = reading.attachment_of_ticket(
            session, ticket_id=ticket.id, attachment_id=attachment_id, public_only=True
        )
    except FairdeskError as exc:
        return _refused(request, exc, token)
    return attachment_response(att)


@router.post("/portal/renew", dependencies=[Depends(require_csrf)])
def renew(
    request: Request,
    session: DbSession,
    token: Annotated[str, Form(max_length=MAX_TOKEN_CHARS)] = "",
) -> Response:
    """E-mail a fresh link for a genuine (typically expired) one, to the address on file.

    The answer is the same whatever the token, so it tells nobody whether a case exists.
    """
    try:
        grant = portal.read_expired(token)
        ticket = session.get(Ticket, grant.ticket_id)
        customer = session.get(Customer, grant.customer_id)
        if ticket is None or customer is None or ticket.customer_id != customer.id:
            raise NotFound("no such case")
    except FairdeskError:
        return render(request, "portal/renewed.html", {})
    if customer.email:
        outbox_service.enqueue(
            session,
            kind=OutboxKind.EMAIL,
            dedup_key=f"portal-link:ticket:{ticket.id}:{utcnow().date().isoformat()}",
            payload={
                "to": customer.email,
                "subject": f"[{ticket.reference}] Your link to case {ticket.reference}",
                "text": (
                    f"Hello {customer.first_name or 'there'},\n\n"
                    f"Here is a fresh link to follow and reply to your case {ticket.reference}:"
                    f"\n{portal.link_for(ticket)}\n"
                ),
                "ticket_id": ticket.id,
            },
        )
    return render(request, "portal/renewed.html", {})
