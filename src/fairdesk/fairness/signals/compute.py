"""All customers' signals with their evidence: summaries by SQL, rules in Python, ids by id."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.config import Settings
from fairdesk.fairness.models import SignalKind
from fairdesk.fairness.signals.evidence import Evidence, evidence_for, evidence_key
from fairdesk.fairness.signals.model import Signal, SignalModel
from fairdesk.fairness.signals.summary import Summaries, load_summaries
from fairdesk.fairness.signals.thresholds import Thresholds
from fairdesk.goodwill import policy as goodwill_policy
from fairdesk.goodwill import service as goodwill_service
from fairdesk.goodwill.models import PolicyVersion

Say = Callable[[str], None]


@dataclass(frozen=True)
class Found:
    """A signal, the ids behind it and their digest."""

    signal: Signal
    evidence: Evidence
    key: str


@dataclass(frozen=True)
class Computed:
    summaries: Summaries
    found: list[Found]


def thresholds_for(session: Session, settings: Settings) -> Thresholds:
    """Thresholds from the settings and the goodwill policy in force (read only: a database
    without a stored policy uses the shipped default without saving it)."""
    version = session.scalar(select(PolicyVersion).order_by(PolicyVersion.number.desc()).limit(1))
    rules = (
        goodwill_service.policy_of(version)
        if version is not None
        else goodwill_policy.parse(goodwill_service.default_source())
    )
    return Thresholds.from_settings(settings, rules)


def compute(session: Session, thresholds: Thresholds, *, say: Say = lambda _m: None) -> Computed:
    """Every signal that fires, for every customer, with its evidence."""
    say("summarising orders, tickets, gestures, messages and ratings")
    summaries = load_summaries(session, thresholds)
    say(f"scoring {len(summaries):,} customers")
    signals = SignalModel(thresholds).fit(summaries).signals()
    by_kind: dict[SignalKind, list[int]] = defaultdict(list)
    for sig in signals:
        by_kind[sig.kind].append(sig.customer_id)
    say(f"collecting the evidence of {len(signals):,} signals")
    evidence = {kind: evidence_for(session, kind, ids, thresholds) for kind, ids in by_kind.items()}
    found = []
    for sig in signals:
        ev = evidence[sig.kind][sig.customer_id]
        found.append(Found(sig, ev, evidence_key(sig.kind, ev)))
    return Computed(summaries, found)
