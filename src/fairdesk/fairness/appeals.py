"""Appeals: a customer contests a restriction or a parting; a different manager reviews it.

Imported as ``appeal_service``. The customer appeals through the signed link in their notice
(no account); one appeal per decision. The manager who decided may not review the appeal: with
no other active manager the appeal waits, and the queue says so. Upheld, the decision stands;
overturned, its restriction ends and a parted customer's lifecycle status comes back. Either way
the customer is told by e-mail, and the review is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from fairdesk.auth import service as audit
from fairdesk.auth.models import Role, StaffUser
from fairdesk.config import get_settings
from fairdesk.customers.models import Customer
from fairdesk.db.base import utcnow
from fairdesk.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fairdesk.fairness import notices, parting, restrictions
from fairdesk.fairness.models import (
    AppealStatus,
    DecisionKind,
    FairnessAppeal,
    FairnessDecision,
)

MAX_APPEAL_CHARS = 5000
MAX_REASON_CHARS = 2000
MAX_DB_ID = 2**63 - 1
APPEALABLE = (DecisionKind.RESTRICT, DecisionKind.PART_WAYS)


class Outcome(StrEnum):
    UPHELD = "upheld"
    OVERTURNED = "overturned"


def appealable(decision: FairnessDecision) -> bool:
    return DecisionKind(decision.kind) in APPEALABLE


def appeal_of(session: Session, *, decision_id: int) -> FairnessAppeal | None:
    return session.scalar(
        select(FairnessAppeal)
        .where(FairnessAppeal.decision_id == decision_id)
        .order_by(FairnessAppeal.id)
        .limit(1)
    )


def decision_for_customer(
    session: Session, *, decision_id: int, customer_id: int
) -> FairnessDecision:
    """The decision a portal link names, only if it is about the link's customer."""
    decision = session.get(FairnessDecision, decision_id) if decision_id <= MAX_DB_ID else None
    if decision is None or decision.customer_id != customer_id:
        raise NotFound("this decision no longer exists")
    return decision


def submit(session: Session, *, decision_id: int, customer_id: int, body: str) -> FairnessAppeal:
    """Record the customer's appeal (from the portal); nothing changes on bad input."""
    decision = decision_for_customer(session, decision_id=decision_id, customer_id=customer_id)
    if not appealable(decision):
        raise ValidationFailed("only a restriction or a parting can be appealed", field="decision")
    text = body.strip()
    if not text:
        raise ValidationFailed("write why you disagree before sending", field="body")
    if len(text) > MAX_APPEAL_CHARS:
        raise ValidationFailed(
            f"your appeal is too long: at most {MAX_APPEAL_CHARS:,} characters", field="body"
        )
    # One appeal per decision: touching the decision row first makes concurrent submissions
    # queue (its row lock on PostgreSQL, the write lock on SQLite); the second finds the first.
    session.execute(
        update(FairnessDecision)
        .where(FairnessDecision.id == decision.id)
        .values(decided_at=FairnessDecision.decided_at)
        .execution_options(synchronize_session=False)
    )
    if appeal_of(session, decision_id=decision.id) is not None:
        raise Conflict("this decision has already been appealed", field="decision")
    appeal = FairnessAppeal(decision_id=decision.id, customer_id=customer_id, body=text)
    session.add(appeal)
    session.flush()
    audit.record(
        session,
        actor=None,
        action="fairness.appeal.submit",
        entity_type="fairness_appeal",
        entity_id=appeal.id,
        details={"decision_id": decision.id, "customer_id": customer_id, "via": "portal"},
    )
    return appeal


def other_managers(session: Session, *, decided_by_id: int | None) -> Sequence[StaffUser]:
    """Active managers (and admins) who may review an appeal of this decider's decision."""
    stmt = select(StaffUser).where(
        StaffUser.is_active, StaffUser.role.in_((Role.MANAGER, Role.ADMIN))
    )
    if decided_by_id is not None:
        stmt = stmt.where(StaffUser.id != decided_by_id)
    return session.scalars(stmt.order_by(StaffUser.name)).all()


