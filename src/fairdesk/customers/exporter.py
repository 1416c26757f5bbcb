"""CSV export of customers and orders, in exactly the format the importer reads.

Exporting and importing the file into an empty database gives the same customers and orders.
Rows are streamed from the database, so an export's memory does not grow with the table.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Select, String, cast, func, select
from sqlalchemy.orm import Session

from fairdesk.customers.csv_formats import CUSTOMERS, EXPORTED_ID_PREFIX, ORDERS
from fairdesk.customers.models import Customer, Order

_STREAM_ROWS = 5_000
# A cell a spreadsheet would run as a formula (OWASP "CSV injection"), possibly already behind
# apostrophes: one more apostrophe makes it text; the importer removes exactly that one.
FORMULA_START = re.compile(r"^'*[=+\-@\t\r]")


def cell(value: Any) -> str:
    """One value as the importer reads it back."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    text = ";".join(value) if isinstance(value, list) else str(value)
    if isinstance(value, str | list) and FORMULA_START.match(text):
        return "'" + text
    return text


def _external_id(model: type[Customer]) -> Any:
    """A customer's external id, or ``fairdesk:<id>`` for one that has none."""
    return func.coalesce(model.external_id, EXPORTED_ID_PREFIX + cast(model.id, String))


def _write(session: Session, out: TextIO | Path, header: Sequence[str],
           query: Select[Any]) -> int:
    if isinstance(out, Path):
        # A BOM lets spreadsheet programs show accents right; the importer skips it.
        with out.open("w", encoding="utf-8-sig", newline="") as stream:
            return _write(session, stream, header, query)
    writer = csv.writer(out)
    writer.writerow(header)
    count = 0
    for rows in _partitions(session, query):
        writer.writerows([cell(v) for v in row] for row in rows)
        count += len(rows)
    return count


def _partitions(session: Session, query: Select[Any]) -> Iterator[Sequence[Iterable[Any]]]:
    result = session.execute(query.execution_options(yield_per=_STREAM_ROWS))
    yield from result.partitions()


def export_customers(session: Session, out: TextIO | Path) -> int:
    """Write every customer to ``out`` (a text stream or a path); return how many."""
    columns = [_external_id(Customer) if n == "external_id" else getattr(Customer, n)
               for n in CUSTOMERS.names]
    return _write(session, out, CUSTOMERS.names, select(*columns).order_by(Customer.id))


def export_orders(session: Session, out: TextIO | Path) -> int:
    """Write every order to ``out`` (a text stream or a path); return how many."""
    columns = [_external_id(Customer) if n == "customer_external_id" else getattr(Order, n)
               for n in ORDERS.names]
    query = select(*columns).join(Customer, Order.customer_id == Customer.id).order_by(Order.id)
    return _write(session, out, ORDERS.names, query)
