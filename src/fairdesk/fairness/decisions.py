"""A manager's decision on a fairness case: dismiss, warn, restrict one policy, or part ways.

Imported as ``decision_service``. Every decision carries a reason, is audited, and is
all-or-nothing: bad input, a non-manager, an unknown case, a case about another customer or a
case already decided raise a ``FairdeskError`` and change nothing (a savepoint). Two managers
deciding at once are serialised by a conditional ``UPDATE … WHERE status = 'open'`` on the case
(the loser's UPDATE matches no row once the winner commits) backed by the unique decision per
case; the loser gets a 409 that says who decided.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fairdesk.auth import service as audit
from fairdesk.auth.models import Role, StaffUser
from fairdesk.config import Settings, get_settings
from fairdesk.customers.models import Customer, LifecycleStatus
from fairdesk.db.base import utcnow
from fairdesk.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fairdesk.fairness import links, notices, parting, restrictions
from fairdesk.fairness.cases import mark_reviewed
from fairdesk.fairness.models import (
    CaseStatus,
    DecisionKind,
    FairnessCase,
    FairnessDecision,
    RestrictionKind,
)

MAX_REASON_CHARS = 2000
MAX_MESSAGE_CHARS = 10_000
MAX_DB_ID = 2**63 - 1


@dataclass(frozen=True)
class DecisionInput:
    """What a manager submits; validated by :func:`decide` before anything is written."""

    customer_id: int
    kind: str
    reason: str
    restriction: str | None = None
    message: str | None = None  # the warning as edited (warn only)


class AlreadyDecided(Conflict):
    code = "already_decided"


def _require_manager(actor: StaffUser) -> None:
    if not Role(actor.role).at_least(Role.MANAGER):
        raise PermissionDenied("only a manager may decide a fairness case")


def _checked(data: DecisionInput) -> tuple[DecisionKind, str, RestrictionKind | None, str | None]:
    """Parse and check the input; each error names its field."""
    try:
        kind = DecisionKind(data.kind)
    except ValueError:
        allowed = ", ".join(k.value for k in DecisionKind)
        raise ValidationFailed(f"kind: choose one of {allowed}", field="kind") from None
    reason = data.reason.strip()
    if not reason:
        raise ValidationFailed("give the reason for this decision", field="reason")
    if len(reason) > MAX_REASON_CHARS:
        raise ValidationFailed(
            f"the reason is too long: at most {MAX_REASON_CHARS} characters", field="reason"
        )
    restriction: RestrictionKind | None = None
    if kind is DecisionKind.RESTRICT:
        allowed_r = ", ".join(k.value for k in restrictions.POLICIES)
        try:
            restriction = RestrictionKind(data.restriction or "")
        except ValueError:
            restriction = None
        if restriction not in restrictions.POLICIES:
            raise ValidationFailed(
                f"restriction: choose one policy to restrict ({allowed_r})", field="restriction"
            )
    elif data.restriction:
        raise ValidationFailed(
            "restriction: only a restrict decision names a policy", field="restriction"
        )
    message = data.message.strip() if data.message is not None else None
    if kind is DecisionKind.WARN:
        if message is not None and not message:
            raise ValidationFailed("the warning to send is empty", field="message")
        if message is not None and len(message) > MAX_MESSAGE_CHARS:
            raise ValidationFailed(
                f"the warning is too long: at most {MAX_MESSAGE_CHARS} characters",
                field="message",
            )
    elif message:
        raise ValidationFailed("message: only a warning has an edited text", field="message")
    return kind, reason, restriction, message


def _case_for(session: Session, case_id: int, customer_id: int) -> FairnessCase:
    case = session.get(FairnessCase, case_id) if 0 < case_id <= MAX_DB_ID else None
    if case is None:
        raise NotFound(f"no fairness case {case_id}", field="case_id")
    if case.customer_id != customer_id:
        raise ValidationFailed(
            f"case {case_id} is about another customer, not customer {customer_id}",
            field="customer_id",
        )
    return case


def _already(session: Session, case: FairnessCase) -> AlreadyDecided:
    """The 409 for a case decided before (or a moment ago, by a concurrent request)."""
    found = session.execute(
        select(FairnessDecision, StaffUser.name)
        .outerjoin(StaffUser, StaffUser.id == FairnessDecision.decided_by_id)
        .where(FairnessDecision.case_id == case.id)
    ).first()
    if found is None:
        return AlreadyDecided(f"case {case.id} was already decided", field="case_id")
    decision, name = found
    return AlreadyDecided(
        f"case {case.id} was already decided by {name or 'another manager'} "
        f"({decision.kind}, {decision.decided_at:%Y-%m-%d %H:%M} UTC); nothing was changed",
        field="case_id",
    )


def _claim(session: Session, case: FairnessCase, now: datetime) -> None:
    """Close the case only if it is still open: exactly one concurrent decision gets here."""
    result = session.execute(
        update(FairnessCase)
        .where(FairnessCase.id == case.id, FairnessCase.status == CaseStatus.OPEN)
        .values(status=CaseStatus.DECIDED, decided_at=now)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    if result.rowcount != 1:
        raise _already(session, case)


def _apply(
    session: Session,
    decision: FairnessDecision,
    customer: Customer,
    settings: Settings,
    now: datetime,
) -> dict[str, object]:
    """The decision's effects; returns what the audit entry records about them."""
    kind = DecisionKind(decision.kind)
    key = f"fairness:decision:{decision.id}"
    if kind is DecisionKind.DISMISS:
        return {"signals_reviewed": mark_reviewed(session, customer_id=customer.id, now=now)}
    if kind is DecisionKind.WARN:
        sent = notices.send(
            session,
            customer=customer,
            key=key,
            text=decision.message,
            subject=f"A note from {settings.business_name} about your recent requests",
        )
        return {"emailed": sent}
    appeal = links.link_for(decision_id=decision.id, customer_id=customer.id, settings=settings)
    if kind is DecisionKind.RESTRICT:
        assert decision.restriction is not None
        restriction = RestrictionKind(decision.restriction)
        restrictions.impose(
            session, customer_id=customer.id, decision_id=decision.id, kind=restriction
        )
        decision.message = notices.restriction_notice(
            customer, kind=restriction, reason=decision.reason, appeal_link=appeal
        )
        sent = notices.send(
            session,
            customer=customer,
            key=key,
            text=decision.message,
            subject=f"A change to how {settings.business_name} handles your requests",
        )
        return {"emailed": sent}
    previous = LifecycleStatus(customer.lifecycle_status)
    erase = settings.fairness_parting_retention == "erase"
    honoured = parting.honoured_orders(session, customer_id=customer.id)
    decision.retention = settings.fairness_parting_retention
    restrictions.impose(
        session, customer_id=customer.id, decision_id=decision.id, kind=RestrictionKind.PARTED
    )
    decision.message = notices.parting_notice(
        customer, reason=decision.reason, honoured=honoured, erase=erase, appeal_link=appeal
    )
    sent = notices.send(  # before any erasure: the notice needs the address
        session,
        customer=customer,
        key=key,
        text=decision.message,
        subject=f"{settings.business_name}: the end of our relationship",
    )
    customer.lifecycle_status = LifecycleStatus.PARTED
    if erase:
        parting.erase_personal_data(session, customer)
    return {
        "emailed": sent,
        "previous_lifecycle": previous.value,
        "retention": decision.retention,
        "honoured_orders": [o.id for o in honoured],
    }


