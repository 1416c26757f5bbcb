"""Policy versions and the facts a decision needs; the recommended remedy for a ticket.

Imported as ``goodwill_service``. Grants and approvals live in :mod:`fairdesk.goodwill.grants`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from importlib import resources
from typing import Any, NamedTuple

from sqlalchemy import Exists, ScalarSelect, bindparam, exists, func, select
from sqlalchemy.orm import Session

from fairdesk.auth import service as audit
from fairdesk.auth.models import StaffUser
from fairdesk.clv.models import CustomerValue
from fairdesk.customers.models import Customer, Order
from fairdesk.db.base import utcnow
from fairdesk.errors import NotFound
from fairdesk.fairness.models import FairnessRestriction, RestrictionKind
from fairdesk.goodwill import budget, policy, segment_adapter
from fairdesk.goodwill.models import Budget, BudgetPeriod, Gesture, GestureStatus, PolicyVersion
from fairdesk.goodwill.rules import Facts, Recommendation, recommend
from fairdesk.tickets.models import Ticket


class VersionKey(NamedTuple):
    """Which policy version is in force, without its (large) source and document columns."""

    id: int
    number: int
    created_at: datetime


# Versions never change, so each is parsed once per process. Keyed by id and creation time: a
# rolled-back version's id can be reused by the next one (SQLite), its timestamp practically
# never. Saving a version empties it, so the cache holds only what is still asked for.
_parsed: dict[tuple[int, datetime], policy.Policy] = {}


def default_source() -> str:
    return resources.files("fairdesk.goodwill").joinpath("default_policy.yaml").read_text("utf-8")


def current_version(session: Session) -> PolicyVersion:
    """The version in force; the shipped default becomes version 1 on first use."""
    version = session.scalar(
        select(PolicyVersion).order_by(PolicyVersion.number.desc()).limit(1)
    )
    if version is None:
        version = save_policy(session, source=default_source(), actor=None, note="default policy")
    return version


_CURRENT_KEY = (
    select(PolicyVersion.id, PolicyVersion.number, PolicyVersion.created_at)
    .order_by(PolicyVersion.number.desc()).limit(1)
)


def current_key(session: Session) -> VersionKey:
    """The version in force as a :class:`VersionKey`: one narrow, indexed read."""
    row = session.execute(_CURRENT_KEY).first()
    if row is None:
        version = current_version(session)
        return VersionKey(version.id, version.number, version.created_at)
    return VersionKey(*row)


def policy_of(version: PolicyVersion) -> policy.Policy:
    key = (version.id, version.created_at)
    cached = _parsed.get(key)
    if cached is None:
        cached = _parsed[key] = policy.from_document(version.document)
    return cached


def rules_of(session: Session, version: VersionKey) -> policy.Policy:
    """The parsed policy of a version; its document is read only on a cache miss."""
    cached = _parsed.get((version.id, version.created_at))
    if cached is None:
        document = session.scalar(
            select(PolicyVersion.document).where(PolicyVersion.id == version.id)
        )
        assert document is not None  # the key was read in this transaction
        cached = _parsed[(version.id, version.created_at)] = policy.from_document(document)
    return cached


def save_policy(
    session: Session, *, source: str, actor: StaffUser | None, note: str = ""
) -> PolicyVersion:
    """Validate and store a new version; on any error nothing changes (``PolicyError``)."""
    parsed = policy.parse(source)
    stripped = source.lstrip()
    if stripped.startswith("{"):  # JSON in: keep a readable YAML copy as the source
        source = policy.to_yaml(parsed)
    number = (session.scalar(select(func.max(PolicyVersion.number))) or 0) + 1
    version = PolicyVersion(
        number=number,
        source=source,
        document=parsed.model_dump(mode="json"),
        note=note[:300],
        created_by_id=actor.id if actor else None,
    )
    session.add(version)
    session.flush()
    _parsed.clear()
    audit.record(
        session, actor=actor, action="goodwill.policy.version", entity_type="goodwill_policy",
        entity_id=version.id, details={"number": number, "name": parsed.name, "note": note},
    )
    return version


def list_versions(session: Session) -> Sequence[PolicyVersion]:
    return session.scalars(select(PolicyVersion).order_by(PolicyVersion.number.desc())).all()


def get_version(session: Session, number: int) -> PolicyVersion:
    version = session.scalar(select(PolicyVersion).where(PolicyVersion.number == number))
    if version is None:
        raise NotFound(f"no goodwill policy version {number}")
    return version


def _restricted(kind: RestrictionKind) -> Exists:
    return exists().where(
        FairnessRestriction.customer_id == Ticket.customer_id,
        FairnessRestriction.active,
        FairnessRestriction.kind == kind,
    )


def _spent(period: BudgetPeriod) -> ScalarSelect[Decimal]:
    return select(Budget.spent).where(
        Budget.staff_id == bindparam("staff_id"), Budget.period == period,
        Budget.starts_on == bindparam(f"{period}_starts"),
    ).scalar_subquery()


# The inputs query, built once with bind parameters: building and cache-keying a statement of
# this size costs about as much CPU as running it, on every call.
_INPUTS = (
    select(
        Ticket, Order, Customer, CustomerValue.clv, segment_adapter.SEGMENT,
        select(func.count()).select_from(Gesture).where(
            Gesture.customer_id == Ticket.customer_id,
            Gesture.status != GestureStatus.DECLINED,
            Gesture.created_at >= bindparam("claims_since"),
        ).scalar_subquery(),
        _restricted(RestrictionKind.RECEIPTS_REQUIRED),
        _restricted(RestrictionKind.NO_QUESTIONS_ASKED_OFF),
    )
    .join(Customer, Customer.id == Ticket.customer_id)
    .outerjoin(Order, Order.id == Ticket.order_id)
    .outerjoin(CustomerValue, CustomerValue.customer_id == Ticket.customer_id)
    .outerjoin(*segment_adapter.JOIN)
    .where(Ticket.id == bindparam("ticket_id"))
)
_INPUTS_AND_SPENT = _INPUTS.add_columns(_spent(BudgetPeriod.DAY), _spent(BudgetPeriod.MONTH))


class Inputs(NamedTuple):
    """The ticket, order and customer (now in the session), and the facts the decision uses."""

    ticket: Ticket
    order: Order | None
    customer: Customer
    facts: Facts


def inputs_for(
    session: Session, *, ticket_id: int, role: str, staff_id: int, rules: policy.Policy,
    now: datetime, spent: dict[BudgetPeriod, Decimal] | None = None,
) -> Inputs:
    """Everything the pure decision looks at, in one query.

    The ticket, its order and its customer come back as ORM objects (so the reply a grant
    sends, and the survey invitation it triggers, find them in the session while the caller
    holds them), with the CLV, the RFM segment, the manager's restrictions and the repeat
    claims as joined columns and scalar subqueries. ``spent`` is the actor's budget as a
    grant has just locked and read it; without it the counters are read here too (a
    recommendation locks nothing).
    """
    params: dict[str, Any] = {
        "ticket_id": ticket_id,
        "claims_since": now - timedelta(days=rules.repeat_claims.window_days),
    }
    if spent is None:
        today = now.date()
        params |= {"staff_id": staff_id, "day_starts": today,
                   "month_starts": budget.period_start(BudgetPeriod.MONTH, today)}
    row = session.execute(_INPUTS if spent is not None else _INPUTS_AND_SPENT, params).first()
    if row is None:
        raise NotFound(f"no ticket with id {ticket_id}", field="ticket_id")
    ticket, order, customer, clv, segment, claims, receipts, nqa_off = row[:8]
    if spent is None:
        spent = {BudgetPeriod.DAY: Decimal(row[8] or 0), BudgetPeriod.MONTH: Decimal(row[9] or 0)}
    named = segment_adapter.named(segment)
    facts = Facts(
        role=role,
        category=ticket.category,
        order_amount=Decimal(order.amount) if order else None,
        order_currency=order.currency if order else None,
        order_refunded=Decimal(order.refunded_amount) if order else Decimal("0"),
        clv=float(clv) if clv is not None else None,
        segment=named[0] if named else None,
        segment_label=named[1] if named else None,
        recent_claims=int(claims or 0),
        spent_today=spent[BudgetPeriod.DAY],
        spent_month=spent[BudgetPeriod.MONTH],
        receipts_required=bool(receipts),
        no_questions_asked_off=bool(nqa_off),
    )
    return Inputs(ticket, order, customer, facts)


def recommendation_for(
    session: Session, *, ticket_id: int, actor: StaffUser, now: datetime | None = None
) -> tuple[Recommendation, VersionKey]:
    """The remedy to offer on this ticket, what the actor may grant, and why.

    Two queries: the version in force, then every input (:func:`inputs_for`); the parsed
    policy comes from the in-process cache."""
    now = now or utcnow()
    version = current_key(session)
    rules = rules_of(session, version)
    inputs = inputs_for(
        session, ticket_id=ticket_id, role=str(actor.role), staff_id=actor.id, rules=rules,
        now=now,
    )
    return recommend(rules, inputs.facts), version
