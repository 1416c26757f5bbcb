"""CSV import of customers and orders: upsert by external id, and every bad input refused
with its row, column and reason, changing nothing (or only the good rows, when asked)."""

from __future__ import annotations

import csv
import io
import tracemalloc
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fairdesk.auth.models import AuditEntry
from fairdesk.config import Settings
from fairdesk.customers.importer import (
    ImportMode,
    ImportProgress,
    ImportReport,
    Phase,
    SourceFormat,
    import_customers,
    import_orders,
)
from fairdesk.customers.models import Customer, Order, OrderStatus
from tests.factories import make_customer, make_user

SHOPIFY = Path(__file__).parent.parent / "data" / "import" / "shopify_orders.csv"
ORDER_HEADER = ("external_id,customer_external_id,placed_at,amount,currency,status,"
                "refunded_amount,item_count,channel,delivered_at\n")


def csv_bytes(text: str, encoding: str = "utf-8") -> io.BytesIO:
    return io.BytesIO(text.encode(encoding))


def count(session: Session, model: type[Customer] | type[Order]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def customer(session: Session, external_id: str) -> Customer:
    return session.scalars(select(Customer).where(Customer.external_id == external_id)).one()


def order(session: Session, external_id: str) -> Order:
    return session.scalars(select(Order).where(Order.external_id == external_id)).one()


def problems(report: ImportReport) -> list[tuple[int | None, str | None, str]]:
    return [(e.row, e.column, e.reason) for e in report.errors]


def import_two_customers(session: Session) -> None:
    report = import_customers(session, csv_bytes("external_id,first_name\nC1,Ada\nC2,Grace\n"))
    assert report.ok and report.inserted == 2


# --- customers -------------------------------------------------------------------------------

def test_customers_are_imported_with_every_field_read(session: Session) -> None:
    text = (
        "external_id,first_name,last_name,email,country,values,interests,consent_email,"
        "consent_marketing,birth_year,household_size,preferred_channel,lifecycle_status,city\n"
        "C1,Ada,Lovelace,ada@Example.COM,gb,quality; craft;,tea,yes,0,1915,2,Phone,active,\n"
        " C2 ,,,,,,,,,,,,,\n"
    )
    report = import_customers(session, csv_bytes(text))
    assert report.ok and report.applied
    assert (report.rows_read, report.inserted, report.updated) == (2, 2, 0)
    ada = customer(session, "C1")
    assert (ada.first_name, ada.last_name, ada.email, ada.country) == (
        "Ada", "Lovelace", "ada@example.com", "GB")
    assert ada.values == ["quality", "craft"] and ada.interests == ["tea"]
    assert (ada.consent_email, ada.consent_marketing) == (True, False)
    assert (ada.birth_year, ada.household_size) == (1915, 2)
    assert (ada.preferred_channel, ada.lifecycle_status, ada.city) == ("phone", "active", None)
    blank = customer(session, "C2")  # empty cells: unknown, or the column's default
    assert (blank.first_name, blank.email, blank.values) == ("", None, [])
    assert (blank.consent_email, blank.preferred_channel, blank.lifecycle_status) == (
        True, "email", "lead")


def test_importing_the_same_file_twice_changes_nothing(session: Session) -> None:
    text = "external_id,first_name,email,values\nC1,Ada,ada@example.com,a;b\nC2,Grace,,\n"
    import_customers(session, csv_bytes(text))
    session.expire_all()
    before = [(c.id, c.first_name, c.values, c.updated_at)
              for c in session.scalars(select(Customer).order_by(Customer.id))]
    again = import_customers(session, csv_bytes(text))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    session.expire_all()
    after = [(c.id, c.first_name, c.values, c.updated_at)
             for c in session.scalars(select(Customer).order_by(Customer.id))]
    assert after == before


def test_reimport_updates_what_changed_and_keeps_what_the_file_leaves_empty(
    session: Session,
) -> None:
    import_customers(session, csv_bytes(
        "external_id,first_name,city,consent_email\nC1,Ada,London,no\nC2,Grace,York,no\n"))
    report = import_customers(session, csv_bytes(
        "external_id,first_name,city,consent_email\nC1,Ada,Paris,\nC2,Grace,York,\n"))
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 1)
    session.expire_all()
    ada = customer(session, "C1")
    # city is nullable: the new value is taken; consent cannot be unknown, so it is kept.
    assert (ada.city, ada.consent_email) == ("Paris", False)


