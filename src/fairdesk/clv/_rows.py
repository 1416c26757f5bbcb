"""Collapse identical summary rows so that work scales with distinct rows, not customers.

Summaries built from dated purchases take few distinct values (whole days divided by the time
unit), so a million customers typically share a few tens of thousands of distinct
(frequency, recency, T) rows; fitting and scoring on those and expanding back is what makes a
million-customer run take seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IndexArray = npt.NDArray[np.intp]


@dataclass(frozen=True)
class CompressedRows:
    """Distinct rows of several aligned columns.

    ``columns[k][inverse]`` rebuilds the ``k``-th input column and ``counts`` says how many input
    rows each distinct row stands for.
    """

    columns: tuple[FloatArray, ...]
    counts: FloatArray
    inverse: npt.NDArray[np.intp]

    def expand(self, values: FloatArray) -> FloatArray:
        """Map one value per distinct row back to one value per input row."""
        return values[self.inverse]

    def total(self, per_row: FloatArray) -> FloatArray:
        """Sum per-input-row ``per_row`` weights onto the distinct rows."""
        totals = np.bincount(self.inverse, weights=per_row, minlength=self.counts.size)
        return totals.astype(np.float64)


def compress_rows(*columns: FloatArray) -> CompressedRows:
    """Find the distinct rows of equally long float columns (exact equality).

    Each column is replaced by the rank of its value among its distinct values, the ranks are
    combined into one integer key, and one sort of that key finds the groups; when the key
    would not fit in 62 bits, a lexicographic sort of the columns does instead.
    """
    n = columns[0].size
    key = np.zeros(n, dtype=np.int64)
    radix = 1
    for column in columns:
        levels = np.unique(column)
        radix *= levels.size
        if radix >= 2**62:
            order = np.lexsort(columns[::-1])
            break
        key = key * levels.size + np.searchsorted(levels, column)
    else:
        key, order = sorted_with_order(key)
    starts_mask = np.ones(n, dtype=bool)
    if radix < 2**62:
        starts_mask[1:] = key[1:] != key[:-1]
    else:
        starts_mask[1:] = False
        for column in columns:
            ordered = column[order]
            starts_mask[1:] |= ordered[1:] != ordered[:-1]
    starts = np.flatnonzero(starts_mask)
    inverse = np.empty(n, dtype=np.intp)
    inverse[order] = np.cumsum(starts_mask) - 1
    counts = np.diff(np.append(starts, n)).astype(np.float64)
    first = order[starts]
    return CompressedRows(tuple(column[first] for column in columns), counts, inverse)


def sorted_with_order(key: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], IndexArray]:
    """``np.sort(key)`` and the permutation that sorts it, for non-negative keys.

    When the row number fits in the bits the key leaves free, it is packed below the key and
    one plain sort does the work of an argsort, several times faster on millions of rows.
    """
    index_bits = max(1, (key.size - 1).bit_length())
    if key.size and int(key.max()) < 2 ** (63 - index_bits):
        packed = (key << index_bits) | np.arange(key.size, dtype=np.int64)
        packed.sort()
        return packed >> index_bits, (packed & ((1 << index_bits) - 1)).astype(np.intp)
    order = np.argsort(key)
    return key[order], order


@dataclass(frozen=True)
class Levels:
    """The distinct values of one column and, for each row, the index of its value.

    Special functions of a column that takes few values (frequency takes tens of values across
    a million customers; ages and recencies a few hundred) are evaluated once per value.
    """

    values: FloatArray
    index: npt.NDArray[np.intp]

    @classmethod
    def of(cls, column: FloatArray) -> Levels:
        values, index = np.unique(column, return_inverse=True)
        return cls(values, index.ravel())

    def rows(self) -> FloatArray:
        """The column itself."""
        return self.values[self.index]
