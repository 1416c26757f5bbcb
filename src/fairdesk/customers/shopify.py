"""Shopify's standard orders export, read as our orders: line items merged, customers by e-mail.

Each order's rows (one per line item, sharing ``Name``) become one order whose item count is
the sum of ``Lineitem quantity``; order-level cells come from its first row. The customer is
found by e-mail address, or created as ``shopify:<email>`` with the billing name, city and
country. Problems name Shopify's columns, and the row where the order starts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import polars as pl

from fairdesk.customers.csv_formats import CUSTOMERS, ORDERS, Shopify, spec_from_schema, table_of
from fairdesk.customers.importer.checks import LINE, PROBLEM_SCHEMA, check
from fairdesk.customers.importer.pipeline import BATCH_ROWS, RECORD, Run, header_errors
from fairdesk.customers.importer.report import Phase
from fairdesk.customers.importer.source import Batch, CsvSource, FileRejected
from fairdesk.customers.importer.staging import Stage
from fairdesk.customers.models import Customer
from fairdesk.customers.schemas import CustomerCreate

S = Shopify
SHOPIFY_ORDERS = replace(
    ORDERS,
    columns=(ORDERS.columns[0],
             spec_from_schema(CustomerCreate, "email", table=table_of(Customer), required=True,
                              column="customer_email"),
             *ORDERS.columns[2:]),
    reference=("customer_email", "email"),
)
CUSTOMER_COLUMNS = ("external_id", "email", "first_name", "last_name", "city", "country",
                    "consent_marketing")
_OPTIONAL = (S.FINANCIAL_STATUS, S.FULFILLMENT_STATUS, S.FULFILLED_AT, S.ACCEPTS_MARKETING,
             S.BILLING_NAME, S.BILLING_CITY, S.BILLING_COUNTRY, S.CANCELLED_AT,
             S.REFUNDED_AMOUNT, S.SOURCE)
_CHANNEL_LENGTH = 20


def run_shopify(run: Run, source: CsvSource) -> None:
    """Check the export into two stages (customers, orders), then write both if allowed."""
    errors = header_errors(source, (), S.REQUIRED, allow_unknown=True)
    if errors:
        raise FileRejected(*errors)
    with (Stage(run.session, CUSTOMERS, CUSTOMER_COLUMNS) as customers,
          Stage(run.session, SHOPIFY_ORDERS, SHOPIFY_ORDERS.names) as orders):
        for batch in _whole_orders(source.batches(BATCH_ROWS)):
            _stage_batch(run, customers, orders, batch)
            run.tick(Phase.CHECKING, source.bytes_read, source.size)
        if run.may_write():
            report = run.report
            report.customers_created = run.write(customers, match_also=("email",))[0]
            report.inserted, report.updated, report.unchanged = run.write(orders)
            report.applied = True


def _whole_orders(batches: Iterator[Batch]) -> Iterator[Batch]:
    """Re-cut batches so that an order's rows are never split between two of them."""
    pending = pl.DataFrame()
    for batch in batches:
        frame = pl.concat([pending, batch.frame]) if pending.height else batch.frame
        names = frame.get_column(S.NAME)
        start = frame.height
        while start > 0 and names[start - 1] == names[-1]:
            start -= 1
        pending = frame.slice(start)
        yield Batch(frame.slice(0, start), batch.ragged)
    if pending.height:
        yield Batch(pending, [])


def _renamed(problems: pl.DataFrame, names: dict[str, str]) -> pl.DataFrame:
    return problems.with_columns(pl.col("column").replace(names))