def test_columns_absent_from_the_file_are_left_alone(session: Session) -> None:
    make_customer(session, external_id="C1", first_name="Ada", city="London")
    report = import_customers(session, csv_bytes("external_id,email\nC1,ada@example.com\n"))
    assert report.updated == 1
    session.expire_all()
    ada = customer(session, "C1")
    assert (ada.first_name, ada.city, ada.email) == ("Ada", "London", "ada@example.com")


def test_customer_values_are_checked_like_the_api(session: Session) -> None:
    text = ("external_id,email,country,birth_year,consent_email,gender,values\n"
            "C1,not-an-address,GBR,1850,maybe,robot," + "x" * 61 + "\n")
    report = import_customers(session, csv_bytes(text))
    assert not report.ok and not report.applied and count(session, Customer) == 0
    reasons = {column: reason for _, column, reason in problems(report)}
    assert "valid email" in reasons["email"]
    assert reasons["country"] == "must be 2 letters"
    assert reasons["birth_year"] == "must be between 1900 and 2100"
    assert reasons["consent_email"].startswith("not a yes/no value")
    assert reasons["gender"].startswith("must be one of: female")
    assert reasons["values"].startswith("a tag is longer than 60 characters")
    assert {row for row, _, _ in problems(report)} == {2}


# --- header and file problems ----------------------------------------------------------------

def test_missing_required_column_is_named(session: Session) -> None:
    report = import_customers(session, csv_bytes("first_name,email\nAda,ada@example.com\n"))
    assert problems(report) == [(1, "external_id", "required column is missing")]
    assert count(session, Customer) == 0


def test_missing_required_order_columns_are_named(session: Session) -> None:
    report = import_orders(session, csv_bytes("external_id,customer_external_id\nO1,C1\n"))
    assert {column for _, column, _ in problems(report)} == {"placed_at", "amount", "currency"}


def test_unknown_columns_are_named(session: Session) -> None:
    report = import_customers(session, csv_bytes("external_id,nickname,shoe_size\nC1,Ace,9\n"))
    assert [(row, column) for row, column, _ in problems(report)] == [
        (1, "nickname"), (1, "shoe_size")]
    assert report.errors[0].reason.startswith("unknown column (expected: external_id, ")
    assert count(session, Customer) == 0


@pytest.mark.parametrize("content", [b"", b"\n\n  \n", b"\xef\xbb\xbf"])
def test_an_empty_file_is_refused_clearly(session: Session, content: bytes) -> None:
    report = import_customers(session, io.BytesIO(content))
    assert problems(report) == [(None, None, "the file is empty: it has no header row")]
    assert not report.applied


def test_a_header_only_file_imports_nothing_and_is_fine(session: Session) -> None:
    report = import_customers(session, csv_bytes("external_id,first_name\n"))
    assert report.ok and report.rows_read == 0 and count(session, Customer) == 0


def test_blank_rows_a_spreadsheet_leaves_are_skipped(session: Session) -> None:
    report = import_customers(session, csv_bytes("external_id,first_name\nC1,Ada\n\n , \n,\n,\n"))
    assert report.ok and (report.rows_read, report.inserted) == (1, 1)


def test_utf8_bom_and_crlf_are_accepted(session: Session) -> None:
    data = "\ufeffexternal_id,first_name\r\nC1,Zoë\r\n".encode()
    report = import_customers(session, io.BytesIO(data))
    assert report.ok and report.notes == []
    assert customer(session, "C1").first_name == "Zoë"


