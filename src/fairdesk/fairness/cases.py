"""Storing signals and opening fairness cases; marking evidence reviewed after a decision.

``scan`` recomputes every customer's signals and either reports the cases it would open (a
dry run: nothing written) or stores the signals and opens them. A signal keeps its
``reviewed_key`` across recomputations: a dismissal copies ``evidence_key`` there, and only
signals whose evidence changed since count as unreviewed, so the same evidence never reopens
a case. At most one case is open per customer (also a partial unique index), and a case is
never opened on exactly the evidence a decided case already had.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from fairdesk.auth import service as audit
from fairdesk.config import get_settings
from fairdesk.db.base import utcnow
from fairdesk.fairness import dossier, opening
from fairdesk.fairness.models import CaseStatus, FairnessCase, FairnessSignal
from fairdesk.fairness.signals.compute import Computed, Found, compute, thresholds_for
from fairdesk.fairness.signals.thresholds import Thresholds

Say = Callable[[str], None]
WRITE_BATCH = 1_000  # rows per multi-row INSERT / DELETE (SQLite allows 32,766 parameters)


@dataclass(frozen=True)
class Candidate:
    """A customer whose unreviewed signals pass the opening rule."""

    customer_id: int
    score: float
    kinds: list[str]
    summary: str
    evidence_key: str
    signals: list[Found] = field(default_factory=list)


@dataclass(frozen=True)
class ScanResult:
    customers: int
    signals: int
    candidates: list[Candidate]
    opened: list[FairnessCase]


def case_key(unreviewed: list[tuple[str, str]]) -> str:
    """Digest of the (kind, evidence key) pairs a case is opened on."""
    raw = "|".join(f"{kind}:{key}" for kind, key in sorted(unreviewed))
    return hashlib.sha256(raw.encode()).hexdigest()


def _blocked(session: Session) -> tuple[set[int], set[tuple[int, str]]]:
    """Customers with an open case, and (customer, evidence key) of decided cases."""
    open_ids = set(
        session.scalars(
            select(FairnessCase.customer_id).where(FairnessCase.status == CaseStatus.OPEN)
        )
    )
    decided = set(
        (int(row[0]), str(row[1]))
        for row in session.execute(
            select(FairnessCase.customer_id, FairnessCase.evidence_key).where(
                FairnessCase.status != CaseStatus.OPEN
            )
        ).all()
    )
    return open_ids, decided


def candidates(session: Session, found: list[Found], thresholds: Thresholds) -> list[Candidate]:
    """Who would get a case: reads stored reviewed keys and cases, writes nothing."""
    reviewed = {
        (cid, str(kind)): key
        for cid, kind, key in session.execute(
            select(FairnessSignal.customer_id, FairnessSignal.kind, FairnessSignal.reviewed_key)
        )
    }
    open_ids, decided = _blocked(session)
    per: dict[int, list[Found]] = defaultdict(list)
    for f in found:
        if reviewed.get((f.signal.customer_id, str(f.signal.kind))) != f.key:
            per[f.signal.customer_id].append(f)
    out = []
    for cid, fresh in sorted(per.items()):
        strengths = {f.signal.kind: f.signal.strength for f in fresh}
        if cid in open_ids or not opening.should_open(strengths, thresholds):
            continue
        key = case_key([(str(f.signal.kind), f.key) for f in fresh])
        if (cid, key) in decided:
            continue
        fresh.sort(key=lambda f: -f.signal.strength)
        out.append(
            Candidate(
                customer_id=cid,
                score=opening.score(strengths),
                kinds=[str(f.signal.kind) for f in fresh],
                summary=" ".join(f.signal.reason for f in fresh),
                evidence_key=key,
                signals=fresh,
            )
        )
    return out


def _row(f: Found, now: datetime) -> dict[str, Any]:
    """The stored columns of a signal (its figures kept beside the evidence ids)."""
    sig = f.signal
    return {
        "customer_id": sig.customer_id,
        "kind": str(sig.kind),
        "strength": sig.strength,
        "reason": sig.reason,
        "evidence": {**f.evidence, "figures": sig.figures},
        "evidence_key": f.key,
        "computed_at": now,
    }


def store_signals(session: Session, found: list[Found], *, now: datetime) -> int:
    """Upsert the signals that fire and delete those that no longer do; reviewed keys stay.

    Set-based, because a first scan stores tens of thousands of signals: new ones go in as
    multi-row ``INSERT``s of ``WRITE_BATCH`` rows, changed ones by primary key in one
    executemany, unchanged ones are not rewritten (most of them, on a daily recompute) and
    only get the new ``computed_at``; stored rows are read as plain columns, never as ORM
    objects with their JSON evidence.
    """
    existing = {
        (row.customer_id, str(row.kind)): row
        for row in session.execute(
            select(
                FairnessSignal.id,
                FairnessSignal.customer_id,
                FairnessSignal.kind,
                FairnessSignal.strength,
                FairnessSignal.reason,
                FairnessSignal.evidence_key,
            )
        )
    }
    seen = set()
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for f in found:
        sig = f.signal
        ident = (sig.customer_id, str(sig.kind))
        seen.add(ident)
        row = existing.get(ident)
        if row is None:
            new.append(_row(f, now))
        elif (row.evidence_key, row.strength, row.reason) != (f.key, sig.strength, sig.reason):
            changed.append({**_row(f, now), "id": row.id})
    for start in range(0, len(new), WRITE_BATCH):
        session.execute(insert(FairnessSignal).values(new[start : start + WRITE_BATCH]))
    if changed:
        session.execute(update(FairnessSignal), changed)
    session.execute(
        update(FairnessSignal).values(computed_at=now).execution_options(synchronize_session=False)
    )
    gone = [row.id for ident, row in existing.items() if ident not in seen]
    for start in range(0, len(gone), WRITE_BATCH):
        session.execute(
            delete(FairnessSignal).where(FairnessSignal.id.in_(gone[start : start + WRITE_BATCH]))
        )
    # Signals this session already holds would otherwise show their old columns.
    for obj in list(session.identity_map.values()):
        if isinstance(obj, FairnessSignal):
            session.expire(obj)
    return len(found)


def open_cases(
    session: Session, chosen: list[Candidate], *, thresholds: Thresholds, now: datetime
) -> list[FairnessCase]:
    """Open one case per candidate with its dossier; each opening is audited.

    The dossiers come from ``dossier.build_many`` (a few queries per chunk of customers) and
    the cases and audit entries are flushed together, as batched ``INSERT``s.
    """
    dossiers = dossier.build_many(
        session, {c.customer_id: c.signals for c in chosen}, currency=thresholds.currency
    )
    opened = [
        FairnessCase(
            customer_id=cand.customer_id,
            status=CaseStatus.OPEN,
            score=cand.score,
            summary=cand.summary,
            signal_kinds=cand.kinds,
            evidence_key=cand.evidence_key,
            dossier=dossiers[cand.customer_id],
            opened_at=now,
        )
        for cand in chosen
        if cand.customer_id in dossiers
    ]
    session.add_all(opened)
    session.flush()
    for case in opened:
        audit.record(
            session,
            actor=None,
            action="fairness.case.open",
            entity_type="fairness_case",
            entity_id=case.id,
            details={
                "customer_id": case.customer_id,
                "score": case.score,
                "kinds": case.signal_kinds,
            },
        )
    session.flush()
    return opened


def scan(
    session: Session,
    *,
    thresholds: Thresholds,
    open_them: bool = False,
    now: datetime | None = None,
    say: Say = lambda _m: None,
) -> ScanResult:
    """Recompute every signal; with ``open_them`` store them and open the cases, else only
    report what would open (nothing written)."""
    now = now or utcnow()
    computed: Computed = compute(session, thresholds, say=say)
    chosen = candidates(session, computed.found, thresholds)
    opened: list[FairnessCase] = []
    if open_them:
        say(f"storing {len(computed.found):,} signals")
        store_signals(session, computed.found, now=now)
        say(f"opening {len(chosen):,} cases")
        opened = open_cases(session, chosen, thresholds=thresholds, now=now)
    return ScanResult(len(computed.summaries), len(computed.found), chosen, opened)


def mark_reviewed(session: Session, *, customer_id: int, now: datetime | None = None) -> int:
    """Mark every current signal of the customer reviewed (called when a case is decided),
    so recomputing the same evidence does not reopen a case. Returns the signals marked."""
    result = session.execute(
        update(FairnessSignal)
        .where(FairnessSignal.customer_id == customer_id)
        .values(reviewed_key=FairnessSignal.evidence_key, reviewed_at=now or utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0)


def step(session: Session, now: datetime, say: Say) -> str:
    """``fairdesk analyze`` step: recompute the signals and open the cases they call for."""
    result = scan(
        session,
        thresholds=thresholds_for(session, get_settings()),
        open_them=True,
        now=now,
        say=say,
    )
    return (
        f"{result.customers:,} customers, {result.signals:,} signals, "
        f"{len(result.opened)} cases opened"
    )
