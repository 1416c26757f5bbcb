"""The signal rules, as an estimator over per-customer summaries: pure, no database.

``SignalModel(thresholds).fit(summaries)`` scores the claim rates against segment peers;
``.signals()`` lists every signal that passes its threshold, with a strength and a reason
that quotes the figures. Strength is ``value / (2 × threshold)`` clipped to 1: 0.5 where the
signal starts, 1.0 at twice its threshold (for the claim rate: its robust z-score against
twice the cut-off), so strengths of different kinds can be added up by the opening rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np

from fairdesk.fairness.models import SignalKind
from fairdesk.fairness.signals.robust import ALL, PeerScores, robust_z
from fairdesk.fairness.signals.summary import Summaries
from fairdesk.fairness.signals.thresholds import Thresholds


@dataclass(frozen=True)
class Signal:
    """One signal for one customer; ``figures`` are the numbers quoted in ``reason``."""

    customer_id: int
    kind: SignalKind
    strength: float
    reason: str
    figures: dict[str, Any] = field(default_factory=dict)


def strength(value: float, threshold: float) -> float:
    """0 below the threshold, 0.5 at it, rising linearly to 1.0 at twice the threshold."""
    if threshold <= 0 or value < threshold:
        return 0.0
    return round(min(1.0, value / (2 * threshold)), 4)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _money(amount: Decimal, currency: str) -> str:
    symbol = {"GBP": "£", "EUR": "€", "USD": "$"}.get(currency)
    return f"{symbol}{amount:,.2f}" if symbol else f"{amount:,.2f} {currency}"


class SignalModel:
    """Fit on summaries, then list the signals (see the module docstring)."""

    def __init__(self, thresholds: Thresholds | None = None) -> None:
        self.thresholds = thresholds or Thresholds()

    def fit(self, summaries: Summaries) -> SignalModel:
        s = summaries
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(s.orders > 0, s.claims / np.maximum(s.orders, 1), np.nan)
        self.summaries_ = s
        self.rate_ = rate
        self.peers_: PeerScores = robust_z(rate, s.segment, min_peers=self.thresholds.min_peers)
        return self

    def signals(self) -> list[Signal]:
        """Every signal that passes its threshold, by customer id then kind."""
        s, t = self.summaries_, self.thresholds
        found: list[Signal] = []
        z = self.peers_.z
        rated = (z >= t.claim_z) & (s.claims >= t.min_claims)
        near = (s.near_limit >= t.near_limit_min) & (
            s.near_limit >= t.near_limit_share * np.maximum(s.gestures, 1)
        )
        # A pattern on a large share of the customer's orders, not a few among many.
        share = t.order_share * np.maximum(s.orders, 1)
        rules = [
            (SignalKind.CLAIM_RATE, rated, self._claim_rate),
            (SignalKind.NEAR_LIMIT, near, self._near_limit),
            (SignalKind.NOT_RECEIVED, s.not_received >= t.not_received_min, self._not_received),
            (
                SignalKind.CLAIM_AFTER_DELIVERY,
                (s.after_delivery >= t.after_delivery_min) & (s.after_delivery >= share),
                self._after_delivery,
            ),
            (
                SignalKind.WARDROBING,
                (s.wardrobe >= t.wardrobe_min) & (s.wardrobe >= share),
                self._wardrobing,
            ),
            (
                SignalKind.ABUSE_TOWARD_STAFF,
                (s.abusive >= t.abuse_min) | (s.threats > 0),
                self._abuse,
            ),
            (SignalKind.AGENT_RATING, s.low_ratings >= t.low_rating_min, self._ratings),
        ]
        for kind, mask, build in rules:
            for i in np.flatnonzero(mask):
                found.append(build(int(i), kind))
        found.sort(key=lambda sig: (sig.customer_id, sig.kind))
        return found

    def _id(self, i: int) -> int:
        return int(self.summaries_.customer_id[i])

    def _claim_rate(self, i: int, kind: SignalKind) -> Signal:
        s, t, p = self.summaries_, self.thresholds, self.peers_
        z, claims, orders = float(p.z[i]), int(s.claims[i]), int(s.orders[i])
        group = str(p.group[i])
        peers = (
            f"the {int(p.peers[i]):,} customers of segment '{group}'"
            if group != ALL
            else f"all {int(p.peers[i]):,} customers with orders"
        )
        reason = (
            f"Claimed on {claims} of {_plural(orders, 'order')} ({self.rate_[i]:.0%}), "
            f"against a median of {p.median[i]:.0%} among {peers} "
            f"(robust z-score {z:.1f}; a signal from {t.claim_z:g})."
        )
        figures = {
            "claims": claims,
            "orders": orders,
            "rate": round(float(self.rate_[i]), 4),
            "peer_median": round(float(p.median[i]), 4),
            "peers": int(p.peers[i]),
            "peer_group": group or "all",
            "z": round(z, 2),
        }
        return Signal(self._id(i), kind, strength(z, t.claim_z), reason, figures)

    def _near_limit(self, i: int, kind: SignalKind) -> Signal:
        s, t = self.summaries_, self.thresholds
        near, total = int(s.near_limit[i]), int(s.gestures[i])
        limits = ", ".join(_money(x, t.currency) for x in t.limits)
        reason = (
            f"{near} of {_plural(total, 'goodwill claim')} were within {t.near_limit_band:.0%} "
            f"under a policy limit ({limits}: no receipt needed, or what an agent grants alone)."
        )
        return Signal(
            self._id(i),
            kind,
            strength(near, t.near_limit_min),
            reason,
            {"near_limit": near, "gestures": total, "limits": [str(x) for x in t.limits]},
        )

    def _not_received(self, i: int, kind: SignalKind) -> Signal:
        n, t = int(self.summaries_.not_received[i]), self.thresholds
        reason = (
            f"Reported {_plural(n, 'order')} as not received (a signal from {t.not_received_min})."
        )
        return Signal(
            self._id(i), kind, strength(n, t.not_received_min), reason, {"not_received": n}
        )

    def _after_delivery(self, i: int, kind: SignalKind) -> Signal:
        n, t = int(self.summaries_.after_delivery[i]), self.thresholds
        reason = (
            f"{_plural(n, 'not-received claim')} concerned orders whose delivery had been "
            f"confirmed before the claim (a signal from {t.after_delivery_min})."
        )
        return Signal(
            self._id(i), kind, strength(n, t.after_delivery_min), reason, {"after_delivery": n}
        )

    def _wardrobing(self, i: int, kind: SignalKind) -> Signal:
        n, t = int(self.summaries_.wardrobe[i]), self.thresholds
        reason = (
            f"{_plural(n, 'order')} refunded ({t.wardrobe_refund_share:.0%} or more) on a "
            f"claim made {t.wardrobe_days} or more days after delivery, i.e. after use "
            f"(a signal from {t.wardrobe_min})."
        )
        return Signal(self._id(i), kind, strength(n, t.wardrobe_min), reason, {"wardrobe": n})

    def _abuse(self, i: int, kind: SignalKind) -> Signal:
        s, t = self.summaries_, self.thresholds
        n, threats = int(s.abusive[i]), int(s.threats[i])
        value = strength(n, t.abuse_min)
        reason = f"{_plural(n, 'message')} abusive toward staff"
        if threats:
            value = 1.0  # a threat to a person is serious on its own
            reason += f", {threats} of them {'a threat' if threats == 1 else 'threats'}"
        return Signal(self._id(i), kind, value, reason + ".", {"abusive": n, "threats": threats})

    def _ratings(self, i: int, kind: SignalKind) -> Signal:
        s, t = self.summaries_, self.thresholds
        low, total = int(s.low_ratings[i]), int(s.ratings[i])
        reason = (
            f"Agents rated {low} of {_plural(total, 'interaction')} {t.low_rating} or "
            f"lower (1 = hostile toward staff, 5 = pleasant)."
        )
        return Signal(
            self._id(i),
            kind,
            strength(low, t.low_rating_min),
            reason,
            {"low_ratings": low, "ratings": total},
        )
