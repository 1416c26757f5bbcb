"""Write a demo plan into the session's transaction with three bulk inserts.

Core inserts of plain dicts, rather than ORM objects or ORM bulk inserts (which split rows
by which fields are None), keep 5,000 customers with their ~28,000 orders to a second or two:
every row has the same keys, so each table goes out as one executemany. The caller owns the
unit of work and commits (or not).
"""

from __future__ import annotations

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from fairdesk.customers.models import Customer, JourneyEvent, Order
from fairdesk.db.base import Base
from fairdesk.demo.generate import DemoPlan
from fairdesk.errors import Conflict


def write_plan(session: Session, plan: DemoPlan) -> list[int]:
    """Insert the plan's rows; return the customers' primary keys in plan order."""
    if not plan.customers:
        return []
    first_id = plan.customers[0]["external_id"]
    if session.scalar(select(Customer.id).where(Customer.external_id == first_id)) is not None:
        raise Conflict(f"demo customer {first_id} already exists; build the demo into an "
                       "empty database", field="external_id")
    # Plain executemany, then one query for the new keys: RETURNING over thousands of rows
    # costs PostgreSQL's driver more in query parsing than the whole insert.
    session.execute(insert(_table(Customer)), plan.customers)
    external = [row["external_id"] for row in plan.customers]
    stored = session.execute(
        select(Customer.external_id, Customer.id)
        .where(Customer.external_id.between(min(external), max(external)))
    )
    by_external = {external_id: pk for external_id, pk in stored}
    ids = [by_external[e] for e in external]
    if plan.orders:
        session.execute(insert(_table(Order)), [
            {**row, "customer_id": ids[owner]}
            for row, owner in zip(plan.orders, plan.order_owner, strict=True)
        ])
    session.execute(insert(_table(JourneyEvent)), [
        {**row, "customer_id": ids[owner]}
        for row, owner in zip(plan.events, plan.event_owner, strict=True)
    ])
    return ids


def _table(model: type[Base]) -> Table:
    return Base.metadata.tables[model.__tablename__]
