"""When each customer signs up and buys: acquisition plus a repeat-purchase process with churn.

The process is MBG/NBD-like, the model fairdesk's CLV module fits, so the demo has a known
truth for it to recover: per customer a purchase rate λ ~ Gamma and a dropout probability
p ~ Beta; while alive, purchases arrive as a Poisson process (thinned by the kind's season);
after each purchase, the first included, the customer leaves for good with probability p.
Times are whole seconds after the start of the history, so they convert to datetimes exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from fairdesk.demo.kinds import KIND_SPECS, Behaviour
from fairdesk.demo.seasons import clock_seconds

HISTORY_DAYS = 730  # two years of trading up to ``now``
DAY = 86_400
HORIZON = HISTORY_DAYS * DAY  # ``now``, in seconds after the start of the history


@dataclass(frozen=True)
class Timeline:
    """One customer's sign-up and purchase times, in seconds after the history's start."""

    signed_up: int
    lead: bool  # signed up before buying (or never bought): a lead stage is recorded
    purchases: tuple[int, ...]  # ascending, all before ``now``; the first may equal signed_up


def history_start(now: datetime) -> datetime:
    return now - timedelta(days=HISTORY_DAYS)


def draw_timelines(
    rng: np.random.Generator, kind_index: NDArray[np.int64], start: datetime
) -> list[Timeline]:
    """Timelines for every customer, drawn kind by kind in a fixed order."""
    day_of_year = np.array(
        [(start + timedelta(days=d)).timetuple().tm_yday - 1 for d in range(HISTORY_DAYS)]
    )
    growth = np.linspace(0.6, 1.4, HISTORY_DAYS)  # the roastery wins more customers over time
    timelines: list[Timeline | None] = [None] * len(kind_index)
    for k, spec in enumerate(KIND_SPECS):
        members = np.flatnonzero(kind_index == k)
        drawn = _draw_kind(rng, spec.behaviour, len(members), day_of_year, growth)
        for i, timeline in zip(members, drawn, strict=True):
            timelines[i] = timeline
    return [t for t in timelines if t is not None]


def _draw_kind(
    rng: np.random.Generator,
    behaviour: Behaviour,
    n: int,
    day_of_year: NDArray[np.int64],
    growth: NDArray[np.float64],
) -> list[Timeline]:
    acquisition = growth * behaviour.acquisition.curve()[day_of_year]
    signup_day = rng.choice(HISTORY_DAYS, size=n, p=acquisition / acquisition.sum())
    signed_up = signup_day * DAY + clock_seconds(rng, behaviour.hours, n)

    never_buys = rng.random(n) < behaviour.never_buy
    lead = never_buys | (rng.random(n) < behaviour.lead_share)
    wait_days = 1 + np.floor(rng.exponential(behaviour.lead_days, n)).astype(np.int64)
    after_lead = (signup_day + wait_days) * DAY + clock_seconds(rng, behaviour.hours, n)
    first = np.where(lead, after_lead, signed_up)

    rate = rng.gamma(behaviour.gap_shape, 1 / (behaviour.gap_days * behaviour.gap_shape), n)
    concentration = behaviour.dropout_concentration
    dropout = rng.beta(behaviour.dropout * concentration,
                       (1 - behaviour.dropout) * concentration, n)
    purchases_until_dropout = rng.geometric(dropout)

    season = behaviour.season.curve()
    peak = float(season.max())
    timelines = []
    for i in range(n):
        purchases: tuple[int, ...] = ()
        if not never_buys[i] and first[i] < HORIZON:
            repeats = _repeat_purchases(
                rng, int(first[i]), float(rate[i]) * peak, season[day_of_year] / peak,
                behaviour, int(purchases_until_dropout[i]) - 1,
            )
            purchases = (int(first[i]), *repeats)
        timelines.append(Timeline(int(signed_up[i]), bool(lead[i]), purchases))
    return timelines


def _repeat_purchases(
    rng: np.random.Generator,
    first: int,
    peak_rate: float,
    acceptance: NDArray[np.float64],
    behaviour: Behaviour,
    limit: int,
) -> list[int]:
    """Purchases after ``first`` up to dropout: a seasonal Poisson process by thinning.

    Candidates arrive at the season's peak rate and each is kept with probability
    season(day) / peak, which yields exactly the seasonal rate. Each candidate keeps its
    day but gets a time of day from the kind's hours.
    """
    if limit <= 0:
        return []
    span_days = (HORIZON - first) / DAY
    count = rng.poisson(peak_rate * span_days)
    day = np.floor(first / DAY + rng.random(count) * span_days).astype(np.int64)
    kept = rng.random(count) < acceptance[day]
    times = day * DAY + clock_seconds(rng, behaviour.hours, count)
    times = np.unique(times[kept & (times > first) & (times < HORIZON)])
    return [int(t) for t in times[:limit]]
