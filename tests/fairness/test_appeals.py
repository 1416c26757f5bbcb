"""Appeals: submitted by the customer, reviewed by a different manager, upheld or overturned."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fairdesk.auth.models import AuditEntry, Role, StaffUser
from fairdesk.config import Settings
from fairdesk.customers.models import Customer, LifecycleStatus
from fairdesk.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fairdesk.fairness import appeals, decisions, restrictions
from fairdesk.fairness.decisions import DecisionInput
from fairdesk.fairness.models import (
    AppealStatus,
    FairnessAppeal,
    FairnessDecision,
    RestrictionKind,
)
from fairdesk.outbox.models import OutboxItem
from tests.factories import make_customer, make_user
from tests.fairness.case_helpers import make_case


def _decide(
    session: Session, manager: StaffUser, customer: Customer, kind: str = "restrict", **kw: str
) -> FairnessDecision:
    case = make_case(session, customer)
    fields = {"restriction": "receipts_required"} if kind == "restrict" else {}
    return decisions.decide(
        session,
        case_id=case.id,
        actor=manager,
        settings=Settings(fairness_parting_retention="keep"),
        data=DecisionInput(
            customer_id=customer.id, kind=kind, reason="Many claims", **{**fields, **kw}
        ),
    )


def _outcome_mail(session: Session, appeal: FairnessAppeal) -> OutboxItem | None:
    return session.scalar(
        select(OutboxItem).where(OutboxItem.dedup_key == f"fairness:appeal:{appeal.id}")
    )


def test_overturned_restriction_ends_and_the_customer_is_told(
    session: Session, manager: StaffUser
) -> None:
    customer = make_customer(session)
    decision = _decide(session, manager, customer)
    appeal = appeals.submit(
        session,
        decision_id=decision.id,
        customer_id=customer.id,
        body="  I always keep receipts.  ",
    )
    assert appeal.body == "I always keep receipts." and appeal.status == AppealStatus.PENDING
    other = make_user(session, role=Role.MANAGER)
    reviewed = appeals.review(
        session,
        appeal_id=appeal.id,
        actor=other,
        outcome="overturned",
        reason="Receipts were on file",
    )
    assert reviewed.status == AppealStatus.OVERTURNED and reviewed.reviewer_id == other.id
    assert restrictions.active_kinds(session, customer_id=customer.id) == frozenset()
    mail = _outcome_mail(session, appeal)
    assert mail is not None and "overturned the decision" in mail.payload["text"]
    assert "Why: Receipts were on file" in mail.payload["text"]
    actions = set(
        session.scalars(
            select(AuditEntry.action).where(AuditEntry.entity_type == "fairness_appeal")
        )
    )
    assert actions == {"fairness.appeal.submit", "fairness.appeal.overturned"}


def test_upheld_restriction_stays(session: Session, manager: StaffUser) -> None:
    customer = make_customer(session)
    decision = _decide(session, manager, customer)
    appeal = appeals.submit(session, decision_id=decision.id, customer_id=customer.id, body="No")
    appeals.review(
        session,
        appeal_id=appeal.id,
        actor=make_user(session, role=Role.ADMIN),
        outcome="upheld",
        reason="The pattern is clear",
    )
    assert restrictions.active_kinds(session, customer_id=customer.id) == {
        RestrictionKind.RECEIPTS_REQUIRED
    }
    mail = _outcome_mail(session, appeal)
    assert mail is not None and "the decision stands" in mail.payload["text"]


def test_overturned_parting_restores_the_lifecycle(session: Session, manager: StaffUser) -> None:
    customer = make_customer(session, lifecycle_status=LifecycleStatus.LAPSED)
    decision = _decide(session, manager, customer, kind="part_ways")
    assert customer.lifecycle_status == LifecycleStatus.PARTED
    appeal = appeals.submit(
        session, decision_id=decision.id, customer_id=customer.id, body="Please reconsider"
    )
    appeals.review(
        session,
        appeal_id=appeal.id,
        actor=make_user(session, role=Role.MANAGER),
        outcome="overturned",
        reason="We misread the messages",
    )
    restored = session.scalar(select(Customer.lifecycle_status).where(Customer.id == customer.id))
    assert restored == LifecycleStatus.LAPSED
    assert restrictions.active_kinds(session, customer_id=customer.id) == frozenset()


def test_the_decider_may_not_review_and_the_appeal_waits(
    session: Session, manager: StaffUser
) -> None:
    customer = make_customer(session)
    decision = _decide(session, manager, customer)
    appeal = appeals.submit(session, decision_id=decision.id, customer_id=customer.id, body="No")
    with pytest.raises(PermissionDenied) as err:
        appeals.review(
            session,
            appeal_id=appeal.id,
            actor=manager,
            outcome="overturned",
            reason="I changed my mind",
        )
    assert "different manager" in err.value.message
    assert appeal.status == AppealStatus.PENDING
    others = appeals.other_managers(session, decided_by_id=manager.id)
    assert manager.id not in {m.id for m in others}


@pytest.mark.parametrize(
    ("change", "error", "field"),
    [
        ({"outcome": "maybe"}, ValidationFailed, "outcome"),
        ({"reason": " "}, ValidationFailed, "reason"),
        ({"appeal_id": 10**9}, NotFound, "appeal_id"),
    ],
)
def test_bad_reviews_change_nothing(
    session: Session,
    manager: StaffUser,
    change: dict[str, object],
    error: type[Exception],
    field: str,
) -> None:
    customer = make_customer(session)
    decision = _decide(session, manager, customer)
    appeal = appeals.submit(session, decision_id=decision.id, customer_id=customer.id, body="No")
    args: dict[str, object] = {
        "appeal_id": appeal.id,
        "outcome": "overturned",
        "reason": "ok",
        **change,
    }
    with pytest.raises(error) as err:
        appeals.review(session, actor=make_user(session, role=Role.MANAGER), **args)  # type: ignore[arg-type]
    assert getattr(err.value, "field", None) == field
    assert appeal.status == AppealStatus.PENDING
    assert restrictions.active_kinds(session, customer_id=customer.id)


def test_an_agent_may_not_review(session: Session, manager: StaffUser, agent: StaffUser) -> None:
    customer = make_customer(session)
    decision = _decide(session, manager, customer)
    appeal = appeals.submit(session, decision_id=decision.id, customer_id=customer.id, body="No")
    with pytest.raises(PermissionDenied):
        appeals.review(session, appeal_id=appeal.id, actor=agent, outcome="overturned", reason="ok")


def test_a_reviewed_appeal_cannot_be_reviewed_again(session: Session, manager: StaffUser) -> None:
    customer = make_customer(session)
    decision = _decide(session, manager, customer)
    appeal = appeals.submit(session, decision_id=decision.id, customer_id=customer.id, body="No")
    appeals.review(
        session,
        appeal_id=appeal.id,
        actor=make_user(session, role=Role.MANAGER),
        outcome="upheld",
        reason="stands",
    )
    with pytest.raises(Conflict):
        appeals.review(
            session,
            appeal_id=appeal.id,
            actor=make_user(session, role=Role.MANAGER),
            outcome="overturned",
            reason="changed",
        )
    assert restrictions.active_kinds(session, customer_id=customer.id)


def test_submit_refuses_bad_appeals(session: Session, manager: StaffUser) -> None:
    customer, stranger = make_customer(session), make_customer(session)
    decision = _decide(session, manager, customer)
    warned = decisions.decide(
        session,
        case_id=make_case(session, customer).id,
        actor=manager,
        data=DecisionInput(customer_id=customer.id, kind="warn", reason="tone"),
    )
    with pytest.raises(NotFound):  # a decision about someone else
        appeals.submit(session, decision_id=decision.id, customer_id=stranger.id, body="x")
    with pytest.raises(ValidationFailed) as empty:
        appeals.submit(session, decision_id=decision.id, customer_id=customer.id, body="  ")
    assert empty.value.field == "body"
    with pytest.raises(ValidationFailed) as long:
        appeals.submit(session, decision_id=decision.id, customer_id=customer.id, body="x" * 5001)
    assert long.value.field == "body"
    with pytest.raises(ValidationFailed):  # a warning is not appealable
        appeals.submit(session, decision_id=warned.id, customer_id=customer.id, body="x")
    assert session.scalar(select(func.count()).select_from(FairnessAppeal)) == 0
    appeals.submit(session, decision_id=decision.id, customer_id=customer.id, body="first")
    with pytest.raises(Conflict):
        appeals.submit(session, decision_id=decision.id, customer_id=customer.id, body="again")
    assert session.scalar(select(func.count()).select_from(FairnessAppeal)) == 1
