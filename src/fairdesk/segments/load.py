"""Load ``Profiles`` from the database: the SQL summary pass.

One query reads every customer with a per-customer aggregate of their orders (count, net
spend, first and last order day) and their stored CLV values, so the ten-million-order pass
runs inside the database and Python receives one row per customer. On PostgreSQL the rows
travel through ``COPY … TO STDOUT`` as CSV straight into Polars (several times faster than
fetching a million tuples); on SQLite through the ordinary cursor. Both give the same frame.

PostgreSQL's default ``work_mem`` (4 MB) makes the per-customer aggregate of ten million
orders spill to disk in eight partitions; the step raises it for its own transaction only
(``SET LOCAL``, ``WORK_MEM``), which keeps the aggregate in memory.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Float, Select, String, cast, func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from fairdesk.clv.models import CustomerValue
from fairdesk.customers.models import Customer, Order
from fairdesk.segments.fields import EXCLUDED_ORDERS
from fairdesk.segments.models import CustomerScore
from fairdesk.segments.profiles import (
    CATEGORICAL_FIELDS,
    TAG_FIELDS,
    Profiles,
    categorical,
    tag_set_from_json,
)

SECONDS_PER_DAY = 86_400.0
WORK_MEM = "128MB"
_NUMBERS = ("birth_year", "household_size", "order_count", "total_spend", "first_day",
            "last_day", "clv", "p_alive")


def _day(session: Session, column: Any) -> ColumnElement[float]:
    """Days since 1970-01-01 (fractional) of a timestamp, on either dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.extract("epoch", column) / SECONDS_PER_DAY, Float)
    return cast(func.julianday(column) - 2440587.5, Float)


def profile_query(session: Session) -> Select[Any]:
    orders = (
        select(
            Order.customer_id.label("customer_id"),
            func.count().label("order_count"),
            cast(func.sum(Order.amount - Order.refunded_amount), Float).label("total_spend"),
            _day(session, func.min(Order.placed_at)).label("first_day"),
            _day(session, func.max(Order.placed_at)).label("last_day"),
        )
        .where(Order.status.not_in(EXCLUDED_ORDERS))
        .group_by(Order.customer_id)
        .subquery("o")
    )
    return (
        select(
            Customer.id.label("customer_id"),
            Customer.birth_year, Customer.household_size,
            *(getattr(Customer, name).label(name) for name in CATEGORICAL_FIELDS),
            *(cast(getattr(Customer, name), String).label(name) for name in TAG_FIELDS),
            orders.c.order_count, orders.c.total_spend, orders.c.first_day, orders.c.last_day,
            CustomerValue.clv, CustomerValue.p_alive,
        )
        .outerjoin(orders, orders.c.customer_id == Customer.id)
        .outerjoin(CustomerValue, CustomerValue.customer_id == Customer.id)
        .order_by(Customer.id)
    )


def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = {"customer_id": pl.Int64, "cluster_segment_id": pl.Int64}
    schema.update({name: pl.Float64 for name in _NUMBERS})
    schema.update({name: pl.String for name in (*CATEGORICAL_FIELDS, *TAG_FIELDS)})
    return schema


def previous_clusters(session: Session) -> pl.DataFrame:
    """(customer_id, cluster_segment_id) of the last run, to match new clusters to old."""
    return _frame(session, select(CustomerScore.customer_id, CustomerScore.cluster_segment_id)
                  .where(CustomerScore.cluster_segment_id.is_not(None)))


def _frame(session: Session, query: Select[*tuple[Any, ...]]) -> pl.DataFrame:
    schema = _schema()
    columns = [c.name for c in query.selected_columns]
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))  # constant, not input
        sql = str(query.compile(dialect=session.get_bind().dialect,
                                compile_kwargs={"literal_binds": True}))
        raw = session.connection().connection.dbapi_connection
        assert raw is not None
        buffer = io.BytesIO()
        with raw.cursor() as cur, cur.copy(  # type: ignore[attr-defined]
            f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER true)"
        ) as copy:
            for block in copy:
                buffer.write(block)
        buffer.seek(0)
        if buffer.getbuffer().nbytes == 0:
            return pl.DataFrame(schema={c: schema[c] for c in columns})
        return pl.read_csv(buffer, schema={c: schema[c] for c in columns})
    rows = session.execute(query).all()
    return pl.DataFrame([tuple(r) for r in rows], schema={c: schema[c] for c in columns},
                        orient="row")


def load_profiles(session: Session, *, now: datetime) -> Profiles:
    """Every customer's profile as of ``now`` (recency and age are measured from it)."""
    frame = _frame(session, profile_query(session))
    today = now.timestamp() / SECONDS_PER_DAY

    def number(name: str) -> np.ndarray[Any, np.dtype[np.float64]]:
        return frame.get_column(name).cast(pl.Float64).fill_null(np.nan).to_numpy().copy()

    orders = np.nan_to_num(number("order_count"))
    spend = np.nan_to_num(number("total_spend"))
    first, last = number("first_day"), number("last_day")
    bought = orders > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        numeric = {
            "age": now.year - number("birth_year"),
            "household_size": number("household_size"),
            "orders": orders,
            "spend": spend,
            "recency_days": np.where(bought, np.maximum(today - last, 0), np.nan),
            "tenure_days": np.where(bought, np.maximum(today - first, 0), np.nan),
            "avg_order_value": np.where(bought, spend / orders, np.nan),
            "cadence_days": np.where(orders > 1, (last - first) / (orders - 1), np.nan),
            "clv": number("clv"),
            "p_alive": number("p_alive"),
        }
    return Profiles(
        customer_id=frame.get_column("customer_id").to_numpy().astype(np.int64),
        numeric=numeric,
        categorical={name: categorical(frame.get_column(name)) for name in CATEGORICAL_FIELDS},
        tags={name: tag_set_from_json(frame.get_column(name)) for name in TAG_FIELDS},
    )
