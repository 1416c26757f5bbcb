"""Column specs of the customers and orders CSV formats, and of Shopify's orders export.

The rules of each column (lengths, ranges, patterns, choices) are read from the Pydantic
schemas the API validates with, so an import and an API call accept the same values. What
only a CSV needs — how text spells a boolean, a date or a list of tags, and what an empty cell
means — is decided here, once. A schema constraint this module cannot honour fails at import
time, so the two can never drift apart silently.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

import annotated_types as at
from pydantic import BaseModel, EmailStr
from pydantic.fields import FieldInfo
from sqlalchemy import Table

from fairdesk.customers.models import Customer, Order
from fairdesk.customers.schemas import AwareDatetime, CustomerCreate, OrderCreate

_AWARE_CHECK = typing.get_args(AwareDatetime)[1]  # every CSV timestamp is made aware (UTC)
# An export names a customer without an external id by this prefix and its id.
EXPORTED_ID_PREFIX = "fairdesk:"


class Kind(StrEnum):
    """How a cell's text is read."""

    TEXT = "text"
    INT = "int"
    MONEY = "money"
    BOOL = "bool"
    DATETIME = "datetime"
    CHOICE = "choice"
    TAGS = "tags"
    EMAIL = "email"


class Empty(StrEnum):
    """What an empty cell stores; follows the table column (nullable or not)."""

    NULL = "null"  # nullable column: the value is unknown
    BLANK = "blank"  # text or tag list that cannot be NULL: "" or []
    KEEP = "keep"  # a new row gets the column default, an existing row keeps its value


@dataclass(frozen=True)
class ColumnSpec:
    """One CSV column: how its text is read, the API's rules for it, what empty means."""

    name: str
    kind: Kind
    required: bool = False
    empty: Empty = Empty.NULL
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    description: str | None = None
    ge: Decimal | None = None
    le: Decimal | None = None
    max_digits: int | None = None
    decimal_places: int | None = None
    choices: tuple[str, ...] = ()
    # Upper-cased before checking: the country, as the API does; the currency too, as people
    # type "gbp" in spreadsheets (the API would refuse it).
    upper: bool = False


@dataclass(frozen=True)
class CsvFormat:
    """One of our CSV formats: its columns in file order, the key it upserts on."""

    name: str
    table: Table
    columns: tuple[ColumnSpec, ...]
    key: str = "external_id"
    # (a, b): a record is refused when column a is larger than column b (refund > amount).
    not_above: tuple[tuple[str, str], ...] = ()
    # (our column, customer column): how a record finds its customer's id.
    reference: tuple[str, str] | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def spec(self, name: str) -> ColumnSpec:
        return next(c for c in self.columns if c.name == name)


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """Strip ``Optional`` and ``Annotated`` layers, collecting their constraints."""
    metadata: list[Any] = []
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            base, *extras = typing.get_args(annotation)
            for extra in extras:
                metadata.extend(extra.metadata if isinstance(extra, FieldInfo) else [extra])
            annotation = base
        elif origin in (typing.Union, types.UnionType):
            (annotation,) = [a for a in typing.get_args(annotation) if a is not type(None)]
        else:
            return annotation, metadata


def _kind(annotation: Any) -> tuple[Kind, tuple[str, ...], list[Any]]:
    if annotation is EmailStr:
        return Kind.EMAIL, (), []
    if isinstance(annotation, type) and issubclass(annotation, StrEnum):
        return Kind.CHOICE, tuple(m.value for m in annotation), []
    if typing.get_origin(annotation) is list:
        item, item_meta = _unwrap(typing.get_args(annotation)[0])
        if item is str:
            return Kind.TAGS, (), item_meta
    simple = {str: Kind.TEXT, int: Kind.INT, bool: Kind.BOOL, Decimal: Kind.MONEY,
              datetime: Kind.DATETIME}
    if annotation in simple:
        return simple[annotation], (), []
    raise TypeError(f"the CSV importer cannot read values of type {annotation!r}")


def _constraints(name: str, metadata: list[Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for meta in metadata:
        if isinstance(meta, at.MinLen):
            found["min_length"] = meta.min_length
        elif isinstance(meta, at.MaxLen):
            found["max_length"] = meta.max_length
        elif isinstance(meta, at.Ge):
            found["ge"] = Decimal(str(meta.ge))
        elif isinstance(meta, at.Le):
            found["le"] = Decimal(str(meta.le))
        elif meta is _AWARE_CHECK:
            continue
        elif hasattr(meta, "pattern") or hasattr(meta, "max_digits"):
            for attr in ("pattern", "max_digits", "decimal_places"):
                if getattr(meta, attr, None) is not None:
                    found[attr] = getattr(meta, attr)
        else:
            raise TypeError(f"the CSV importer cannot honour {meta!r} on {name}")
    return found


def _empty_rule(table: Table, name: str, kind: Kind) -> Empty:
    column = table.c[name]
    if column.nullable:
        return Empty.NULL
    default = getattr(column.default, "arg", None)
    blank = kind is Kind.TAGS or (kind is Kind.TEXT and default == "")
    return Empty.BLANK if blank else Empty.KEEP


def spec_from_schema(
    model: type[BaseModel], name: str, *, table: Table, required: bool = False,
    column: str | None = None, upper: bool = False,
) -> ColumnSpec:
    """The CSV column ``column`` (default ``name``) checked like ``model.name`` in the API."""
    field = model.model_fields[name]
    annotation, metadata = _unwrap(field.annotation)
    kind, choices, item_meta = _kind(annotation)
    return ColumnSpec(
        name=column or name, kind=kind, required=required,
        empty=Empty.NULL if column else _empty_rule(table, name, kind),
        choices=choices, upper=upper, description=field.description,
        **_constraints(name, [*field.metadata, *metadata, *item_meta]),
    )


def table_of(model: type[Customer] | type[Order]) -> Table:
    return typing.cast(Table, model.__table__)


def _customers() -> CsvFormat:
    table = table_of(Customer)
    fields = [n for n in CustomerCreate.model_fields if n != "external_id"]
    columns = (
        spec_from_schema(CustomerCreate, "external_id", table=table, required=True),
        # CustomerFields upper-cases the country in a validator the metadata cannot show.
        *(spec_from_schema(CustomerCreate, n, table=table, upper=n == "country") for n in fields),
    )
    return CsvFormat("customers", table, columns)


def _orders() -> CsvFormat:
    table = table_of(Order)
    names = ("external_id", "placed_at", "amount", "currency", "status", "refunded_amount",
             "item_count", "channel", "delivered_at")
    spec = {n: spec_from_schema(OrderCreate, n, table=table, upper=n == "currency",
                                required=OrderCreate.model_fields[n].is_required())
            for n in names}
    customer_ref = spec_from_schema(CustomerCreate, "external_id", table=table_of(Customer),
                                    required=True, column="customer_external_id")
    return CsvFormat("orders", table, (spec["external_id"], customer_ref,
                                       *(spec[n] for n in names[1:])),
                     not_above=(("refunded_amount", "amount"),),
                     reference=("customer_external_id", "external_id"))


CUSTOMERS = _customers()
ORDERS = _orders()


class Shopify:
    """Column names of Shopify's standard orders export (Admin → Orders → Export).

    One order spans several rows, one per line item, sharing ``Name``; the order-level cells
    are filled on its first row only.
    """

    NAME = "Name"
    EMAIL = "Email"
    FINANCIAL_STATUS = "Financial Status"
    FULFILLMENT_STATUS = "Fulfillment Status"
    FULFILLED_AT = "Fulfilled at"
    ACCEPTS_MARKETING = "Accepts Marketing"
    CURRENCY = "Currency"
    TOTAL = "Total"
    CREATED_AT = "Created at"
    QUANTITY = "Lineitem quantity"
    BILLING_NAME = "Billing Name"
    BILLING_CITY = "Billing City"
    BILLING_COUNTRY = "Billing Country"
    CANCELLED_AT = "Cancelled at"
    REFUNDED_AMOUNT = "Refunded Amount"
    SOURCE = "Source"

    REQUIRED = (NAME, EMAIL, CREATED_AT, TOTAL, CURRENCY, QUANTITY)
    # Financial Status → our order status ("fulfilled" when paid and Fulfillment Status says so).
    STATUS: ClassVar[dict[str, str]] = {
        "paid": "paid", "partially_paid": "pending", "pending": "pending",
        "authorized": "pending", "unpaid": "pending", "expired": "cancelled",
        "voided": "cancelled", "refunded": "refunded",
        "partially_refunded": "partially_refunded",
    }
    # Where each of our order columns comes from, so errors name the column the user sees.
    ORDER_SOURCES: ClassVar[dict[str, str]] = {
        "external_id": NAME, "customer_email": EMAIL, "placed_at": CREATED_AT,
        "amount": TOTAL, "currency": CURRENCY, "status": FINANCIAL_STATUS,
        "refunded_amount": REFUNDED_AMOUNT, "item_count": QUANTITY, "channel": SOURCE,
        "delivered_at": FULFILLED_AT,
    }
    CUSTOMER_SOURCES: ClassVar[dict[str, str]] = {
        "external_id": EMAIL, "email": EMAIL, "first_name": BILLING_NAME,
        "last_name": BILLING_NAME, "city": BILLING_CITY, "country": BILLING_COUNTRY,
        "consent_marketing": ACCEPTS_MARKETING,
    }
    ID_PREFIX = "shopify:"

    @classmethod
    def is_shopify(cls, header: list[str]) -> bool:
        return cls.NAME in header and cls.QUANTITY in header and "external_id" not in header
