"""Ideal-customer fit: how close each customer is to the target segments, weighted by value.

For each target segment, in the same reduced space the clusters live in:

* the **ideal** is the value-weighted centre of its members (weight = CLV where known, else
  net spend, plus one so that members without value still count a little), so the target's
  most valuable members define what "ideal" looks like;
* the member distances to that centre, weighted the same way, give a calibration: ``fit``
  keeps their 0th…100th weighted percentiles (101 numbers, not the members);
* a customer's fit to the segment is 100 × (1 − the share of weighted members closer to the
  ideal than them): 100 at the ideal, 50 as close as the typical valuable member, 0 farther
  than all of them.

The fit score is the best fit over the targets; the segment giving it is kept too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fairdesk.segments.encoding import Matrix

FloatArray = npt.NDArray[np.float64]
MODEL_VERSION = "fit-weighted-centroid-1"
_PERCENTILES = np.linspace(0, 1, 101)


@dataclass(frozen=True)
class FitScores:
    score: FloatArray  # 0-100
    segment_id: npt.NDArray[np.int64]  # the target segment each score is measured against


class IdealCustomerFit:
    model_version = MODEL_VERSION

    def __init__(self, min_members: int = 1) -> None:
        self.min_members = min_members

    def fit(self, z: Matrix, targets: dict[int, npt.NDArray[np.bool_]],
            value: FloatArray) -> IdealCustomerFit:
        """``targets`` maps a segment id to its member mask over the rows of ``z``."""
        weight = np.nan_to_num(np.maximum(value, 0)) + 1.0
        self.centres_: dict[int, FloatArray] = {}
        self.calibration_: dict[int, FloatArray] = {}
        for segment_id, member in targets.items():
            if member.sum() < self.min_members:
                continue
            w = weight[member]
            centre = np.average(z[member].astype(np.float64), axis=0, weights=w)
            d = np.sqrt(((z[member] - centre) ** 2).sum(axis=1))
            order = np.argsort(d)
            cumulative = np.cumsum(w[order]) / w.sum()
            self.centres_[segment_id] = centre
            self.calibration_[segment_id] = np.interp(_PERCENTILES, cumulative, d[order])
        return self

    @property
    def segments(self) -> list[int]:
        return list(self.centres_)

    def predict(self, z: Matrix) -> FitScores:
        if not self.centres_:
            raise ValueError("no target segment with members to measure fit against")
        best = np.full(z.shape[0], -1.0)
        which = np.zeros(z.shape[0], dtype=np.int64)
        for segment_id, centre in self.centres_.items():
            d = np.sqrt(((z - centre) ** 2).sum(axis=1))
            closer = np.interp(d, self.calibration_[segment_id], _PERCENTILES,
                               left=0.0, right=1.0)
            score = 100.0 * (1.0 - closer)
            better = score > best
            best = np.where(better, score, best)
            which = np.where(better, segment_id, which)
        return FitScores(np.round(best, 1), which)
