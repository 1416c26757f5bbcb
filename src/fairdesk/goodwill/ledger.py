"""Reading the ledger: gestures by customer, order or agent; budgets left; spend by group."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fairdesk.auth.models import Role, StaffUser
from fairdesk.goodwill import budget
from fairdesk.goodwill.models import BudgetPeriod, Gesture, GestureStatus
from fairdesk.goodwill.policy import Policy
from fairdesk.personas import card
from fairdesk.personas.models import Persona
from fairdesk.segments.models import CustomerScore


def gestures(
    session: Session, *, customer_id: int | None = None, order_id: int | None = None,
    ticket_id: int | None = None, actor_id: int | None = None,
    status: GestureStatus | None = None, limit: int = 100, offset: int = 0,
) -> Sequence[Gesture]:
    query = select(Gesture).order_by(Gesture.id.desc()).limit(limit).offset(offset)
    for column, value in (
        (Gesture.customer_id, customer_id), (Gesture.order_id, order_id),
        (Gesture.ticket_id, ticket_id), (Gesture.actor_id, actor_id), (Gesture.status, status),
    ):
        if value is not None:
            query = query.where(column == value)
    return session.scalars(query).all()


@dataclass(frozen=True)
class AgentBudget:
    staff_id: int
    name: str
    role: str
    per_gesture: Decimal
    per_day: Decimal
    per_month: Decimal
    spent_today: Decimal
    spent_month: Decimal
    granted_month: int

    @property
    def left_today(self) -> Decimal:
        return max(Decimal("0"), min(self.per_day - self.spent_today,
                                     self.per_month - self.spent_month))

    @property
    def left_month(self) -> Decimal:
        return max(Decimal("0"), self.per_month - self.spent_month)


def budget_of(session: Session, user: StaffUser, rules: Policy, today: date) -> AgentBudget:
    spent = budget.spent(session, staff_id=user.id, today=today)
    limits = rules.roles.get(str(user.role))
    zero = Decimal("0")
    month_start = budget.period_start(BudgetPeriod.MONTH, today)
    granted = session.scalar(
        select(func.count()).select_from(Gesture).where(
            Gesture.actor_id == user.id, Gesture.status == GestureStatus.GRANTED,
            Gesture.created_at >= datetime.combine(month_start, datetime.min.time()).astimezone(),
        )
    ) or 0
    return AgentBudget(
        staff_id=user.id, name=user.name, role=str(user.role),
        per_gesture=limits.per_gesture if limits else zero,
        per_day=limits.per_day if limits else zero,
        per_month=limits.per_month if limits else zero,
        spent_today=spent[BudgetPeriod.DAY], spent_month=spent[BudgetPeriod.MONTH],
        granted_month=granted,
    )


def budgets(session: Session, rules: Policy, today: date) -> list[AgentBudget]:
    staff = session.scalars(
        select(StaffUser).where(StaffUser.is_active.is_(True)).order_by(StaffUser.name)
    ).all()
    return [budget_of(session, u, rules, today) for u in staff if u.role != Role.ADMIN]


def spend_by(session: Session, group: str) -> list[tuple[str, Decimal, int]]:
    """Granted goodwill summed by category, remedy, segment, persona or agent."""
    key: Any
    query = select().select_from(Gesture)
    if group == "persona":
        key = CustomerScore.persona_id
        query = query.outerjoin(CustomerScore, CustomerScore.customer_id == Gesture.customer_id)
    elif group == "agent":
        key = func.coalesce(StaffUser.name, "(unknown)")
        query = query.outerjoin(StaffUser, StaffUser.id == Gesture.actor_id)
    else:
        key = func.coalesce({"category": Gesture.category, "remedy": Gesture.remedy,
                             "segment": Gesture.segment}[group], "(none)")
    rows: list[tuple[Any, Any, int]] = [(r[0], r[1], r[2]) for r in session.execute(
        query.add_columns(key.label("k"), func.sum(Gesture.amount), func.count())
        .where(Gesture.status == GestureStatus.GRANTED)
        .group_by(key).order_by(func.sum(Gesture.amount).desc())
    )]
    if group == "persona":
        ids = [k for k, _, _ in rows if k is not None]
        names = {p.id: card.display_name(p) for p in
                 session.scalars(select(Persona).where(Persona.id.in_(ids)))} if ids else {}
        return [(names.get(k, "(none)") if k is not None else "(none)", Decimal(total or 0),
                 int(n)) for k, total, n in rows]
    return [(str(k), Decimal(total or 0), int(n)) for k, total, n in rows]
