"""SLA terms and webhook subscriptions are cached per process, never stale after a commit.

Intake reads them for every ticket (``fairdesk.db.committed_cache``): a commit that changes
them takes effect at once in this process, an uncommitted change is seen only by its own
session and never cached, and another process's change is seen within the cache's TTL.
These tests commit, so each has a database of its own (``committed_db``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from fairdesk.db.session import session_factory
from fairdesk.outbox import events
from fairdesk.outbox.models import OutboxItem, OutboxKind, WebhookEndpoint
from fairdesk.tickets import clock
from fairdesk.tickets.intake import Incoming, receive
from fairdesk.tickets.models import IntakeChannel, Priority, SlaPolicy

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeClock]:
    ticking = FakeClock()
    for cache in (clock.sla_terms, events.subscriptions):
        cache.invalidate()
        monkeypatch.setattr(cache, "clock", ticking)
    yield ticking
    for cache in (clock.sla_terms, events.subscriptions):
        cache.invalidate()


def _policy(minutes: int) -> SlaPolicy:
    return SlaPolicy(
        name=f"normal {minutes}",
        priority=Priority.NORMAL,
        first_response_minutes=minutes,
        resolution_minutes=10 * minutes,
    )


def _ticket(session: Session, email: str) -> str:
    incoming = Incoming(channel=IntakeChannel.API, email=email, subject="Order", body="Where?")
    return receive(session, incoming, now=NOW).acknowledgement


def test_a_committed_policy_applies_to_the_next_ticket_at_once(
    committed_db: Engine, fake_clock: FakeClock
) -> None:
    with session_factory(committed_db)() as session:
        assert "within 8 hours" in _ticket(session, "a@example.com")  # defaults, now cached
        session.add(_policy(90))
        session.commit()
        assert "within 1.5 hours" in _ticket(session, "b@example.com")
        session.commit()


def test_an_uncommitted_policy_is_seen_by_its_session_only_and_never_cached(
    committed_db: Engine, fake_clock: FakeClock
) -> None:
    with session_factory(committed_db)() as writer:
        writer.add(_policy(45))
        writer.flush()
        own = clock.policy_for(writer, Priority.NORMAL)
        assert own is not None and own.first_response_minutes == 45
        writer.rollback()
    with session_factory(committed_db)() as reader:
        assert clock.policy_for(reader, Priority.NORMAL) is None


def test_another_process_change_is_seen_after_the_ttl(
    committed_db: Engine, fake_clock: FakeClock
) -> None:
    with session_factory(committed_db)() as session:
        assert clock.policy_for(session, Priority.NORMAL) is None
        # Written around the ORM, as the other uvicorn worker's commit looks from here.
        with committed_db.begin() as other:
            other.execute(
                insert(SlaPolicy).values(
                    name="other worker",
                    priority=Priority.NORMAL,
                    first_response_minutes=30,
                    resolution_minutes=300,
                    warn_before_minutes=10,
                    active=True,
                )
            )
        session.rollback()  # a new transaction, as the next request would have
        assert clock.policy_for(session, Priority.NORMAL) is None
        fake_clock.now += clock.sla_terms.ttl_s + 1
        fresh = clock.policy_for(session, Priority.NORMAL)
        assert fresh is not None and fresh.first_response_minutes == 30


def test_a_new_webhook_endpoint_gets_the_next_event(
    committed_db: Engine, fake_clock: FakeClock
) -> None:
    with session_factory(committed_db)() as session:
        assert events.emit(session, event="ticket.created", data={}) == 0  # cached: none
        session.add(
            WebhookEndpoint(
                url="https://hooks.example.com/a", secret="whsec_" + "x" * 20, events=[]
            )
        )
        session.commit()
        assert events.emit(session, event="ticket.created", data={}) == 1
        session.commit()
        queued = session.scalars(
            select(OutboxItem).where(OutboxItem.kind == OutboxKind.WEBHOOK)
        ).all()
        assert len(queued) == 1