def _stage_batch(run: Run, customers: Stage, orders: Stage, batch: Batch) -> None:
    run.report.rows_read += batch.frame.height + len(batch.ragged)
    rows = batch.frame.with_columns(pl.lit("").alias(c) for c in _OPTIONAL
                                    if c not in batch.frame.columns)
    starts = (pl.col(S.NAME) != pl.col(S.NAME).shift()).fill_null(True).cum_sum()
    rows = rows.with_columns(pl.col(LINE).first().over(starts).alias(RECORD))
    max_bytes = run.settings.import_max_field_bytes

    quantities = check(rows.select(LINE, pl.col(S.QUANTITY).alias("item_count")),
                       SHOPIFY_ORDERS, max_field_bytes=max_bytes)
    items = (quantities.good.join(rows.select(LINE, RECORD), on=LINE)
             .group_by(RECORD).agg(pl.col("item_count").sum()))
    firsts = rows.filter(pl.col(LINE) == pl.col(RECORD)).join(items, on=RECORD, how="left")
    status, status_problems = _status(firsts)
    order_text = firsts.select(
        pl.col(RECORD).alias(LINE),
        _prefixed(pl.col(S.NAME)).alias("external_id"),
        _email().alias("customer_email"),
        pl.col(S.CREATED_AT).alias("placed_at"), pl.col(S.TOTAL).alias("amount"),
        pl.col(S.CURRENCY).alias("currency"), status.alias("status"),
        pl.col(S.REFUNDED_AMOUNT).alias("refunded_amount"),
        pl.col("item_count").cast(pl.String).fill_null(""),
        pl.col(S.SOURCE).str.strip_chars().str.slice(0, _CHANNEL_LENGTH).alias("channel"),
        pl.col(S.FULFILLED_AT).alias("delivered_at"),
    )
    name = pl.col(S.BILLING_NAME).str.strip_chars()
    customer_text = firsts.select(
        pl.col(RECORD).alias(LINE), _prefixed(_email()).alias("external_id"),
        _email().alias("email"),
        name.str.extract(r"^(\S+)", 1).fill_null("").alias("first_name"),
        name.str.extract(r"^\S+\s+(.*)$", 1).fill_null("").alias("last_name"),
        pl.col(S.BILLING_CITY).alias("city"), pl.col(S.BILLING_COUNTRY).alias("country"),
        pl.col(S.ACCEPTS_MARKETING).alias("consent_marketing"),
    )
    checked_orders = check(order_text, SHOPIFY_ORDERS, max_field_bytes=max_bytes)
    checked_customers = check(customer_text, CUSTOMERS, max_field_bytes=max_bytes)
    problems = [
        _renamed(quantities.problems, S.ORDER_SOURCES)
        .join(rows.select(LINE, RECORD), on=LINE),
        status_problems,
        _renamed(checked_orders.problems, S.ORDER_SOURCES),
        _renamed(checked_customers.problems, S.CUSTOMER_SOURCES),
    ]
    refused = pl.concat([p.select(pl.col(RECORD) if RECORD in p.columns else pl.col(LINE))
                         .to_series().alias(LINE) for p in problems]).implode()
    good_orders, repeats = run.first_only(
        "orders", checked_orders.good.filter(~pl.col(LINE).is_in(refused)), "external_id")
    good_customers, _ = run.first_only(
        "customers", checked_customers.good.filter(~pl.col(LINE).is_in(refused)), "external_id",
        report=False)
    customers.load(good_customers)
    orders.load(good_orders)
    run.staged(customers, good_customers.get_column(LINE), good_customers.height)
    run.staged(orders, good_orders.get_column(LINE), good_orders.height)
    ragged_problems, ragged_rows = run.ragged(batch)
    run.refuse(pl.concat([rows.select(*batch.frame.columns, RECORD),
                          ragged_rows.with_columns(pl.col(LINE).alias(RECORD))],
                         how="diagonal"),
               [*problems, _renamed(repeats, S.ORDER_SOURCES), ragged_problems])


def _email() -> pl.Expr:
    """Shopify treats addresses case-insensitively; so does the match on them."""
    return pl.col(S.EMAIL).str.strip_chars().str.to_lowercase()


def _prefixed(value: pl.Expr) -> pl.Expr:
    value = value.str.strip_chars()
    return pl.when(value != "").then(pl.concat_str(pl.lit(S.ID_PREFIX), value))


def _status(firsts: pl.DataFrame) -> tuple[pl.Expr, pl.DataFrame]:
    """Our status from Financial Status, Fulfillment Status and Cancelled at."""
    financial = pl.col(S.FINANCIAL_STATUS).str.strip_chars().str.to_lowercase()
    mapped = financial.replace_strict(S.STATUS, default=None, return_dtype=pl.String)
    fulfilled = pl.col(S.FULFILLMENT_STATUS).str.strip_chars().str.to_lowercase() == "fulfilled"
    status = (pl.when(pl.col(S.CANCELLED_AT).str.strip_chars() != "").then(pl.lit("cancelled"))
              .when((mapped == "paid") & fulfilled).then(pl.lit("fulfilled"))
              .otherwise(mapped))
    unknown = firsts.filter((financial != "") & mapped.is_null()).select(
        pl.col(LINE), pl.lit(S.FINANCIAL_STATUS).alias("column"),
        pl.col(S.FINANCIAL_STATUS).alias("value"),
        pl.lit(f"unknown Financial Status (expected one of: {', '.join(S.STATUS)})")
        .alias("reason"))
    return status, unknown.cast(PROBLEM_SCHEMA)  # type: ignore[arg-type]

