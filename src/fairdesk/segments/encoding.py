"""Turn mixed profiles (numbers, categories, tag lists) into one weighted numeric matrix.

* Numbers are log-transformed where they are skewed (order counts, spend, day gaps), scaled
  to unit variance, and an unknown value is set to the median *and* flagged in an indicator
  column: the distance between two customers says "one of them is unknown here".
* Categories are one-hot with an explicit ``unknown`` column.
* Tags are one column per tag seen often enough, plus an ``unknown`` column for customers
  with no tag in the field.

The blocks are weighted (``FeatureWeights``) so that the four criteria and behaviour each
count: one differing category adds 1 to the squared distance, one differing tag 2, one
standard deviation of a number 0.25. The defaults were chosen on the demo business, whose
planted kinds differ most in psychography and lifestyle (see docs/segments.md).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from fairdesk.segments.profiles import TAG_FIELDS, UNKNOWN, Profiles

Matrix = npt.NDArray[np.float32]

# numeric field → whether it is log1p-transformed before scaling
NUMERIC: dict[str, bool] = {
    "age": False, "household_size": False, "orders": True, "avg_order_value": True,
    "recency_days": True, "cadence_days": True,
}
CATEGORICAL = ("gender", "country", "education", "income_band", "usage_frequency", "attitude",
               "preferred_channel")


@dataclass(frozen=True)
class FeatureWeights:
    numeric: float = 0.5
    categorical: float = 1 / math.sqrt(2)
    tags: float = math.sqrt(2)
    unknown: float = 0.5  # indicator of an unknown number, relative to ``numeric``


@dataclass
class _NumericSpec:
    log: bool
    median: float
    mean: float
    scale: float


@dataclass
class FeatureEncoder:
    """``fit`` learns medians, scales and vocabularies; ``transform`` encodes any profiles."""

    weights: FeatureWeights = field(default_factory=FeatureWeights)
    numeric: dict[str, bool] = field(default_factory=lambda: dict(NUMERIC))
    categorical: tuple[str, ...] = CATEGORICAL
    tags: tuple[str, ...] = TAG_FIELDS
    min_tag_share: float = 0.002  # rarer tags are too few to shape a segment

    def fit(self, profiles: Profiles) -> FeatureEncoder:
        if len(profiles) == 0:
            raise ValueError("no customers to encode")
        self.numeric_: dict[str, _NumericSpec] = {}
        for name, log in self.numeric.items():
            raw = profiles.numeric[name]
            known = raw[~np.isnan(raw)]
            values = np.log1p(np.maximum(known, 0)) if log else known
            median = float(np.median(values)) if values.size else 0.0
            std = float(values.std()) if values.size else 0.0
            mean = float(values.mean()) if values.size else 0.0
            self.numeric_[name] = _NumericSpec(log, median, mean, std if std > 0 else 1.0)
        self.levels_ = {name: profiles.categorical[name].levels for name in self.categorical}
        n = len(profiles)
        self.vocabulary_: dict[str, tuple[str, ...]] = {}
        for name in self.tags:
            tag_set = profiles.tags[name]
            share = np.asarray(tag_set.matrix.sum(axis=0)).ravel() / n
            self.vocabulary_[name] = tuple(
                t for t, s in zip(tag_set.vocabulary, share, strict=True) if s >= self.min_tag_share
            )
        self.feature_names_ = self._names()
        return self

    def _names(self) -> list[str]:
        names: list[str] = []
        for name in self.numeric_:
            names += [name, f"{name}={UNKNOWN}"]
        for name, levels in self.levels_.items():
            names += [f"{name}={lvl}" for lvl in levels] + [f"{name}={UNKNOWN}"]
        for name, vocab in self.vocabulary_.items():
            names += [f"{name}:{t}" for t in vocab] + [f"{name}:{UNKNOWN}"]
        return names

    def transform(self, profiles: Profiles) -> Matrix:
        w = self.weights
        n = len(profiles)
        out = np.zeros((n, len(self.feature_names_)), dtype=np.float32)
        col = 0
        for name, spec in self.numeric_.items():
            raw = profiles.numeric[name]
            unknown = np.isnan(raw)
            values = np.log1p(np.maximum(raw, 0)) if spec.log else raw
            values = np.where(unknown, spec.median, values)
            out[:, col] = (values - spec.mean) / spec.scale * w.numeric
            out[:, col + 1] = unknown * (w.numeric * w.unknown)
            col += 2
        for name, levels in self.levels_.items():
            cat = profiles.categorical[name]
            # Map this profile set's levels onto the fitted ones; unseen levels count as unknown.
            lookup = {lvl: i for i, lvl in enumerate(levels)}
            remap = np.array([lookup.get(lvl, -1) for lvl in cat.levels] + [-1], dtype=np.int64)
            codes = remap[cat.codes]  # code -1 indexes the trailing -1
            codes = np.where(codes < 0, len(levels), codes)
            out[np.arange(n), col + codes] = w.categorical
            col += len(levels) + 1
        for name, vocab in self.vocabulary_.items():
            tag_set = profiles.tags[name]
            lookup = {t: i for i, t in enumerate(tag_set.vocabulary)}
            present = [lookup[t] for t in vocab if t in lookup]
            targets = [j for j, t in enumerate(vocab) if t in lookup]
            if present:
                block = tag_set.matrix[:, present].toarray()
                out[:, [col + j for j in targets]] = block * w.tags
            out[:, col + len(vocab)] = (~tag_set.known()) * w.tags
            col += len(vocab) + 1
        return out

    def transform_chunks(self, profiles: Profiles, size: int = 100_000) -> Iterator[Matrix]:
        """Encode in slices, so a million customers never need one dense matrix at once."""
        for start in range(0, len(profiles), size):
            yield self.transform(profiles.take(np.arange(start, min(start + size,
                                                                    len(profiles)))))
