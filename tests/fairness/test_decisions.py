"""Manager decisions on fairness cases: each kind's effects, and bad input changing nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fairdesk.auth.models import AuditEntry, Role, StaffUser
from fairdesk.config import Settings
from fairdesk.customers.models import Customer, LifecycleStatus, OrderStatus
from fairdesk.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fairdesk.fairness import decisions, parting, restrictions
from fairdesk.fairness.decisions import DecisionInput
from fairdesk.fairness.models import (
    CaseStatus,
    FairnessCase,
    FairnessDecision,
    FairnessRestriction,
    FairnessSignal,
    RestrictionKind,
)
from fairdesk.outbox.models import OutboxItem
from fairdesk.tickets.models import Message, MessageKind
from fairdesk.triage.models import MessageTriage, TicketTriage
from tests.factories import make_customer, make_order, make_user
from tests.fairness.case_helpers import make_case, make_signal
from tests.fairness.signal_helpers import claim, delivered_order
from tests.feedback.helpers import add_comment


def _count(session: Session, model: type[Any]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _snapshot(session: Session) -> tuple[int, int, int, int, int]:
    open_cases = select(func.count()).where(FairnessCase.status == CaseStatus.OPEN)
    return (
        _count(session, FairnessDecision),
        _count(session, FairnessRestriction),
        _count(session, OutboxItem),
        _count(session, AuditEntry),
        session.scalar(open_cases) or 0,
    )


def _mail(session: Session, decision: FairnessDecision) -> OutboxItem | None:
    return session.scalar(
        select(OutboxItem).where(OutboxItem.dedup_key == f"fairness:decision:{decision.id}")
    )


def test_dismiss_marks_signals_reviewed_and_sends_nothing(
    session: Session, manager: StaffUser
) -> None:
    customer = make_customer(session)
    signal = make_signal(session, customer)
    case = make_case(session, customer)
    decision = decisions.decide(
        session,
        case_id=case.id,
        actor=manager,
        data=DecisionInput(customer_id=customer.id, kind="dismiss", reason="Courier confirmed"),
    )
    session.refresh(signal)
    assert signal.reviewed_key == signal.evidence_key and signal.reviewed_at is not None
    assert case.status == CaseStatus.DECIDED and case.decided_at is not None
    assert decision.decided_by_id == manager.id and decision.reason == "Courier confirmed"
    assert _mail(session, decision) is None
    entry = session.scalar(
        select(AuditEntry).where(AuditEntry.action == "fairness.decision.dismiss")
    )
    assert entry is not None and entry.actor_id == manager.id
    assert entry.details["reason"] == "Courier confirmed" and entry.details["case_id"] == case.id


def test_warn_sends_the_edited_text_or_the_respectful_template(
    session: Session, manager: StaffUser
) -> None:
    ada = make_customer(session, first_name="Ada")
    case = make_case(session, ada)
    edited = decisions.decide(
        session,
        case_id=case.id,
        actor=manager,
        data=DecisionInput(
            customer_id=ada.id,
            kind="warn",
            reason="Pattern of claims",
            message="  Dear Ada, please keep receipts.  ",
        ),
    )
    mail = _mail(session, edited)
    assert mail is not None and mail.payload["to"] == ada.email
    assert mail.payload["text"] == "Dear Ada, please keep receipts."
    bob = make_customer(session, first_name="Bob")
    template = decisions.decide(
        session,
        case_id=make_case(session, bob).id,
        actor=manager,
        data=DecisionInput(customer_id=bob.id, kind="warn", reason="Pattern of claims"),
    )
    assert template.message.startswith("Hello Bob,")
    assert "Nothing about how we serve you has changed" in template.message
    sent = _mail(session, template)
    assert sent is not None and sent.payload["text"] == template.message


@pytest.mark.parametrize("kind", list(restrictions.POLICIES))
def test_restrict_puts_one_policy_in_force_and_tells_the_customer(
    session: Session, manager: StaffUser, kind: RestrictionKind
) -> None:
    customer = make_customer(session)
    case = make_case(session, customer)
    decision = decisions.decide(
        session,
        case_id=case.id,
        actor=manager,
        data=DecisionInput(
            customer_id=customer.id,
            kind="restrict",
            reason="Five claims in May",
            restriction=kind.value,
        ),
    )
    assert restrictions.active_kinds(session, customer_id=customer.id) == {kind}
    mail = _mail(session, decision)
    assert mail is not None
    assert restrictions.CUSTOMER_WORDS[kind] in mail.payload["text"]
    assert "Why: Five claims in May" in mail.payload["text"]
    assert "/portal/decisions/" in mail.payload["text"]  # the appeal link


def _part(
    session: Session,
    manager: StaffUser,
    customer: Customer,
    retention: Literal["keep", "erase"],
) -> FairnessDecision:
    case = make_case(session, customer)
    return decisions.decide(
        session,
        case_id=case.id,
        actor=manager,
        settings=Settings(fairness_parting_retention=retention),
        data=DecisionInput(customer_id=customer.id, kind="part_ways", reason="Threats to staff"),
    )


def test_part_ways_keeps_records_and_lists_what_is_honoured(
    session: Session, manager: StaffUser
) -> None:
    customer = make_customer(session, lifecycle_status=LifecycleStatus.ACTIVE, phone="0123")
    open_order = make_order(
        session, customer, status=OrderStatus.PAID, placed_at=datetime(2026, 10, 1, tzinfo=UTC)
    )
    make_order(session, customer, status=OrderStatus.FULFILLED)
    decision = _part(session, manager, customer, "keep")
    assert customer.lifecycle_status == LifecycleStatus.PARTED
    assert customer.phone == "0123" and customer.email is not None
    assert decision.retention == "keep"
    assert restrictions.active_kinds(session, customer_id=customer.id) == {RestrictionKind.PARTED}
    mail = _mail(session, decision)
    assert mail is not None and f"order {open_order.external_id}" in mail.payload["text"]
    assert mail.payload["text"].count("  - order ") == 1  # the fulfilled order is not owed
    entry = session.scalar(
        select(AuditEntry).where(AuditEntry.action == "fairness.decision.part_ways")
    )
    assert entry is not None and entry.details["previous_lifecycle"] == "active"
    assert entry.details["honoured_orders"] == [open_order.id]


def test_part_ways_with_erase_anonymises_but_keeps_the_record(
    session: Session, manager: StaffUser
) -> None:
    customer = make_customer(session, first_name="Mallory", phone="0777", city="Leeds")
    order = make_order(session, customer)
    address = customer.email
    decision = _part(session, manager, customer, "erase")
    mail = _mail(session, decision)
    assert mail is not None and mail.payload["to"] == address  # told before erasure
    assert "erase your personal details" in mail.payload["text"]
    assert (customer.first_name, customer.email, customer.phone, customer.city) == (
        "",
        None,
        None,
        None,
    )
    case = session.get(FairnessCase, decision.case_id)
    assert case is not None and case.dossier["customer"]["name"] == "erased customer"
    assert case.dossier["customer"]["email"] is None
    assert session.get(type(order), order.id) is not None  # the ledger stays
    assert decision.reason == "Threats to staff" and decision.retention == "erase"


def test_part_ways_with_erase_erases_the_words_but_keeps_the_counts(
    session: Session, manager: StaffUser
) -> None:
    customer = make_customer(session, first_name="Mallory")
    order = delivered_order(session, customer)
    ticket = claim(
        session,
        customer,
        order,
        category="quality",
        body="You useless idiot, my address is 12 Elm Road and the bag split.",
    )
    answer = add_comment(
        session, customer, "Mallory here, 12 Elm Road, call me", ticket=ticket, csat=2
    )
    other = make_customer(session)
    kept = claim(session, other, delivered_order(session, other), category="delivery")
    session.flush()
    messages_before = _count(session, Message)
    _part(session, manager, customer, "erase")
    session.flush()
    session.refresh(ticket)
    assert ticket.subject == parting.ERASED_SUBJECT
    written = session.scalars(
        select(Message).where(Message.ticket_id == ticket.id, Message.kind != MessageKind.EVENT)
    ).all()
    assert written and {m.body for m in written} == {parting.ERASED_TEXT}
    assert _count(session, Message) == messages_before  # rows (and so times, counts) stay
    triage = session.scalars(select(MessageTriage).where(MessageTriage.ticket_id == ticket.id))
    (row,) = triage.all()
    assert row.abusive and row.spans == []  # exposure still counted, no span into erased text
    summary = session.get(TicketTriage, ticket.id)
    assert summary is not None and summary.preview is None and summary.abusive
    untouched = session.get(TicketTriage, kept.id)
    assert untouched is not None and untouched.preview  # another customer's preview stays
    session.refresh(answer)
    assert answer.comment == "" and answer.csat == 2
    session.refresh(kept)
    assert kept.subject == "About my order"  # another customer's case is untouched
    assert "Elm Road" not in " ".join(
        m.body for m in session.scalars(select(Message).where(Message.ticket_id == kept.id))
    )


BAD_INPUT = [
    ({"kind": "ban"}, "kind"),
    ({"reason": "   "}, "reason"),
    ({"reason": "x" * 2001}, "reason"),
    ({"kind": "restrict"}, "restriction"),
    ({"kind": "restrict", "restriction": "parted"}, "restriction"),
    ({"kind": "restrict", "restriction": "no_refunds"}, "restriction"),
    ({"kind": "dismiss", "restriction": "email_only"}, "restriction"),
    ({"kind": "warn", "message": "  "}, "message"),
    ({"kind": "dismiss", "message": "hello"}, "message"),
]


@pytest.mark.parametrize(("change", "field"), BAD_INPUT)
def test_bad_input_names_the_field_and_changes_nothing(
    session: Session, manager: StaffUser, change: dict[str, str], field: str
) -> None:
    customer = make_customer(session)
    case = make_case(session, customer)
    before = _snapshot(session)
    fields = {"customer_id": customer.id, "kind": "warn", "reason": "A reason", **change}
    with pytest.raises(ValidationFailed) as err:
        decisions.decide(session, case_id=case.id, actor=manager, data=DecisionInput(**fields))  # type: ignore[arg-type]
    assert err.value.field == field
    assert _snapshot(session) == before and case.status == CaseStatus.OPEN


def test_a_non_manager_is_refused(session: Session, agent: StaffUser) -> None:
    customer = make_customer(session)
    case = make_case(session, customer)
    before = _snapshot(session)
    with pytest.raises(PermissionDenied):
        decisions.decide(
            session,
            case_id=case.id,
            actor=agent,
            data=DecisionInput(customer_id=customer.id, kind="dismiss", reason="fine"),
        )
    assert _snapshot(session) == before


def test_unknown_case_and_another_customers_case_are_refused(
    session: Session, manager: StaffUser
) -> None:
    customer, other = make_customer(session), make_customer(session)
    case = make_case(session, customer)
    before = _snapshot(session)
    with pytest.raises(NotFound) as missing:
        decisions.decide(
            session,
            case_id=case.id + 1000,
            actor=manager,
            data=DecisionInput(customer_id=customer.id, kind="dismiss", reason="fine"),
        )
    assert missing.value.field == "case_id"
    with pytest.raises(ValidationFailed) as mismatch:
        decisions.decide(
            session,
            case_id=case.id,
            actor=manager,
            data=DecisionInput(
                customer_id=other.id, kind="restrict", reason="fine", restriction="email_only"
            ),
        )
    assert mismatch.value.field == "customer_id" and "another customer" in mismatch.value.message
    assert _snapshot(session) == before


def test_a_decided_case_cannot_be_decided_again(session: Session, manager: StaffUser) -> None:
    customer = make_customer(session)
    case = make_case(session, customer)
    decisions.decide(
        session,
        case_id=case.id,
        actor=manager,
        data=DecisionInput(customer_id=customer.id, kind="dismiss", reason="fine"),
    )
    second = make_user(session, role=Role.MANAGER, name="Second Manager")
    before = _snapshot(session)
    with pytest.raises(Conflict) as err:
        decisions.decide(
            session,
            case_id=case.id,
            actor=second,
            data=DecisionInput(customer_id=customer.id, kind="part_ways", reason="no"),
        )
    assert err.value.status_code == 409 and manager.name in err.value.message
    assert _snapshot(session) == before
    assert restrictions.active_kinds(session, customer_id=customer.id) == frozenset()


def test_dismissed_signals_stay_reviewed_only_for_the_same_evidence(
    session: Session, manager: StaffUser
) -> None:
    customer = make_customer(session)
    signal = make_signal(session, customer)
    decisions.decide(
        session,
        case_id=make_case(session, customer).id,
        actor=manager,
        data=DecisionInput(customer_id=customer.id, kind="dismiss", reason="ok"),
    )
    signal.evidence_key = "new-evidence"
    session.flush()
    unreviewed = session.scalar(
        select(func.count())
        .select_from(FairnessSignal)
        .where(
            FairnessSignal.customer_id == customer.id,
            FairnessSignal.reviewed_key != FairnessSignal.evidence_key,
        )
    )
    assert unreviewed == 1
