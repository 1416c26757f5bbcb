"""Parallel grants on real connections, committed for real: budgets are never overspent.

Each thread runs its own unit of work, exactly as concurrent web requests do. On PostgreSQL
the conditional UPDATE on the budget row serialises them; on SQLite the single writer does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from sqlalchemy import Engine, func, select

from fairdesk.auth.models import Role, StaffUser
from fairdesk.db.session import build_engine, unit_of_work
from fairdesk.goodwill import grants
from fairdesk.goodwill.grants import OverLimit
from fairdesk.goodwill.models import Budget, BudgetPeriod, Gesture, GestureStatus
from fairdesk.goodwill.rules import GestureRequest
from tests.factories import make_user
from tests.goodwill.helpers import make_ticket, use_policy

THREADS = 24


def _parallel(engine: Engine, jobs: list[Callable[[], str]]) -> list[str]:
    barrier = threading.Barrier(len(jobs))

    def run(job: Callable[[], str]) -> str:
        barrier.wait()
        return job()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, jobs))


def _grant_job(engine: Engine, ticket_id: int, user_id: int, amount: str) -> Callable[[], str]:
    def job() -> str:
        try:
            with unit_of_work(engine) as session:
                actor = session.get(StaffUser, user_id)
                assert actor is not None
                gesture = grants.grant(
                    session, ticket_id=ticket_id, actor=actor,
                    request=GestureRequest("store_credit", Decimal(amount), "GBP"),
                )
                return f"granted:{gesture.id}"
        except OverLimit as exc:
            return f"refused:{exc.message}"
    return job


def test_parallel_grants_never_overspend_the_daily_budget(committed_db: Engine) -> None:
    engine = build_engine(committed_db.url.render_as_string(hide_password=False),
                          pool_size=THREADS, max_overflow=0)
    with unit_of_work(engine) as session:
        agent = make_user(session, role=Role.AGENT)
        use_policy(session, per_gesture=50, per_day=100, per_month=1000)
        tickets = [make_ticket(session).id for _ in range(THREADS)]
        agent_id = agent.id
    try:
        results = _parallel(engine, [_grant_job(engine, t, agent_id, "10") for t in tickets])
    finally:
        engine.dispose()
    granted = [r for r in results if r.startswith("granted")]
    refused = [r for r in results if r.startswith("refused")]
    assert len(granted) == 10 and len(refused) == THREADS - 10
    assert all("£100.00 daily budget" in r for r in refused)
    with unit_of_work(committed_db) as session:
        spent = dict(session.execute(
            select(Budget.period, Budget.spent).where(Budget.staff_id == agent_id)).all())
        total = session.scalar(select(func.sum(Gesture.amount)).where(
            Gesture.actor_id == agent_id, Gesture.status == GestureStatus.GRANTED))
    assert spent == {BudgetPeriod.DAY: Decimal("100"), BudgetPeriod.MONTH: Decimal("100")}
    assert total == Decimal("100")


def test_the_same_grant_sent_in_parallel_makes_one_gesture(committed_db: Engine) -> None:
    engine = build_engine(committed_db.url.render_as_string(hide_password=False),
                          pool_size=8, max_overflow=0)
    with unit_of_work(engine) as session:
        agent_id = make_user(session, role=Role.AGENT).id
        ticket_id = make_ticket(session).id
    try:
        results = _parallel(engine, [_grant_job(engine, ticket_id, agent_id, "12")] * 8)
    finally:
        engine.dispose()
    assert len(set(results)) == 1 and results[0].startswith("granted")
    with unit_of_work(committed_db) as session:
        assert session.scalar(select(func.count()).select_from(Gesture)) == 1
        spent = session.scalar(select(Budget.spent).where(
            Budget.staff_id == agent_id, Budget.period == BudgetPeriod.DAY))
    assert spent == Decimal("12")
