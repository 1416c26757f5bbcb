"""Similar past cases for an open ticket: the nearest resolved tickets and how they ended.

The index over resolved tickets is built once per process and database, then kept current
cheaply: each call compares (count, latest change) of resolved tickets with what the index
saw, and only tickets resolved since are added. A rebuild happens when a quarter of the index
would be new, so the vocabulary keeps up with the business. Hits are checked against the
database before they are shown, so a ticket reopened since indexing never appears.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fairdesk.config import get_settings
from fairdesk.errors import NotFound
from fairdesk.tickets.models import Message, MessageKind, Ticket, TicketStatus
from fairdesk.triage.similar import Backend, CaseIndex, make_index

RESOLVED = (TicketStatus.RESOLVED, TicketStatus.CLOSED)
DOC_CHARS = 4000  # subject and customer messages; enough to say what a case was about
SNIPPET_CHARS = 280
REBUILD_SHARE = 0.25


@dataclass(frozen=True)
class SimilarCase:
    ticket_id: int
    reference: str
    subject: str
    status: str
    category: str | None
    score: float  # cosine similarity, 0 … 1
    resolution: str  # the last public reply: how it was resolved
    resolved_at: datetime | None


@dataclass(frozen=True)
class SimilarCases:
    backend: str
    indexed: int
    cases: list[SimilarCase]


@dataclass
class _Cached:
    index: CaseIndex
    signature: tuple[int, datetime | None]
    watermark: datetime | None
    fitted_size: int


_cache: dict[tuple[str, str], _Cached] = {}
_lock = threading.Lock()


def _signature(session: Session) -> tuple[int, datetime | None]:
    count, latest = session.execute(
        select(func.count(), func.max(Ticket.updated_at)).where(Ticket.status.in_(RESOLVED))
    ).one()
    return int(count), latest


def _documents(
    session: Session, *, since: datetime | None = None, ticket_id: int | None = None
) -> tuple[list[int], list[str]]:
    """Subject plus customer messages per ticket (resolved ones, or one given ticket)."""
    query = (
        select(Ticket.id, Ticket.subject, Message.body)
        .join(Message, Message.ticket_id == Ticket.id)
        .where(Message.kind == MessageKind.CUSTOMER)
        .order_by(Ticket.id, Message.id)
    )
    if ticket_id is not None:
        query = query.where(Ticket.id == ticket_id)
    else:
        query = query.where(Ticket.status.in_(RESOLVED))
    if since is not None:
        query = query.where(Ticket.updated_at > since)
    ids: list[int] = []
    texts: list[str] = []
    for tid, subject, body in session.execute(query):
        if not ids or ids[-1] != tid:
            ids.append(tid)
            texts.append(subject)
        if len(texts[-1]) < DOC_CHARS:
            texts[-1] = f"{texts[-1]}\n{body}"[:DOC_CHARS]
    return ids, texts


def _index(session: Session, backend: Backend) -> CaseIndex:
    key = (session.get_bind().engine.url.render_as_string(hide_password=True), backend)
    with _lock:
        signature = _signature(session)
        cached = _cache.get(key)
        if cached is not None and cached.signature == signature:
            return cached.index
        if cached is not None and cached.watermark is not None:
            ids, texts = _documents(session, since=cached.watermark)
            if len(ids) <= REBUILD_SHARE * max(cached.fitted_size, 1):
                if ids:
                    cached.index.add(ids, texts)
                cached.signature = signature
                cached.watermark = signature[1]
                return cached.index
        ids, texts = _documents(session)
        index = make_index(backend).fit(ids, texts)
        _cache[key] = _Cached(index, signature, signature[1], len(ids))
        return index


def similar_cases(session: Session, ticket_id: int, k: int = 5) -> SimilarCases:
    """The ``k`` resolved tickets most like this one, each with how it was resolved."""
    if session.get(Ticket, ticket_id) is None:
        raise NotFound(f"no ticket with id {ticket_id}", field="ticket_id")
    backend = get_settings().triage_similar_backend
    index = _index(session, backend)
    _, texts = _documents(session, ticket_id=ticket_id)
    if not texts:
        return SimilarCases(backend=index.name, indexed=len(index), cases=[])
    hits = index.query(texts[0], k * 3, exclude=[ticket_id])  # spares for reopened ones
    cases = _describe(session, hits)[:k]
    return SimilarCases(backend=index.name, indexed=len(index), cases=cases)


def _describe(session: Session, hits: list[tuple[int, float]]) -> list[SimilarCase]:
    if not hits:
        return []
    ids = [tid for tid, _ in hits]
    tickets = {
        t.id: t
        for t in session.scalars(
            select(Ticket).where(Ticket.id.in_(ids), Ticket.status.in_(RESOLVED))
        )
    }
    last_reply = (
        select(func.max(Message.id))
        .where(Message.ticket_id.in_(list(tickets)), Message.kind == MessageKind.REPLY)
        .group_by(Message.ticket_id)
    )
    replies = {
        m.ticket_id: m.body
        for m in session.scalars(select(Message).where(Message.id.in_(last_reply)))
    }
    out: list[SimilarCase] = []
    for tid, score in hits:
        ticket = tickets.get(tid)
        if ticket is None:
            continue
        reply = " ".join(replies.get(tid, "").split())
        out.append(
            SimilarCase(
                ticket_id=tid,
                reference=ticket.reference,
                subject=ticket.subject,
                status=str(ticket.status),
                category=ticket.category,
                score=score,
                resolution=reply[:SNIPPET_CHARS] + ("…" if len(reply) > SNIPPET_CHARS else ""),
                resolved_at=ticket.resolved_at,
            )
        )
    return out


def forget_indexes() -> None:
    """Drop every cached index (the next call rebuilds); for tests and after bulk imports."""
    with _lock:
        _cache.clear()
