"""When in the year and the day customers act: seasonal curves and hours of the day.

A kind's purchase rate is multiplied by its season's curve (normalised to a yearly mean of 1,
so the kind's mean gap between purchases still holds over a year), which is how gift buyers
crowd into December and students vanish over the summer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from numpy.typing import NDArray

DAYS_IN_YEAR = 366  # indexed by day of year - 1, leap day included
_REFERENCE_YEAR = 2025  # bumps are placed on a common year's calendar


@dataclass(frozen=True)
class Bump:
    """A bell-shaped rise (or, with a negative height, a dip) around a calendar day."""

    month: int
    day: int
    width_days: float
    height: float


@dataclass(frozen=True)
class Season:
    name: str
    bumps: tuple[Bump, ...] = ()

    def curve(self) -> NDArray[np.float64]:
        """Rate multiplier for each day of the year, never below 0.05, mean 1."""
        days = np.arange(DAYS_IN_YEAR, dtype=np.float64)
        level = np.ones(DAYS_IN_YEAR)
        for bump in self.bumps:
            centre = date(_REFERENCE_YEAR, bump.month, bump.day).timetuple().tm_yday - 1
            distance = np.abs(days - centre)
            distance = np.minimum(distance, DAYS_IN_YEAR - distance)  # December meets January
            level += bump.height * np.exp(-0.5 * (distance / bump.width_days) ** 2)
        level = np.maximum(level, 0.05)
        normalised: NDArray[np.float64] = level / level.mean()
        return normalised


STEADY = Season("steady", (Bump(12, 8, 12, 0.35),))
GIFTS = Season("gifts", (
    Bump(12, 12, 9, 14.0),   # Christmas
    Bump(3, 18, 6, 7.0),     # Mothering Sunday, mid-March in the UK
    Bump(6, 16, 5, 3.0),     # Father's Day
    Bump(7, 1, 120, -0.75),  # the rest of the year is quiet
))
OFFICE = Season("office", (
    Bump(12, 29, 5, -0.8),   # offices shut between Christmas and New Year
    Bump(8, 10, 12, -0.3),   # summer holidays
))
DEALS = Season("deals", (
    Bump(11, 27, 4, 3.0),    # Black Friday
    Bump(1, 5, 6, 1.0),      # January sales
))
TERM = Season("term", (
    Bump(7, 30, 25, -0.8),   # summer vacation
    Bump(12, 28, 8, -0.5),   # Christmas at home
    Bump(9, 28, 10, 0.8),    # freshers' weeks
))

HourWeights = tuple[float, ...]  # 24 relative weights, hour 0 to hour 23

OFFICE_HOURS: HourWeights = (
    0, 0, 0, 0, 0, 0, 0.2, 0.5, 2, 4, 4, 3.5, 2, 3, 3.5, 3, 2, 0.8, 0.3, 0.2, 0.1, 0.1, 0, 0,
)
LEISURE_HOURS: HourWeights = (
    0.2, 0.1, 0.05, 0.05, 0.05, 0.1, 0.6, 1.5, 1.5, 1, 1, 1, 1.4, 1, 0.9, 0.9, 1, 1.2, 1.6,
    2.2, 2.6, 2.4, 1.4, 0.6,
)
LATE_HOURS: HourWeights = (
    1.6, 1.2, 0.7, 0.3, 0.1, 0.05, 0.05, 0.1, 0.3, 0.5, 0.8, 1, 1.3, 1.2, 1, 1, 1.1, 1.2, 1.3,
    1.6, 2, 2.4, 2.6, 2.2,
)


def clock_seconds(
    rng: np.random.Generator, hours: HourWeights, size: int
) -> NDArray[np.int64]:
    """Seconds after the start of a day, drawn from an hour-of-day profile."""
    weights = np.asarray(hours, dtype=np.float64)
    hour = rng.choice(24, size=size, p=weights / weights.sum())
    seconds: NDArray[np.int64] = hour * 3600 + rng.integers(0, 3600, size=size)
    return seconds
