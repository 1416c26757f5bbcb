"""Columnar per-customer data on the four criteria and behaviour, with unknowns made explicit.

Everything downstream (RFM, clustering, explanations, fit, personas) works on ``Profiles``,
never on ORM rows, so a million customers stay a handful of NumPy arrays and every estimator
is testable without a database. Unknown is explicit in each representation: NaN in a numeric
column, code -1 in a categorical one, an empty row in a tag matrix.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy import sparse

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
CodeArray = npt.NDArray[np.int32]

NUMERIC_FIELDS = (
    "age", "household_size", "orders", "spend", "recency_days", "tenure_days",
    "avg_order_value", "cadence_days", "clv", "p_alive",
)
CATEGORICAL_FIELDS = (
    "gender", "country", "region", "city", "education", "income_band", "usage_frequency",
    "attitude", "preferred_channel", "lifecycle_status", "first_name",
)
TAG_FIELDS = ("values", "interests", "personality", "lifestyle", "product_lines")
COUNTED_FIELDS = ("orders", "spend")  # a customer without orders has 0 of these, not unknown
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Categorical:
    """Codes into ``levels`` (sorted); -1 is unknown."""

    levels: tuple[str, ...]
    codes: CodeArray

    def take(self, rows: npt.NDArray[Any]) -> Categorical:
        return Categorical(self.levels, self.codes[rows])

    def counts(self) -> dict[str, int]:
        """How many customers have each level, ``unknown`` included (and counted)."""
        tally = np.bincount(self.codes + 1, minlength=len(self.levels) + 1)
        out = {UNKNOWN: int(tally[0])} if tally[0] else {}
        out.update({lvl: int(n) for lvl, n in zip(self.levels, tally[1:], strict=True) if n})
        return out


@dataclass(frozen=True)
class TagSet:
    """A customer × tag indicator matrix; a row without tags means the field is unknown."""

    vocabulary: tuple[str, ...]
    matrix: sparse.csr_array

    def take(self, rows: npt.NDArray[Any]) -> TagSet:
        return TagSet(self.vocabulary, sparse.csr_array(self.matrix[rows]))

    def known(self) -> npt.NDArray[np.bool_]:
        known: npt.NDArray[np.bool_] = np.diff(self.matrix.indptr) > 0
        return known

    def counts(self) -> dict[str, int]:
        totals = np.asarray(self.matrix.sum(axis=0)).ravel()
        return {t: int(n) for t, n in zip(self.vocabulary, totals, strict=True) if n}


@dataclass(frozen=True)
class Profiles:
    customer_id: IntArray
    numeric: dict[str, FloatArray]
    categorical: dict[str, Categorical]
    tags: dict[str, TagSet]

    def __len__(self) -> int:
        return int(self.customer_id.size)

    def take(self, rows: npt.NDArray[Any]) -> Profiles:
        """The profiles of a subset of customers (a boolean mask or positions)."""
        return Profiles(
            customer_id=self.customer_id[rows],
            numeric={k: v[rows] for k, v in self.numeric.items()},
            categorical={k: v.take(rows) for k, v in self.categorical.items()},
            tags={k: v.take(rows) for k, v in self.tags.items()},
        )

    def unknown_counts(self) -> dict[str, int]:
        """Customers with each field unknown: reported with every run, never dropped."""
        out = {k: int(np.isnan(v).sum()) for k, v in self.numeric.items()}
        out.update({k: int((v.codes < 0).sum()) for k, v in self.categorical.items()})
        out.update({k: int((~v.known()).sum()) for k, v in self.tags.items()})
        return out

    @classmethod
    def from_records(cls, records: Sequence[Mapping[str, Any]]) -> Profiles:
        """Build from dicts (tests, small imports); a missing key or None is unknown."""
        return cls(
            customer_id=np.array([r["customer_id"] for r in records], dtype=np.int64),
            numeric={f: np.array([_number(r.get(f, 0 if f in COUNTED_FIELDS else None))
                                   for r in records], dtype=np.float64)
                     for f in NUMERIC_FIELDS},
            categorical={f: categorical([_text(r.get(f)) for r in records])
                         for f in CATEGORICAL_FIELDS},
            tags={f: tag_set([list(r.get(f) or []) for r in records]) for f in TAG_FIELDS},
        )


def _number(value: Any) -> float:
    return np.nan if value is None else float(value)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def categorical(values: Iterable[str | None] | pl.Series) -> Categorical:
    """Factorise strings into sorted levels; None and blanks become -1 (unknown)."""
    raw = values if isinstance(values, pl.Series) else pl.Series(list(values), dtype=pl.String)
    stripped = pl.col("v").cast(pl.String).str.strip_chars()
    series = pl.DataFrame({"v": raw}).select(
        pl.when(stripped != "").then(stripped)
    ).to_series()
    levels = series.drop_nulls().unique().sort()
    codes = series.replace_strict(
        levels, pl.int_range(len(levels), eager=True), default=-1, return_dtype=pl.Int32
    )
    return Categorical(tuple(levels.to_list()), codes.to_numpy().astype(np.int32))


def tag_set(rows: Iterable[Sequence[str]]) -> TagSet:
    """Indicator matrix from per-customer tag lists (case and blanks normalised)."""
    cleaned = [sorted({t.strip().lower() for t in row if t and t.strip()}) for row in rows]
    vocabulary = tuple(sorted({t for row in cleaned for t in row}))
    index = {t: i for i, t in enumerate(vocabulary)}
    indptr = np.zeros(len(cleaned) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(row) for row in cleaned])
    indices = np.fromiter((index[t] for row in cleaned for t in row), dtype=np.int32,
                          count=int(indptr[-1]))
    matrix = sparse.csr_array(
        (np.ones(indices.size, dtype=np.float32), indices, indptr),
        shape=(len(cleaned), len(vocabulary)),
    )
    return TagSet(vocabulary, matrix)


def tag_set_from_json(texts: pl.Series) -> TagSet:
    """Tags from JSON list texts as the database stores them.

    Each distinct text is parsed once: tag lists repeat heavily (a few hundred distinct
    combinations among a million customers), so this costs one hash pass, not a million
    ``json.loads``.
    """
    texts = texts.cast(pl.String).fill_null("[]")
    distinct = texts.unique().sort()
    parsed = tag_set([_json_tags(t) for t in distinct.to_list()])
    position = texts.replace_strict(
        distinct, pl.int_range(len(distinct), eager=True), return_dtype=pl.Int64
    ).to_numpy()
    return TagSet(parsed.vocabulary, sparse.csr_array(parsed.matrix[position]))


def _json_tags(text: str) -> list[str]:
    try:
        value = json.loads(text)
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []
