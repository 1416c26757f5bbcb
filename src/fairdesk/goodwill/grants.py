"""Grant a gesture, ask a manager, approve or decline: the ledger and the customer told.

A gesture inside policy is granted in one call and is final (DESIGN rule 3). Every call is
all-or-nothing (a savepoint), idempotent (the same request on a ticket returns the same
gesture), and audited with the rule, the policy version, the actor and the approver.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import CursorResult, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert

from fairdesk.auth import service as audit
from fairdesk.auth.models import Role, StaffUser
from fairdesk.customers.models import Customer, Order, OrderStatus
from fairdesk.db.base import utcnow
from fairdesk.errors import Conflict, FairdeskError, NotFound, PermissionDenied, ValidationFailed
from fairdesk.goodwill import approval_links, budget
from fairdesk.goodwill import service as goodwill_service
from fairdesk.goodwill.models import BudgetPeriod, Gesture, GestureStatus
from fairdesk.goodwill.policy import Policy
from fairdesk.goodwill.rules import Decision, Facts, GestureRequest, Outcome, decide, money
from fairdesk.goodwill.service import VersionKey
from fairdesk.tickets import service as ticket_service
from fairdesk.tickets.models import Ticket, TicketStatus


class OverLimit(FairdeskError):
    """The gesture is beyond what this person may grant; the message names the limit."""

    status_code = 403
    code = "over_limit"


def request_key(req: GestureRequest, idempotency_key: str | None) -> str:
    raw = idempotency_key or f"{req.remedy}|{req.amount}|{req.currency}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _existing(session: Session, ticket_id: int, key: str, req: GestureRequest) -> Gesture | None:
    found = session.scalar(
        select(Gesture).where(Gesture.ticket_id == ticket_id, Gesture.request_key == key)
    )
    if found is not None and (found.remedy, found.amount, found.currency) != (
        req.remedy, req.amount, req.currency
    ):
        raise Conflict("this idempotency key was used for a different gesture", field="key")
    return found


def _record_stmt(
    insert: Callable[[type[Gesture]], postgresql.Insert | sqlite.Insert],
) -> ReturningInsert[Gesture]:
    return insert(Gesture).on_conflict_do_nothing(
        index_elements=[Gesture.ticket_id, Gesture.request_key]
    ).returning(Gesture)


# Built once: the values go in as parameters, so the statement is neither rebuilt nor
# cache-keyed again per gesture.
_RECORD = {"postgresql": _record_stmt(postgresql.insert), "sqlite": _record_stmt(sqlite.insert)}


def _record(session: Session, values: dict[str, Any]) -> tuple[Gesture, bool]:
    """Insert the gesture; or, when a concurrent identical request inserted it first, that one.

    One ``INSERT … ON CONFLICT DO NOTHING RETURNING`` (the ORM object comes back persistent)
    rather than a savepoint, an INSERT and a release. The flag says whether it is ours.
    """
    mine = session.scalars(_RECORD[session.get_bind().dialect.name], [values]).first()
    if mine is not None:
        return mine, True
    raced = session.scalar(
        select(Gesture).where(
            Gesture.ticket_id == values["ticket_id"], Gesture.request_key == values["request_key"]
        )
    )
    assert raced is not None  # the conflicting row is committed, or we would have waited
    return raced, False


def _apply_refund(session: Session, order: Order | None, gesture: Gesture) -> None:
    """Refunds land on the order too, never beyond what is left on it (one guarded UPDATE)."""
    if gesture.remedy != "refund" or order is None or gesture.amount == 0:
        return
    result = session.execute(
        update(Order)
        .where(Order.id == order.id, Order.refunded_amount + gesture.amount <= Order.amount)
        .values(refunded_amount=Order.refunded_amount + gesture.amount),
        execution_options={"synchronize_session": False},
    )
    assert isinstance(result, CursorResult)
    if result.rowcount != 1:
        raise ValidationFailed("the order has no more left to refund", field="amount")
    session.refresh(order)
    order.status = (
        OrderStatus.REFUNDED if order.refunded_amount >= order.amount
        else OrderStatus.PARTIALLY_REFUNDED
    )


def _tell_granted(session: Session, rules: Policy, gesture: Gesture, actor: StaffUser) -> None:
    text = rules.remedies[gesture.remedy].customer_text.format(
        amount=money(gesture.amount, gesture.currency)
    )
    ticket_service.reply(
        session, ticket_id=gesture.ticket_id, author=actor, body=text,
        status_after=TicketStatus.RESOLVED,
    )


def _audit(
    session: Session, action: str, gesture: Gesture, actor: StaffUser, via: str | None = None
) -> None:
    extra = {"via": via} if via else {}
    audit.record(
        session, actor=actor, action=action, entity_type="goodwill_gesture",
        entity_id=gesture.id,
        details={
            "ticket_id": gesture.ticket_id, "customer_id": gesture.customer_id,
            "order_id": gesture.order_id, "remedy": gesture.remedy,
            "amount": str(gesture.amount), "currency": gesture.currency,
            "status": str(gesture.status), "rule": gesture.rule,
            "policy_version_id": gesture.policy_version_id,
            "actor_id": gesture.actor_id, "approver_id": gesture.approver_id, **extra,
        },
    )


class _Context(NamedTuple):
    ticket: Ticket
    version: VersionKey
    rules: Policy
    facts: Facts
    order: Order | None
    # Held only so the session's weak identity map keeps it: the reply and the survey
    # invitation then find the customer there instead of reading it again.
    customer: Customer


def _prepare(
    session: Session, ticket_id: int, actor: StaffUser, req: GestureRequest, now: datetime,
    spent: dict[BudgetPeriod, Decimal] | None = None,
) -> _Context:
    version = goodwill_service.current_key(session)
    rules = goodwill_service.rules_of(session, version)
    ticket, order, customer, facts = goodwill_service.inputs_for(
        session, ticket_id=ticket_id, role=str(actor.role), staff_id=actor.id, rules=rules,
        now=now, spent=spent,
    )
    return _Context(ticket, version, rules, facts, order, customer)


def _gesture_values(
    ticket: Ticket, order: Order | None, version: VersionKey, facts: Facts, decision: Decision,
    req: GestureRequest, key: str, actor: StaffUser, status: GestureStatus, note: str,
) -> dict[str, Any]:
    return dict(
        ticket_id=ticket.id, customer_id=ticket.customer_id,
        order_id=order.id if order else None, request_key=key, remedy=req.remedy,
        amount=req.amount, currency=req.currency, status=status, category=ticket.category,
        segment=facts.segment, rule=decision.rule, reasons=list(decision.reasons),
        inputs={"facts": facts.as_inputs(), "receipt": req.receipt,
                "limit": str(decision.limit), "over": list(decision.over)},
        charged_to_budget=decision.charge_budget and status is GestureStatus.GRANTED,
        policy_version_id=version.id, actor_id=actor.id, note=note[:2000],
    )


def grant(
    session: Session, *, ticket_id: int, actor: StaffUser, request: GestureRequest,
    note: str = "", idempotency_key: str | None = None, now: datetime | None = None,
) -> Gesture:
    """Grant within discretion, at once and for good; above it, refuse naming the limit."""
    now = now or utcnow()
    key = request_key(request, idempotency_key)
    found = _existing(session, ticket_id, key, request)
    if found is not None:
        return found
    try:
        return _grant(session, ticket_id, actor, request, note, key, now)
    except _Raced as raced:
        return raced.gesture


class _Raced(Exception):
    """An identical request recorded the gesture first: undo ours, answer with theirs."""

    def __init__(self, gesture: Gesture) -> None:
        super().__init__(gesture.id)
        self.gesture = gesture


def _grant(
    session: Session, ticket_id: int, actor: StaffUser, request: GestureRequest, note: str,
    key: str, now: datetime,
) -> Gesture:
    """The grant itself, all or nothing (a savepoint): lock, decide, charge, record, tell."""
    with session.begin_nested():
        spent = budget.lock_rows(session, staff_id=actor.id, today=now.date())
        ticket, version, rules, facts, order, _customer = _prepare(
            session, ticket_id, actor, request, now, spent
        )
        decision = decide(rules, facts, request)
        if decision.outcome is Outcome.NEEDS_APPROVAL:
            raise OverLimit(
                f"{decision.explanation} Ask a manager to approve it.",
                field="amount", details={"over": list(decision.over), "rule": decision.rule},
            )
        if decision.charge_budget:
            limits = rules.roles[facts.role]
            full = budget.charge(
                session, staff_id=actor.id, amount=request.amount, today=now.date(),
                spent=spent, per_day=limits.per_day, per_month=limits.per_month,
            )
            if full is not None:
                cap = limits.per_day if full is BudgetPeriod.DAY else limits.per_month
                word = "daily" if full is BudgetPeriod.DAY else "monthly"
                raise OverLimit(
                    f"{money(request.amount, request.currency)} would pass your "
                    f"{money(cap, rules.currency)} {word} budget. Ask a manager to approve it.",
                    field="amount", details={"over": [f"per_{full}"]},
                )
        values = _gesture_values(ticket, order, version, facts, decision, request, key, actor,
                                 GestureStatus.GRANTED, note)
        gesture, mine = _record(session, {**values, "decided_at": now})
        if not mine:
            # An identical request won the race; the savepoint takes our charge back.
            raise _Raced(gesture)
        _apply_refund(session, order, gesture)
        _tell_granted(session, rules, gesture, actor)
        _audit(session, "goodwill.grant", gesture, actor)
    return gesture


def request_approval(
    session: Session, *, ticket_id: int, actor: StaffUser, request: GestureRequest,
    note: str = "", idempotency_key: str | None = None, now: datetime | None = None,
) -> Gesture:
    """Ask a manager; the customer is told it is being looked at and when to expect word."""
    now = now or utcnow()
    key = request_key(request, idempotency_key)
    found = _existing(session, ticket_id, key, request)
    if found is not None:
        return found
    with session.begin_nested():
        budget.ensure_rows(session, staff_id=actor.id, today=now.date())
        ticket, version, rules, facts, order, _customer = _prepare(
            session, ticket_id, actor, request, now
        )
        decision = decide(rules, facts, request)
        values = _gesture_values(ticket, order, version, facts, decision, request, key, actor,
                                 GestureStatus.PENDING, note)
        gesture, mine = _record(session, values)
        if not mine:
            return gesture
        by = now + timedelta(hours=rules.approval_answer_hours)
        ticket_service.reply(
            session, ticket_id=ticket.id, author=actor, status_after=TicketStatus.OPEN,
            body=(
                f"Thank you for your patience. We're looking at this now: a manager is reviewing "
                f"what we can do for you, and you'll hear from us by "
                f"{by.strftime('%A %d %B, %H:%M')} UTC at the latest."
            ),
        )
        _audit(session, "goodwill.approval.request", gesture, actor)
        approval_links.notify_managers(
            session, gesture=gesture, ticket=ticket, actor=actor, rules=rules
        )
    return gesture


def _pending(session: Session, gesture_id: int, approver: StaffUser) -> Gesture:
    if not Role(approver.role).at_least(Role.MANAGER):
        raise PermissionDenied("this needs the manager role")
    gesture = session.scalar(
        select(Gesture).where(Gesture.id == gesture_id).with_for_update()
    )
    if gesture is None:
        raise NotFound(f"no goodwill gesture {gesture_id}")
    if gesture.status != GestureStatus.PENDING:
        raise Conflict(f"this request was already {gesture.status}")
    return gesture


def approve(
    session: Session, *, gesture_id: int, approver: StaffUser, note: str = "",
    now: datetime | None = None, via: str = "queue",
) -> Gesture:
    """Approve within the approver's own limit; the customer gets the gesture at once.

    ``via`` (the queue, the API or an e-mail link) is written to the audit entry."""
    now = now or utcnow()
    with session.begin_nested():
        budget.ensure_rows(session, staff_id=approver.id, today=now.date())
        gesture = _pending(session, gesture_id, approver)
        req = GestureRequest(gesture.remedy, Decimal(gesture.amount), gesture.currency, True)
        _ticket, version, rules, _facts, order, _customer = _prepare(
            session, gesture.ticket_id, approver, req, now
        )
        limit = rules.roles.get(str(approver.role))
        cap = limit.per_remedy.get(gesture.remedy, limit.per_gesture) if limit else None
        if cap is not None and gesture.amount > cap:
            raise OverLimit(
                f"{money(gesture.amount, gesture.currency)} is above your "
                f"{money(cap, rules.currency)} approval limit; an admin must approve it",
                field="amount",
            )
        gesture.status = GestureStatus.GRANTED
        gesture.approver_id = approver.id
        gesture.decided_at = now
        gesture.decision_note = note[:2000]
        gesture.rule = f"approved_by:{approver.role}"
        gesture.policy_version_id = version.id
        session.flush()
        _apply_refund(session, order, gesture)
        _tell_granted(session, rules, gesture, approver)
        _audit(session, "goodwill.approval.approve", gesture, approver, via)
    return gesture


def decline(
    session: Session, *, gesture_id: int, approver: StaffUser, reason: str,
    now: datetime | None = None, via: str = "queue",
) -> Gesture:
    """Decline with a reason the customer is told in plain words."""
    if not reason.strip():
        raise ValidationFailed("say why, in words the customer will read", field="reason")
    now = now or utcnow()
    with session.begin_nested():
        budget.ensure_rows(session, staff_id=approver.id, today=now.date())
        gesture = _pending(session, gesture_id, approver)
        gesture.status = GestureStatus.DECLINED
        gesture.approver_id = approver.id
        gesture.decided_at = now
        gesture.decision_note = reason[:2000]
        session.flush()
        ticket_service.reply(
            session, ticket_id=gesture.ticket_id, author=approver, body=reason.strip(),
            status_after=TicketStatus.PENDING,
        )
        _audit(session, "goodwill.approval.decline", gesture, approver, via)
    return gesture
