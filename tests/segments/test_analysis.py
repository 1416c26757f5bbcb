"""The analyze step on a real database: everyone placed, planted kinds recovered, stable ids."""

from __future__ import annotations

from collections import Counter

import pytest
from sklearn.metrics import adjusted_rand_score
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fairdesk.customers.models import Customer
from fairdesk.demo import DEFAULT_NOW, build_demo, planted_kinds
from fairdesk.segments import service as segment_service
from fairdesk.segments.analysis import run
from fairdesk.segments.models import (
    CustomerScore,
    Segment,
    SegmentKind,
    SegmentSnapshot,
)
from fairdesk.segments.rfm import RfmSegment
from tests.factories import make_customer
from tests.segments.conftest import NOW

DEMO = 700


@pytest.fixture()
def demo(session: Session) -> Session:
    build_demo(session, customers=DEMO)
    return session


def test_demo_kinds_are_recovered_and_every_customer_is_placed(demo: Session) -> None:
    outcome = run(demo, now=DEFAULT_NOW)
    assert outcome.clustered and outcome.k == 7 and outcome.silhouette > 0.2
    assert "silhouette" in outcome.criterion and set(outcome.silhouette_by_k) >= {"2", "7"}
    kinds = planted_kinds(customers=DEMO)
    rows = demo.execute(select(Customer.external_id, CustomerScore.cluster_segment_id)
                        .join(CustomerScore, CustomerScore.customer_id == Customer.id)).all()
    assert len(rows) == DEMO
    assert adjusted_rand_score([kinds[e] for e, _ in rows], [c for _, c in rows]) > 0.8
    # Each customer is in exactly one RFM segment and one cluster, stored with the run's time.
    rfm = segment_service.list_segments(demo, kind=SegmentKind.RFM)
    members = Counter(cid for seg in rfm
                      for cid in demo.scalars(segment_service.members(demo, seg.id)).all())
    assert len(members) == DEMO and set(members.values()) == {1}
    times = set(demo.scalars(select(CustomerScore.computed_at)).all())
    assert times == {DEFAULT_NOW}
    clusters = segment_service.list_segments(demo, kind=SegmentKind.CLUSTER)
    assert sum(s.size for s in clusters) == DEMO
    assert all(s.explanation and s.name for s in clusters)
    snapshots = demo.scalar(select(func.count()).select_from(SegmentSnapshot))
    assert snapshots == len(segment_service.list_segments(demo))


def test_no_orders_no_demographics_and_tags_only_are_placed_and_counted(demo: Session) -> None:
    lead = make_customer(demo, birth_year=None, country=None)  # no orders, no demographics
    tags_only = make_customer(demo, birth_year=None, gender=None, country=None,
                              values=["craft"], lifestyle=["homebody"])
    outcome = run(demo, now=DEFAULT_NOW)
    for customer in (lead, tags_only):
        score = demo.get(CustomerScore, customer.id)
        assert score is not None and score.rfm_segment == RfmSegment.NO_PURCHASES
        assert score.cluster_segment_id is not None
        kinds = {s.kind for s in segment_service.segments_of(demo, customer.id)}
        assert kinds == {SegmentKind.RFM, SegmentKind.CLUSTER}
    unknown_age = demo.scalar(select(func.count()).select_from(Customer)
                              .where(Customer.birth_year.is_(None)))
    assert outcome.unknown_counts["age"] == unknown_age
    no_purchases = segment_service.get_by_key(demo, "rfm:no_purchases")
    assert no_purchases is not None
    none = segment_service.count_members(demo, no_purchases.id)
    assert none == outcome.n_customers - outcome.n_buyers


def test_too_few_customers_to_cluster_is_explained_not_raised(
        session: Session, people: dict[str, int]) -> None:
    outcome = run(session, now=NOW)
    assert not outcome.clustered and outcome.k is None
    assert "clustering needs at least" in outcome.note and "there are 5" in outcome.note
    placed = {s.customer_id: s.rfm_segment for s in session.scalars(select(CustomerScore))}
    assert set(placed) == set(people.values())
    assert placed[people["dan"]] == placed[people["cat"]] == RfmSegment.NO_PURCHASES


def test_recomputation_keeps_names_targets_and_ids(demo: Session) -> None:
    run(demo, now=DEFAULT_NOW)
    cluster = segment_service.list_segments(demo, kind=SegmentKind.CLUSTER)[0]
    members_before = set(demo.scalars(segment_service.members(demo, cluster.id)).all())
    segment_service.update_segment(demo, cluster.id, name="Our regulars", actor=None)
    segment_service.set_target(demo, cluster.id, target=True, actor=None)
    run(demo, now=DEFAULT_NOW.replace(hour=6))
    again = demo.get(Segment, cluster.id)
    assert again is not None and again.name == "Our regulars" and again.is_target
    assert not again.retired and again.computed_at == DEFAULT_NOW.replace(hour=6)
    members_after = set(demo.scalars(segment_service.members(demo, cluster.id)).all())
    assert len(members_before & members_after) / len(members_before | members_after) > 0.9
    # Fit scores now exist: members of the target sit well above the rest on average.
    inside = demo.scalar(select(func.avg(CustomerScore.fit_score))
                         .where(CustomerScore.cluster_segment_id == cluster.id))
    outside = demo.scalar(select(func.avg(CustomerScore.fit_score))
                          .where(CustomerScore.cluster_segment_id != cluster.id))
    assert inside is not None and outside is not None and inside > outside + 20
    best = next(iter(members_after))
    assert segment_service.fit_score_of(demo, best) is not None


def test_rule_segments_are_live_and_snapshotted(demo: Session) -> None:
    seg = segment_service.create_rule_segment(
        demo, name="Students", actor=None,
        rules={"match": "all", "rules": [{"field": "lifestyle", "op": "has",
                                          "value": "student life"}]})
    live = seg.size
    assert live > 0
    newcomer = make_customer(demo, lifestyle=["student life"])
    assert segment_service.is_member(demo, seg.id, newcomer.id)  # before any analyze
    assert segment_service.count_members(demo, seg.id) == live + 1
    run(demo, now=DEFAULT_NOW)
    snap = demo.scalars(select(SegmentSnapshot).where(SegmentSnapshot.segment_id == seg.id)).one()
    assert snap.size == live + 1 and snap.revenue >= 0
    assert seg in segment_service.segments_of(demo, newcomer.id)


def test_customer_insights_bundle(demo: Session) -> None:
    run(demo, now=DEFAULT_NOW)
    cid = demo.scalars(select(CustomerScore.customer_id).where(
        CustomerScore.orders > 3)).first()
    assert cid is not None
    data = segment_service.customer_insights(demo, cid)
    assert data["rfm"]["name"] and 1 <= data["rfm"]["r"] <= 5
    assert {s["kind"] for s in data["segments"]} >= {"rfm", "cluster"}
    assert data["fit_score"] is None and data["persona"] is None  # no targets yet
