"""When unreviewed signals open a case: one pure rule that reads signal strengths only.

The rule never sees the customer's value, segment or CLV, so a valuable customer is not
excused and a small one not convicted on the same evidence (issue 9, item 2).

* **Conduct** signals are evidence that contradicts the records or games the policy:
  claims kept just under a limit, "not received" on orders whose delivery was confirmed,
  refunds claimed after use, abuse toward staff.
* **Context** signals describe how often things went wrong or how the customer is
  perceived: the claim rate against peers, repeated "not received" claims, agents' ratings.
  A high claim rate or several lost parcels is exactly what an unlucky customer with real
  problems (or a bad courier) looks like, and a rating is one person's view, so context
  never opens a case by itself; it adds weight to conduct.

A case opens when either one conduct signal is at full strength (twice its threshold, or a
threat toward staff), or the unreviewed strengths add up to ``open_score`` with at least one
strong conduct signal among them. With the defaults (1.25 and 0.75) a strong pattern needs
a second, independent one to agree (at least its own threshold, 0.5) unless it is
unmistakable; see docs/fairness.md for how the defaults were evaluated.
"""

from __future__ import annotations

from collections.abc import Mapping

from fairdesk.fairness.models import SignalKind
from fairdesk.fairness.signals.thresholds import Thresholds

CONTEXT = frozenset({SignalKind.CLAIM_RATE, SignalKind.NOT_RECEIVED, SignalKind.AGENT_RATING})


def score(strengths: Mapping[SignalKind, float]) -> float:
    return round(sum(strengths.values()), 4)


def should_open(strengths: Mapping[SignalKind, float], thresholds: Thresholds) -> bool:
    """Whether these unreviewed signal strengths open a case (see the module docstring)."""
    conduct = [value for kind, value in strengths.items() if kind not in CONTEXT]
    strongest = max(conduct, default=0.0)
    if strongest >= 1.0:
        return True
    return strongest >= thresholds.strong and score(strengths) >= thresholds.open_score
