"""``fairdesk analyze``'s segmentation step: RFM, clusters, fit and personas, stored together.

1. The SQL summary pass loads every customer's profile (``load.py``).
2. RFM scores and named segments; everyone is placed, "No purchases" included.
3. Clusters on the four criteria and behaviour, matched to the previous run's clusters by
   member overlap so that names a person gave, targets and personas carry over; a cluster no
   longer found is retired (kept with its personas, without members). Too few customers to
   cluster is recorded as the run's note, not raised.
4. Ideal-customer fit against the target segments; personas for each target.
5. Scores - which hold each customer's RFM segment and cluster, i.e. the stored membership
   of the computed segments - are replaced in bulk with the time they were computed; every
   segment gets a snapshot (size, revenue, CLV) for the trend.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy.optimize import linear_sum_assignment
from sqlalchemy import Table, delete, select
from sqlalchemy.orm import Session

from fairdesk.db.base import Base
from fairdesk.personas import service as persona_service
from fairdesk.segments import rules as rule_lang
from fairdesk.segments.clustering import SegmentClusterer, TooFewToCluster
from fairdesk.segments.explain import explain, name_from
from fairdesk.segments.fit import IdealCustomerFit
from fairdesk.segments.load import load_profiles, previous_clusters
from fairdesk.segments.models import (
    CustomerScore,
    Segment,
    SegmentKind,
    SegmentRun,
    SegmentSnapshot,
)
from fairdesk.segments.profiles import Profiles
from fairdesk.segments.rfm import LABELS, RfmScorer, RfmSegment
from fairdesk.segments.store import write_rows

Say = Callable[[str], None]
Mask = npt.NDArray[np.bool_]
MATCH_MIN = 0.3  # Jaccard overlap for a new cluster to continue an old one


def _rfm_segments(session: Session) -> dict[RfmSegment, Segment]:
    found = {s.key: s for s in session.scalars(select(Segment).where(
        Segment.kind == SegmentKind.RFM))}
    out = {}
    for code, (name, description) in LABELS.items():
        seg = found.get(f"rfm:{code}")
        if seg is None:
            seg = Segment(key=f"rfm:{code}", kind=SegmentKind.RFM, name=name,
                          description=description)
            session.add(seg)
        out[code] = seg
    session.flush()
    return out


def _previous_clusters(session: Session, profiles: Profiles) -> dict[int, Mask]:
    """The last run's cluster of each customer (from their stored scores), as member masks."""
    previous = previous_clusters(session)
    ids, seg = previous["customer_id"].to_numpy(), previous["cluster_segment_id"].to_numpy()
    out: dict[int, Mask] = {}
    if ids.size == 0:
        return out
    pos = np.minimum(np.searchsorted(profiles.customer_id, ids), len(profiles) - 1)
    present = profiles.customer_id[pos] == ids  # customers erased since are skipped
    seg, pos = seg[present], pos[present]
    for sid in np.unique(seg):
        mask = np.zeros(len(profiles), dtype=bool)
        mask[pos[seg == sid]] = True
        out[int(sid)] = mask
    return out


def _cluster_segments(session: Session, profiles: Profiles, labels: npt.NDArray[np.int64],
                      k: int, now: datetime, version: str) -> list[Segment]:
    """One Segment per label, reusing the previous run's segment that overlaps it most."""
    previous = _previous_clusters(session, profiles)
    existing = {s.id: s for s in session.scalars(select(Segment).where(
        Segment.kind == SegmentKind.CLUSTER))}
    old_ids = list(previous)
    chosen: dict[int, Segment] = {}
    if old_ids:
        jaccard = np.zeros((len(old_ids), k))
        for i, sid in enumerate(old_ids):
            for j in range(k):
                new = labels == j
                inter = int((previous[sid] & new).sum())
                jaccard[i, j] = inter / max(int((previous[sid] | new).sum()), 1)
        for i, j in zip(*linear_sum_assignment(-jaccard), strict=True):
            if jaccard[i, j] >= MATCH_MIN:
                chosen[int(j)] = existing[old_ids[i]]
    numbers = [int(s.key.split(":")[1]) for s in existing.values()]
    next_number = max(numbers, default=0) + 1
    taken = {s.name for s in chosen.values() if s.name_edited}
    out = []
    for j in range(k):
        member = labels == j
        phrases = explain(profiles, member)
        seg = chosen.get(j)
        if seg is None:
            seg = Segment(key=f"cluster:{next_number}", kind=SegmentKind.CLUSTER, name="")
            next_number += 1
            session.add(seg)
        if not seg.name_edited:
            seg.name = name_from(phrases, taken)
        taken.add(seg.name)
        seg.explanation, seg.retired = phrases, False
        seg.description = "Found in the data: " + " · ".join(phrases)
        seg.size, seg.computed_at, seg.model_version = int(member.sum()), now, version
        out.append(seg)
    _retire(session, [s for s in existing.values() if s not in out])
    return out


def _retire(session: Session, segments: list[Segment]) -> None:
    """Clusters no run found again: kept with their personas and edits, without members."""
    for seg in segments:
        seg.retired, seg.size, seg.is_target = True, 0, False
    session.flush()


def _member_mask(session: Session, profiles: Profiles, seg: Segment, now: datetime) -> Mask:
    ids = session.scalars(rule_lang.compile_rules(seg.rules, now=now)).all()
    return np.isin(profiles.customer_id, np.fromiter(ids, dtype=np.int64, count=len(ids)))


def run(session: Session, *, now: datetime, say: Say = lambda _m: None) -> SegmentRun:
    say("summarising customers and orders")
    profiles = load_profiles(session, now=now)
    n = len(profiles)
    num = profiles.numeric
    buyers = int((num["orders"] > 0).sum())
    say(f"RFM scores for {n:,} customers ({buyers:,} with orders)")
    rfm_rows = _rfm_segments(session)
    scorer = RfmScorer()
    codes = np.array([RfmSegment.NO_PURCHASES.value] * n, dtype=object)
    r = f = m = np.zeros(n, dtype=np.int64)
    if buyers:
        scores = scorer.fit(num["recency_days"], num["orders"], num["spend"]).predict(
            num["recency_days"], num["orders"], num["spend"])
        r, f, m, codes = scores.r, scores.f, scores.m, np.array(scores.segment, dtype=object)
    masks: dict[int, Mask] = {seg.id: codes == code for code, seg in rfm_rows.items()}
    for code, seg in rfm_rows.items():
        seg.size, seg.computed_at = int(masks[seg.id].sum()), now
        seg.model_version, seg.explanation = scorer.model_version, [LABELS[code][1]]

    clusterer = SegmentClusterer()
    run_row = SegmentRun(computed_at=now, n_customers=n, n_buyers=buyers, clustered=False,
                         k=None, criterion=clusterer.criterion, silhouette=None,
                         unknown_counts=profiles.unknown_counts(), model_version="")
    cluster_of = np.zeros(n, dtype=np.int64)
    z = None
    try:
        say("choosing the number of clusters")
        clusterer.fit(profiles)
        say(f"clustering {n:,} customers into {clusterer.k_} segments")
        z = clusterer.reduce(profiles)
        labels = clusterer.refine(z)
        version = clusterer.model_version
        segments = _cluster_segments(session, profiles, labels, clusterer.k_, now, version)
        for j, seg in enumerate(segments):
            masks[seg.id] = labels == j
            cluster_of[labels == j] = seg.id
        run_row.clustered, run_row.k, run_row.silhouette = True, clusterer.k_, \
            clusterer.silhouette_
        run_row.silhouette_by_k = {str(k): v for k, v in clusterer.silhouette_by_k_.items()}
    except TooFewToCluster as exc:
        run_row.note = f"No data-driven segments this run: {exc}."
        _retire(session, list(session.scalars(select(Segment).where(
            Segment.kind == SegmentKind.CLUSTER))))
    rule_segments = list(session.scalars(select(Segment).where(Segment.kind == SegmentKind.RULE)))
    for seg in rule_segments:
        masks[seg.id] = _member_mask(session, profiles, seg, now)
        seg.size, seg.computed_at = int(masks[seg.id].sum()), now

    targets = [s for s in session.scalars(select(Segment).where(
        Segment.is_target.is_(True), Segment.retired.is_(False)).order_by(Segment.id))
        if s.id in masks]
    fit_score = np.full(n, np.nan)
    fit_segment = np.zeros(n, dtype=np.int64)
    if targets and z is not None:
        say(f"ideal-customer fit against {len(targets)} target segment(s)")
        value = np.where(np.isnan(num["clv"]), num["spend"], num["clv"])
        fit = IdealCustomerFit().fit(z, {s.id: masks[s.id] for s in targets}, value)
        if fit.segments:
            scores_fit = fit.predict(z)
            fit_score, fit_segment = scores_fit.score, scores_fit.segment_id
    run_row.model_version = f"{scorer.model_version}+{clusterer.model_version}"
    run_row.details = {"rfm": scorer.to_dict() if buyers else None,
                       "fit": {"model_version": IdealCustomerFit.model_version,
                               "targets": [s.id for s in targets]}}
    session.add(run_row)

    session.execute(delete(CustomerScore))  # before personas, which may be deleted
    say("personas for the target segments")
    persona_targets = [persona_service.Target(s, masks[s.id]) for s in targets]
    persona_of = persona_service.recompute(session, profiles=profiles, z=z,
                                           targets=persona_targets, fit_segment=fit_segment,
                                           now=now, say=say)
    say("storing scores")
    computed = pl.lit(now, dtype=pl.Datetime("us", "UTC")).alias("computed_at")
    table = pl.DataFrame({
        "customer_id": profiles.customer_id, "orders": num["orders"].astype(np.int64),
        "spend": num["spend"],
        "recency_days": num["recency_days"], "r_score": r, "f_score": f, "m_score": m,
        "rfm_segment": codes.astype(str), "cluster_segment_id": cluster_of,
        "fit_score": fit_score, "fit_segment_id": fit_segment, "persona_id": persona_of,
    }, nan_to_null=True).with_columns(
        computed,
        *(pl.when(pl.col(c) > 0).then(pl.col(c)).alias(c)
          for c in ("cluster_segment_id", "fit_segment_id", "persona_id")),
    )
    write_rows(session, _table(CustomerScore), table)
    _snapshots(session, masks, num, now)
    session.flush()
    return run_row


def _snapshots(session: Session, masks: dict[int, Mask], num: dict[str, npt.NDArray[np.float64]],
               now: datetime) -> None:
    clv = np.nan_to_num(num["clv"])
    rows = [{"segment_id": sid, "computed_at": now, "size": int(mask.sum()),
             "revenue": float(num["spend"][mask].sum()), "clv": float(clv[mask].sum())}
            for sid, mask in masks.items()]
    write_rows(session, _table(SegmentSnapshot), pl.DataFrame(rows))


def _table(model: type[Base]) -> Table:
    return Base.metadata.tables[model.__tablename__]


def step(session: Session, now: datetime, say: Say) -> str:
    """The ``fairdesk analyze`` step: run it and say what came out in one line."""
    outcome = run(session, now=now, say=say)
    clusters = (f"{outcome.k} clusters (silhouette {outcome.silhouette:.2f})"
                if outcome.clustered else outcome.note)
    return f"{outcome.n_customers:,} customers, {outcome.n_buyers:,} with orders; {clusters}"
