"""Policy versions and the facts a decision needs; the recommended remedy for a ticket.

Imported as ``goodwill_service``. Grants and approvals live in :mod:`fairdesk.goodwill.grants`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from importlib import resources

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fairdesk.auth import service as audit
from fairdesk.auth.models import StaffUser
from fairdesk.clv import service as clv_service
from fairdesk.customers.models import Order
from fairdesk.db.base import utcnow
from fairdesk.errors import NotFound
from fairdesk.fairness import restrictions
from fairdesk.fairness.models import RestrictionKind
from fairdesk.goodwill import budget, policy, segment_adapter
from fairdesk.goodwill.models import BudgetPeriod, Gesture, GestureStatus, PolicyVersion
from fairdesk.goodwill.rules import Facts, Recommendation, recommend
from fairdesk.tickets import service as ticket_service
from fairdesk.tickets.models import Ticket

# Versions never change, so each is parsed once. Keyed by id and creation time: a rolled-back
# version's id can be reused by the next one (SQLite), its timestamp practically never.
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


def policy_of(version: PolicyVersion) -> policy.Policy:
    key = (version.id, version.created_at)
    cached = _parsed.get(key)
    if cached is None:
        cached = _parsed[key] = policy.from_document(version.document)
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


def recent_claims(session: Session, *, customer_id: int, days: int, now: datetime) -> int:
    """Gestures granted or asked for this customer within the repeat-claims window."""
    return session.scalar(
        select(func.count()).select_from(Gesture).where(
            Gesture.customer_id == customer_id,
            Gesture.status != GestureStatus.DECLINED,
            Gesture.created_at >= now - timedelta(days=days),
        )
    ) or 0


def facts_for(
    session: Session, *, ticket: Ticket, role: str, staff_id: int, rules: policy.Policy,
    now: datetime, spent: dict[BudgetPeriod, Decimal] | None = None,
) -> tuple[Facts, Order | None]:
    """Everything the pure decision looks at, read once from the database.

    ``spent`` is the actor's budget as a grant has just locked and read it; without it the
    counters are read here (a recommendation locks nothing)."""
    order = session.get(Order, ticket.order_id) if ticket.order_id else None
    value = clv_service.value_of(session, ticket.customer_id)
    segment = segment_adapter.segment_of(session, ticket.customer_id)
    if spent is None:
        spent = budget.spent(session, staff_id=staff_id, today=now.date())
    restricted = restrictions.active_kinds(session, customer_id=ticket.customer_id)
    facts = Facts(
        role=role,
        category=ticket.category,
        order_amount=Decimal(order.amount) if order else None,
        order_currency=order.currency if order else None,
        order_refunded=Decimal(order.refunded_amount) if order else Decimal("0"),
        clv=float(value.clv) if value else None,
        segment=segment[0] if segment else None,
        segment_label=segment[1] if segment else None,
        recent_claims=recent_claims(
            session, customer_id=ticket.customer_id, days=rules.repeat_claims.window_days, now=now
        ),
        spent_today=spent[BudgetPeriod.DAY],
        spent_month=spent[BudgetPeriod.MONTH],
        receipts_required=RestrictionKind.RECEIPTS_REQUIRED in restricted,
        no_questions_asked_off=RestrictionKind.NO_QUESTIONS_ASKED_OFF in restricted,
    )
    return facts, order


def recommendation_for(
    session: Session, *, ticket_id: int, actor: StaffUser, now: datetime | None = None
) -> tuple[Recommendation, PolicyVersion]:
    """The remedy to offer on this ticket, what the actor may grant, and why."""
    now = now or utcnow()
    ticket = ticket_service.get_ticket(session, ticket_id)
    version = current_version(session)
    rules = policy_of(version)
    facts, _ = facts_for(
        session, ticket=ticket, role=str(actor.role), staff_id=actor.id, rules=rules, now=now
    )
    return recommend(rules, facts), version