def test_latin1_excel_file_is_read_as_windows_1252_with_a_note(session: Session) -> None:
    text = ("external_id,first_name,last_name,city\n"
            "C1,Zoë,Müller,Köln\nC2,José,Peña,Bogotá – Norte\n")
    report = import_customers(session, csv_bytes(text, "cp1252"))
    assert report.ok
    assert (customer(session, "C1").last_name, customer(session, "C2").city) == (
        "Müller", "Bogotá – Norte")
    assert len(report.notes) == 1
    assert "not UTF-8 (first at byte 43, row 2)" in report.notes[0]
    assert "Windows-1252" in report.notes[0]


def test_semicolon_separated_excel_file_is_read(session: Session) -> None:
    report = import_customers(session, csv_bytes("external_id;first_name;values\nC1;Ada;a;\n"))
    assert not report.ok  # a ";" in a tag cell makes a fourth field on that row
    report = import_customers(session, csv_bytes('external_id;first_name;values\nC1;Ada;"a;b"\n'))
    assert report.ok and customer(session, "C1").values == ["a", "b"]


def test_a_row_with_the_wrong_number_of_fields_is_refused(session: Session) -> None:
    report = import_customers(session, csv_bytes("external_id,first_name\nC1,Ada,extra\nC2,Bo\n"))
    assert problems(report) == [(2, None, "has 3 fields but the header has 2")]
    assert count(session, Customer) == 0


def test_rows_are_numbered_by_the_line_they_start_on(session: Session) -> None:
    text = 'external_id,city\nC1,"Multi\nline\ncity"\nC2,' + "x" * 121 + "\n"
    report = import_customers(session, csv_bytes(text))
    assert problems(report) == [(5, "city", "longer than 120 characters")]


def test_a_10_mb_field_is_refused_naming_row_and_column_without_reading_it_all(
    session: Session,
) -> None:
    huge = b"external_id,first_name,city\nC1,Ada,London\nC2,Bo," + b"x" * 10_000_000 + b"\n"
    tracemalloc.start()
    try:
        report = import_customers(session, io.BytesIO(huge))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert problems(report) == [(3, "city", "a field is larger than 65536 bytes; "
                                            "the file was not read past this row")]
    assert count(session, Customer) == 0
    assert peak < 8_000_000  # the 10 MB field was never held whole


def test_a_field_over_the_limit_is_a_row_error(session: Session, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, import_max_field_bytes=10)
    text = "external_id,first_name\nC1,Ada\nC2," + "é" * 6 + "\n"  # 12 bytes
    report = import_customers(session, csv_bytes(text), settings=settings,
                              mode=ImportMode.SKIP_INVALID)
    assert problems(report) == [(3, "first_name", "larger than 10 bytes")]
    assert report.inserted == 1


def test_a_file_over_the_size_limit_is_refused(session: Session, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, import_max_file_bytes=100)
    report = import_customers(session, csv_bytes("external_id\n" + "C1\n" * 50), settings=settings)
    assert problems(report) == [(None, None, "the file is larger than 100 bytes")]


def test_a_stream_that_cannot_seek_is_read(session: Session) -> None:
    class Pipe(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self.inner = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
            chunk = self.inner.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    report = import_customers(session, Pipe(b"external_id\nC1\n"))  # type: ignore[arg-type]
    assert report.ok and report.inserted == 1


# --- orders ----------------------------------------------------------------------------------

def test_orders_are_imported_with_timestamps_in_utc(session: Session) -> None:
    import_two_customers(session)
    text = ORDER_HEADER + (
        "O1,C1,2024-03-05,10.5,GBP,Paid,0,2,web,\n"
        "O2,C2,2024-03-05T14:22:11+01:00,99.99,usd,refunded,99.99,1,,2024-03-08 10:00\n")
    report = import_orders(session, csv_bytes(text))
    assert report.ok and report.inserted == 2 and report.source_format == SourceFormat.FAIRDESK
    first, second = order(session, "O1"), order(session, "O2")
    assert first.placed_at == datetime(2024, 3, 5, tzinfo=UTC)  # a date alone: midnight UTC
    assert (first.amount, first.status, first.item_count) == (Decimal("10.50"), "paid", 2)
    assert second.placed_at == datetime(2024, 3, 5, 13, 22, 11, tzinfo=UTC)
    assert second.delivered_at == datetime(2024, 3, 8, 10, 0, tzinfo=UTC)  # naive: UTC
    assert (second.currency, second.channel) == ("USD", "web")  # empty channel: the default
    assert first.customer_id == customer(session, "C1").id
    assert second.customer_id == customer(session, "C2").id


def test_imported_values_are_stored_exactly_as_the_orm_stores_them(session: Session) -> None:
    import_two_customers(session)
    ada = customer(session, "C1")
    session.add(Order(external_id="ORM", customer_id=ada.id, amount=Decimal("12.30"),
                      currency="GBP", placed_at=datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=UTC)))
    session.flush()
    import_orders(session, csv_bytes(ORDER_HEADER + "CSV,C1,2024-01-02T03:04:05.000006Z,12.3,"
                                     "GBP,,,,,\n"))
    stored = session.execute(
        select(Order.placed_at, Order.amount, Order.status, Order.refunded_amount,
               Order.item_count, Order.channel).order_by(Order.external_id)).all()
    assert stored[0] == stored[1]
    found = session.scalars(select(Order.external_id).where(
        Order.placed_at == datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
        Order.amount == Decimal("12.30"))).all()
    assert sorted(found) == ["CSV", "ORM"]


