"""Vectorised checks of a batch of CSV records against a format's column specs.

Each column's text is read and checked with Polars expressions over the whole batch, so a
million rows cost seconds rather than a million Pydantic calls. E-mail addresses are the
exception: they go through Pydantic's own ``EmailStr``, once per distinct value. A batch is
worked in three passes (text, typed value, problem), each column computed once and then
referred to by name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import polars as pl
from pydantic import EmailStr, TypeAdapter, ValidationError

from fairdesk.customers.csv_formats import ColumnSpec, CsvFormat, Empty, Kind

LINE = "_line"
PROBLEM_SCHEMA = {LINE: pl.Int64, "column": pl.String, "value": pl.String, "reason": pl.String}
VALUE_PREVIEW = 80
UTC_TIME = pl.Datetime("us", "UTC")
_BOOLS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
# Digits are ASCII only: the regex engine's \d would also take other scripts' digits.
_NUMBER = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$"
_WHOLE = r"^[+-]?[0-9]{1,18}$"
# ISO 8601: a date, then optionally a time (T or space) and an offset (Z, +hh:mm or +hhmm).
_TIMESTAMP = (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ]([01][0-9]|2[0-3]):[0-5][0-9]"
              r"(:[0-5][0-9](\.[0-9]{1,6})?)? ?([Zz]|[+-][0-9]{2}:?[0-9]{2})?)?$")
_USUAL = "%Y-%m-%dT%H:%M:%S%.f%#z"  # 2024-03-05T14:22:11Z, …+01:00, …+0100
_AWARE_FORMATS = ("%Y-%m-%dT%H:%M%#z",)
_NAIVE_FORMATS = ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d")

Rule = tuple[pl.Expr, pl.Expr | str]  # (fails, reason)


@dataclass(frozen=True)
class Checked:
    """A batch split into the typed values of its good records and one row per problem."""

    good: pl.DataFrame  # LINE + one typed column per checked column
    problems: pl.DataFrame  # PROBLEM_SCHEMA


def _first(rules: list[Rule]) -> pl.Expr:
    """The reason of the first rule that fails, or null."""
    chain = pl.lit(None, dtype=pl.String)
    for fails, reason in reversed(rules):
        chain = pl.when(fails).then(pl.lit(reason) if isinstance(reason, str) else reason
                                    ).otherwise(chain)
    return chain


def _range(value: pl.Expr, spec: ColumnSpec) -> list[Rule]:
    if spec.ge is not None and spec.le is not None:
        return [(~value.is_between(spec.ge, spec.le), f"must be between {spec.ge} and {spec.le}")]
    if spec.ge is not None:
        reason = "must not be negative" if spec.ge == 0 else f"must be at least {spec.ge}"
        return [(value < spec.ge, reason)]
    if spec.le is not None:
        return [(value > spec.le, f"must be at most {spec.le}")]
    return []


def _pattern_reason(spec: ColumnSpec) -> str:
    letters = re.fullmatch(r"\^\[A-Z\]\{(\d+)\}\$", spec.pattern or "")
    reason = f"must be {letters[1]} letters" if letters else f"must match {spec.pattern}"
    return f"{reason} ({spec.description})" if spec.description else reason


def _text_rules(spec: ColumnSpec, text: pl.Expr, value: pl.Expr) -> list[Rule]:
    rules: list[Rule] = []
    if spec.max_length is not None:
        rules.append((value.str.len_chars() > spec.max_length,
                      f"longer than {spec.max_length} characters"))
    if spec.min_length is not None:
        rules.append((value.str.len_chars() < spec.min_length,
                      f"shorter than {spec.min_length} characters"))
    if spec.pattern is not None:
        rules.append((~value.str.contains(spec.pattern), _pattern_reason(spec)))
    return rules


def _money(spec: ColumnSpec) -> pl.Decimal:
    return pl.Decimal(spec.max_digits or 12, spec.decimal_places or 0)


def _money_rules(spec: ColumnSpec, text: pl.Expr, value: pl.Expr) -> list[Rule]:
    dtype = _money(spec)
    places, digits = dtype.scale, dtype.precision
    whole = text.str.extract(r"^[+-]?0*([0-9]*)", 1).str.len_chars()
    fraction = text.str.extract(r"\.([0-9]*?)0*$", 1).fill_null("").str.len_chars()
    return [
        (~text.str.contains(_NUMBER), "not a number (write digits and a dot, e.g. 1234.50)"),
        (fraction > places, f"more than {places} decimal places"),
        (whole > digits - places, f"more than {digits - places} digits before the decimal point"),
        *_range(value, spec),
    ]


def timestamps(text: pl.Series) -> pl.Series:
    """ISO 8601 text to UTC, null where unreadable: a date alone is midnight UTC, a time
    without an offset is UTC; Shopify's "2024-03-05 14:22:11 +0000" is read too.

    The usual form is parsed for every row, the others only for the rows it missed.
    """
    shaped = text.str.contains(_TIMESTAMP).fill_null(False)
    value = text.str.to_datetime(_USUAL, strict=False, time_unit="us").cast(UTC_TIME)
    missed = shaped & value.is_null()
    if missed.any():
        iso = (text.filter(missed).str.replace(r"^([0-9]{4}-[0-9]{2}-[0-9]{2}) ", "${1}T")
               .str.replace(r" ([+-][0-9]|[Zz])", "${1}"))
        parsed = [iso.str.to_datetime(f, strict=False, time_unit="us").cast(UTC_TIME)
                  for f in (_USUAL, *_AWARE_FORMATS)]
        parsed += [iso.str.to_datetime(f, strict=False, time_unit="us", time_zone="UTC")
                   for f in _NAIVE_FORMATS]
        found = pl.select(pl.coalesce(parsed)).to_series()
        value = value.scatter(missed.arg_true(), found)
    # Python's datetime, and so the database layer, knows only the years 1 to 9999.
    keep = shaped & value.dt.year().is_between(1, 9999).fill_null(False)
    return pl.select(pl.when(keep).then(value)).to_series().alias(text.name)


class _Emails:
    """Each distinct address of a batch checked once by Pydantic, and normalised as the API
    normalises it."""

    def __init__(self, distinct: list[str]) -> None:
        adapter = _email_adapter()
        self.normalised: dict[str, str] = {}
        self.reasons: dict[str, str] = {}
        for address in distinct:
            try:
                self.normalised[address] = adapter.validate_python(address)
            except ValidationError as exc:
                self.reasons[address] = str(exc.errors()[0]["msg"])

    def read(self, text: pl.Expr) -> pl.Expr:
        return text.replace_strict(self.normalised, default=None, return_dtype=pl.String)

    def rules(self, text: pl.Expr, value: pl.Expr) -> list[Rule]:
        reason = text.replace_strict(self.reasons, default=None, return_dtype=pl.String)
        return [(value.is_null(), reason)]


@lru_cache(maxsize=1)
def _email_adapter() -> TypeAdapter[str]:
    return TypeAdapter(EmailStr)


# The exporter's formula escape (see exporter.FORMULA_START): drop the one apostrophe it added.
ESCAPED_FORMULA = r"^'('*[=+\-@\t\r])"

# What Python's str.strip() removes (the API's rule), which includes the ASCII separators
# \x1c-\x1f that Rust's (and so Polars') default whitespace leaves in place.
WHITESPACE = "".join(c for c in map(chr, range(0x110000)) if c.isspace())

Reader = Callable[[pl.Expr], pl.Expr]
Rules = Callable[[pl.Expr, pl.Expr], list[Rule]]


def _kind(spec: ColumnSpec, cells: pl.Series) -> tuple[Reader, Rules]:
    """How to read a column's text into its typed value, and the rules that value obeys."""
    tag = pl.element().str.strip_chars()
    match spec.kind:
        case Kind.EMAIL:
            emails = _Emails(cells.drop_nulls().unique().to_list())
            return emails.read, emails.rules
        case Kind.TEXT:
            return ((lambda t: t.str.to_uppercase()) if spec.upper else (lambda t: t),
                    lambda t, v: _text_rules(spec, t, v))
        case Kind.INT:
            return (lambda t: pl.when(t.str.contains(_WHOLE)).then(t.cast(pl.Int64, strict=False)),
                    lambda t, v: [(~t.str.contains(_WHOLE), "not a whole number"),
                                  *_range(v, spec)])
        case Kind.MONEY:
            return (lambda t: pl.when(t.str.contains(_NUMBER)).then(
                        t.cast(_money(spec), strict=False)),
                    lambda t, v: _money_rules(spec, t, v))
        case Kind.BOOL:
            return (lambda t: t.str.to_lowercase().replace_strict(
                        _BOOLS, default=None, return_dtype=pl.Boolean),
                    lambda t, v: [(v.is_null(),
                                   "not a yes/no value (write true/false, yes/no or 1/0)")])
        case Kind.DATETIME:
            return (lambda t: t.map_batches(timestamps, return_dtype=UTC_TIME),
                    lambda t, v: [(v.is_null(), "not a date or time in ISO 8601 "
                                                "(e.g. 2024-03-05 or 2024-03-05T14:22:11Z)")])
        case Kind.CHOICE:
            return (lambda t: t.str.to_lowercase(),
                    lambda t, v: [(~v.is_in(spec.choices),
                                   f"must be one of: {', '.join(spec.choices)}")])
        case Kind.TAGS:
            def long(t: pl.Expr, v: pl.Expr) -> list[Rule]:
                if spec.max_length is None:
                    return []
                too_long = v.list.eval(pl.element().str.len_chars() > spec.max_length).list.any()
                return [(too_long, f"a tag is longer than {spec.max_length} characters "
                                   "(separate tags with ;)")]
            return lambda t: t.str.split(";").list.eval(tag.filter(tag != "")), long


