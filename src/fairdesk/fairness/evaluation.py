"""How well case opening separates exploitation and abuse from angry but legitimate customers.

``generate`` draws a customer base with a known truth (seeded): ordinary customers, angry
but legitimate ones with real problems (more claims, genuinely lost parcels, the odd
"difficult" rating, never abuse), exploiters of the three claim patterns and abusers, each
drawn *around* their thresholds so that some are subtle. ``evaluate`` runs the signal
model and the opening rule and reports precision and recall of case opening and the share
of high-value angry-but-legitimate customers wrongly opened (the target is at most 1 %).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from fairdesk.fairness.models import SignalKind
from fairdesk.fairness.opening import should_open
from fairdesk.fairness.signals.model import SignalModel
from fairdesk.fairness.signals.summary import COUNTS, Summaries
from fairdesk.fairness.signals.thresholds import Thresholds

ROLES = ("ordinary", "angry_legit", "near_limit", "not_received", "wardrobing", "abuser")
SEGMENTS = ("champions", "loyal", "potential", "at_risk", "new", "hibernating")


@dataclass(frozen=True)
class Generated:
    summaries: Summaries
    role: np.ndarray  # per customer, one of ROLES
    high_value: np.ndarray  # per customer: in the most valuable tenth


@dataclass(frozen=True)
class Report:
    customers: int
    should_open: int
    opened: int
    true_positives: int
    precision: float
    recall: float
    high_value_angry: int
    high_value_angry_opened: int
    angry: int
    angry_opened: int
    recall_by_role: dict[str, float]

    @property
    def high_value_angry_share(self) -> float:
        return self.high_value_angry_opened / max(self.high_value_angry, 1)

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "high_value_angry_share": self.high_value_angry_share}


def generate(
    n: int,
    *,
    seed: int = 2026,
    angry_share: float = 0.06,
    exploit_share: float = 0.004,
    abuse_share: float = 0.003,
) -> Generated:
    """A seeded customer base of ``n`` with planted roles (exploit and abuse shares per
    pattern)."""
    rng = np.random.default_rng(seed)
    shares = np.array([0.0, angry_share, exploit_share, exploit_share, exploit_share, abuse_share])
    shares[0] = 1 - shares.sum()
    role = rng.choice(len(ROLES), size=n, p=shares)
    orders = 1 + rng.negative_binomial(2, 0.25, n)  # mean about 7
    value = orders * rng.gamma(4, 8, n)
    high = value >= np.quantile(value, 0.9) if n else np.zeros(0, dtype=bool)
    c = {name: np.zeros(n, dtype=np.int64) for name in COUNTS}
    c["orders"] = orders
    # Ordinary customers: a claim on about one order in twenty-five; some lost parcels.
    c["claims"] = rng.binomial(orders, rng.beta(1, 24, n))
    c["not_received"] = rng.binomial(c["claims"], 0.3)
    c["after_delivery"] = rng.binomial(c["not_received"], 0.15)
    c["gestures"] = rng.binomial(c["claims"], 0.7)
    c["near_limit"] = rng.binomial(c["gestures"], 0.12)  # order values that happen to sit there
    c["wardrobe"] = rng.binomial(c["claims"], 0.04)
    c["ratings"] = rng.binomial(np.maximum(c["claims"], 1), 0.1)
    c["low_ratings"] = rng.binomial(c["ratings"], 0.05)
    c["abusive"] = rng.binomial(1, 0.01, n)  # one rude message, once
    for i in np.flatnonzero(role == ROLES.index("angry_legit")):
        _angry(rng, c, int(i))
    for i in np.flatnonzero(role >= ROLES.index("near_limit")):
        _planted(rng, c, int(i), ROLES[int(role[i])])
    c["claims"] = np.maximum(c["claims"], np.maximum(c["gestures"], c["not_received"]))
    c["orders"] = np.maximum(c["orders"], c["claims"])
    segment = np.array([SEGMENTS[k] for k in rng.integers(0, len(SEGMENTS), n)], dtype=object)
    counts: dict[str, Any] = c
    summaries = Summaries(
        customer_id=np.arange(1, n + 1, dtype=np.int64), segment=segment, **counts
    )
    return Generated(summaries, np.array([ROLES[k] for k in role], dtype=object), high)


def _angry(rng: np.random.Generator, c: dict[str, np.ndarray], i: int) -> None:
    """Loud about real problems: more claims, lost parcels, now and then a hard rating."""
    claims = int(rng.binomial(c["orders"][i], rng.beta(3, 6))) + 1
    c["claims"][i] = claims
    c["not_received"][i] = rng.binomial(claims, 0.35)
    c["after_delivery"][i] = rng.binomial(c["not_received"][i], 0.2)  # tracking was wrong
    c["gestures"][i] = rng.binomial(claims, 0.9)
    c["near_limit"][i] = rng.binomial(c["gestures"][i], 0.12)
    c["wardrobe"][i] = rng.binomial(claims, 0.05)
    c["ratings"][i] = claims
    c["low_ratings"][i] = rng.binomial(claims, 0.3)
    c["abusive"][i] = 0


def _planted(rng: np.random.Generator, c: dict[str, np.ndarray], i: int, role: str) -> None:
    """An exploiter or abuser, drawn around the pattern's threshold (some stay below it)."""
    if role == "abuser":
        c["abusive"][i] = 1 + rng.poisson(2.5)
        c["threats"][i] = rng.binomial(1, 0.35)
        c["ratings"][i] = c["abusive"][i]
        c["low_ratings"][i] = rng.binomial(c["abusive"][i], 0.7)
        return
    n = 2 + int(rng.poisson(2.5))
    c["claims"][i] += n
    c["orders"][i] = max(int(c["orders"][i]), n + int(rng.integers(0, 8)))
    c["gestures"][i] += n
    if role == "near_limit":
        c["near_limit"][i] += n
    elif role == "not_received":
        c["not_received"][i] += n
        c["after_delivery"][i] += rng.binomial(n, 0.85)
    else:
        c["wardrobe"][i] += n


def opened_mask(summaries: Summaries, thresholds: Thresholds) -> np.ndarray:
    """Which customers the opening rule opens a case for (all signals unreviewed)."""
    per: dict[int, dict[SignalKind, float]] = {}
    for sig in SignalModel(thresholds).fit(summaries).signals():
        per.setdefault(sig.customer_id, {})[sig.kind] = sig.strength
    opened = {cid for cid, strengths in per.items() if should_open(strengths, thresholds)}
    return np.isin(summaries.customer_id, np.fromiter(opened, dtype=np.int64, count=len(opened)))


def evaluate(data: Generated, thresholds: Thresholds | None = None) -> Report:
    opened = opened_mask(data.summaries, thresholds or Thresholds())
    truth = ~np.isin(data.role, ["ordinary", "angry_legit"])
    angry = data.role == "angry_legit"
    tp = int((opened & truth).sum())
    by_role = {
        role: float(opened[data.role == role].mean())
        for role in ROLES[2:]
        if (data.role == role).any()
    }
    return Report(
        customers=len(data.summaries),
        should_open=int(truth.sum()),
        opened=int(opened.sum()),
        true_positives=tp,
        precision=tp / max(int(opened.sum()), 1),
        recall=tp / max(int(truth.sum()), 1),
        high_value_angry=int((angry & data.high_value).sum()),
        high_value_angry_opened=int((angry & data.high_value & opened).sum()),
        angry=int(angry.sum()),
        angry_opened=int((angry & opened).sum()),
        recall_by_role=by_role,
    )