def test_reimporting_orders_updates_only_changed_rows(session: Session) -> None:
    import_two_customers(session)
    text = ORDER_HEADER + "O1,C1,2024-03-05,10.00,GBP,paid,,,,\nO2,C1,2024-03-06,20.00,GBP,,,,,\n"
    import_orders(session, csv_bytes(text))
    changed = text.replace("O2,C1,2024-03-06,20.00,GBP,,", "O2,C2,2024-03-06,25.00,GBP,refunded,")
    report = import_orders(session, csv_bytes(changed))
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 1)
    session.expire_all()
    moved = order(session, "O2")
    assert (moved.amount, moved.status, moved.customer_id) == (
        Decimal("25.00"), OrderStatus.REFUNDED, customer(session, "C2").id)


@pytest.mark.parametrize(("row", "column", "reason"), [
    ("O1,C1,2024-02-30,10,GBP", "placed_at", "not a date or time in ISO 8601"),
    ("O1,C1,05/03/2024,10,GBP", "placed_at", "not a date or time in ISO 8601"),
    ("O1,C1,2024-03-05,-5.00,GBP", "amount", "must not be negative"),
    ("O1,C1,2024-03-05,ten,GBP", "amount", "not a number"),
    ("O1,C1,2024-03-05,\"1,50\",GBP", "amount", "not a number"),
    ("O1,C1,2024-03-05,1.505,GBP", "amount", "more than 2 decimal places"),
    ("O1,C1,2024-03-05,10,GB", "currency", "must be 3 letters (ISO 4217, e.g. GBP)"),
    ("O1,C1,2024-03-05,10,EURO", "currency", "must be 3 letters (ISO 4217, e.g. GBP)"),
    ("O1,C1,2024-03-05,10,GBP,shipped", "status", "must be one of: pending, paid"),
    ("O1,C1,2024-03-05,10,GBP,,12.00", "refunded_amount", "more than amount (10.00)"),
    ("O1,C1,2024-03-05,10,GBP,,,-1", "item_count", "must be between 0 and 100000"),
    ("O1,C9,2024-03-05,10,GBP", "customer_external_id", "no customer has this external_id"),
    (",C1,2024-03-05,10,GBP", "external_id", "is required"),
])
def test_a_bad_order_value_is_named_and_nothing_is_imported(
    session: Session, row: str, column: str, reason: str,
) -> None:
    import_two_customers(session)
    good = "O0,C1,2024-03-04,1.00,GBP,,,,,\n"
    fields = next(csv.reader([row]))
    padded = row + "," * (10 - len(fields))
    report = import_orders(session, csv_bytes(ORDER_HEADER + good + padded + "\n"))
    assert not report.ok and not report.applied
    assert [(e.row, e.column) for e in report.errors] == [(3, column)]
    assert report.errors[0].reason.startswith(reason)
    assert count(session, Order) == 0


