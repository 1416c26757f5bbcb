"""Two managers deciding the same case at once, on real connections committed for real.

Exactly one decision is recorded; the other manager gets a 409 that names who decided, and
none of the loser's effects (restriction, e-mail, audit entry) exist.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text

from fairdesk.auth.models import AuditEntry, Role, StaffUser
from fairdesk.db.session import build_engine, unit_of_work
from fairdesk.errors import Conflict
from fairdesk.fairness import appeals, decisions
from fairdesk.fairness.decisions import AlreadyDecided, DecisionInput
from fairdesk.fairness.models import FairnessAppeal, FairnessDecision, FairnessRestriction
from fairdesk.outbox.models import OutboxItem
from tests.factories import make_customer, make_user
from tests.fairness.case_helpers import make_case
from tests.outbox.throwaway import committed_db, db_template

__all__ = ["committed_db", "db_template"]
MANAGERS = 6
LOCK_WAIT_LIMIT_S = 30.0


def _job(engine: Engine, case_id: int, customer_id: int, user_id: int) -> Callable[[], str]:
    def job() -> str:
        try:
            with unit_of_work(engine) as session:
                actor = session.get(StaffUser, user_id)
                assert actor is not None
                decision = decisions.decide(
                    session,
                    case_id=case_id,
                    actor=actor,
                    data=(
                        DecisionInput(
                            customer_id=customer_id,
                            kind="restrict",
                            reason="race",
                            restriction="email_only",
                        )
                    ),
                )
                return f"won:{decision.id}"
        except AlreadyDecided as exc:
            return f"409:{exc.message}"

    return job


def _counts(engine: Engine) -> tuple[int, int, int, int]:
    with unit_of_work(engine) as session:

        def count(model: type[Any]) -> int:
            return session.scalar(select(func.count()).select_from(model)) or 0

        audits = (
            session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action.like("fairness.decision.%"))
            )
            or 0
        )
        return count(FairnessDecision), count(FairnessRestriction), count(OutboxItem), audits


def test_many_managers_at_once_one_wins(committed_db: Engine) -> None:
    engine = build_engine(
        committed_db.url.render_as_string(hide_password=False), pool_size=MANAGERS, max_overflow=0
    )
    with unit_of_work(engine) as session:
        customer = make_customer(session)
        case_id, customer_id = make_case(session, customer).id, customer.id
        ids = [make_user(session, role=Role.MANAGER).id for _ in range(MANAGERS)]
    barrier = threading.Barrier(MANAGERS)

    def run(job: Callable[[], str]) -> str:
        barrier.wait()
        return job()

    try:
        with ThreadPoolExecutor(max_workers=MANAGERS) as pool:
            results = list(pool.map(run, [_job(engine, case_id, customer_id, u) for u in ids]))
    finally:
        engine.dispose()
    assert sum(r.startswith("won:") for r in results) == 1
    assert all("already decided" in r for r in results if r.startswith("409:"))
    assert _counts(committed_db) == (1, 1, 1, 1)


def _waiting_on_a_lock(engine: Engine) -> bool:
    with engine.connect() as conn:
        return bool(
            conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()"
                )
            )
        )


def test_the_conditional_update_turns_away_the_second_manager(committed_db: Engine) -> None:
    """PostgreSQL: B passes the status check while A's decision is uncommitted, then waits
    on A's row lock; when A commits, B's ``UPDATE … WHERE status = 'open'`` matches nothing."""
    if committed_db.dialect.name != "postgresql":
        pytest.skip("row locks and READ COMMITTED re-checks are PostgreSQL's")
    engine = build_engine(committed_db.url.render_as_string(hide_password=False))
    with unit_of_work(engine) as session:
        customer = make_customer(session)
        case_id, customer_id = make_case(session, customer).id, customer.id
        first = make_user(session, role=Role.MANAGER, name="Ann First")
        a_id, b_id = first.id, make_user(session, role=Role.MANAGER).id
    a_decided = threading.Event()
    outcome: list[str] = []

    def manager_b() -> None:
        a_decided.wait()
        outcome.append(_job(engine, case_id, customer_id, b_id)())

    b = threading.Thread(target=manager_b)
    b.start()
    try:
        with unit_of_work(engine) as session:
            actor = session.get(StaffUser, a_id)
            assert actor is not None
            decisions.decide(
                session,
                case_id=case_id,
                actor=actor,
                data=DecisionInput(customer_id=customer_id, kind="dismiss", reason="first"),
            )
            a_decided.set()
            deadline = time.monotonic() + LOCK_WAIT_LIMIT_S
            while not _waiting_on_a_lock(engine):  # B is blocked on our row: commit now
                assert time.monotonic() < deadline, "manager B never reached the row lock"
                time.sleep(0.01)
    finally:
        a_decided.set()
        b.join()
        engine.dispose()
    assert len(outcome) == 1 and outcome[0].startswith("409:")
    assert "Ann First" in outcome[0] and "dismiss" in outcome[0]
    assert _counts(committed_db) == (1, 0, 0, 1)


def test_appeals_sent_at_once_make_one_appeal(committed_db: Engine) -> None:
    engine = build_engine(
        committed_db.url.render_as_string(hide_password=False), pool_size=5, max_overflow=0
    )
    with unit_of_work(engine) as session:
        customer = make_customer(session)
        manager = make_user(session, role=Role.MANAGER)
        decision = decisions.decide(
            session,
            case_id=make_case(session, customer).id,
            actor=manager,
            data=DecisionInput(
                customer_id=customer.id, kind="restrict", reason="x", restriction="email_only"
            ),
        )
        decision_id, customer_id = decision.id, customer.id
    barrier = threading.Barrier(5)

    def submit(n: int) -> str:
        barrier.wait()
        try:
            with unit_of_work(engine) as session:
                appeals.submit(
                    session, decision_id=decision_id, customer_id=customer_id, body=f"try {n}"
                )
                return "sent"
        except Conflict:
            return "409"

    try:
        with ThreadPoolExecutor(max_workers=5) as pool:
            results = list(pool.map(submit, range(5)))
    finally:
        engine.dispose()
    assert sorted(results) == ["409"] * 4 + ["sent"]
    with unit_of_work(committed_db) as session:
        assert session.scalar(select(func.count()).select_from(FairnessAppeal)) == 1