def list_appeals(
    session: Session, *, status: AppealStatus | None = None, limit: int = 200
) -> Sequence[tuple[FairnessAppeal, FairnessDecision]]:
    """Appeals with their decisions, pending oldest first, then the latest reviewed."""
    stmt = select(FairnessAppeal, FairnessDecision).join(
        FairnessDecision, FairnessDecision.id == FairnessAppeal.decision_id
    )
    if status is not None:
        stmt = stmt.where(FairnessAppeal.status == status)
    stmt = stmt.order_by(
        (FairnessAppeal.status != AppealStatus.PENDING),
        FairnessAppeal.submitted_at,
        FairnessAppeal.id,
    ).limit(limit)
    return [(a, d) for a, d in session.execute(stmt).all()]


def pending_count(session: Session) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(FairnessAppeal)
            .where(FairnessAppeal.status == AppealStatus.PENDING)
        )
        or 0
    )


def _claim(
    session: Session,
    appeal: FairnessAppeal,
    actor: StaffUser,
    outcome: Outcome,
    reason: str,
    now: datetime,
) -> None:
    result = session.execute(
        update(FairnessAppeal)
        .where(FairnessAppeal.id == appeal.id, FairnessAppeal.status == AppealStatus.PENDING)
        .values(
            status=AppealStatus(outcome.value),
            reviewer_id=actor.id,
            outcome_reason=reason,
            reviewed_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    if result.rowcount != 1:
        raise Conflict(
            f"appeal {appeal.id} was already reviewed; nothing was changed", field="appeal_id"
        )


def review(
    session: Session,
    *,
    appeal_id: int,
    actor: StaffUser,
    outcome: str,
    reason: str,
    now: datetime | None = None,
) -> FairnessAppeal:
    """A different manager upholds or overturns; the customer is told; all or nothing."""
    if not Role(actor.role).at_least(Role.MANAGER):
        raise PermissionDenied("only a manager may review an appeal")
    try:
        chosen = Outcome(outcome)
    except ValueError:
        raise ValidationFailed("outcome: choose upheld or overturned", field="outcome") from None
    why = reason.strip()
    if not why:
        raise ValidationFailed("give the reason the customer will read", field="reason")
    if len(why) > MAX_REASON_CHARS:
        raise ValidationFailed(
            f"the reason is too long: at most {MAX_REASON_CHARS} characters", field="reason"
        )
    appeal = session.get(FairnessAppeal, appeal_id) if 0 < appeal_id <= MAX_DB_ID else None
    if appeal is None:
        raise NotFound(f"no appeal {appeal_id}", field="appeal_id")
    decision = session.get(FairnessDecision, appeal.decision_id)
    assert decision is not None
    if decision.decided_by_id == actor.id:
        raise PermissionDenied(
            "you made the decision under appeal; a different manager must review it",
            field="appeal_id",
        )
    if appeal.status != AppealStatus.PENDING:
        raise Conflict(
            f"appeal {appeal.id} was already {appeal.status}; nothing was changed",
            field="appeal_id",
        )
    now = now or utcnow()
    with session.begin_nested():
        _claim(session, appeal, actor, chosen, why, now)
        details: dict[str, object] = {"decision_id": decision.id, "reason": why}
        if chosen is Outcome.OVERTURNED:
            details["restrictions_lifted"] = restrictions.lift(
                session, decision_id=decision.id, reason=f"appeal {appeal.id} overturned", now=now
            )
            if DecisionKind(decision.kind) is DecisionKind.PART_WAYS:
                details["lifecycle_restored"] = parting.restore(
                    session, customer_id=decision.customer_id, decision_id=decision.id
                ).value
        customer = session.get(Customer, decision.customer_id)
        assert customer is not None
        details["emailed"] = notices.send(
            session,
            customer=customer,
            key=f"fairness:appeal:{appeal.id}",
            subject=f"{get_settings().business_name}: the outcome of your appeal",
            text=notices.appeal_outcome_notice(
                customer, overturned=chosen is Outcome.OVERTURNED, reason=why
            ),
        )
        audit.record(
            session,
            actor=actor,
            action=f"fairness.appeal.{chosen.value}",
            entity_type="fairness_appeal",
            entity_id=appeal.id,
            details=details,
        )
        session.flush()
    session.refresh(appeal)
    return appeal
