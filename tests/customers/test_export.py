"""CSV export writes the import format: export, import into an empty database, same data."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from fairdesk.customers.csv_formats import CUSTOMERS, ORDERS
from fairdesk.customers.exporter import cell, export_customers, export_orders
from fairdesk.customers.importer import import_customers, import_orders
from fairdesk.customers.importer.checks import ESCAPED_FORMULA
from fairdesk.customers.models import Customer, Gender, Order, OrderStatus
from tests.factories import make_customer, make_order


def snapshot(session: Session) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every customer and order as values, customers named by external id (ids differ)."""
    session.expire_all()
    customers = [tuple(getattr(c, n) for n in CUSTOMERS.names)
                 for c in session.scalars(select(Customer).order_by(Customer.external_id))]
    ids = {id_: key for id_, key in session.execute(select(Customer.id, Customer.external_id))}
    orders = [(o.external_id, ids[o.customer_id], *(getattr(o, n) for n in ORDERS.names[2:]))
              for o in session.scalars(select(Order).order_by(Order.external_id))]
    return customers, orders


def varied_data(session: Session) -> None:
    ada = make_customer(
        session, external_id="C-1", first_name="Ada", last_name="Lovelace, Countess",
        email="ada@example.com", phone="+44 20 7946 0000", preferred_channel="phone",
        consent_email=False, consent_marketing=True, lifecycle_status="active",
        birth_year=1915, gender=Gender.FEMALE, country="GB", region="Greater London",
        city='Lon"don', education="university", income_band="high", household_size=3,
        values=["quality", "craft & care"], interests=["tea"], personality=["curious"],
        lifestyle=["urban", "busy"], usage_frequency="weekly", product_lines=["mugs"],
        attitude="loyal",
    )
    zoe = make_customer(session, external_id="C-2", first_name="Zoë", last_name="Müller",
                        email=None, country=None, city="Köln\nNord")
    make_order(session, ada, external_id="O-1", amount=Decimal("54.50"),
               placed_at=datetime(2024, 3, 5, 14, 22, 11, 123456, tzinfo=UTC),
               status=OrderStatus.PARTIALLY_REFUNDED, refunded_amount=Decimal("20.00"),
               item_count=3, channel="pos",
               delivered_at=datetime(2024, 3, 6, 9, 0, tzinfo=UTC))
    make_order(session, zoe, external_id="O-2", amount=Decimal("0.99"), currency="EUR",
               placed_at=datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC))


def test_export_then_import_into_an_empty_database_gives_the_same_data(session: Session) -> None:
    varied_data(session)
    before = snapshot(session)
    customers_csv, orders_csv = io.StringIO(), io.StringIO()
    assert export_customers(session, customers_csv) == 2
    assert export_orders(session, orders_csv) == 2
    session.execute(delete(Order))
    session.execute(delete(Customer))
    assert import_customers(session, io.BytesIO(customers_csv.getvalue().encode())).inserted == 2
    assert import_orders(session, io.BytesIO(orders_csv.getvalue().encode())).inserted == 2
    assert snapshot(session) == before


def test_importing_an_export_into_the_same_database_changes_nothing(session: Session) -> None:
    varied_data(session)
    make_customer(session, external_id=None, first_name="No id")
    before = snapshot(session)
    out = io.StringIO()
    export_customers(session, out)
    report = import_customers(session, io.BytesIO(out.getvalue().encode()))
    assert (report.inserted, report.updated, report.unchanged) == (0, 0, 3)
    after = snapshot(session)
    assert len(after[0]) == 3
    assert [c for c in after[0] if not str(c[0]).startswith("fairdesk:")] == [
        c for c in before[0] if c[0] is not None]


def test_export_to_a_path_is_utf8_with_a_bom_and_the_import_header(
    session: Session, tmp_path: Path,
) -> None:
    varied_data(session)
    path = tmp_path / "orders.csv"
    export_orders(session, path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf" + ",".join(ORDERS.names).encode() + b"\r\n")
    assert b"O-1,C-1,2024-03-05T14:22:11.123456Z,54.50,GBP,partially_refunded,20.00,3,pos," \
           b"2024-03-06T09:00:00Z" in raw


def test_a_customer_without_external_id_is_exported_by_its_id(session: Session) -> None:
    anonymous = make_customer(session, external_id=None)
    make_order(session, anonymous, external_id="O-9")
    customers_csv, orders_csv = io.StringIO(), io.StringIO()
    export_customers(session, customers_csv)
    export_orders(session, orders_csv)
    assert customers_csv.getvalue().splitlines()[1].startswith(f"fairdesk:{anonymous.id},")
    assert orders_csv.getvalue().splitlines()[1].startswith(f"O-9,fairdesk:{anonymous.id},")


def test_cells_a_spreadsheet_would_run_as_formulas_are_exported_as_text_and_read_back(
    session: Session,
) -> None:
    make_customer(session, external_id="C-F", first_name='=HYPERLINK("http://evil")',
                  last_name="'=already quoted", city="@SUM(A1)", region="-2+3",
                  phone="+44 1632 960000", values=["=cmd", "calm"])
    before = snapshot(session)
    customers_csv = io.StringIO()
    export_customers(session, customers_csv)
    row = dict(zip(CUSTOMERS.names, next(
        r for r in csv.reader(io.StringIO(customers_csv.getvalue())) if r[0] == "C-F"),
        strict=True))
    assert row["first_name"] == "'=HYPERLINK(\"http://evil\")"
    assert row["last_name"] == "''=already quoted"
    assert row["city"] == "'@SUM(A1)"
    assert row["region"] == "'-2+3"
    assert row["values"] == "'=cmd;calm"
    session.execute(delete(Customer))
    assert import_customers(session, io.BytesIO(customers_csv.getvalue().encode())).inserted == 1
    assert snapshot(session) == before


@given(st.text(alphabet=st.sampled_from("'=+-@\tab ;"), max_size=12))
def test_the_formula_escape_always_reads_back_to_the_same_text(text: str) -> None:
    escaped = cell(text)
    assert escaped[:1] not in {"=", "+", "-", "@", "\t", "\r"}
    read = pl.Series([escaped]).str.replace(ESCAPED_FORMULA, "$1").item()
    assert read == text
