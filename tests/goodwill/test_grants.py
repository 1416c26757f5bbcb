"""Grants, approvals, idempotency and the audit trail, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fairdesk.auth.models import AuditEntry, StaffUser
from fairdesk.customers.models import Order, OrderStatus
from fairdesk.errors import Conflict, PermissionDenied, ValidationFailed
from fairdesk.goodwill import grants, ledger
from fairdesk.goodwill import service as goodwill_service
from fairdesk.goodwill.grants import OverLimit
from fairdesk.goodwill.models import Gesture, GestureStatus
from fairdesk.goodwill.rules import GestureInvalid, GestureRequest
from fairdesk.outbox.models import OutboxItem
from fairdesk.tickets.models import Message, MessageKind, Ticket, TicketStatus
from tests.goodwill.helpers import make_ticket, use_policy


def _replies(session: Session, ticket: Ticket) -> list[str]:
    return list(session.scalars(
        select(Message.body).where(Message.ticket_id == ticket.id,
                                   Message.kind == MessageKind.REPLY).order_by(Message.id)
    ))


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Gesture)) or 0


def test_a_grant_within_limits_is_recorded_told_and_audited(
    session: Session, agent: StaffUser
) -> None:
    ticket = make_ticket(session, category="other")
    gesture = grants.grant(session, ticket_id=ticket.id, actor=agent,
                           request=GestureRequest("store_credit", Decimal("20"), "GBP"))
    assert gesture.status == GestureStatus.GRANTED
    assert gesture.rule == "within_discretion:agent" and gesture.charged_to_budget
    assert gesture.policy_version_id == goodwill_service.current_version(session).id
    assert gesture.inputs["facts"]["order_amount"] == "25.00"
    assert "£20.00 of store credit" in _replies(session, ticket)[-1]
    assert session.scalar(select(func.count()).select_from(OutboxItem).where(
        OutboxItem.dedup_key.like("reply:message:%"))) == 1
    session.refresh(ticket)
    assert ticket.status == TicketStatus.RESOLVED
    audit = session.scalar(select(AuditEntry).where(AuditEntry.action == "goodwill.grant"))
    assert audit is not None and audit.details["rule"] == "within_discretion:agent"
    mine = ledger.budget_of(session, agent, goodwill_service.policy_of(
        goodwill_service.current_version(session)), gesture.created_at.date())
    assert (mine.spent_today, mine.left_today) == (Decimal("20"), Decimal("230"))
    assert ledger.gestures(session, customer_id=ticket.customer_id) == [gesture]


def test_granting_twice_is_idempotent(session: Session, agent: StaffUser) -> None:
    ticket = make_ticket(session)
    req = GestureRequest("store_credit", Decimal("15"), "GBP")
    first = grants.grant(session, ticket_id=ticket.id, actor=agent, request=req)
    again = grants.grant(session, ticket_id=ticket.id, actor=agent, request=req)
    assert again.id == first.id and _count(session) == 1
    assert len(_replies(session, ticket)) == 1
    keyed = grants.grant(session, ticket_id=ticket.id, actor=agent, idempotency_key="k1",
                         request=GestureRequest("store_credit", Decimal("5"), "GBP"))
    with pytest.raises(Conflict):  # same key, another gesture
        grants.grant(session, ticket_id=ticket.id, actor=agent, idempotency_key="k1",
                     request=GestureRequest("store_credit", Decimal("6"), "GBP"))
    assert keyed.id != first.id


@pytest.mark.parametrize(("remedy", "amount", "currency", "field"), [
    ("store_credit", "-5", "GBP", "amount"),
    ("store_credit", "99999999", "GBP", "amount"),
    ("store_credit", "5", "EUR", "currency"),
    ("refund", "26", "GBP", "amount"),
])
def test_bad_amounts_and_currencies_change_nothing(
    session: Session, agent: StaffUser, remedy: str, amount: str, currency: str, field: str
) -> None:
    ticket = make_ticket(session)
    with pytest.raises(GestureInvalid) as err:
        grants.grant(session, ticket_id=ticket.id, actor=agent,
                     request=GestureRequest(remedy, Decimal(amount), currency))
    assert err.value.field == field
    assert _count(session) == 0 and _replies(session, ticket) == []


def test_above_the_limit_is_refused_naming_it(session: Session, agent: StaffUser) -> None:
    ticket = make_ticket(session, amount="200")
    with pytest.raises(OverLimit) as err:
        grants.grant(session, ticket_id=ticket.id, actor=agent,
                     request=GestureRequest("store_credit", Decimal("75"), "GBP"))
    assert "£75.00 is above your £50.00 limit" in err.value.message
    assert err.value.status_code == 403 and _count(session) == 0


def test_the_daily_budget_is_named_when_used_up(session: Session, agent: StaffUser) -> None:
    use_policy(session, per_gesture=50, per_day=60)
    grants.grant(session, ticket_id=make_ticket(session).id, actor=agent,
                 request=GestureRequest("store_credit", Decimal("40"), "GBP"))
    with pytest.raises(OverLimit) as err:
        grants.grant(session, ticket_id=make_ticket(session).id, actor=agent,
                     request=GestureRequest("store_credit", Decimal("25"), "GBP"))
    assert "£60.00 daily budget" in err.value.message


def test_no_questions_asked_replaces_at_once_beyond_the_agents_limits(
    session: Session, agent: StaffUser
) -> None:
    use_policy(session, per_gesture=5, per_day=5, max_claims=1)
    ticket = make_ticket(session, category="defect", amount="45")
    gesture = grants.grant(session, ticket_id=ticket.id, actor=agent,
                           request=GestureRequest("replacement", Decimal("45"), "GBP"))
    assert gesture.rule == "no_questions_asked:defect" and not gesture.charged_to_budget
    assert "replacement" in _replies(session, ticket)[-1]


def test_approval_flow_tells_the_customer_and_applies_the_refund(
    session: Session, agent: StaffUser, manager: StaffUser
) -> None:
    ticket = make_ticket(session, category="billing", amount="120")
    req = GestureRequest("refund", Decimal("120"), "GBP")
    pending = grants.request_approval(session, ticket_id=ticket.id, actor=agent, request=req)
    assert pending.status == GestureStatus.PENDING
    assert pending.inputs["over"] == ["per_gesture"]
    assert "you'll hear from us by" in _replies(session, ticket)[-1]
    with pytest.raises(PermissionDenied):
        grants.approve(session, gesture_id=pending.id, approver=agent)
    done = grants.approve(session, gesture_id=pending.id, approver=manager, note="loyal")
    assert (done.status, done.approver_id, done.actor_id) == (
        GestureStatus.GRANTED, manager.id, agent.id)
    assert done.rule == "approved_by:manager"
    order = session.get(Order, ticket.order_id)
    assert order is not None and order.refunded_amount == Decimal("120")
    assert order.status == OrderStatus.REFUNDED
    assert "refunded £120.00" in _replies(session, ticket)[-1]
    with pytest.raises(Conflict):  # already decided
        grants.decline(session, gesture_id=pending.id, approver=manager, reason="no")


def test_decline_needs_a_reason_and_tells_the_customer(
    session: Session, agent: StaffUser, manager: StaffUser
) -> None:
    ticket = make_ticket(session)
    pending = grants.request_approval(
        session, ticket_id=ticket.id, actor=agent,
        request=GestureRequest("store_credit", Decimal("20"), "GBP"))
    with pytest.raises(ValidationFailed):
        grants.decline(session, gesture_id=pending.id, approver=manager, reason="  ")
    reason = "We've already replaced this order twice; we'll call you to sort it properly."
    done = grants.decline(session, gesture_id=pending.id, approver=manager, reason=reason)
    assert done.status == GestureStatus.DECLINED and _replies(session, ticket)[-1] == reason


def test_gestures_keep_the_version_that_allowed_them(
    session: Session, agent: StaffUser, manager: StaffUser
) -> None:
    first = grants.grant(session, ticket_id=make_ticket(session).id, actor=agent,
                         request=GestureRequest("store_credit", Decimal("10"), "GBP"))
    use_policy(session, manager, per_gesture=80)
    second = grants.grant(session, ticket_id=make_ticket(session).id, actor=agent,
                          request=GestureRequest("store_credit", Decimal("70"), "GBP"))
    assert second.policy_version_id != first.policy_version_id
    session.refresh(first)
    assert first.rule == "within_discretion:agent"


def test_spend_report_groups_granted_gestures(session: Session, agent: StaffUser) -> None:
    for category, amount in (("other", "10"), ("other", "5"), ("billing", "7")):
        grants.grant(session, ticket_id=make_ticket(session, category=category).id,
                     actor=agent, request=GestureRequest("store_credit", Decimal(amount), "GBP"))
    rows = {g: (a, n) for g, a, n in ledger.spend_by(session, "category")}
    assert rows == {"other": (Decimal("15"), 2), "billing": (Decimal("7"), 1)}
    assert ledger.spend_by(session, "agent") == [(agent.name, Decimal("22"), 3)]
    assert ledger.spend_by(session, "persona") == [("(none)", Decimal("22"), 3)]
