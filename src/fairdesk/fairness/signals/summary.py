"""Per-customer summaries the signals are computed from, aggregated by SQL in the database.

DESIGN "Analytics at scale": the heavy pass over orders, tickets, gestures, triaged messages
and ratings runs where the data lives, as one query of grouped sub-queries, and Python gets
one row of counts per customer. On PostgreSQL the rows travel through ``COPY … TO STDOUT``
into Polars (as ``segments.load`` does); on SQLite through the ordinary cursor.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
from sqlalchemy import Float, Select, and_, case, cast, func, null, or_, select, text, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from fairdesk.customers.models import Customer, Order, OrderStatus
from fairdesk.fairness.models import InteractionRating
from fairdesk.fairness.signals.thresholds import Thresholds
from fairdesk.goodwill.models import Gesture, GestureStatus
from fairdesk.segments.models import CustomerScore
from fairdesk.tickets.models import Ticket
from fairdesk.triage.models import MessageTriage

IntArray = npt.NDArray[np.int64]
SECONDS_PER_DAY = 86_400.0
# For this transaction only: hash the million per-customer groups in memory, and no JIT
# (compiling the query's expressions took longer than running them: 8 s of 31 s measured).
SETTINGS = ("work_mem = '256MB'", "jit = off")
COUNTS = (
    "orders",
    "claims",
    "not_received",
    "after_delivery",
    "wardrobe",
    "gestures",
    "near_limit",
    "abusive",
    "threats",
    "ratings",
    "low_ratings",
)


@dataclass(frozen=True)
class Summaries:
    """One entry per customer in every array (parallel), in ``customer_id`` order.

    ``claims`` counts distinct orders claimed on (a ticket, a gesture or a refund) plus
    gestures not tied to an order; ``segment`` is the stored RFM segment code or ``None``.
    """

    customer_id: IntArray
    segment: npt.NDArray[np.object_]
    orders: IntArray
    claims: IntArray
    not_received: IntArray
    after_delivery: IntArray
    wardrobe: IntArray
    gestures: IntArray
    near_limit: IntArray
    abusive: IntArray
    threats: IntArray
    ratings: IntArray
    low_ratings: IntArray

    def __len__(self) -> int:
        return int(self.customer_id.size)

    @classmethod
    def from_rows(cls, rows: list[dict[str, Any]]) -> Summaries:
        """Build from plain dicts (tests, generators); missing counts are 0."""
        ids = np.array([int(r["customer_id"]) for r in rows], dtype=np.int64)
        order = np.argsort(ids, kind="stable")
        data: dict[str, Any] = {"customer_id": ids[order]}
        data["segment"] = np.array([rows[i].get("segment") for i in order], dtype=object)
        for name in COUNTS:
            data[name] = np.array([int(rows[i].get(name, 0)) for i in order], dtype=np.int64)
        return cls(**data)

    @classmethod
    def from_frame(cls, frame: pl.DataFrame) -> Summaries:
        """Build from a frame of the query's columns; the counts are views of the frame's
        Int64 columns where they can be (no copy of a million-row frame that is already
        in ``customer_id`` order and has no nulls)."""
        if not frame.get_column("customer_id").is_sorted():
            frame = frame.sort("customer_id")
        data: dict[str, Any] = {
            "customer_id": frame.get_column("customer_id").to_numpy().astype(np.int64, copy=False),
            "segment": np.array(frame.get_column("segment").to_list(), dtype=object),
        }
        for name in COUNTS:
            column = frame.get_column(name)
            if column.null_count():
                column = column.fill_null(0)
            data[name] = column.to_numpy().astype(np.int64, copy=False)
        return cls(**data)

    def row(self, i: int) -> dict[str, Any]:
        return {f.name: getattr(self, f.name)[i] for f in fields(self)}


def _day(session: Session, column: Any) -> ColumnElement[float]:
    """Days since 1970-01-01 (fractional) of a timestamp, on either dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.extract("epoch", column) / SECONDS_PER_DAY, Float)
    return cast(func.julianday(column) - 2440587.5, Float)


