"""Round-robin assignment, away agents and their tickets, and fairness under concurrent intake."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from fairdesk.auth.models import AuditEntry, Role, StaffUser
from fairdesk.db.migrate import upgrade
from fairdesk.db.session import build_engine, unit_of_work
from fairdesk.tickets import away
from fairdesk.tickets.assignment import set_availability
from fairdesk.tickets.intake import Incoming, receive
from fairdesk.tickets.models import IntakeChannel, Message, Ticket, TicketStatus
from fairdesk.tickets.service import change_status
from tests.conftest import _drop_pg_database, _fresh_pg_database, _worker
from tests.factories import make_token, make_user

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _new(session: Session, n: int, now: datetime = NOW) -> Ticket:
    return receive(
        session,
        Incoming(channel=IntakeChannel.API, email=f"c{n}@example.com", subject="Hi", body="?"),
        now=now,
    ).ticket


def _agents(session: Session, k: int) -> list[StaffUser]:
    people = [make_user(session, role=Role.AGENT) for _ in range(k)]
    for person in people:
        set_availability(session, staff_id=person.id, available=True)
    return people


def test_new_tickets_go_round_the_available_agents(session: Session) -> None:
    agents = {a.id for a in _agents(session, 3)}
    owners = [_new(session, n).assignee_id for n in range(7)]
    assert set(owners[:3]) == agents  # one each, then the same turn again
    assert owners[3:] == owners[:4]


def test_going_away_hands_open_tickets_on_in_turn(session: Session) -> None:
    a, b, c = _agents(session, 3)
    manager = make_user(session, role=Role.MANAGER)
    tickets = [_new(session, n) for n in range(9)]
    mine = [t for t in tickets if t.assignee_id == a.id]
    change_status(session, ticket=mine[0], actor=a, status=TicketStatus.RESOLVED, now=NOW)
    change_status(session, ticket=mine[1], actor=a, status=TicketStatus.PENDING, now=NOW)
    moves = away.update_availability(
        session, staff_id=a.id, available=False, away_until=None, actor=manager, now=NOW
    )
    assert [m.ticket_id for m in moves] == [mine[1].id, mine[2].id]  # not the resolved one
    assert mine[0].assignee_id == a.id
    assert {mine[1].assignee_id, mine[2].assignee_id} == {b.id, c.id}
    events = session.scalars(
        select(Message.meta).where(
            Message.ticket_id == mine[1].id, Message.body.like("Reassigned%")
        )
    ).all()
    assert events and events[0]["reason"] == "away" and events[0]["old"] == a.id
    audit = session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "ticket.assign", AuditEntry.entity_id == str(mine[2].id)
        )
    ).all()
    assert audit and audit[0].actor_id == manager.id
    later = [_new(session, n) for n in range(20, 26)]
    assert a.id not in {t.assignee_id for t in later}


def test_away_until_a_moment_then_back_in_the_rotation(session: Session) -> None:
    a, b = _agents(session, 2)
    away.update_availability(
        session,
        staff_id=a.id,
        available=True,
        away_until=NOW + timedelta(hours=2),
        actor=a,
        now=NOW,
    )
    during = [_new(session, n, NOW + timedelta(hours=1)).assignee_id for n in range(3)]
    assert during == [b.id, b.id, b.id]
    after = [_new(session, n, NOW + timedelta(hours=3)).assignee_id for n in range(10, 12)]
    assert sorted(after) == sorted([a.id, b.id])


def test_with_nobody_else_available_the_tickets_become_unassigned(session: Session) -> None:
    (a,) = _agents(session, 1)
    ticket = _new(session, 1)
    moves = away.update_availability(
        session, staff_id=a.id, available=False, away_until=None, actor=a, now=NOW
    )
    assert [(m.ticket_id, m.to_staff_id) for m in moves] == [(ticket.id, None)]
    assert ticket.assignee_id is None
    assert _new(session, 2).assignee_id is None


def test_availability_api_checks_who_may_change_it(
    client: TestClient, session: Session, manager: StaffUser
) -> None:
    first, second = _agents(session, 2)
    ticket = _new(session, 1)
    a, b = (first, second) if ticket.assignee_id == first.id else (second, first)
    as_a = {"Authorization": f"Bearer {make_token(session, a)}"}
    as_manager = {"Authorization": f"Bearer {make_token(session, manager)}"}
    other = client.put(
        f"/api/v1/agents/{b.id}/availability", json={"available": False}, headers=as_a
    )
    assert other.status_code == 403
    own = client.put(f"/api/v1/agents/{a.id}/availability", json={"available": False}, headers=as_a)
    assert own.status_code == 200, own.text
    assert own.json()["reassigned"] == [ticket.id] and own.json()["available"] is False
    lead = client.put(
        f"/api/v1/agents/{b.id}/team-lead", json={"team_lead_id": manager.id}, headers=as_a
    )
    assert lead.status_code == 403
    lead = client.put(
        f"/api/v1/agents/{b.id}/team-lead", json={"team_lead_id": manager.id}, headers=as_manager
    )
    assert lead.status_code == 200 and lead.json()["team_lead_id"] == manager.id
    missing = client.put(
        f"/api/v1/agents/{b.id}/team-lead", json={"team_lead_id": 999999}, headers=as_manager
    )
    assert missing.status_code == 404 and missing.json()["field"] == "team_lead_id"
    naive = client.put(
        f"/api/v1/agents/{b.id}/availability",
        json={"available": True, "away_until": "2026-12-01T09:00:00"},
        headers=as_manager,
    )
    assert naive.status_code == 422 and naive.json()["field"] == "away_until"
    listed = client.get("/api/v1/agents/availability", headers=as_a).json()
    assert {row["staff_id"] for row in listed} == {a.id, b.id}


@pytest.fixture(params=["sqlite", "postgresql"])
def committed_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database of its own whose rows are committed, as concurrent requests see them."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'assign.db'}"
    else:
        url = _fresh_pg_database(f"fairdesk_test_{_worker()}_assign")
    engine = build_engine(url, pool_size=10)
    upgrade(engine)
    yield engine
    engine.dispose()
    if request.param == "postgresql":
        _drop_pg_database(str(engine.url.database))


def test_concurrent_intakes_share_the_work_fairly(committed_engine: Engine) -> None:
    """8 intakes at a time over 4 agents: every ticket assigned, counts differ by at most 1."""
    agents, threads, per_thread = 4, 8, 6
    with unit_of_work(committed_engine) as session:
        ids = [a.id for a in _agents(session, agents)]
    start = threading.Barrier(threads)
    errors: list[BaseException] = []

    def intake(worker: int) -> None:
        try:
            start.wait()
            for n in range(per_thread):
                with unit_of_work(committed_engine) as session:
                    receive(
                        session,
                        Incoming(
                            channel=IntakeChannel.API,
                            email=f"w{worker}n{n}@example.com",
                            subject="Concurrent",
                            body="?",
                        ),
                    )
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    pool = [threading.Thread(target=intake, args=(w,)) for w in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert not errors
    with unit_of_work(committed_engine) as session:
        owners = session.scalars(select(Ticket.assignee_id)).all()
    counts = Counter(owners)
    assert len(owners) == threads * per_thread and None not in counts
    assert set(counts) == set(ids)
    assert max(counts.values()) - min(counts.values()) <= 1, counts
