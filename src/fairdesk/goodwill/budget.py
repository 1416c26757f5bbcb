"""Exact discretion budgets under concurrency: lock the counters, check, charge both at once.

A grant first locks its actor's day and month counters (:func:`lock_rows`, one upsert that
returns what is spent), decides with those figures, and charges both counters in one
``UPDATE … WHERE spent + x <= limit`` (:func:`charge`). Parallel grants by one agent queue on
the lock (PostgreSQL) or the single writer (SQLite), so no interleaving can overspend a
budget. Rows are always locked month first, then day, so two grants never lock them in
opposite orders.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from sqlalchemy import CursorResult, bindparam, case, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert

from fairdesk.goodwill.models import Budget, BudgetPeriod


def period_start(period: BudgetPeriod, today: date) -> date:
    return today if period is BudgetPeriod.DAY else today.replace(day=1)


def spent(session: Session, *, staff_id: int, today: date) -> dict[BudgetPeriod, Decimal]:
    """What the staff member has granted today and this month (zero when nothing yet)."""
    out = {BudgetPeriod.DAY: Decimal("0"), BudgetPeriod.MONTH: Decimal("0")}
    rows = session.execute(
        select(Budget.period, Budget.spent).where(
            Budget.staff_id == staff_id,
            (
                (Budget.period == BudgetPeriod.DAY)
                & (Budget.starts_on == period_start(BudgetPeriod.DAY, today))
            )
            | (
                (Budget.period == BudgetPeriod.MONTH)
                & (Budget.starts_on == period_start(BudgetPeriod.MONTH, today))
            ),
        )
    ).all()
    for period, amount in rows:
        out[BudgetPeriod(period)] = Decimal(amount)
    return out


def ensure_rows(session: Session, *, staff_id: int, today: date) -> None:
    """Create this period's counters if missing; call it first in a grant's transaction.

    Being a write, it also takes SQLite's single writer lock up front (waiting its turn), so
    a grant never reads a snapshot that a parallel writer makes stale before it writes.
    """
    _ensure_row(session, staff_id, BudgetPeriod.MONTH, period_start(BudgetPeriod.MONTH, today))
    _ensure_row(session, staff_id, BudgetPeriod.DAY, today)


def _ensure_row(session: Session, staff_id: int, period: BudgetPeriod, starts_on: date) -> None:
    values = {"staff_id": staff_id, "period": period, "starts_on": starts_on, "spent": 0,
              "gestures": 0}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(Budget).values(**values).on_conflict_do_nothing())


def _lock(
    insert: Callable[[type[Budget]], postgresql.Insert | sqlite.Insert],
) -> ReturningInsert[BudgetPeriod, Decimal]:
    return insert(Budget).on_conflict_do_update(
        index_elements=[Budget.staff_id, Budget.period, Budget.starts_on],
        set_={"spent": Budget.spent},
    ).returning(Budget.period, Budget.spent)


# Both statements are built once, with bind parameters: constructing and cache-keying them per
# grant cost as much CPU as running them, and a multi-row ``.values([...])`` is never cached
# (it was compiled again on every grant). The lock is sent as one executemany, which
# SQLAlchemy turns into a single cached ``INSERT … VALUES (month), (day)``.
_LOCK = {"postgresql": _lock(postgresql.insert), "sqlite": _lock(sqlite.insert)}
_MONEY = Budget.__table__.c.spent.type
_IS_MONTH = Budget.period == BudgetPeriod.MONTH
_AMOUNT = bindparam("b_amount", type_=_MONEY)
_CHARGE = (
    update(Budget)
    .where(
        Budget.staff_id == bindparam("b_staff"),
        (_IS_MONTH & (Budget.starts_on == bindparam("b_month")))
        | ((Budget.period == BudgetPeriod.DAY) & (Budget.starts_on == bindparam("b_today"))),
        Budget.spent + _AMOUNT
        <= case((_IS_MONTH, bindparam("b_per_month", type_=_MONEY)),
                else_=bindparam("b_per_day", type_=_MONEY)),
    )
    .values(spent=Budget.spent + _AMOUNT, gestures=Budget.gestures + bindparam("b_count"))
)


def lock_rows(session: Session, *, staff_id: int, today: date) -> dict[BudgetPeriod, Decimal]:
    """This period's counters, created if missing and locked until the transaction ends.

    One statement: both rows are inserted ``ON CONFLICT DO UPDATE SET spent = spent`` (a
    no-op that still takes the row lock) ``RETURNING`` what is spent. From here to commit no
    other grant can change them, so a check against these figures is exact; parallel grants
    by one agent queue here (PostgreSQL), and SQLite's single writer lock is taken by the
    write, as :func:`ensure_rows` does. Month first, then day: the same lock order as every
    other writer of these rows.
    """
    month = period_start(BudgetPeriod.MONTH, today)
    rows = session.execute(
        _LOCK[session.get_bind().dialect.name],
        [
            {"staff_id": staff_id, "period": BudgetPeriod.MONTH, "starts_on": month, "spent": 0,
             "gestures": 0},
            {"staff_id": staff_id, "period": BudgetPeriod.DAY, "starts_on": today, "spent": 0,
             "gestures": 0},
        ],
        execution_options={"synchronize_session": False},
    ).all()
    return {BudgetPeriod(period): Decimal(amount) for period, amount in rows}


def charge(
    session: Session, *, staff_id: int, amount: Decimal, today: date,
    spent: dict[BudgetPeriod, Decimal], per_day: Decimal, per_month: Decimal,
) -> BudgetPeriod | None:
    """Charge ``amount`` to the day and the month, or neither; returns the period without room.

    ``spent`` comes from :func:`lock_rows` in this transaction, so the check is exact; both
    counters move in one ``UPDATE`` that re-checks the limits, and anything but two rows
    updated means the rows were not locked as they must be (a programming error: the
    caller's savepoint rolls the charge back).
    """
    if spent[BudgetPeriod.MONTH] + amount > per_month:
        return BudgetPeriod.MONTH
    if spent[BudgetPeriod.DAY] + amount > per_day:
        return BudgetPeriod.DAY
    result = session.execute(
        _CHARGE,
        {"b_staff": staff_id, "b_month": period_start(BudgetPeriod.MONTH, today),
         "b_today": today, "b_amount": amount, "b_per_month": per_month, "b_per_day": per_day,
         "b_count": 1 if amount else 0},
        execution_options={"synchronize_session": False},
    )
    assert isinstance(result, CursorResult)
    if result.rowcount != 2:
        raise RuntimeError("goodwill budget rows were not locked before charging")
    return None
