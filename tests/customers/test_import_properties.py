"""Properties of the cell readers: valid values read back exactly (also through the
exporter's cell format), the rules agree with the API's Pydantic schemas, and garbage always
becomes a row problem, never an exception."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from fairdesk.customers.csv_formats import CUSTOMERS, ORDERS, CsvFormat
from fairdesk.customers.exporter import cell
from fairdesk.customers.importer.checks import LINE, check
from fairdesk.customers.schemas import CustomerCreate, Money

quick = settings(deadline=None, max_examples=60)
MONEY = TypeAdapter(Money)


def read(fmt: CsvFormat, column: str, cells: list[str]) -> list[tuple[Any, str | None]]:
    """(value, problem) of each cell of one column, in order."""
    frame = pl.DataFrame({LINE: list(range(2, len(cells) + 2)), column: cells},
                         schema={LINE: pl.Int64, column: pl.String})
    checked = check(frame, fmt, max_field_bytes=65536)
    good = dict(zip(checked.good[LINE], checked.good[column].to_list(), strict=True))
    bad = dict(zip(checked.problems[LINE], checked.problems["reason"], strict=True))
    assert set(good).isdisjoint(bad) and set(good) | set(bad) == set(frame[LINE])
    return [(good.get(line), bad.get(line)) for line in frame[LINE]]


amounts = st.decimals(min_value=0, max_value=Decimal("9999999999.99"), places=2)


@quick
@given(amounts, st.sampled_from(["{:.2f}", "{:f}", "+{:.2f}", "00{:.2f}", " {:.2f} "]))
def test_amounts_read_exactly(amount: Decimal, spelling: str) -> None:
    [(value, problem)] = read(ORDERS, "amount", [spelling.format(amount)])
    assert problem is None and value == amount


@quick
@given(amounts)
def test_amounts_round_trip_through_export(amount: Decimal) -> None:
    assert read(ORDERS, "amount", [cell(amount)]) == [(amount, None)]


@quick
@given(st.from_regex(r"[+-]?[0-9]{0,13}(\.[0-9]{0,4})?", fullmatch=True))
def test_amount_rules_agree_with_the_api(text: str) -> None:
    [(value, problem)] = read(ORDERS, "amount", [text])
    try:
        expected = MONEY.validate_python(text) if text.strip() else None
    except ValidationError:
        expected = None
    if text.strip() in ("", "+", "-", ".", "+.", "-."):
        assert problem is not None
    else:
        assert (problem is None) == (expected is not None)
        assert value == expected


moments = st.datetimes(min_value=datetime(1000, 1, 2), max_value=datetime(9998, 12, 31),
                       timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30)),
                                                  timezone(timedelta(hours=-8))]))


@quick
@given(moments)
def test_timestamps_read_in_every_iso_spelling(moment: datetime) -> None:
    whole = moment.replace(microsecond=0)
    spellings = [
        (moment.isoformat(), moment),
        (moment.isoformat(sep=" "), moment),
        (moment.astimezone(UTC).isoformat().replace("+00:00", "Z"), moment),
        (whole.strftime("%Y-%m-%d %H:%M:%S %z"), whole),  # Shopify
        (moment.astimezone(UTC).replace(tzinfo=None).isoformat(), moment),  # naive is UTC
        (cell(moment), moment),
    ]
    got = read(ORDERS, "placed_at", [text for text, _ in spellings])
    assert got == [(expected, None) for _, expected in spellings]


@quick
@given(st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)))
def test_a_date_alone_is_midnight_utc(day: date) -> None:
    expected = datetime(day.year, day.month, day.day, tzinfo=UTC)
    assert read(ORDERS, "placed_at", [day.isoformat()]) == [(expected, None)]


@quick
@given(st.booleans(), st.sampled_from([("true", "false"), ("yes", "no"), ("1", "0")]),
       st.sampled_from([str.lower, str.upper, str.title]))
def test_booleans_read_in_every_spelling(flag: bool, words: tuple[str, str], case: Any) -> None:
    text = case(words[0] if flag else words[1])
    assert read(CUSTOMERS, "consent_email", [text, cell(flag)]) == [(flag, None), (flag, None)]


@quick
@given(st.text(min_size=1).filter(lambda t: t.strip().lower() not in {
    "", "true", "false", "yes", "no", "1", "0"}))
def test_anything_else_is_not_a_boolean(text: str) -> None:
    [(_, problem)] = read(CUSTOMERS, "consent_email", [text])
    assert problem is not None and problem.startswith("not a yes/no value")


tag_text = st.text(st.characters(categories=("L", "N", "P", "S"), exclude_characters=";"),
                   min_size=1, max_size=19)  # three words and two spaces stay within 60
tags = st.lists(st.lists(tag_text, min_size=1, max_size=3).map(" ".join), max_size=5)


@quick
@given(tags)
def test_tag_lists_round_trip(values: list[str]) -> None:
    assert read(CUSTOMERS, "values", [cell(values)]) == [(values, None)]


@quick
@given(st.one_of(st.integers(min_value=-10**20, max_value=10**20).map(str), st.text(max_size=5)),
       st.sampled_from(["birth_year", "household_size", "country", "gender"]))
def test_customer_rules_agree_with_the_api(text: str, column: str) -> None:
    [(value, problem)] = read(CUSTOMERS, column, [text])
    if text.strip() == "":
        assert (value, problem) == (None, None)
        return
    try:
        expected = getattr(CustomerCreate.model_validate({column: text.strip()}), column)
    except ValidationError:
        expected = None
    # The CSV is stricter about numbers ("1_000", "١٢") and kinder about case ("Female").
    if column == "gender" and expected is None and text.strip().lower() in {
            "female", "male", "nonbinary", "undisclosed"}:
        return
    if column in ("birth_year", "household_size") and not text.strip().lstrip("+-").isascii():
        return
    assert (problem is None) == (expected is not None), (text, problem, expected)
    if expected is not None:
        assert value == expected


@settings(deadline=None, max_examples=40)
@given(st.lists(st.lists(st.text(max_size=30), min_size=len(ORDERS.names),
                         max_size=len(ORDERS.names)), min_size=1, max_size=20))
def test_garbage_rows_become_problems_not_exceptions(rows: list[list[str]]) -> None:
    frame = pl.DataFrame(rows, schema=dict.fromkeys(ORDERS.names, pl.String), orient="row")
    frame = frame.with_columns(pl.int_range(2, frame.height + 2, dtype=pl.Int64).alias(LINE))
    checked = check(frame, ORDERS, max_field_bytes=65536)
    lines = set(checked.good[LINE]) | set(checked.problems[LINE])
    assert lines == set(frame[LINE])
    assert set(checked.good[LINE]).isdisjoint(checked.problems[LINE])
    assert checked.problems["reason"].null_count() == 0
