"""CLV on stored orders: SQL summaries on both dialects, fit, stored values, clear errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fairdesk.clv import service as clv_service
from fairdesk.clv.models import CustomerValue
from fairdesk.customers.models import OrderStatus
from fairdesk.errors import ValidationFailed
from tests.factories import make_customer, make_order

END = datetime(2026, 6, 30, 23, 0, tzinfo=UTC)
START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def test_summaries_merge_same_day_and_skip_refunds(session: Session) -> None:
    c = make_customer(session)
    make_order(session, c, placed_at=START, amount=Decimal("10"))
    make_order(session, c, placed_at=START + timedelta(hours=5), amount=Decimal("5"))  # same day
    make_order(
        session,
        c,
        placed_at=START + timedelta(days=14),
        amount=Decimal("30"),
        refunded_amount=Decimal("10"),
        status=OrderStatus.PARTIALLY_REFUNDED,
    )
    make_order(
        session,
        c,
        placed_at=START + timedelta(days=28),
        amount=Decimal("99"),
        status=OrderStatus.REFUNDED,
        refunded_amount=Decimal("99"),
    )
    make_order(session, c, placed_at=START + timedelta(days=35), amount=Decimal("40"))
    make_order(session, c, placed_at=END + timedelta(days=1), amount=Decimal("40"))  # after end
    s = clv_service.summaries(session, observation_end=END)
    i = int(np.flatnonzero(s.customer_id == c.id)[0])
    assert s.frequency[i] == 2  # three purchase days, the first is not a repeat
    assert s.recency[i] == pytest.approx(35 / 7)
    assert s.age[i] == pytest.approx((END.date() - START.date()).days / 7)
    assert s.monetary[i] == pytest.approx((20 + 40) / 2)


def _population(session: Session, n: int, seed: int = 3) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(n):
        c = make_customer(session)
        first = START + timedelta(days=int(rng.integers(0, 200)))
        gap = float(rng.gamma(2.0, 20.0))
        alive_for = float(rng.exponential(250.0))
        day = 0.0
        while day <= alive_for and first + timedelta(days=day) < END:
            make_order(
                session,
                c,
                placed_at=first + timedelta(days=day),
                amount=Decimal(str(round(float(rng.gamma(4.0, 8.0)) + 1, 2))),
            )
            day += float(rng.exponential(gap)) + 1


def test_analyze_stores_finite_values_for_every_buyer(session: Session) -> None:
    _population(session, 120)
    fit = clv_service.analyze(session, now=END)
    assert fit.n_customers == 120 and fit.n_repeat_buyers > 20
    assert set(fit.transaction_model["params"]) == {"r", "alpha", "a", "b"}
    assert fit.model_version
    values = session.scalars(select(CustomerValue)).all()
    assert len(values) == 120
    for v in values:
        assert 0.0 <= v.p_alive <= 1.0
        assert np.isfinite(v.clv) and v.clv >= 0 and v.expected_purchases_90d >= 0
        assert v.fit_id == fit.id
    # A second run replaces the values instead of adding to them.
    clv_service.analyze(session, now=END)
    assert session.scalar(select(func.count()).select_from(CustomerValue)) == 120


def test_recent_frequent_buyer_is_worth_more_than_a_lapsed_one(session: Session) -> None:
    _population(session, 80)
    loyal, lapsed = make_customer(session), make_customer(session)
    for k in range(20):
        make_order(
            session, loyal, placed_at=END - timedelta(days=10 + 14 * k), amount=Decimal("30")
        )
        make_order(session, lapsed, placed_at=START + timedelta(days=14 * k), amount=Decimal("30"))
    clv_service.analyze(session, now=END)
    a, b = clv_service.value_of(session, loyal.id), clv_service.value_of(session, lapsed.id)
    assert a is not None and b is not None
    assert a.p_alive > b.p_alive and a.clv > b.clv


def test_no_repeat_buyers_is_a_clear_error(session: Session) -> None:
    for _ in range(5):
        make_order(session, make_customer(session), placed_at=START)
    with pytest.raises(ValidationFailed, match="repeat purchase"):
        clv_service.analyze(session, now=END)
    assert session.scalar(select(func.count()).select_from(CustomerValue)) == 0


def test_no_orders_is_a_clear_error(session: Session) -> None:
    with pytest.raises(ValidationFailed, match="at least two customers"):
        clv_service.analyze(session, now=END)