def decide(
    session: Session,
    *,
    case_id: int,
    actor: StaffUser,
    data: DecisionInput,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> FairnessDecision:
    """Record a manager's decision on an open case and carry it out, or change nothing."""
    _require_manager(actor)
    kind, reason, restriction, message = _checked(data)
    case = _case_for(session, case_id, data.customer_id)
    if case.status != CaseStatus.OPEN:
        raise _already(session, case)
    now = now or utcnow()
    settings = settings or get_settings()
    customer = session.get(Customer, case.customer_id)
    if customer is None:
        raise NotFound(f"no customer {case.customer_id}", field="customer_id")
    if kind is DecisionKind.WARN and message is None:
        message = notices.warning_template(customer)
    try:
        with session.begin_nested():
            _claim(session, case, now)
            decision = FairnessDecision(
                case_id=case.id,
                customer_id=customer.id,
                kind=kind,
                reason=reason,
                restriction=restriction,
                message=message or "",
                decided_by_id=actor.id,
                decided_at=now,
            )
            session.add(decision)
            session.flush()
            effects = _apply(session, decision, customer, settings, now)
            audit.record(
                session,
                actor=actor,
                action=f"fairness.decision.{kind.value}",
                entity_type="fairness_decision",
                entity_id=decision.id,
                details={
                    "case_id": case.id,
                    "customer_id": customer.id,
                    "reason": reason,
                    "restriction": restriction.value if restriction else None,
                    **effects,
                },
            )
            session.flush()
    except IntegrityError:  # the unique decision per case: a concurrent decision won
        raise _already(session, case) from None
    session.refresh(case)
    return decision