def test_duplicate_external_ids_in_one_file_are_refused(session: Session) -> None:
    import_two_customers(session)
    text = ORDER_HEADER + "".join(f"O{i % 3},C1,2024-03-05,1,GBP,,,,,\n" for i in range(5))
    report = import_orders(session, csv_bytes(text))
    assert problems(report) == [
        (5, "external_id", "appears more than once in the file (first on row 2)"),
        (6, "external_id", "appears more than once in the file (first on row 3)"),
    ]
    assert count(session, Order) == 0


def test_skip_invalid_imports_the_good_rows_and_writes_the_rejects(
    session: Session, tmp_path: Path,
) -> None:
    import_two_customers(session)
    text = ORDER_HEADER + ("O1,C1,2024-03-05,10,GBP,,,,,\n"
                           "O2,C1,yesterday,10,GBP,,,,,\n"
                           "O3,C2,2024-03-05,-1,GB,,,,,\n"
                           "O4,C2,2024-03-05,5,EUR,,,,,\n")
    report = import_orders(session, csv_bytes(text), mode=ImportMode.SKIP_INVALID)
    assert report.applied and not report.ok
    assert (report.inserted, report.skipped, report.error_count) == (2, 2, 3)
    assert sorted(session.scalars(select(Order.external_id))) == ["O1", "O4"]
    rejects = tmp_path / "rejects.csv"
    assert report.write_rejects(rejects) == 2
    lines = rejects.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == ORDER_HEADER.strip() + ",error"
    assert lines[1].startswith("O2,C1,yesterday,10,GBP,,,,,,placed_at: not a date or time")
    assert lines[2].startswith('O3,C2,2024-03-05,-1,GB,,,,,,"amount: must not be negative; '
                               "currency: must be 3 letters")


def test_rejects_file_can_be_corrected_and_imported(session: Session, tmp_path: Path) -> None:
    report = import_customers(session, csv_bytes("external_id,country\nC1,GB\nC2,GBR\n"),
                              mode=ImportMode.SKIP_INVALID)
    rejects = tmp_path / "rejects.csv"
    report.write_rejects(rejects)
    assert rejects.read_bytes().startswith(b"\xef\xbb\xbf")
    corrected = rejects.read_text(encoding="utf-8-sig").replace("GBR", "GB")
    corrected = corrected.replace(",error", "").replace(",country: must be 2 letters", "")
    again = import_customers(session, csv_bytes(corrected))
    assert again.ok and again.inserted == 1 and count(session, Customer) == 2


def test_every_import_writes_one_audit_entry(session: Session) -> None:
    staff = make_user(session)
    import_customers(session, csv_bytes("external_id\nC1\nC2\n"), actor=staff)
    import_orders(session, csv_bytes(ORDER_HEADER + "O1,C9,2024-03-05,1,GBP,,,,,\n"), actor=staff)
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action.like("%.import"))
                              .order_by(AuditEntry.id)).all()
    assert [(e.action, e.actor_id) for e in entries] == [
        ("customer.import", staff.id), ("order.import", staff.id)]
    assert entries[0].details["inserted"] == 2 and entries[0].details["ok"] is True
    assert entries[1].details["error_count"] == 1 and entries[1].details["applied"] is False


def test_progress_is_reported_per_phase(session: Session) -> None:
    seen: list[ImportProgress] = []
    text = "external_id\n" + "".join(f"C{i}\n" for i in range(120))
    import_customers(session, csv_bytes(text), progress=seen.append)
    checking = [p for p in seen if p.phase is Phase.CHECKING]
    writing = [p for p in seen if p.phase is Phase.WRITING]
    assert checking and checking[-1].done == checking[-1].total == len(text)
    assert writing and writing[-1].done == writing[-1].total


# --- exported ids ----------------------------------------------------------------------------

def test_a_customer_exported_without_external_id_is_updated_not_copied(
    session: Session,
) -> None:
    ada = make_customer(session, external_id=None, first_name="Ada")
    report = import_customers(session, csv_bytes(
        f"external_id,first_name\nfairdesk:{ada.id},Augusta\n"))
    assert (report.inserted, report.updated) == (0, 1)
    session.expire_all()
    assert (customer(session, f"fairdesk:{ada.id}").id, count(session, Customer)) == (ada.id, 1)


