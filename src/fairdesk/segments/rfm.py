"""RFM: recency, frequency and monetary scores by quintile, and the conventional named segments.

Rules (also in docs/segments.md):

* Measures per customer, over orders that were not cancelled or fully refunded: **recency** =
  days since the last order, **frequency** = number of orders, **monetary** = total net spend
  (amount less refunds).
* ``fit`` learns four quintile edges per measure (the 20th/40th/60th/80th percentiles, linear
  interpolation) from the customers who bought; recency is scored on its negative, so that for
  all three a higher score is better. Only the 12 edges are kept, never the customers.
* ``predict``: score = 1 + (edges strictly below the value) + ⌊(edges equal to the value) / 2⌋.
  Equal values always get equal scores (ties never split across quintiles), and a value that
  several edges share - the usual case for frequency, where most customers bought once - lands
  in the middle of the quintiles it spans. On small data this stays defined: one customer, or
  customers who all look alike, score 3 across the board.
* The named segment comes from R and FM = ⌊(F + M) / 2 + ½⌋ through ``GRID`` below (a complete
  5 × 5 table, so every scored customer gets exactly one name). Customers without orders get
  no scores (0) and the segment "No purchases".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
MODEL_VERSION = "rfm-quintile-1"


class RfmSegment(StrEnum):
    CHAMPIONS = "champions"
    LOYAL = "loyal"
    POTENTIAL_LOYALIST = "potential_loyalist"
    NEW = "new"
    PROMISING = "promising"
    NEED_ATTENTION = "need_attention"
    ABOUT_TO_SLEEP = "about_to_sleep"
    AT_RISK = "at_risk"
    CANT_LOSE = "cant_lose"
    HIBERNATING = "hibernating"
    LOST = "lost"
    NO_PURCHASES = "no_purchases"


LABELS: dict[RfmSegment, tuple[str, str]] = {
    RfmSegment.CHAMPIONS: ("Champions", "Bought recently, buy often and spend the most."),
    RfmSegment.LOYAL: ("Loyal", "Buy regularly and spend well; responsive to attention."),
    RfmSegment.POTENTIAL_LOYALIST: (
        "Potential loyalist", "Recent customers with average frequency and spend."),
    RfmSegment.NEW: ("New", "Bought very recently, for the first time or little so far."),
    RfmSegment.PROMISING: ("Promising", "Recent buyers who have not spent much yet."),
    RfmSegment.NEED_ATTENTION: (
        "Need attention", "Average recency, frequency and spend; may slip without a reason "
        "to come back."),
    RfmSegment.ABOUT_TO_SLEEP: (
        "About to sleep", "Below-average recency, frequency and spend; fading."),
    RfmSegment.AT_RISK: ("At risk", "Spent well and bought often, but a long time ago."),
    RfmSegment.CANT_LOSE: (
        "Can't lose them", "Among the best by frequency and spend, yet have not been back "
        "for a long time."),
    RfmSegment.HIBERNATING: ("Hibernating", "Last bought long ago, rarely and for little."),
    RfmSegment.LOST: ("Lost", "The longest gone, with the lowest frequency and spend."),
    RfmSegment.NO_PURCHASES: (
        "No purchases", "Known to the business (sign-up, newsletter, enquiry) but never "
        "completed an order."),
}

_S = RfmSegment
# GRID[r - 1][fm - 1]: rows recency 1 (long ago) … 5 (very recent), columns FM 1 … 5.
GRID: tuple[tuple[RfmSegment, ...], ...] = (
    (_S.LOST, _S.LOST, _S.AT_RISK, _S.CANT_LOSE, _S.CANT_LOSE),
    (_S.HIBERNATING, _S.HIBERNATING, _S.AT_RISK, _S.AT_RISK, _S.CANT_LOSE),
    (_S.ABOUT_TO_SLEEP, _S.ABOUT_TO_SLEEP, _S.NEED_ATTENTION, _S.LOYAL, _S.LOYAL),
    (_S.PROMISING, _S.POTENTIAL_LOYALIST, _S.POTENTIAL_LOYALIST, _S.LOYAL, _S.CHAMPIONS),
    (_S.NEW, _S.POTENTIAL_LOYALIST, _S.POTENTIAL_LOYALIST, _S.CHAMPIONS, _S.CHAMPIONS),
)
_GRID_CODES = np.array([[list(RfmSegment).index(s) for s in row] for row in GRID])
_QUANTILES = (0.2, 0.4, 0.6, 0.8)


def fm_score(f: IntArray, m: IntArray) -> IntArray:
    """The combined frequency-monetary score, 1-5: the mean of F and M, halves rounded up."""
    return np.floor((f + m) / 2 + 0.5).astype(np.int64)


def segment_of(r: int, f: int, m: int) -> RfmSegment:
    """The named segment of one customer's scores (0s: no purchases)."""
    if r == 0:
        return RfmSegment.NO_PURCHASES
    return GRID[r - 1][int(fm_score(np.array([f]), np.array([m]))[0]) - 1]


@dataclass(frozen=True)
class RfmScores:
    r: IntArray
    f: IntArray
    m: IntArray
    segment: list[RfmSegment]


class RfmScorer:
    """Quintile scorer: ``fit`` on buyers' measures, ``predict`` scores and names anyone."""

    model_version = MODEL_VERSION

    def __init__(self, quantiles: tuple[float, ...] = _QUANTILES) -> None:
        self.quantiles = quantiles

    def fit(self, recency_days: FloatArray, frequency: FloatArray, monetary: FloatArray
            ) -> RfmScorer:
        bought = np.asarray(frequency, dtype=np.float64) > 0
        if not bought.any():
            raise ValueError("RFM needs at least one customer with an order")
        q = list(self.quantiles)
        self.edges_ = {
            "recency": np.quantile(-np.asarray(recency_days, dtype=np.float64)[bought], q),
            "frequency": np.quantile(np.asarray(frequency, dtype=np.float64)[bought], q),
            "monetary": np.quantile(np.asarray(monetary, dtype=np.float64)[bought], q),
        }
        return self

    def predict(self, recency_days: FloatArray, frequency: FloatArray, monetary: FloatArray
                ) -> RfmScores:
        """Scores and segments; customers with no orders (frequency 0) get 0s."""
        frequency = np.asarray(frequency, dtype=np.float64)
        bought = frequency > 0
        r = np.where(bought, _score(-np.nan_to_num(recency_days), self.edges_["recency"]), 0)
        f = np.where(bought, _score(frequency, self.edges_["frequency"]), 0)
        m = np.where(bought, _score(np.asarray(monetary, dtype=np.float64),
                                    self.edges_["monetary"]), 0)
        fm = fm_score(f, m)
        codes = np.where(bought, _GRID_CODES[np.clip(r, 1, 5) - 1, np.clip(fm, 1, 5) - 1],
                         list(RfmSegment).index(RfmSegment.NO_PURCHASES))
        names = list(RfmSegment)
        return RfmScores(r=r, f=f, m=m, segment=[names[c] for c in codes])

    def to_dict(self) -> dict[str, Any]:
        return {"model_version": self.model_version,
                "edges": {k: [float(x) for x in v] for k, v in self.edges_.items()}}


def _score(values: FloatArray, edges: FloatArray) -> IntArray:
    below = np.searchsorted(edges, values, side="left")
    equal = np.searchsorted(edges, values, side="right") - below
    return (1 + below + equal // 2).astype(np.int64)