def _when_empty(spec: ColumnSpec) -> pl.Expr:
    if spec.empty is Empty.BLANK:
        return pl.lit([], dtype=pl.List(pl.String)) if spec.kind is Kind.TAGS else pl.lit("")
    return pl.lit(None)


def check(frame: pl.DataFrame, fmt: CsvFormat, *, max_field_bytes: int) -> Checked:
    """Read and check every column of ``fmt`` that ``frame`` has (text cells plus LINE)."""
    specs = [s for s in fmt.columns if s.name in frame.columns]
    # Pass 1: text (stripped, null when empty) and the too-large flag.
    texts = frame.select(
        LINE,
        *(pl.col(s.name).str.strip_chars(WHITESPACE).str.replace(ESCAPED_FORMULA, "$1")
          .replace("", None).alias(f"t:{s.name}") for s in specs),
        *((pl.col(s.name).str.len_bytes() > max_field_bytes).alias(f"big:{s.name}")
          for s in specs),
    )
    kinds = {s.name: _kind(s, texts.get_column(f"t:{s.name}")) for s in specs}
    # Pass 2: typed values.
    values = texts.with_columns(kinds[s.name][0](pl.col(f"t:{s.name}")).alias(f"v:{s.name}")
                                for s in specs)
    # Pass 3: problems, then the cross-column rules on the typed values.
    typed = values.with_columns(
        pl.when(pl.col(f"big:{s.name}")).then(pl.lit(f"larger than {max_field_bytes} bytes"))
        .when(pl.col(f"t:{s.name}").is_null())
        .then(pl.lit("is required" if s.required else None, dtype=pl.String))
        .otherwise(_first([*kinds[s.name][1](pl.col(f"t:{s.name}"), pl.col(f"v:{s.name}")),
                           (pl.col(f"v:{s.name}").is_null(), "cannot be read")]))
        .alias(f"!{s.name}")
        for s in specs
    )
    for high, low in fmt.not_above:
        if high in kinds and low in kinds:
            typed = typed.with_columns(pl.coalesce(
                pl.col(f"!{high}"),
                pl.when(pl.col(f"v:{high}") > pl.col(f"v:{low}")).then(pl.format(
                    "more than {} ({})", pl.lit(low), pl.col(f"v:{low}").cast(pl.String))),
            ).alias(f"!{high}"))
    bad = pl.any_horizontal(pl.col(f"!{s.name}").is_not_null() for s in specs)
    rejected = typed.filter(bad).join(frame, on=LINE, how="left")
    problems = [
        rejected.filter(pl.col(f"!{s.name}").is_not_null()).select(
            LINE, pl.lit(s.name).alias("column"),
            pl.col(s.name).str.slice(0, VALUE_PREVIEW).alias("value"),
            pl.col(f"!{s.name}").alias("reason"))
        for s in specs
    ]
    good = typed.filter(~bad).select(
        LINE, *(pl.when(pl.col(f"t:{s.name}").is_null()).then(_when_empty(s))
                .otherwise(pl.col(f"v:{s.name}")).alias(s.name) for s in specs))
    return Checked(good=good,
                   problems=pl.concat([pl.DataFrame(schema=PROBLEM_SCHEMA), *problems]).sort(LINE))
