"""Fit CLV on the business's own orders and store each customer's values.

The heavy pass runs in the database: orders are merged into purchase days and summarised per
customer by SQL (frequency, first and last day, mean repeat spend), so Python only fits the
models on one compact row per customer, as DESIGN's "analytics at scale" asks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

import numpy as np
import numpy.typing as npt
from sqlalchemy import Float, case, cast, delete, func, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from fairdesk.clv import BetaGeoModel, ConvergenceError, GammaGammaModel, customer_lifetime_value
from fairdesk.clv.models import ClvFit, CustomerValue
from fairdesk.clv.value import DAYS_PER_MONTH
from fairdesk.config import get_settings
from fairdesk.customers.models import Order, OrderStatus
from fairdesk.db.base import utcnow
from fairdesk.errors import ValidationFailed

FloatArray = npt.NDArray[np.float64]
TIME_UNIT_DAYS = 7.0  # fit in weeks, as the literature does
EXCLUDED = (OrderStatus.CANCELLED, OrderStatus.REFUNDED)
NINETY_DAYS = 90 / TIME_UNIT_DAYS
Progress = Callable[[str], None]
FALLBACK_PENALIZER = 0.001
M = TypeVar("M", BetaGeoModel, GammaGammaModel)


@dataclass(frozen=True)
class Summaries:
    customer_id: npt.NDArray[np.int64]
    frequency: FloatArray
    recency: FloatArray
    age: FloatArray
    monetary: FloatArray


def _day_number(session: Session) -> ColumnElement[float]:
    """Whole days since the epoch of an order's UTC calendar day, on either dialect."""
    if session.get_bind().dialect.name == "postgresql":
        day = func.date_trunc("day", func.timezone("UTC", Order.placed_at))
        return cast(func.extract("epoch", day) / 86400.0, Float)
    return cast(func.julianday(func.date(Order.placed_at)) - 2440587.5, Float)


def summaries(session: Session, *, observation_end: datetime) -> Summaries:
    """Per-customer frequency/recency/age/monetary (weeks) from purchase days up to the end."""
    day = _day_number(session).label("day")
    value = (Order.amount - Order.refunded_amount).label("value")
    days = (
        select(Order.customer_id, day, func.sum(value).label("value"))
        .where(Order.status.not_in(EXCLUDED), Order.placed_at <= observation_end)
        .group_by(Order.customer_id, day)
        .subquery()
    )
    ranked = select(
        days.c.customer_id,
        days.c.day,
        days.c.value,
        func.row_number().over(partition_by=days.c.customer_id, order_by=days.c.day).label("rn"),
    ).subquery()
    repeat_value = case((ranked.c.rn > 1, ranked.c.value), else_=None)
    rows = session.execute(
        select(
            ranked.c.customer_id,
            func.count(),
            func.min(ranked.c.day),
            func.max(ranked.c.day),
            func.avg(repeat_value),
        )
        .group_by(ranked.c.customer_id)
        .order_by(ranked.c.customer_id)
    ).all()
    end_day = observation_end.timestamp() // 86400
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    n_days = np.fromiter((r[1] for r in rows), dtype=np.float64, count=len(rows))
    first = np.fromiter((r[2] for r in rows), dtype=np.float64, count=len(rows))
    last = np.fromiter((r[3] for r in rows), dtype=np.float64, count=len(rows))
    money = np.fromiter((float(r[4] or 0.0) for r in rows), dtype=np.float64, count=len(rows))
    return Summaries(
        customer_id=ids,
        frequency=n_days - 1,
        recency=(last - first) / TIME_UNIT_DAYS,
        age=np.maximum(end_day - first, last - first) / TIME_UNIT_DAYS,
        monetary=money,
    )


def _fit(model: type[M], *data: FloatArray) -> M:
    """Fit by maximum likelihood; a small business's data may not identify every parameter,
    and then a light penalty (recorded in the fit's config) gives stable, usable values."""
    try:
        return model().fit(*data)
    except ConvergenceError:
        return model(penalizer=FALLBACK_PENALIZER).fit(*data)


def analyze(
    session: Session, *, now: datetime | None = None, progress: Progress | None = None
) -> ClvFit:
    """Fit BG/NBD and Gamma-Gamma on all orders and replace every customer's stored values."""
    settings = get_settings()
    now = now or utcnow()
    say = progress or (lambda _msg: None)
    say("summarising orders")
    s = summaries(session, observation_end=now)
    if s.customer_id.size < 2:
        raise ValidationFailed("CLV needs orders from at least two customers", field="orders")
    repeat = (s.frequency > 0) & (s.monetary > 0)
    if not repeat.any():
        raise ValidationFailed(
            "CLV needs at least one customer with a repeat purchase", field="orders"
        )
    say(f"fitting BG/NBD on {s.customer_id.size:,} customers")
    bg = _fit(BetaGeoModel, s.frequency, s.recency, s.age)
    say(f"fitting Gamma-Gamma on {int(repeat.sum()):,} repeat buyers")
    gg = _fit(GammaGammaModel, s.frequency[repeat], s.monetary[repeat])
    say("scoring customers")
    p_alive = bg.probability_alive(s.frequency, s.recency, s.age)
    expected_90 = bg.expected_purchases(NINETY_DAYS, s.frequency, s.recency, s.age)
    spend = gg.expected_average_spend(s.frequency, np.where(repeat, s.monetary, 0.0))
    clv = customer_lifetime_value(
        bg,
        s.frequency,
        s.recency,
        s.age,
        spend,
        period_length=DAYS_PER_MONTH / TIME_UNIT_DAYS,
        periods=settings.clv_horizon_months,
        discount_rate=settings.clv_monthly_discount_rate,
    )
    fit = ClvFit(
        observation_end=now,
        model_version=f"{bg.model_version}+{gg.model_version}",
        time_unit="W",
        n_customers=int(s.customer_id.size),
        n_repeat_buyers=int(repeat.sum()),
        horizon_months=settings.clv_horizon_months,
        monthly_discount_rate=settings.clv_monthly_discount_rate,
        transaction_model=bg.to_dict(),
        spend_model=gg.to_dict(),
        computed_at=now,
    )
    session.add(fit)
    session.flush()
    say("storing values")
    session.execute(delete(CustomerValue))
    rows = [
        {
            "customer_id": int(cid),
            "fit_id": fit.id,
            "computed_at": now,
            "frequency": int(f),
            "recency": float(r),
            "age": float(a),
            "monetary": float(m),
            "p_alive": float(p),
            "expected_purchases_90d": float(e),
            "expected_spend": float(sp),
            "clv": float(v),
        }
        for cid, f, r, a, m, p, e, sp, v in zip(
            s.customer_id,
            s.frequency,
            s.recency,
            s.age,
            s.monetary,
            p_alive,
            expected_90,
            spend,
            clv,
            strict=True,
        )
    ]
    for start in range(0, len(rows), 20_000):
        session.execute(insert(CustomerValue), rows[start : start + 20_000])
    return fit


def latest_fit(session: Session) -> ClvFit | None:
    return session.scalar(select(ClvFit).order_by(ClvFit.id.desc()).limit(1))


def value_of(session: Session, customer_id: int) -> CustomerValue | None:
    return session.get(CustomerValue, customer_id)


def values_for(session: Session, customer_ids: list[int]) -> dict[int, CustomerValue]:
    if not customer_ids:
        return {}
    rows = session.scalars(select(CustomerValue).where(CustomerValue.customer_id.in_(customer_ids)))
    return {row.customer_id: row for row in rows}
