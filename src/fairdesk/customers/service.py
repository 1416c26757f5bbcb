"""Customer and order rules: plain functions taking a session; they flush, never commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    String,
    Text,
    and_,
    cast,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from fairdesk.auth import service as audit
from fairdesk.auth.models import StaffUser
from fairdesk.customers.models import Customer, JourneyEvent, LifecycleStatus, Order, OrderStatus
from fairdesk.customers.schemas import CustomerCreate, CustomerUpdate, OrderCreate, OrderUpdate
from fairdesk.db.text_search import ESCAPE, TRIGRAM, contains, fts_match
from fairdesk.errors import Conflict, NotFound, ValidationFailed


class CustomerSort(StrEnum):
    NAME = "name"
    NEWEST = "-created"
    OLDEST = "created"
    EMAIL = "email"
    EXTERNAL_ID = "external_id"


_SORTS: dict[CustomerSort, tuple[ColumnElement[Any], ...]] = {
    CustomerSort.NAME: (Customer.last_name.asc(), Customer.first_name.asc(), Customer.id.asc()),
    CustomerSort.NEWEST: (Customer.created_at.desc(), Customer.id.desc()),
    CustomerSort.OLDEST: (Customer.created_at.asc(), Customer.id.asc()),
    CustomerSort.EMAIL: (Customer.email.asc(), Customer.id.asc()),
    CustomerSort.EXTERNAL_ID: (Customer.external_id.asc(), Customer.id.asc()),
}

TAG_COLUMNS = (
    Customer.values,
    Customer.interests,
    Customer.personality,
    Customer.lifestyle,
    Customer.product_lines,
)


@dataclass(frozen=True)
class CustomerQuery:
    """Filters of the customers list; every field narrows the result."""

    q: str | None = None
    country: str | None = None
    lifecycle_status: LifecycleStatus | None = None
    tag: str | None = None
    sort: CustomerSort = CustomerSort.NAME


@dataclass(frozen=True)
class CustomerStats:
    orders: int
    spent: Decimal
    last_order_at: object


# Emitted as literal SQL (not a bind parameter) so PostgreSQL matches the expression indexes of
# migration 0006; keep these expressions identical to that migration.
_SPACE = literal_column("' '", Text)


def _concat(parts: list[ColumnElement[Any]]) -> ColumnElement[Any]:
    """``a || ' ' || b || …`` with the literal space of the PostgreSQL tags index."""
    joined = parts[0]
    for part in parts[1:]:
        joined = joined + _SPACE + part
    return joined


_NAME = func.lower(Customer.first_name + _SPACE + Customer.last_name)
_EMAIL = func.lower(Customer.email)
_PG_TAGS = func.lower(_concat([cast(col, Text) for col in TAG_COLUMNS]))


def _plain_tag(tag: str) -> bool:
    """Whether the indexed text of all tag lists joined (ASCII JSON, lists separated by a
    space) matches exactly where the per-list test would: a match could only straddle two
    lists through a bracket or quote, and case folding only differs outside ASCII."""
    return tag.isascii() and not any(char in tag for char in '[]"\\')


def _fts_ids(columns: str, text: str) -> ColumnElement[bool]:
    """Customers whose FTS5 ``columns`` (migration 0006) contain ``text``."""
    return fts_match(Customer.id, "customer_fts", columns, text)


def _conditions(query: CustomerQuery, dialect: str) -> list[ColumnElement[bool]]:
    """WHERE clauses of the list. The LIKE tests define the result on every dialect; the
    trigram tests in front of them only narrow the rows fast (index prefilters, rechecked)."""
    conds: list[ColumnElement[bool]] = []
    if query.q:
        term = query.q.strip()
        like = contains(term.lower())
        text_match: ColumnElement[bool] = or_(
            _NAME.like(like, escape=ESCAPE),
            _EMAIL.like(like, escape=ESCAPE),
        )
        if dialect == "sqlite" and len(term) >= TRIGRAM:
            text_match = and_(_fts_ids("name email", term.lower()), text_match)
        conds.append(or_(text_match, Customer.external_id == term))
    if query.country:
        conds.append(Customer.country == query.country.upper())
    if query.lifecycle_status:
        conds.append(Customer.lifecycle_status == query.lifecycle_status)
    if query.tag:
        # Tags are JSON lists; their text form contains each tag quoted, on every dialect.
        needle = f'"{query.tag.strip().lower()}"'
        like = contains(needle)
        tag_match: ColumnElement[bool] = or_(
            *(func.lower(cast(col, String)).like(like, escape=ESCAPE) for col in TAG_COLUMNS)
        )
        if dialect in ("postgresql", "sqlite"):
            indexed = (
                _PG_TAGS.like(like, escape=ESCAPE)
                if dialect == "postgresql"
                else _fts_ids("tags", needle)
            )
            tag_match = indexed if _plain_tag(needle[1:-1]) else and_(indexed, tag_match)
        conds.append(tag_match)
    return conds


def list_customers(
    session: Session, *, query: CustomerQuery, limit: int, offset: int
) -> tuple[Sequence[Customer], int]:
    """One page of customers and the total matching.

    The page's ids come first from a narrow query the sort indexes (ending in id) answer
    alone, then only those rows are loaded. With a search or tag the matches are found first
    (on PostgreSQL a materialised CTE over the trigram indexes, so the planner cannot walk the
    whole name index testing each row), sorted, and counted in that same pass.
    """
    dialect = session.get_bind().dialect.name
    conds = _conditions(query, dialect)
    ids_query = select(Customer.id)
    if dialect == "postgresql" and (query.q or query.tag):
        matches = select(Customer.id).where(*conds).cte("matches").prefix_with("MATERIALIZED")
        ids_query = ids_query.join(matches, matches.c.id == Customer.id)
    else:
        ids_query = ids_query.where(*conds)
    ordered = ids_query.order_by(*_SORTS[query.sort]).limit(limit).offset(offset)
    total: int | None = None
    if query.q or query.tag:
        # Matches are gathered for the sort anyway: count them in the same pass.
        found = session.execute(ordered.add_columns(func.count().over())).all()
        ids = [row[0] for row in found]
        total = found[0][1] if found else (0 if offset == 0 and limit > 0 else None)
    else:
        ids = list(session.scalars(ordered))
        if 0 < len(ids) < limit:
            total = offset + len(ids)  # the page ran short: it holds the last match
    if total is None:
        total = session.scalar(select(func.count()).select_from(ids_query.subquery())) or 0
    by_id = {c.id: c for c in session.scalars(select(Customer).where(Customer.id.in_(ids)))}
    return [by_id[i] for i in ids], total


def stats_for(session: Session, customer_ids: Sequence[int]) -> dict[int, CustomerStats]:
    """Order count, spend and last order for a page of customers in one query."""
    if not customer_ids:
        return {}
    rows = session.execute(
        select(
            Order.customer_id,
            func.count(Order.id),
            func.coalesce(func.sum(Order.amount), 0),
            func.max(Order.placed_at),
        )
        .where(Order.customer_id.in_(customer_ids))
        .group_by(Order.customer_id)
    ).all()
    stats = {cid: CustomerStats(int(n), Decimal(s), last) for cid, n, s, last in rows}
    return {cid: stats.get(cid, CustomerStats(0, Decimal(0), None)) for cid in customer_ids}


def get_customer(session: Session, customer_id: int) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"no customer with id {customer_id}", field="customer_id")
    return customer


def orders_of(session: Session, customer_id: int, *, limit: int = 200) -> Sequence[Order]:
    return session.scalars(
        select(Order)
        .where(Order.customer_id == customer_id)
        .order_by(Order.placed_at.desc())
        .limit(limit)
    ).all()


def journey_of(session: Session, customer_id: int) -> Sequence[JourneyEvent]:
    return session.scalars(
        select(JourneyEvent)
        .where(JourneyEvent.customer_id == customer_id)
        .order_by(JourneyEvent.occurred_at)
    ).all()


def _ensure_unique(session: Session, model: type[Customer] | type[Order], external_id: str) -> None:
    if session.scalar(select(model.id).where(model.external_id == external_id)) is not None:
        raise Conflict(f"external_id {external_id!r} is already used", field="external_id")


def create_customer(session: Session, *, data: CustomerCreate, actor: StaffUser | None) -> Customer:
    if data.external_id:
        _ensure_unique(session, Customer, data.external_id)
    fields = data.model_dump(exclude_none=True)
    customer = Customer(**fields)
    session.add(customer)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="customer.create",
        entity_type="customer",
        entity_id=customer.id,
        details={"fields": sorted(fields)},
    )
    return customer


def update_customer(
    session: Session, *, customer_id: int, data: CustomerUpdate, actor: StaffUser | None
) -> Customer:
    customer = get_customer(session, customer_id)
    changes = data.model_dump(exclude_unset=True)
    for key, value in changes.items():
        if value is None and key in {"first_name", "last_name"}:
            value = ""
        if value is None and key in {c.key for c in TAG_COLUMNS}:
            value = []
        setattr(customer, key, value)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="customer.update",
        entity_type="customer",
        entity_id=customer.id,
        details={"fields": sorted(changes)},
    )
    return customer


def list_orders(
    session: Session,
    *,
    customer_id: int | None,
    status: OrderStatus | None,
    limit: int,
    offset: int,
) -> tuple[Sequence[Order], int]:
    conds: list[ColumnElement[bool]] = []
    if customer_id is not None:
        conds.append(Order.customer_id == customer_id)
    if status is not None:
        conds.append(Order.status == status)
    total = session.scalar(select(func.count()).select_from(Order).where(*conds)) or 0
    rows = session.scalars(
        select(Order)
        .where(*conds)
        .order_by(Order.placed_at.desc(), Order.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return rows, total


def get_order(session: Session, order_id: int) -> Order:
    order = session.get(Order, order_id)
    if order is None:
        raise NotFound(f"no order with id {order_id}", field="order_id")
    return order


def _check_refund(order: Order) -> None:
    if order.refunded_amount > order.amount:
        raise ValidationFailed("refunded_amount cannot exceed amount", field="refunded_amount")


def create_order(session: Session, *, data: OrderCreate, actor: StaffUser | None) -> Order:
    get_customer(session, data.customer_id)
    _ensure_unique(session, Order, data.external_id)
    order = Order(**data.model_dump(exclude_none=True))
    if order.refunded_amount is None:
        order.refunded_amount = Decimal(0)
    _check_refund(order)
    session.add(order)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="order.create",
        entity_type="order",
        entity_id=order.id,
        details={"amount": str(order.amount)},
    )
    return order


def update_order(
    session: Session, *, order_id: int, data: OrderUpdate, actor: StaffUser | None
) -> Order:
    order = get_order(session, order_id)
    changes = data.model_dump(exclude_unset=True)
    for key, value in changes.items():
        if value is None and key not in {"delivered_at"}:
            raise ValidationFailed(f"{key} cannot be null", field=key)
        setattr(order, key, value)
    _check_refund(order)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="order.update",
        entity_type="order",
        entity_id=order.id,
        details={k: str(v) for k, v in changes.items()},
    )
    return order
