"""REST endpoints for tickets (mounted under /api/v1)."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker
from starlette import status
from starlette.concurrency import run_in_threadpool

from fairdesk.auth.deps import ApiSecret, ApiUser, user_for_secret
from fairdesk.auth.models import StaffUser
from fairdesk.customers.schemas import Page
from fairdesk.db.deps import DbSession
from fairdesk.errors import Conflict
from fairdesk.fairness.protection import masking
from fairdesk.tickets import clock
from fairdesk.tickets import service as ticket_service
from fairdesk.tickets.intake import Incoming, IntakeResult, receive
from fairdesk.tickets.models import (
    IdempotencyKey,
    IntakeChannel,
    Priority,
    Ticket,
    TicketStatus,
)
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


def _answer(
    ticket: Ticket, acknowledgement: str, status_code: int, headers: dict[str, str] | None = None
) -> Response:
    """The JSON answer, rendered here rather than by FastAPI's response validation.

    It is rendered inside the unit of work, from the rows just stored; FastAPI would
    validate the return value again after the endpoint, a second pass over the same data.
    """
    body = TicketCreated.model_construct(
        **TicketOut.model_validate(ticket).__dict__, acknowledgement=acknowledgement
    )
    return Response(
        content=body.model_dump_json(),
        status_code=status_code,
        media_type="application/json",
        headers=headers,
    )


@router.post("/tickets", response_model=TicketCreated, status_code=status.HTTP_201_CREATED)
async def create_ticket(
    request: Request,
    data: TicketCreate,
    secret: ApiSecret,
    idempotency_key: IdempotencyHeader = None,
) -> Response:
    """Store the ticket and commit, then answer 201 with its reference and SLA promise.

    The hot path of intake makes one trip to the thread pool for its whole unit of work —
    token check, intake, commit — where the ``DbSession``/``ApiUser`` dependencies would make
    four (session open, user, endpoint, session close), each a thread hand-off.
    """
    factory: sessionmaker[Session] = request.app.state.session_factory
    return await run_in_threadpool(_create_ticket, factory, secret, data, idempotency_key)


def _create_ticket(
    factory: sessionmaker[Session], secret: str, data: TicketCreate, idempotency_key: str | None
) -> Response:
    """One unit of work, committed before the answer exists (stored before acknowledged)."""
    with factory() as session:
        try:
            user = user_for_secret(session, secret)
            response = _intake(session, user, data, idempotency_key)
            session.commit()
        except BaseException:
            session.rollback()
            raise
    return response


def _intake(
    session: Session, user: StaffUser, data: TicketCreate, idempotency_key: str | None
) -> Response:
    digest = hashlib.sha256(data.model_dump_json().encode()).hexdigest()
    if idempotency_key:
        seen = session.scalar(
            select(IdempotencyKey).where(
                IdempotencyKey.staff_id == user.id, IdempotencyKey.key == idempotency_key
            )
        )
        if seen is not None:
            return _replay(session, seen, digest)
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
    if idempotency_key and not _remember(session, user.id, idempotency_key, digest, result):
        # A concurrent request with the same key won: drop our ticket, return theirs.
        session.rollback()
        seen = session.scalar(
            select(IdempotencyKey).where(
                IdempotencyKey.staff_id == user.id, IdempotencyKey.key == idempotency_key
            )
        )
        if seen is None:
            raise Conflict("this Idempotency-Key is in use; retry", field="Idempotency-Key")
        return _replay(session, seen, digest)
    return _answer(result.ticket, result.acknowledgement, status.HTTP_201_CREATED)


def _remember(
    session: Session, staff_id: int, key: str, digest: str, result: IntakeResult
) -> bool:
    """Store the key with its ticket; False when another request stored it first.

    ``INSERT … ON CONFLICT DO NOTHING`` is one round trip where a savepoint, an insert and a
    release were three; both databases speak it.
    """
    dialect_insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stored = session.execute(
        dialect_insert(IdempotencyKey)
        .values(staff_id=staff_id, key=key, request_hash=digest, ticket_id=result.ticket.id)
        .on_conflict_do_nothing(index_elements=["staff_id", "key"])
        .returning(IdempotencyKey.id)
    ).scalar()
    return stored is not None


def _replay(session: Session, seen: IdempotencyKey, digest: str) -> Response:
    if seen.request_hash != digest:
        raise Conflict(
            "this Idempotency-Key was used with a different request body", field="Idempotency-Key"
        )
    ticket = ticket_service.get_ticket(session, seen.ticket_id)
    promise = clock.promised_response(session, ticket)
    acknowledgement = (
        f"We received your message. Your reference is {ticket.reference};"
        f" a person will answer you {promise}."
    )
    return _answer(
        ticket, acknowledgement, status.HTTP_200_OK, headers={"Idempotent-Replayed": "true"}
    )


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
    return Page(items=[_staff_view(t) for t in rows], total=total, limit=limit, offset=offset)


@router.get("/tickets/{ticket_id}", response_model=TicketOut)
def get_ticket(ticket_id: int, session: DbSession, user: ApiUser) -> TicketOut:
    return _staff_view(ticket_service.get_ticket(session, ticket_id))


def _staff_view(ticket: Ticket) -> TicketOut:
    """A ticket as staff read it: abusive words in the customer's subject masked."""
    out = TicketOut.model_validate(ticket)
    return out.model_copy(update={"subject": masking.masked_subject(ticket.subject)})


@router.get("/tickets/{ticket_id}/messages", response_model=list[MessageOut])
def get_messages(
    ticket_id: int,
    session: DbSession,
    user: ApiUser,
    internal: bool = True,
    reveal: Annotated[
        bool, Query(description="Return abusive words unmasked; each reveal is audited")
    ] = False,
) -> list[MessageOut]:
    """The thread; abusive words in customer messages are masked unless ``reveal=1``."""
    ticket_service.get_ticket(session, ticket_id)
    rows = ticket_service.thread(session, ticket_id, include_internal=internal)
    return [
        MessageOut.model_validate(m).model_copy(update={"body": text, "masked": hidden})
        for m, text, hidden in masking.for_api(session, rows, actor=user, reveal=reveal)
    ]


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
