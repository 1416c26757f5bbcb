"""REST endpoints for tickets (mounted under /api/v1)."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from starlette import status

from fairdesk.auth.deps import ApiUser
from fairdesk.customers.schemas import Page
from fairdesk.db.deps import DbSession
from fairdesk.errors import Conflict
from fairdesk.tickets import clock
from fairdesk.tickets import service as ticket_service
from fairdesk.tickets.intake import Incoming, receive
from fairdesk.tickets.models import IdempotencyKey, IntakeChannel, Priority, TicketStatus
from fairdesk.tickets.schemas import (
    MessageOut,
    ReplyCreate,
    TicketCreate,
    TicketCreated,
    TicketOut,
    TicketUpdate,
)
from fairdesk.tickets.service import InboxQuery, InboxSort, InboxView

router = APIRouter(tags=["tickets"])

IdempotencyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Retrying a POST with the same key returns the first ticket",
    ),
]


def _created(session: DbSession, ticket_id: int) -> TicketCreated:
    ticket = ticket_service.get_ticket(session, ticket_id)
    promise = clock.promised_response(session, ticket)
    return TicketCreated.model_validate(
        {
            **TicketOut.model_validate(ticket).model_dump(),
            "acknowledgement": f"We received your message. Your reference is {ticket.reference};"
            f" a person will answer you {promise}.",
        }
    )


@router.post("/tickets", response_model=TicketCreated, status_code=status.HTTP_201_CREATED)
def create_ticket(
    data: TicketCreate,
    session: DbSession,
    user: ApiUser,
    response: Response,
    idempotency_key: IdempotencyHeader = None,
) -> TicketCreated:
    digest = hashlib.sha256(data.model_dump_json().encode()).hexdigest()
    if idempotency_key:
        seen = session.scalar(
            select(IdempotencyKey).where(
                IdempotencyKey.staff_id == user.id, IdempotencyKey.key == idempotency_key
            )
        )
        if seen is not None:
            return _replay(session, seen, digest, response)
    result = receive(
        session,
        Incoming(
            channel=IntakeChannel.API,
            body=data.body,
            subject=data.subject,
            email=data.customer.email,
            name=data.customer.name,
            customer_id=data.customer.id,
            external_id=data.customer.external_id,
            priority=data.priority,
            category=data.category,
            tags=data.tags,
            order_external_id=data.order_external_id,
        ),
    )
    if idempotency_key:
        try:
            with session.begin_nested():
                session.add(
                    IdempotencyKey(
                        staff_id=user.id,
                        key=idempotency_key,
                        request_hash=digest,
                        ticket_id=result.ticket.id,
                    )
                )
        except IntegrityError:
            # A concurrent request with the same key won: drop our ticket, return theirs.
            session.rollback()
            seen = session.scalar(
                select(IdempotencyKey).where(
                    IdempotencyKey.staff_id == user.id, IdempotencyKey.key == idempotency_key
                )
            )
            if seen is None:
                raise
            return _replay(session, seen, digest, response)
    return TicketCreated.model_validate(
        {
            **TicketOut.model_validate(result.ticket).model_dump(),
            "acknowledgement": result.acknowledgement,
        }
    )


def _replay(
    session: DbSession, seen: IdempotencyKey, digest: str, response: Response
) -> TicketCreated:
    if seen.request_hash != digest:
        raise Conflict(
            "this Idempotency-Key was used with a different request body", field="Idempotency-Key"
        )
    response.status_code = status.HTTP_200_OK
    response.headers["Idempotent-Replayed"] = "true"
    return _created(session, seen.ticket_id)


@router.get("/tickets", response_model=Page[TicketOut])
def list_tickets(
    session: DbSession,
    user: ApiUser,
    view: InboxView = InboxView.ALL,
    status: TicketStatus | None = None,
    priority: Priority | None = None,
    customer_id: int | None = None,
    q: str | None = None,
    sort: InboxSort = InboxSort.NEWEST,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[TicketOut]:
    query = InboxQuery(
        view=view, status=status, priority=priority, customer_id=customer_id, q=q, sort=sort
    )
    rows, total = ticket_service.list_tickets(
        session, query=query, viewer=user, limit=limit, offset=offset
    )
    return Page(
        items=[TicketOut.model_validate(t) for t in rows], total=total, limit=limit, offset=offset
    )


@router.get("/tickets/{ticket_id}", response_model=TicketOut)
def get_ticket(ticket_id: int, session: DbSession, user: ApiUser) -> TicketOut:
    return TicketOut.model_validate(ticket_service.get_ticket(session, ticket_id))


@router.get("/tickets/{ticket_id}/messages", response_model=list[MessageOut])
def get_messages(
    ticket_id: int, session: DbSession, user: ApiUser, internal: bool = True
) -> list[MessageOut]:
    ticket_service.get_ticket(session, ticket_id)
    rows = ticket_service.thread(session, ticket_id, include_internal=internal)
    return [MessageOut.model_validate(m) for m in rows]


@router.post(
    "/tickets/{ticket_id}/messages", response_model=MessageOut, status_code=status.HTTP_201_CREATED
)
def post_message(
    ticket_id: int, data: ReplyCreate, session: DbSession, user: ApiUser
) -> MessageOut:
    message = ticket_service.reply(
        session, ticket_id=ticket_id, author=user, body=data.body, internal=data.internal
    )
    return MessageOut.model_validate(message)


@router.patch("/tickets/{ticket_id}", response_model=TicketOut)
def update_ticket(
    ticket_id: int, data: TicketUpdate, session: DbSession, user: ApiUser
) -> TicketOut:
    ticket = ticket_service.update(session, ticket_id=ticket_id, actor=user, data=data)
    return TicketOut.model_validate(ticket)