# --- Shopify ---------------------------------------------------------------------------------

def test_shopify_export_with_a_blank_email_is_refused_whole(session: Session) -> None:
    report = import_orders(session, SHOPIFY)
    assert report.source_format == SourceFormat.SHOPIFY
    assert problems(report) == [(8, "Email", "is required")]
    assert (count(session, Order), count(session, Customer)) == (0, 0)


def test_shopify_orders_are_merged_and_customers_found_by_email(session: Session) -> None:
    bob = make_customer(session, external_id="B-1", email="bob@example.com")
    report = import_orders(session, SHOPIFY, mode=ImportMode.SKIP_INVALID)
    assert (report.rows_read, report.inserted, report.skipped) == (9, 5, 1)
    assert report.customers_created == 3  # jane, zoe and sam; bob already existed
    jane = customer(session, "shopify:jane@example.com")
    assert (jane.first_name, jane.last_name, jane.city, jane.country) == (
        "Jane", "Doe", "London", "GB")
    assert jane.consent_marketing is True
    zoe = customer(session, "shopify:zoe@example.de")
    assert (zoe.first_name, zoe.last_name, zoe.city, zoe.country) == ("Zoë", "Müller", "Köln", "DE")
    first = order(session, "shopify:#1001")
    assert (first.customer_id, first.item_count, first.amount, first.status) == (
        jane.id, 3, Decimal("54.50"), "fulfilled")
    assert first.placed_at == datetime(2024, 3, 5, 14, 22, 11, tzinfo=UTC)
    assert first.delivered_at == datetime(2024, 3, 6, 9, 0, tzinfo=UTC)
    refund = order(session, "shopify:#1002")
    assert (refund.customer_id, refund.status, refund.refunded_amount, refund.channel) == (
        bob.id, "refunded", Decimal("30.00"), "pos")
    partial = order(session, "shopify:#1003")
    assert (partial.customer_id, partial.item_count, partial.status) == (
        jane.id, 4, "partially_refunded")
    assert partial.placed_at == datetime(2024, 4, 1, 7, 14, 2, tzinfo=UTC)
    assert order(session, "shopify:#1005").status == "cancelled"  # Cancelled at is set
    assert order(session, "shopify:#1006").status == "cancelled"  # voided
    assert count(session, Customer) == 4


def test_shopify_import_twice_is_idempotent(session: Session) -> None:
    import_orders(session, SHOPIFY, mode=ImportMode.SKIP_INVALID)
    again = import_orders(session, SHOPIFY, mode=ImportMode.SKIP_INVALID)
    assert (again.inserted, again.updated, again.unchanged, again.customers_created) == (
        0, 0, 5, 0)


def test_shopify_problems_name_shopify_columns(session: Session) -> None:
    header = "Name,Email,Financial Status,Created at,Total,Currency,Lineitem quantity\n"
    text = header + ("#1,a@example.com,paid,2024-03-05 10:00:00 +0000,10.00,GBP,1\n"
                     "#1,a@example.com,,,,,two\n"
                     "#2,b@example.com,lost,2024-03-05 10:00:00 +0000,abc,GBP,1\n")
    report = import_orders(session, csv_bytes(text))
    assert problems(report) == [
        (3, "Lineitem quantity", "not a whole number"),
        (4, "Financial Status", "unknown Financial Status (expected one of: paid, "
                                "partially_paid, pending, authorized, unpaid, expired, voided, "
                                "refunded, partially_refunded)"),
        (4, "Total", "not a number (write digits and a dot, e.g. 1234.50)"),
    ]


def test_shopify_format_can_be_named(session: Session) -> None:
    header = "Name,Email,Created at,Total,Currency\n#1,a@example.com,2024-03-05,1,GBP\n"
    report = import_orders(session, csv_bytes(header), source_format=SourceFormat.SHOPIFY)
    assert problems(report) == [(1, "Lineitem quantity", "required column is missing")]