def _count(condition: Any) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def summary_query(session: Session, t: Thresholds) -> Select[Any]:
    """One row per customer: the counts of :class:`Summaries`."""
    live = and_(Gesture.status != GestureStatus.DECLINED, Gesture.amount > 0)
    # Every order claimed on by a ticket or a live gesture, with its first ticket's time:
    # one small hash that each of the ten million orders is probed against once (two
    # separate ones, tickets and gestures, cost a second probe per order).
    claims_on = union_all(
        select(Ticket.order_id.label("order_id"), Ticket.created_at.label("at")).where(
            Ticket.order_id.is_not(None)
        ),
        select(
            Gesture.order_id.label("order_id"), cast(null(), Ticket.created_at.type).label("at")
        ).where(live, Gesture.order_id.is_not(None)),
    ).subquery("claims_on")
    first_claim = (
        select(claims_on.c.order_id, func.min(claims_on.c.at).label("at"))
        .group_by(claims_on.c.order_id)
        .subquery("k")
    )
    refunded = Order.refunded_amount > 0
    # The claim that led to a refund: its first ticket, else the order's last change.
    claimed_at = func.coalesce(first_claim.c.at, Order.updated_at)
    after_use = and_(
        refunded,
        Order.delivered_at.is_not(None),
        Order.refunded_amount >= Order.amount * t.wardrobe_refund_share,
        _day(session, claimed_at) - _day(session, Order.delivered_at) >= t.wardrobe_days,
    )
    claimed = or_(refunded, first_claim.c.order_id.is_not(None))
    orders = (
        select(
            Order.customer_id.label("customer_id"),
            _count(Order.status != OrderStatus.CANCELLED).label("orders"),
            _count(claimed).label("claimed_orders"),
            _count(after_use).label("wardrobe"),
        )
        .outerjoin(first_claim, first_claim.c.order_id == Order.id)
        .group_by(Order.customer_id)
        .subquery("o")
    )
    not_received = Ticket.category.in_(t.not_received_categories)
    tickets = (
        select(
            Ticket.customer_id.label("customer_id"),
            _count(not_received).label("not_received"),
            _count(
                and_(
                    not_received,
                    Order.delivered_at.is_not(None),
                    Order.delivered_at < Ticket.created_at,
                )
            ).label("after_delivery"),
        )
        .outerjoin(Order, Order.id == Ticket.order_id)
        .where(not_received)
        .group_by(Ticket.customer_id)
        .subquery("t")
    )
    near = or_(*(Gesture.amount.between(low, high) for low, high in t.bands()))
    gestures = (
        select(
            Gesture.customer_id.label("customer_id"),
            func.count().label("gestures"),
            _count(Gesture.order_id.is_(None)).label("unlinked"),
            _count(near).label("near_limit"),
        )
        .where(live)
        .group_by(Gesture.customer_id)
        .subquery("g")
    )
    abuse = (
        select(
            Ticket.customer_id.label("customer_id"),
            func.count().label("abusive"),
            _count(MessageTriage.threat).label("threats"),
        )
        .join(Ticket, Ticket.id == MessageTriage.ticket_id)
        .where(or_(MessageTriage.abusive, MessageTriage.threat))
        .group_by(Ticket.customer_id)
        .subquery("a")
    )
    ratings = (
        select(
            InteractionRating.customer_id.label("customer_id"),
            func.count().label("ratings"),
            _count(InteractionRating.rating <= t.low_rating).label("low_ratings"),
        )
        .group_by(InteractionRating.customer_id)
        .subquery("r")
    )

    def n(column: Any, name: str) -> ColumnElement[int]:
        return func.coalesce(column, 0).label(name)

    return (
        select(
            Customer.id.label("customer_id"),
            CustomerScore.rfm_segment.label("segment"),
            n(orders.c.orders, "orders"),
            (
                func.coalesce(orders.c.claimed_orders, 0) + func.coalesce(gestures.c.unlinked, 0)
            ).label("claims"),
            n(tickets.c.not_received, "not_received"),
            n(tickets.c.after_delivery, "after_delivery"),
            n(orders.c.wardrobe, "wardrobe"),
            n(gestures.c.gestures, "gestures"),
            n(gestures.c.near_limit, "near_limit"),
            n(abuse.c.abusive, "abusive"),
            n(abuse.c.threats, "threats"),
            n(ratings.c.ratings, "ratings"),
            n(ratings.c.low_ratings, "low_ratings"),
        )
        .outerjoin(CustomerScore, CustomerScore.customer_id == Customer.id)
        .outerjoin(orders, orders.c.customer_id == Customer.id)
        .outerjoin(tickets, tickets.c.customer_id == Customer.id)
        .outerjoin(gestures, gestures.c.customer_id == Customer.id)
        .outerjoin(abuse, abuse.c.customer_id == Customer.id)
        .outerjoin(ratings, ratings.c.customer_id == Customer.id)
        .order_by(Customer.id)
    )


def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = {"customer_id": pl.Int64, "segment": pl.String}
    schema.update({name: pl.Int64 for name in COUNTS})
    return schema


def load_summaries(session: Session, thresholds: Thresholds) -> Summaries:
    """Every customer's summary, computed by the database."""
    query = summary_query(session, thresholds)
    schema = _schema()
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        for setting in SETTINGS:  # constants, not input
            session.execute(text(f"SET LOCAL {setting}"))
        sql = str(query.compile(dialect=bind.dialect, compile_kwargs={"literal_binds": True}))
        raw = session.connection().connection.dbapi_connection
        assert raw is not None
        buffer = io.BytesIO()
        cursor: Any = raw.cursor()  # psycopg 3: COPY is not in the DB-API types
        with (
            cursor as cur,
            cur.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER true)") as copy,
        ):
            for block in copy:
                buffer.write(block)
        buffer.seek(0)
        if buffer.getbuffer().nbytes == 0:
            return Summaries.from_frame(pl.DataFrame(schema=schema))
        frame = pl.read_csv(buffer, schema=schema)
        buffer.close()  # the CSV text is not needed next to the frame
        return Summaries.from_frame(frame)
    rows = session.execute(query).all()
    frame = pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")
    return Summaries.from_frame(frame)
