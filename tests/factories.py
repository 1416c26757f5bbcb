"""Small builders for test data; each returns a flushed row with sensible defaults."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from fairdesk.auth import service as auth_service
from fairdesk.auth.models import Role, StaffUser
from fairdesk.customers.models import Customer, Order

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


def make_user(session: Session, *, role: Role = Role.AGENT, **kw: Any) -> StaffUser:
    n = next(_seq)
    return auth_service.create_user(
        session,
        email=kw.pop("email", f"staff{n}@example.com"),
        name=kw.pop("name", f"Staff {n}"),
        password=kw.pop("password", PASSWORD),
        role=role,
    )


def make_token(session: Session, user: StaffUser) -> str:
    return auth_service.create_token(session, user=user, name="test")[1]


def make_customer(session: Session, **kw: Any) -> Customer:
    n = next(_seq)
    fields: dict[str, Any] = {
        "external_id": f"T{n:07d}",
        "first_name": "Ada",
        "last_name": f"Test{n}",
        "email": f"customer{n}@example.com",
        "country": "GB",
    }
    fields.update(kw)
    customer = Customer(**fields)
    session.add(customer)
    session.flush()
    return customer


def make_order(session: Session, customer: Customer, **kw: Any) -> Order:
    n = next(_seq)
    fields: dict[str, Any] = {
        "external_id": f"TO{n:07d}",
        "customer_id": customer.id,
        "placed_at": datetime(2026, 1, 1, tzinfo=UTC),
        "amount": Decimal("25.00"),
        "currency": "GBP",
    }
    fields.update(kw)
    order = Order(**fields)
    session.add(order)
    session.flush()
    return order
