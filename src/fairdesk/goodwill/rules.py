"""Pure goodwill decisions: given the policy and the facts, grant, ask a manager, or reject input.

No database, no clock: the same policy and facts always give the same decision, with its
reasons in plain language and the rule that allowed it (DESIGN rule 3, convention 9).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from fairdesk.errors import ValidationFailed
from fairdesk.goodwill.policy import Policy

CENT = Decimal("0.01")
SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}


class Outcome(StrEnum):
    GRANT = "grant"
    NEEDS_APPROVAL = "needs_approval"


@dataclass(frozen=True)
class Facts:
    """What the decision may look at; gathered by the service, stored with the gesture."""

    role: str
    category: str | None = None
    order_amount: Decimal | None = None
    order_currency: str | None = None
    order_refunded: Decimal = Decimal("0")
    clv: float | None = None
    segment: str | None = None  # RFM segment code
    segment_label: str | None = None
    recent_claims: int = 0
    spent_today: Decimal = Decimal("0")
    spent_month: Decimal = Decimal("0")
    # Restrictions a manager decided for this customer (fairness); a flag alone never sets them.
    receipts_required: bool = False
    no_questions_asked_off: bool = False

    def as_inputs(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class GestureRequest:
    remedy: str
    amount: Decimal
    currency: str
    receipt: bool = False


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    rule: str
    reasons: tuple[str, ...]
    limit: Decimal  # the per-gesture limit that applied (after value multipliers)
    charge_budget: bool  # counts against the agent's daily and monthly discretion
    over: tuple[str, ...] = field(default=())  # which limits were exceeded

    @property
    def explanation(self) -> str:
        text = "; ".join(self.reasons) + "."
        return f"Needs a manager. {text}" if self.outcome is Outcome.NEEDS_APPROVAL else text


@dataclass(frozen=True)
class Recommendation:
    remedy: str
    amount: Decimal
    currency: str
    decision: Decision


class GestureInvalid(ValidationFailed):
    code = "invalid_gesture"


def money(amount: Decimal, currency: str) -> str:
    return f"{SYMBOLS.get(currency, currency + ' ')}{amount:,.2f}"


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def multiplier(policy: Policy, facts: Facts) -> tuple[float, str | None]:
    """The highest value multiplier that applies, with why (``None`` when 1×)."""
    best, why = 1.0, None
    if facts.clv is not None:
        for tier in policy.value_tiers:
            if Decimal(str(facts.clv)) >= tier.min_clv and tier.multiplier > best:
                best, why = tier.multiplier, f"customer is {tier.name}"
    if facts.segment is not None:
        m = policy.segment_multipliers.get(facts.segment)
        if m is not None and m > best:
            best, why = m, f"customer is a {facts.segment_label or facts.segment}"
    return best, why


def gesture_limit(policy: Policy, role: str, remedy: str, facts: Facts) -> Decimal:
    limits = policy.roles.get(role)
    if limits is None:  # a role the policy does not name may only ask a manager
        return Decimal("0")
    base = limits.per_remedy.get(remedy, limits.per_gesture)
    return cents(base * Decimal(str(multiplier(policy, facts)[0])))


def validate(policy: Policy, facts: Facts, req: GestureRequest) -> None:
    """Reject input no policy could allow: unknown remedy, bad amount, wrong currency."""
    if req.remedy not in policy.remedies:
        raise GestureInvalid(f"unknown remedy {req.remedy!r}", field="remedy")
    if not req.amount.is_finite() or req.amount < 0:
        raise GestureInvalid("the amount must be zero or more", field="amount")
    if req.amount != cents(req.amount):
        raise GestureInvalid("the amount has more than two decimals", field="amount")
    if req.amount > policy.max_gesture:
        cap = money(policy.max_gesture, policy.currency)
        raise GestureInvalid(f"no gesture may exceed {cap}", field="amount")
    expected = facts.order_currency or policy.currency
    if req.currency != expected:
        whose = "the order's" if facts.order_currency else "the policy's"
        raise GestureInvalid(f"the currency must be {whose} ({expected})", field="currency")
    if req.remedy == "refund" and facts.order_amount is not None:
        left = facts.order_amount - facts.order_refunded
        if req.amount > left:
            raise GestureInvalid(
                f"a refund cannot exceed what is left on the order ({money(left, expected)})",
                field="amount",
            )


def decide(policy: Policy, facts: Facts, req: GestureRequest) -> Decision:
    """Grant within discretion, or say which limit sends it to a manager."""
    validate(policy, facts, req)
    cur, label = req.currency, policy.remedies[req.remedy].label.lower()
    # A manager's "receipts required" outranks no-questions-asked: it is that customer's rule.
    needs_receipt = facts.receipts_required and req.amount > 0 and not req.receipt
    skip_nqa = facts.no_questions_asked_off or needs_receipt
    no_questions = () if skip_nqa else policy.no_questions_asked
    for nqa in no_questions:
        if facts.category == nqa.category and req.remedy == nqa.remedy and req.amount <= nqa.cap:
            return Decision(
                Outcome.GRANT,
                f"no_questions_asked:{nqa.category}",
                (
                    f"No questions asked for {nqa.category}: {label} at once "
                    f"(up to {money(nqa.cap, cur)})",
                ),
                nqa.cap,
                charge_budget=False,
            )
    limit = gesture_limit(policy, facts.role, req.remedy, facts)
    _, why_value = multiplier(policy, facts)
    reasons: list[str] = []
    over: list[str] = []
    if req.amount > limit:
        over.append("per_gesture")
        reasons.append(f"{money(req.amount, cur)} is above your {money(limit, cur)} limit")
    else:
        reasons.append(f"Within your {money(limit, cur)} limit: {label} {money(req.amount, cur)}")
    if facts.receipts_required and req.amount > 0 and not req.receipt:
        over.append("receipt")
        reasons.append("a receipt is required for this customer (a manager's decision)")
    elif req.amount <= policy.no_receipt_under:
        reasons.append(f"no receipt needed under {money(policy.no_receipt_under, cur)}")
    elif req.receipt or facts.order_amount is not None:
        reasons.append("proof of purchase on file" if not req.receipt else "receipt seen")
    else:
        over.append("receipt")
        reasons.append(f"a receipt is needed above {money(policy.no_receipt_under, cur)}")
    if why_value:
        reasons.append(why_value)
    rc = policy.repeat_claims
    if facts.recent_claims >= rc.max_claims:
        over.append("repeat_claims")
        reasons.append(
            f"{facts.recent_claims} claims in {rc.window_days} days (more than "
            f"{rc.max_claims - 1} goes to a manager)"
        )
    limits = policy.roles.get(facts.role)
    if limits is not None and req.amount > 0:
        if facts.spent_today + req.amount > limits.per_day:
            over.append("per_day")
            reasons.append(f"would pass your {money(limits.per_day, cur)} daily budget")
        if facts.spent_month + req.amount > limits.per_month:
            over.append("per_month")
            reasons.append(f"would pass your {money(limits.per_month, cur)} monthly budget")
    if over:
        return Decision(
            Outcome.NEEDS_APPROVAL, f"needs_approval:{over[0]}", tuple(reasons), limit,
            charge_budget=False, over=tuple(over),
        )
    return Decision(
        Outcome.GRANT, f"within_discretion:{facts.role}", tuple(reasons), limit,
        charge_budget=req.amount > 0,
    )


def _base_amount(policy: Policy, remedy: str, facts: Facts) -> Decimal:
    amount = policy.remedies[remedy].amount
    if amount == "none":
        return Decimal("0")
    if amount == "order":
        if facts.order_amount is None:
            return Decimal("0")
        left = facts.order_amount - (facts.order_refunded if remedy == "refund" else 0)
        return cents(max(left, Decimal("0")))
    assert isinstance(amount, Decimal)
    return amount


def recommend(policy: Policy, facts: Facts, *, receipt: bool = False) -> Recommendation:
    """The remedy the policy suggests for this ticket, clamped to what the agent may grant."""
    remedy = policy.recommend.get(facts.category or "default", policy.recommend["default"])
    amount = min(_base_amount(policy, remedy, facts), policy.max_gesture)
    currency = facts.order_currency or policy.currency
    req = GestureRequest(remedy, amount, currency, receipt)
    decision = decide(policy, facts, req)
    if decision.outcome is Outcome.NEEDS_APPROVAL and policy.remedies[remedy].partial:
        limit = gesture_limit(policy, facts.role, remedy, facts)
        if not receipt and facts.order_amount is None:
            limit = min(limit, policy.no_receipt_under)
        if Decimal("0") < limit < amount:
            req = GestureRequest(remedy, limit, currency, receipt)
            decision = decide(policy, facts, req)
    return Recommendation(req.remedy, req.amount, currency, decision)
