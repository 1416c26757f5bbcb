"""The pure decision rules, property-tested: limits hold, César Ritz's rule always holds."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fairdesk.goodwill import policy
from fairdesk.goodwill import service as goodwill_service
from fairdesk.goodwill.rules import (
    Facts,
    GestureInvalid,
    GestureRequest,
    Outcome,
    decide,
    gesture_limit,
    recommend,
)

POLICY = policy.parse(goodwill_service.default_source())
REMEDIES = sorted(POLICY.remedies)
CATEGORIES = ["defect", "delivery", "billing", "refund", "other", None]
amounts = st.decimals(min_value=0, max_value=POLICY.max_gesture, places=2)
money_so_far = st.decimals(min_value=0, max_value=5000, places=2)

facts_st = st.builds(
    Facts,
    role=st.sampled_from(["agent", "manager", "admin", "trainee"]),
    category=st.sampled_from(CATEGORIES),
    order_amount=st.one_of(st.none(), st.decimals(min_value=0, max_value=2000, places=2)),
    order_currency=st.just("GBP"),
    clv=st.one_of(st.none(), st.floats(min_value=0, max_value=5000)),
    segment=st.sampled_from([None, "champions", "loyal", "lost"]),
    recent_claims=st.integers(min_value=0, max_value=10),
    spent_today=money_so_far,
    spent_month=money_so_far,
)


def _valid(facts: Facts, req: GestureRequest) -> bool:
    if req.remedy == "refund" and facts.order_amount is not None:
        return req.amount <= facts.order_amount
    return True


@given(facts=facts_st, remedy=st.sampled_from(REMEDIES), amount=amounts, receipt=st.booleans())
def test_a_grant_never_exceeds_the_limit_that_applies(
    facts: Facts, remedy: str, amount: Decimal, receipt: bool
) -> None:
    req = GestureRequest(remedy, amount, "GBP", receipt)
    if not _valid(facts, req):
        return
    d = decide(POLICY, facts, req)
    if d.outcome is not Outcome.GRANT:
        assert d.over and d.rule.startswith("needs_approval:")
        return
    if d.rule.startswith("no_questions_asked:"):
        nqa = next(n for n in POLICY.no_questions_asked if d.rule.endswith(n.category))
        assert amount <= nqa.cap and remedy == nqa.remedy and facts.category == nqa.category
        return
    assert amount <= gesture_limit(POLICY, facts.role, remedy, facts)
    limits = POLICY.roles.get(facts.role)
    if limits is None:  # a role the policy does not name grants only what costs nothing
        assert amount == 0
        return
    if amount > 0:  # an apology costs nothing and never waits on a budget
        assert facts.spent_today + amount <= limits.per_day
        assert facts.spent_month + amount <= limits.per_month
    assert facts.recent_claims < POLICY.repeat_claims.max_claims
    assert amount <= POLICY.no_receipt_under or receipt or facts.order_amount is not None


@given(facts=facts_st, category=st.sampled_from(["defect", "delivery"]),
       amount=st.decimals(min_value=0, max_value=60, places=2))
def test_no_questions_asked_always_replaces_within_the_cap(
    facts: Facts, category: str, amount: Decimal
) -> None:
    f = Facts(**{**facts.__dict__, "category": category})
    d = decide(POLICY, f, GestureRequest("replacement", amount, "GBP"))
    assert d.outcome is Outcome.GRANT
    assert d.rule == f"no_questions_asked:{category}"
    assert not d.charge_budget


@given(facts=facts_st)
def test_the_recommendation_is_valid_and_explained(facts: Facts) -> None:
    rec = recommend(POLICY, facts)
    assert rec.remedy in POLICY.remedies and rec.amount >= 0
    assert rec.decision.explanation.endswith(".")
    assert rec.decision.rule


def test_explanation_in_plain_words() -> None:
    facts = Facts(role="agent", category="other", order_amount=Decimal("40"),
                  order_currency="GBP", clv=450.0)
    rec = recommend(POLICY, facts)
    assert rec.remedy == "store_credit" and rec.amount == Decimal("10")
    assert rec.decision.explanation == (
        "Within your £100.00 limit: store credit £10.00; no receipt needed under £30.00; "
        "customer is high value."
    )
    champion = Facts(role="agent", category="other", segment="champions",
                     segment_label="Champions")
    assert "customer is a Champions" in recommend(POLICY, champion).decision.explanation


def test_a_large_refund_is_clamped_to_the_agents_limit() -> None:
    facts = Facts(role="agent", category="billing", order_amount=Decimal("120"),
                  order_currency="GBP")
    rec = recommend(POLICY, facts)
    assert (rec.remedy, rec.amount) == ("refund", Decimal("40"))
    assert rec.decision.outcome is Outcome.GRANT
    over = decide(POLICY, facts, GestureRequest("refund", Decimal("120"), "GBP"))
    assert over.outcome is Outcome.NEEDS_APPROVAL
    assert "£120.00 is above your £40.00 limit" in over.explanation


@pytest.mark.parametrize(("req", "field"), [
    (GestureRequest("refund", Decimal("-1"), "GBP"), "amount"),
    (GestureRequest("refund", Decimal("NaN"), "GBP"), "amount"),
    (GestureRequest("store_credit", Decimal("1000000"), "GBP"), "amount"),
    (GestureRequest("store_credit", Decimal("1.005"), "GBP"), "amount"),
    (GestureRequest("store_credit", Decimal("5"), "EUR"), "currency"),
    (GestureRequest("voucher", Decimal("5"), "GBP"), "remedy"),
    (GestureRequest("refund", Decimal("30.01"), "GBP"), "amount"),
])
def test_bad_input_is_refused_naming_the_field(req: GestureRequest, field: str) -> None:
    facts = Facts(role="agent", order_amount=Decimal("30"), order_currency="GBP")
    with pytest.raises(GestureInvalid) as err:
        decide(POLICY, facts, req)
    assert err.value.field == field
