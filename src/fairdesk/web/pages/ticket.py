"""The ticket page: thread, reply composer, canned replies, controls and customer sidebar.

A thin layer over ``ticket_service`` (reply, note, update; each audited) and the read helpers
in ``tickets.reading``. Its own work is the composer: a canned reply is rendered for this
ticket and *added* to what the agent already typed (``POST …/compose``) or prefilled from a
plain link (``GET ?canned=ID``), so it works without JavaScript and never loses a draft.
Attachments are only ever sent as downloads with an inert content type (``attachment_response``,
shared with the customer portal): customer HTML or SVG is never rendered by our origin.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from fairdesk.auth import service as audit
from fairdesk.auth.csrf import require_csrf
from fairdesk.auth.deps import StaffPage
from fairdesk.auth.models import StaffUser
from fairdesk.clv import service as clv_service
from fairdesk.customers import service as customer_service
from fairdesk.customers.models import Order
from fairdesk.db.base import utcnow
from fairdesk.db.deps import DbSession
from fairdesk.errors import NotFound, ValidationFailed
from fairdesk.fairness import restrictions as fairness_restrictions
from fairdesk.fairness.protection import masking
from fairdesk.fairness.protection import routing as protection_routing
from fairdesk.feedback.surveys import followups as survey_followups
from fairdesk.segments import service as segment_service
from fairdesk.tickets import canned, reading, sla_marks
from fairdesk.tickets import service as ticket_service
from fairdesk.tickets.inbox_query import staff_names
from fairdesk.tickets.models import Attachment, MessageKind, Priority, Ticket, TicketStatus
from fairdesk.tickets.schemas import MAX_BODY_CHARS, TicketUpdate
from fairdesk.triage.cases import similar_cases
from fairdesk.web.templating import flash, render

router = APIRouter()

MAX_DB_ID = 2**63 - 1
RECENT_ORDERS = 5
OTHER_TICKETS = 10
SIMILAR_CASES = 5
STATUS_AFTER_REPLY = (TicketStatus.PENDING, TicketStatus.OPEN, TicketStatus.RESOLVED)
# Types a browser shows as inert data; anything else (HTML, SVG, XML, scripts) is downloaded
# as opaque bytes, whatever the sender claimed.
SAFE_TYPES = frozenset(
    {
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "application/pdf",
        "text/plain",
        "text/csv",
        "application/zip",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "audio/mpeg",
        "video/mp4",
    }
)


@dataclass
class Composer:
    """What the reply form shows: the draft, its kind and the status to set after it."""

    body: str = ""
    kind: str = "reply"
    status_after: str = TicketStatus.PENDING.value
    canned_id: int | None = None
    gaps: list[str] = field(default_factory=list)  # placeholder labels left to fill in


def safe_content_type(stored: str) -> str:
    kind = stored.split(";", 1)[0].strip().lower()
    return kind if kind in SAFE_TYPES else "application/octet-stream"


def _disposition(filename: str) -> str:
    name = "".join(c for c in filename if unicodedata.category(c)[0] != "C")
    name = re.sub(r"[\\/]", "_", name).strip() or "attachment"
    ascii_name = re.sub(r"[^A-Za-z0-9._ -]", "_", name)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def attachment_response(att: Attachment) -> Response:
    """The bytes as a download: never inline, never sniffed, sandboxed if opened anyway."""
    return Response(
        content=att.data,
        media_type=safe_content_type(att.content_type),
        headers={
            "Content-Disposition": _disposition(att.filename),
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-store",
        },
    )


def _ticket(session: Session, ticket_id: int) -> Ticket:
    if ticket_id > MAX_DB_ID:
        raise NotFound(f"no ticket with id {ticket_id}", field="ticket_id")
    return ticket_service.get_ticket(session, ticket_id)


def _with_canned(
    session: Session, ticket: Ticket, user: StaffUser, composer: Composer, business: str
) -> Composer:
    """Append the chosen canned reply, rendered for this ticket, to the draft."""
    if composer.canned_id is None:
        return composer
    row = canned.get_canned(session, composer.canned_id)
    values = canned.values_for(session, ticket, agent=user, business_name=business)
    done = canned.render(row.body, values)
    draft = composer.body.rstrip()
    composer.body = f"{draft}\n\n{done.text}" if draft else done.text
    composer.gaps = [canned.PLACEHOLDERS[n] for n in done.missing]
    return composer


def _page(
    request: Request,
    session: Session,
    user: StaffUser,
    ticket: Ticket,
    composer: Composer,
    *,
    error: str | None = None,
    status_code: int = 200,
    revealed: int | None = None,
) -> Response:
    now = utcnow()
    settings = request.app.state.settings
    composer = _with_canned(session, ticket, user, composer, settings.business_name)
    customer = customer_service.get_customer(session, ticket.customer_id)
    messages = ticket_service.thread(session, ticket.id, include_internal=True)
    staff = list(
        session.scalars(select(StaffUser).where(StaffUser.is_active).order_by(StaffUser.name)).all()
    )
    names = staff_names(session, [ticket.assignee_id, *(m.author_staff_id for m in messages)])
    first = next((m for m in messages if m.kind == MessageKind.CUSTOMER), None)
    order = session.get(Order, ticket.order_id) if ticket.order_id else None
    others = reading.tickets_of_customer(
        session, customer.id, exclude_id=ticket.id, limit=OTHER_TICKETS
    )
    ctx: dict[str, Any] = {
        "t": ticket,
        "c": customer,
        "messages": messages,
        "shown": masking.shown_messages(session, messages, revealed=revealed),
        "similar": similar_cases(session, ticket.id, SIMILAR_CASES).cases,
        "routing": protection_routing.routing_of(session, customer.id),
        "attachments": reading.attachments_by_message(session, (m.id for m in messages)),
        "staff": staff,
        "names": names,
        "inactive_assignee": ticket.assignee_id is not None
        and all(s.id != ticket.assignee_id for s in staff),
        "composer": composer,
        "canned": canned.list_canned(session),
        "error": error,
        "statuses": list(TicketStatus),
        "priorities": list(Priority),
        "status_after": STATUS_AFTER_REPLY,
        "marks": {
            "next": sla_marks.next_mark(ticket, now),
            "first": sla_marks.first_response_mark(ticket, now),
            "resolution": sla_marks.resolution_mark(ticket, now),
        },
        "order": order,
        "order_given": (first.meta or {}).get("order_number") if first else None,
        "rejected": [r for m in messages for r in (m.meta or {}).get("rejected_attachments", [])],
        "orders": customer_service.orders_of(session, customer.id, limit=RECENT_ORDERS),
        "others": others,
        "value": clv_service.value_of(session, customer.id),
        "insights": segment_service.customer_insights(session, customer.id),
        "fairness_notes": fairness_restrictions.staff_notes(session, customer_id=customer.id),
        "survey_follow_ups": survey_followups.open_for_ticket(session, ticket.id),
    }
    return render(request, "tickets/ticket.html", ctx, status_code=status_code)


@router.get("/tickets/{ticket_id:int}")
def ticket_page(
    request: Request,
    ticket_id: int,
    session: DbSession,
    user: StaffPage,
    canned_id: Annotated[int | None, Query(alias="canned", ge=1, le=MAX_DB_ID)] = None,
) -> Response:
    ticket = _ticket(session, ticket_id)
    return _page(request, session, user, ticket, Composer(canned_id=canned_id))


def _composer_from(body: str, kind: str, status_after: str, canned_id: str = "") -> Composer:
    if kind not in ("reply", "note"):
        raise ValidationFailed("kind: choose a public reply or an internal note", field="kind")
    if status_after not in {s.value for s in STATUS_AFTER_REPLY}:
        raise ValidationFailed(
            "status_after: choose pending, open or resolved", field="status_after"
        )
    if canned_id and not (canned_id.isdigit() and 0 < int(canned_id) <= MAX_DB_ID):
        raise ValidationFailed("canned: choose a canned reply from the list", field="canned")
    return Composer(
        body=body,
        kind=kind,
        status_after=status_after,
        canned_id=int(canned_id) if canned_id else None,
    )


Body = Annotated[str, Form(max_length=MAX_BODY_CHARS)]


@router.post("/tickets/{ticket_id:int}/compose", dependencies=[Depends(require_csrf)])
def compose(
    request: Request,
    ticket_id: int,
    session: DbSession,
    user: StaffPage,
    body: Body = "",
    kind: Annotated[str, Form()] = "reply",
    status_after: Annotated[str, Form()] = TicketStatus.PENDING.value,
    canned_id: Annotated[str, Form(alias="canned")] = "",
) -> Response:
    """Insert a canned reply into the draft without sending anything."""
    ticket = _ticket(session, ticket_id)
    composer = _composer_from(body, kind, status_after, canned_id)
    if composer.canned_id is None:
        return _page(
            request,
            session,
            user,
            ticket,
            composer,
            error="Choose a canned reply to insert.",
            status_code=422,
        )
    return _page(request, session, user, ticket, composer)


@router.post("/tickets/{ticket_id:int}/reply", dependencies=[Depends(require_csrf)])
def send_reply(
    request: Request,
    ticket_id: int,
    session: DbSession,
    user: StaffPage,
    body: Body = "",
    kind: Annotated[str, Form()] = "reply",
    status_after: Annotated[str, Form()] = TicketStatus.PENDING.value,
) -> Response:
    ticket = _ticket(session, ticket_id)
    composer = _composer_from(body, kind, status_after)
    internal = composer.kind == "note"
    try:
        message = ticket_service.reply(
            session,
            ticket_id=ticket.id,
            author=user,
            body=body,
            internal=internal,
            status_after=TicketStatus(composer.status_after),
        )
    except ValidationFailed as exc:
        return _page(
            request, session, user, ticket, composer, error=exc.message, status_code=exc.status_code
        )
    audit.record(
        session,
        actor=user,
        action="ticket.note" if internal else "ticket.reply",
        entity_type="ticket",
        entity_id=ticket.id,
        details={"message_id": message.id},
    )
    flash(request, "Internal note added." if internal else "Reply sent to the customer.", "success")
    return RedirectResponse(f"/tickets/{ticket.id}#m{message.id}", status_code=303)


UNASSIGNED = "none"  # the form's value for "nobody": an empty field reads as "not sent"


def _changes(ticket: Ticket, status: str, priority: str, assignee: str) -> dict[str, Any]:
    """Only the controls that differ from the ticket, so nothing unchanged is logged."""
    changes: dict[str, Any] = {}
    if status and status != ticket.status:
        changes["status"] = status
    if priority and priority != ticket.priority:
        changes["priority"] = priority
    if assignee:
        if assignee != UNASSIGNED and not (assignee.isdigit() and int(assignee) <= MAX_DB_ID):
            raise ValidationFailed(
                "assignee_id: choose a person from the list", field="assignee_id"
            )
        wanted = None if assignee == UNASSIGNED else int(assignee)
        if wanted != ticket.assignee_id:
            changes["assignee_id"] = wanted
    return changes


@router.post("/tickets/{ticket_id:int}/update", dependencies=[Depends(require_csrf)])
def update_ticket(
    request: Request,
    ticket_id: int,
    session: DbSession,
    user: StaffPage,
    status: Annotated[str, Form(max_length=20)] = "",
    priority: Annotated[str, Form(max_length=20)] = "",
    assignee_id: Annotated[str, Form(max_length=24)] = "",
) -> Response:
    ticket = _ticket(session, ticket_id)
    changes = _changes(ticket, status, priority, assignee_id)
    if not changes:
        flash(request, "Nothing changed.")
        return RedirectResponse(f"/tickets/{ticket.id}", status_code=303)
    try:
        data = TicketUpdate.model_validate(changes)
    except ValidationError as exc:
        err = exc.errors()[0]
        name = ".".join(str(p) for p in err["loc"])
        raise ValidationFailed(f"{name}: {err['msg']}", field=name) from None
    # A refusal propagates: the request's unit of work rolls back and the error page names it.
    ticket_service.update(session, ticket_id=ticket.id, actor=user, data=data)
    flash(request, "Saved: " + ", ".join(k.replace("_id", "") for k in changes) + ".", "success")
    return RedirectResponse(f"/tickets/{ticket.id}", status_code=303)


@router.post(
    "/tickets/{ticket_id:int}/messages/{message_id:int}/reveal",
    dependencies=[Depends(require_csrf)],
)
def reveal_message(
    request: Request, ticket_id: int, message_id: int, session: DbSession, user: StaffPage
) -> Response:
    """Show one message's original words, once, to the member of staff who asked; audited
    as ``message.reveal``. The page is answered directly (no redirect), so the original is
    never reachable by a plain link that skips the audit."""
    ticket = _ticket(session, ticket_id)
    if message_id > MAX_DB_ID:
        raise NotFound(f"no message with id {message_id} on this ticket", field="message_id")
    masking.reveal(session, message_id=message_id, actor=user, ticket_id=ticket.id, via="page")
    return _page(request, session, user, ticket, Composer(), revealed=message_id)


@router.get("/tickets/{ticket_id:int}/attachments/{attachment_id:int}")
def download(ticket_id: int, attachment_id: int, session: DbSession, user: StaffPage) -> Response:
    if max(ticket_id, attachment_id) > MAX_DB_ID:
        raise NotFound("no such attachment on this case", field="attachment_id")
    att = reading.attachment_of_ticket(
        session, ticket_id=ticket_id, attachment_id=attachment_id, public_only=False
    )
    return attachment_response(att)
