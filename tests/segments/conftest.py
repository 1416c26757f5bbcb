"""Shared fixtures for segment tests: a small, fully known population."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from fairdesk.clv.models import ClvFit, CustomerValue
from fairdesk.customers.models import OrderStatus
from fairdesk.segments.models import CustomerScore
from tests.factories import make_customer, make_order

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


@pytest.fixture()
def people(session: Session) -> dict[str, int]:
    """Five customers spanning the criteria, orders, values and scores."""
    ada = make_customer(session, birth_year=1996, gender="female", country="GB", city="Leeds",
                        values=["craft", "quality"], lifestyle=["remote worker"],
                        usage_frequency="daily", consent_marketing=True)
    ben = make_customer(session, birth_year=1971, gender="male", country="IE",
                        values=["value for money"], interests=["cycling"])
    cat = make_customer(session, birth_year=None, gender=None, country=None,
                        values=["Café Culture"])  # only tags known
    dan = make_customer(session, birth_year=2004, country="GB", city="Bristol")  # no orders
    eve = make_customer(session, birth_year=1990, country="FR", income_band="40k_70k")
    for days in (3, 40, 90):
        make_order(session, ada, placed_at=NOW - timedelta(days=days), amount=Decimal("50"))
    make_order(session, ben, placed_at=NOW - timedelta(days=400), amount=Decimal("20"))
    make_order(session, ben, placed_at=NOW - timedelta(days=5), amount=Decimal("99"),
               status=OrderStatus.CANCELLED)  # does not count
    make_order(session, eve, placed_at=NOW - timedelta(days=10), amount=Decimal("30"),
               refunded_amount=Decimal("10"), status=OrderStatus.PARTIALLY_REFUNDED)
    fit = ClvFit(observation_end=NOW, model_version="t", time_unit="W", n_customers=2,
                 n_repeat_buyers=1, horizon_months=12, monthly_discount_rate=0.01)
    session.add(fit)
    session.flush()
    for c, clv in ((ada, 400.0), (ben, 15.0)):
        session.add(CustomerValue(customer_id=c.id, fit_id=fit.id, computed_at=NOW, frequency=1,
                                  recency=1.0, age=2.0, monetary=10.0, p_alive=0.5,
                                  expected_purchases_90d=1.0, expected_spend=10.0, clv=clv))
    session.add(CustomerScore(customer_id=ada.id, computed_at=NOW, orders=3, spend=150,
                              recency_days=3, r_score=5, f_score=5, m_score=5,
                              rfm_segment="champions", fit_score=92.0))
    session.flush()
    return {"ada": ada.id, "ben": ben.id, "cat": cat.id, "dan": dan.id, "eve": eve.id}
