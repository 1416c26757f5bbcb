"""Goodwill honours a decided restriction for that customer, and only for that customer."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from fairdesk.auth.models import StaffUser
from fairdesk.customers.models import Customer
from fairdesk.fairness import decisions, restrictions
from fairdesk.fairness.decisions import DecisionInput
from fairdesk.goodwill import grants
from fairdesk.goodwill import service as goodwill_service
from fairdesk.goodwill.rules import Facts, GestureRequest, Outcome, decide
from fairdesk.tickets.models import Ticket
from tests.fairness.case_helpers import make_case
from tests.goodwill.helpers import make_ticket
from tests.goodwill.test_rules import POLICY, REMEDIES, facts_st


def _restrict(session: Session, manager: StaffUser, customer_id: int, kind: str) -> None:
    customer = session.get(Customer, customer_id)
    assert customer is not None
    decisions.decide(
        session,
        case_id=make_case(session, customer).id,
        actor=manager,
        data=DecisionInput(
            customer_id=customer_id, kind="restrict", reason="Claims", restriction=kind
        ),
    )


def _store_credit(session: Session, ticket: Ticket, agent: StaffUser, *, receipt: bool) -> str:
    try:
        gesture = grants.grant(
            session,
            ticket_id=ticket.id,
            actor=agent,
            request=GestureRequest("store_credit", Decimal("10.00"), "GBP", receipt),
        )
    except grants.OverLimit as exc:
        return f"refused: {exc.message}"
    return f"granted: {gesture.rule}"


def test_receipts_required_asks_for_a_receipt_even_under_the_threshold(
    session: Session, manager: StaffUser, agent: StaffUser
) -> None:
    restricted, twin = make_ticket(session), make_ticket(session)
    _restrict(session, manager, restricted.customer_id, "receipts_required")
    assert _store_credit(session, twin, agent, receipt=False).startswith("granted")
    refused = _store_credit(session, restricted, agent, receipt=False)
    assert refused.startswith("refused") and "receipt is required for this customer" in refused
    assert _store_credit(session, restricted, agent, receipt=True).startswith("granted")


def test_no_questions_asked_off_sends_the_replacement_through_normal_rules(
    session: Session, manager: StaffUser, agent: StaffUser
) -> None:
    restricted = make_ticket(session, category="defect", amount="45.00")
    twin = make_ticket(session, category="defect", amount="45.00")
    _restrict(session, manager, restricted.customer_id, "no_questions_asked_off")
    plain, _ = goodwill_service.recommendation_for(session, ticket_id=twin.id, actor=agent)
    rec, _ = goodwill_service.recommendation_for(session, ticket_id=restricted.id, actor=agent)
    assert plain.decision.rule == "no_questions_asked:defect"
    assert rec.remedy == "replacement" and not rec.decision.rule.startswith("no_questions")
    assert "No questions asked" not in rec.decision.explanation


@pytest.mark.parametrize("kind", ["email_only", "receipts_required"])
def test_a_lifted_restriction_stops_applying(
    session: Session, manager: StaffUser, kind: str
) -> None:
    ticket = make_ticket(session)
    _restrict(session, manager, ticket.customer_id, kind)
    decision_id = restrictions.active_for(session, customer_id=ticket.customer_id)[0].decision_id
    assert restrictions.lift(session, decision_id=decision_id, reason="appeal") == 1
    assert restrictions.active_kinds(session, customer_id=ticket.customer_id) == frozenset()


@given(
    facts=facts_st,
    remedy=st.sampled_from(REMEDIES),
    amount=st.decimals(min_value=0, max_value=200, places=2),
    receipt=st.booleans(),
    receipts_required=st.booleans(),
    nqa_off=st.booleans(),
)
def test_a_restriction_only_ever_tightens_and_never_grants_more(
    facts: Facts,
    remedy: str,
    amount: Decimal,
    receipt: bool,
    receipts_required: bool,
    nqa_off: bool,
) -> None:
    req = GestureRequest(remedy, amount, "GBP", receipt)
    if remedy == "refund" and facts.order_amount is not None and amount > facts.order_amount:
        return
    restricted = replace(facts, receipts_required=receipts_required, no_questions_asked_off=nqa_off)
    free, tight = decide(POLICY, facts, req), decide(POLICY, restricted, req)
    if tight.outcome is Outcome.GRANT:
        assert free.outcome is Outcome.GRANT
    if receipts_required and amount > 0 and not receipt:
        assert tight.outcome is Outcome.NEEDS_APPROVAL and "receipt" in tight.over
    if nqa_off:
        assert not tight.rule.startswith("no_questions_asked:")
    if not receipts_required and not nqa_off:
        assert tight == free
