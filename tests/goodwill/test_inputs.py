"""The decision's inputs, read in one query, match what is stored; new versions apply at once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from fairdesk.auth.models import StaffUser
from fairdesk.clv.models import ClvFit, CustomerValue
from fairdesk.db.base import utcnow
from fairdesk.goodwill import grants
from fairdesk.goodwill import service as goodwill_service
from fairdesk.goodwill.rules import GestureRequest
from fairdesk.segments.models import CustomerScore
from tests.goodwill.helpers import make_ticket, use_policy


def _value_and_segment(session: Session, customer_id: int, clv: float, segment: str) -> None:
    now = utcnow()
    fit = ClvFit(observation_end=now, model_version="t", time_unit="W", n_customers=1,
                 n_repeat_buyers=1, horizon_months=12, monthly_discount_rate=0.01)
    session.add(fit)
    session.flush()
    session.add(CustomerValue(customer_id=customer_id, fit_id=fit.id, computed_at=now,
                              frequency=1, recency=1.0, age=2.0, monetary=10.0, p_alive=0.5,
                              expected_purchases_90d=1.0, expected_spend=10.0, clv=clv))
    session.add(CustomerScore(customer_id=customer_id, computed_at=now, orders=3, spend=150,
                              recency_days=3, r_score=5, f_score=5, m_score=5,
                              rfm_segment=segment, fit_score=92.0))
    session.flush()


def test_every_fact_comes_from_the_one_query(session: Session, agent: StaffUser) -> None:
    first = make_ticket(session, category="other", amount="60.00")
    grants.grant(session, ticket_id=first.id, actor=agent,
                 request=GestureRequest("store_credit", Decimal("20"), "GBP"))
    second = make_ticket(session, category="defect", amount="30.00")
    second.customer_id = first.customer_id
    session.flush()
    _value_and_segment(session, first.customer_id, 600.0, "champions")
    version = goodwill_service.current_key(session)
    now = utcnow()
    ticket, order, customer, facts = goodwill_service.inputs_for(
        session, ticket_id=second.id, role="agent", staff_id=agent.id,
        rules=goodwill_service.rules_of(session, version), now=now,
    )
    assert (ticket.id, customer.id) == (second.id, first.customer_id)
    assert order is not None and order.id == second.order_id
    assert (facts.category, facts.order_amount, facts.order_currency) == (
        "defect", Decimal("30.00"), "GBP")
    assert (facts.clv, facts.segment, facts.segment_label) == (600.0, "champions", "Champions")
    assert facts.recent_claims == 1  # the grant on the customer's other ticket
    assert (facts.spent_today, facts.spent_month) == (Decimal("20"), Decimal("20"))
    assert not facts.receipts_required and not facts.no_questions_asked_off
    # Outside the repeat-claims window the earlier grant no longer counts.
    later = goodwill_service.inputs_for(
        session, ticket_id=second.id, role="agent", staff_id=agent.id,
        rules=goodwill_service.rules_of(session, version), now=now + timedelta(days=400),
    )
    assert later.facts.recent_claims == 0


def test_a_ticket_without_order_value_or_segment_reads_as_none(
    session: Session, agent: StaffUser
) -> None:
    ticket = make_ticket(session, with_order=False)
    rec, version = goodwill_service.recommendation_for(session, ticket_id=ticket.id, actor=agent)
    inputs = goodwill_service.inputs_for(
        session, ticket_id=ticket.id, role="agent", staff_id=agent.id,
        rules=goodwill_service.rules_of(session, version), now=utcnow(),
    )
    assert inputs.order is None
    assert (inputs.facts.clv, inputs.facts.segment, inputs.facts.recent_claims) == (None, None, 0)
    assert (inputs.facts.spent_today, inputs.facts.spent_month) == (Decimal("0"), Decimal("0"))
    assert rec.currency == "GBP"


def test_a_new_policy_version_applies_to_the_next_recommendation(
    session: Session, agent: StaffUser, manager: StaffUser
) -> None:
    ticket = make_ticket(session, category="other", amount="80.00")
    before, old = goodwill_service.recommendation_for(session, ticket_id=ticket.id, actor=agent)
    use_policy(session, manager, per_gesture=10)
    after, new = goodwill_service.recommendation_for(session, ticket_id=ticket.id, actor=agent)
    assert new.number == old.number + 1
    assert after.decision.limit == Decimal("10.00") != before.decision.limit
