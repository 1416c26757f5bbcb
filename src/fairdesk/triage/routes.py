"""REST endpoints for triage (mounted under /api/v1/triage)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from fairdesk.auth.deps import ApiUser
from fairdesk.db.deps import DbSession
from fairdesk.errors import NotFound
from fairdesk.tickets.models import Message, MessageKind, Ticket
from fairdesk.triage import service as triage_service
from fairdesk.triage.abuse import mask
from fairdesk.triage.models import MessageTriage
from fairdesk.triage.schemas import (
    AnalyzeIn,
    MessageTriageOut,
    RevealOut,
    SimilarCasesOut,
    TicketTriageOut,
    TriageOut,
)

router = APIRouter(prefix="/triage", tags=["triage"])


@router.post("/analyze", response_model=TriageOut)
def analyze_text(data: AnalyzeIn, user: ApiUser) -> TriageOut:
    """Triage any text without storing it (for integrations and trying the models out)."""
    result = triage_service.active_triager().analyze(data.text)
    return TriageOut(
        sentiment=result.sentiment.sentiment,
        anger=result.sentiment.anger,
        anger_level=str(result.sentiment.anger_level),
        urgency=result.urgency.score,
        urgency_level=str(result.urgency.level),
        urgency_reasons=list(result.urgency.reasons),
        topic=result.topic.topic,
        topic_confidence=result.topic.confidence,
        tone=str(result.tone),
        abusive=result.abuse.abusive,
        threat=result.abuse.threat,
        abuse_kinds=list(result.abuse.kinds),
        spans=list(result.abuse.spans),
        masked_text=mask(data.text, result.abuse.spans),
        explanations=list(result.explanations),
        model_version=result.model_version,
    )


def _message_out(message: Message, row: MessageTriage) -> MessageTriageOut:
    return MessageTriageOut.model_validate(
        {
            **{c.key: getattr(row, c.key) for c in MessageTriage.__table__.columns},
            "spans": [tuple(s) for s in row.spans],
            "masked_body": triage_service.masked_body(message.body, row),
            "detail": triage_service.staff_safe_detail(row),
        }
    )


@router.get("/messages/{message_id}", response_model=MessageTriageOut)
def message_triage(message_id: int, session: DbSession, user: ApiUser) -> MessageTriageOut:
    """A customer message's triage (run now if it never was), abusive words masked."""
    row = triage_service.get_message_triage(session, message_id)
    message = session.get(Message, message_id)
    assert message is not None  # get_message_triage checked it
    return _message_out(message, row)


@router.post("/messages/{message_id}/run", response_model=MessageTriageOut)
def rerun_message_triage(message_id: int, session: DbSession, user: ApiUser) -> MessageTriageOut:
    """Triage a message again with the current models (after a retrain)."""
    row = triage_service.triage_message(session, message_id)
    message = session.get(Message, message_id)
    assert message is not None
    return _message_out(message, row)


@router.post("/messages/{message_id}/reveal", response_model=RevealOut)
def reveal_message(message_id: int, session: DbSession, user: ApiUser) -> RevealOut:
    """The unmasked text, for staff who choose to read it; the reveal is audited."""
    return RevealOut(
        message_id=message_id, body=triage_service.reveal(session, message_id, actor=user)
    )


@router.get("/tickets/{ticket_id}", response_model=TicketTriageOut)
def ticket_triage(ticket_id: int, session: DbSession, user: ApiUser) -> TicketTriageOut:
    """The ticket's summary and each customer message's triage (untriaged ones are run)."""
    if session.get(Ticket, ticket_id) is None:
        raise NotFound(f"no ticket with id {ticket_id}", field="ticket_id")
    messages = session.scalars(
        select(Message)
        .where(Message.ticket_id == ticket_id, Message.kind == MessageKind.CUSTOMER)
        .order_by(Message.id)
    ).all()
    if not messages:
        raise NotFound("this ticket has no customer message yet", field="ticket_id")
    rows = [triage_service.get_message_triage(session, m.id) for m in messages]
    summary = triage_service.refresh_ticket(session, ticket_id)
    assert summary is not None
    return TicketTriageOut(
        ticket_id=ticket_id,
        urgency=summary.urgency,
        urgency_level=summary.urgency_level,
        sentiment=summary.sentiment,
        anger=summary.anger,
        topic=summary.topic,
        abusive=summary.abusive,
        threat=summary.threat,
        messages=[_message_out(m, r) for m, r in zip(messages, rows, strict=True)],
    )


@router.get("/tickets/{ticket_id}/similar", response_model=SimilarCasesOut)
def similar(
    ticket_id: int,
    session: DbSession,
    user: ApiUser,
    k: Annotated[int, Query(ge=1, le=50)] = 5,
) -> SimilarCasesOut:
    """The most similar resolved tickets and how each was resolved."""
    return SimilarCasesOut.model_validate(triage_service.similar_cases(session, ticket_id, k))
