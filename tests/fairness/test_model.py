"""SignalModel and the opening rule on plain summaries (no database)."""

from __future__ import annotations

from typing import Any

from fairdesk.fairness.models import SignalKind
from fairdesk.fairness.opening import should_open
from fairdesk.fairness.signals.model import SignalModel, strength
from fairdesk.fairness.signals.summary import Summaries
from fairdesk.fairness.signals.thresholds import Thresholds

T = Thresholds(min_peers=5)


def crowd(n: int = 40, **extra: Any) -> list[dict[str, Any]]:
    """Ordinary customers: 10 orders, one claim in five of them."""
    return [
        {
            "customer_id": i + 1,
            "segment": "loyal",
            "orders": 10,
            "claims": 1 if i % 5 == 0 else 0,
            **extra,
        }
        for i in range(n)
    ]


def kinds_of(rows: list[dict[str, Any]], customer_id: int) -> dict[SignalKind, float]:
    found = SignalModel(T).fit(Summaries.from_rows(rows)).signals()
    return {s.kind: s.strength for s in found if s.customer_id == customer_id}


def test_strength_is_half_at_threshold_and_full_at_twice() -> None:
    assert (strength(2, 3), strength(3, 3), strength(4.5, 3), strength(9, 3)) == (0, 0.5, 0.75, 1)


def test_claim_rate_against_segment_peers_quotes_the_figures() -> None:
    rows = [*crowd(), {"customer_id": 99, "segment": "loyal", "orders": 6, "claims": 5}]
    found = SignalModel(T).fit(Summaries.from_rows(rows)).signals()
    (sig,) = [s for s in found if s.customer_id == 99]
    assert sig.kind is SignalKind.CLAIM_RATE and sig.strength == 1.0
    assert "5 of 6 orders (83%)" in sig.reason and "segment 'loyal'" in sig.reason
    assert sig.figures["peers"] == 41 and sig.figures["peer_group"] == "loyal"


def test_segment_of_one_is_compared_with_everyone() -> None:
    rows = [*crowd(), {"customer_id": 99, "segment": "lonely", "orders": 6, "claims": 5}]
    (sig,) = [
        s for s in SignalModel(T).fit(Summaries.from_rows(rows)).signals() if s.customer_id == 99
    ]
    assert sig.figures["peer_group"] == "all" and "all 41 customers" in sig.reason


def test_few_claims_never_make_a_claim_rate_signal() -> None:
    rows = [*crowd(), {"customer_id": 99, "segment": "loyal", "orders": 2, "claims": 2}]
    assert kinds_of(rows, 99) == {}


def test_customers_without_orders_and_an_empty_base() -> None:
    assert SignalModel(T).fit(Summaries.from_rows([])).signals() == []
    rows = [{"customer_id": 1}, {"customer_id": 2, "abusive": 1, "threats": 1}]
    found = SignalModel(T).fit(Summaries.from_rows(rows)).signals()
    assert [(s.customer_id, s.kind, s.strength) for s in found] == [
        (2, SignalKind.ABUSE_TOWARD_STAFF, 1.0)
    ]
    assert "a threat" in found[0].reason


def test_every_conduct_rule_fires_at_its_threshold() -> None:
    row = {
        "customer_id": 99,
        "orders": 8,
        "claims": 3,
        "gestures": 4,
        "near_limit": 3,
        "not_received": 3,
        "after_delivery": 2,
        "wardrobe": 2,
        "abusive": 2,
        "ratings": 3,
        "low_ratings": 2,
    }
    got = kinds_of([*crowd(), row], 99)
    assert {k: v for k, v in got.items() if k is not SignalKind.CLAIM_RATE} == {
        SignalKind.NEAR_LIMIT: 0.5,
        SignalKind.NOT_RECEIVED: 0.5,
        SignalKind.CLAIM_AFTER_DELIVERY: 0.5,
        SignalKind.WARDROBING: 0.5,
        SignalKind.ABUSE_TOWARD_STAFF: 0.5,
        SignalKind.AGENT_RATING: 0.5,
    }


def test_near_limit_needs_most_claims_near_a_limit() -> None:
    row = {"customer_id": 99, "orders": 20, "gestures": 10, "near_limit": 3}
    assert SignalKind.NEAR_LIMIT not in kinds_of([*crowd(), row], 99)


def test_opening_rule() -> None:
    K = SignalKind
    assert not should_open({K.CLAIM_RATE: 1.0}, T)  # unlucky with real defects
    assert not should_open({K.CLAIM_RATE: 1.0, K.AGENT_RATING: 1.0}, T)  # context only
    assert not should_open({K.NOT_RECEIVED: 0.5, K.CLAIM_RATE: 1.0}, T)  # no strong conduct
    assert not should_open({K.NOT_RECEIVED: 1.0, K.CLAIM_RATE: 1.0}, T)  # lost parcels
    assert should_open({K.CLAIM_AFTER_DELIVERY: 0.75, K.CLAIM_RATE: 0.5}, T)
    assert not should_open({K.CLAIM_AFTER_DELIVERY: 0.75, K.CLAIM_RATE: 0.45}, T)
    assert should_open({K.ABUSE_TOWARD_STAFF: 1.0}, T)  # a threat, or twice the threshold
    assert not should_open({K.ABUSE_TOWARD_STAFF: 0.75}, T)
    assert should_open({K.ABUSE_TOWARD_STAFF: 0.75, K.AGENT_RATING: 0.75}, T)
    assert not should_open({}, T)
