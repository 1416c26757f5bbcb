"""The demo's ticket history: real lifecycles, a mix of tones and outcomes, the same each seed."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.db.migrate import upgrade
from fairdesk.db.session import build_engine, unit_of_work
from fairdesk.demo import DEFAULT_NOW, build_demo, stream
from fairdesk.demo.tickets import add_tickets
from fairdesk.outbox.models import OutboxItem, OutboxStatus
from fairdesk.tickets.models import OPEN_STATUSES, Message, MessageKind, Ticket, TicketStatus

CUSTOMERS = 400


def _build(session: Session, seed: int = 11) -> Any:
    summary = build_demo(session, seed=seed, customers=CUSTOMERS)
    return summary, add_tickets(session, summary, stream(summary.seed, "tickets"))


def test_history_is_played_through_the_real_services(session: Session) -> None:
    summary, counts = _build(session)
    tickets = session.scalars(select(Ticket).order_by(Ticket.id)).all()
    assert len(tickets) == counts.history + counts.open == 32 + 4
    past = [t for t in tickets if t.status not in OPEN_STATUSES]
    still_open = [t for t in tickets if t.status in OPEN_STATUSES]
    assert len(still_open) == counts.open
    for t in past:
        assert t.first_responded_at is not None and t.resolved_at is not None
        assert t.created_at <= t.first_responded_at <= t.resolved_at <= summary.now
        assert t.first_response_breached is not None and t.resolution_breached is not None
    assert all(t.created_at <= summary.now for t in tickets)
    # SLA outcomes are a mix, as in any real desk.
    assert Counter(t.first_response_breached for t in past).keys() == {True, False}
    assert sum(1 for t in tickets if "reopened" in t.tags) == counts.reopened > 0
    assert {TicketStatus(t.status) for t in still_open} >= {TicketStatus.NEW}
    # Orders are referenced, agents answered, and no e-mail from the past waits to be sent.
    assert sum(1 for t in tickets if t.order_id is not None) > len(tickets) // 2
    assert all(t.assignee_id is not None for t in tickets)
    pending = session.scalars(
        select(OutboxItem).where(OutboxItem.status != OutboxStatus.SENT)
    ).all()
    assert pending == []


def test_every_tone_is_heard_and_kept(session: Session) -> None:
    _, counts = _build(session, seed=5)
    assert set(counts.by_tone) == {"polite", "confused", "angry", "furious", "abusive"}
    bodies = session.scalars(select(Message.body).where(Message.kind == MessageKind.CUSTOMER)).all()
    insulting = ("useless", "idiot", "clown", "thick", "monkey", "Pathetic")
    assert any(word in b for b in bodies for word in insulting)  # kept, never dropped
    assert any("TWICE" in b or "twice" in b for b in bodies)  # very angry, and right


def _snapshot(path: Path) -> list[tuple[Any, ...]]:
    engine = build_engine(f"sqlite:///{path}")
    upgrade(engine)
    with unit_of_work(engine) as session:
        _build(session, seed=3)
        rows = session.execute(
            select(
                Ticket.subject,
                Ticket.status,
                Ticket.priority,
                Ticket.created_at,
                Ticket.first_responded_at,
                Ticket.resolved_at,
                Ticket.first_response_breached,
            ).order_by(Ticket.id)
        ).all()
        bodies = session.scalars(select(Message.body).order_by(Message.id)).all()
    engine.dispose()
    return [tuple(r) for r in rows] + [(b,) for b in bodies]


def test_the_same_seed_tells_the_same_story(tmp_path: Path) -> None:
    first = _snapshot(tmp_path / "a.db")
    assert first == _snapshot(tmp_path / "b.db")
    assert first[0][3] >= DEFAULT_NOW.replace(year=DEFAULT_NOW.year - 2)
