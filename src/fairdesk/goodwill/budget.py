"""Exact discretion budgets under concurrency: reserve with one conditional UPDATE per period.

``UPDATE … SET spent = spent + x WHERE … AND spent + x <= limit`` is re-checked by PostgreSQL
against the latest committed row when it waits on a concurrent writer, and SQLite has a single
writer, so no interleaving of parallel grants can overspend a budget. Periods are always
reserved month first, then day, so two grants never lock the rows in opposite orders.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import CursorResult, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

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


def _add(
    session: Session, staff_id: int, period: BudgetPeriod, starts_on: date, amount: Decimal,
    limit: Decimal | None,
) -> bool:
    stmt = update(Budget).where(
        Budget.staff_id == staff_id, Budget.period == period, Budget.starts_on == starts_on
    )
    if limit is not None:
        stmt = stmt.where(Budget.spent + amount <= limit)
    count = 1 if amount > 0 else 0
    result = session.execute(
        stmt.values(spent=Budget.spent + amount, gestures=Budget.gestures + count),
        execution_options={"synchronize_session": False},
    )
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


def reserve(
    session: Session, *, staff_id: int, amount: Decimal, today: date,
    per_day: Decimal, per_month: Decimal,
) -> BudgetPeriod | None:
    """Charge ``amount`` to both periods, or neither; returns the period that had no room.

    The rows must exist (:func:`ensure_rows`).
    """
    month = period_start(BudgetPeriod.MONTH, today)
    if not _add(session, staff_id, BudgetPeriod.MONTH, month, amount, per_month):
        return BudgetPeriod.MONTH
    if not _add(session, staff_id, BudgetPeriod.DAY, today, amount, per_day):
        # We hold the month row's lock since our update, so taking it back is exact.
        _add(session, staff_id, BudgetPeriod.MONTH, month, -amount, None)
        return BudgetPeriod.DAY
    return None
