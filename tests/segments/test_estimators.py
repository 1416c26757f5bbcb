"""Pure estimators on ``Profiles``: encoder, clusterer, explanations and fit, without a DB."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from fairdesk.segments.clustering import SegmentClusterer, TooFewToCluster
from fairdesk.segments.encoding import FeatureEncoder
from fairdesk.segments.explain import explain, name_from
from fairdesk.segments.fit import IdealCustomerFit
from fairdesk.segments.profiles import Profiles

GROUPS: dict[str, dict[str, Any]] = {
    "students": {"age": 21, "values": ["value for money"], "lifestyle": ["student life"],
                 "preferred_channel": "chat", "orders": 6, "spend": 60, "cadence_days": 28},
    "office": {"age": 45, "values": ["reliability", "invoicing"], "lifestyle": ["busy office"],
               "preferred_channel": "phone", "orders": 12, "spend": 2200, "cadence_days": 30},
    "gifts": {"age": 58, "values": ["thoughtfulness"], "lifestyle": ["festive celebrator"],
              "preferred_channel": "email", "orders": 1, "spend": 45, "cadence_days": None},
}


def _population(per_group: int = 60, seed: int = 1, blank_share: float = 0.1) -> tuple[
        Profiles, list[str]]:
    rng = np.random.default_rng(seed)
    records, truth = [], []
    for name, g in GROUPS.items():
        for _ in range(per_group):
            rec = {**g, "customer_id": len(records) + 1,
                   "age": g["age"] + rng.normal(0, 3),
                   "spend": g["spend"] * rng.uniform(0.7, 1.3)}
            rec["avg_order_value"] = rec["spend"] / g["orders"]
            rec["recency_days"] = rng.uniform(5, 60)
            if rng.random() < blank_share:
                rec["age"] = None  # unknown stays unknown
            records.append(rec)
            truth.append(name)
    return Profiles.from_records(records), truth


def test_clusterer_finds_the_groups_with_the_stated_criterion() -> None:
    profiles, truth = _population()
    model = SegmentClusterer(k_range=(2, 6)).fit(profiles)
    assert model.k_ == 3 and model.silhouette_ == max(model.silhouette_by_k_.values())
    labels = model.refine(model.reduce(profiles))
    assert adjusted_rand_score(truth, labels) == pytest.approx(1.0)
    again = SegmentClusterer(k_range=(2, 6)).fit(profiles)
    assert (again.predict(profiles) == model.predict(profiles)).all()  # deterministic
    assert "silhouette" in model.criterion and model.model_version
    assert not hasattr(model, "labels_")  # no training data kept on the estimator


def test_too_few_customers_to_cluster_explains_why() -> None:
    profiles, _ = _population(per_group=4)
    with pytest.raises(TooFewToCluster, match=r"needs at least 20 customers.*there are 12"):
        SegmentClusterer().fit(profiles)


def test_encoder_makes_unknown_explicit_and_maps_unseen_levels_to_unknown() -> None:
    profiles, _ = _population()
    encoder = FeatureEncoder().fit(profiles)
    assert "age=unknown" in encoder.feature_names_
    assert "preferred_channel=unknown" in encoder.feature_names_
    assert "lifestyle:unknown" in encoder.feature_names_
    newcomer = Profiles.from_records([{"customer_id": 999, "preferred_channel": "pigeon"}])
    row = encoder.transform(newcomer)[0]
    names = encoder.feature_names_
    assert row[names.index("preferred_channel=unknown")] > 0
    assert row[names.index("lifestyle:unknown")] > 0 and row[names.index("age=unknown")] > 0
    assert profiles.unknown_counts()["age"] == int(np.isnan(profiles.numeric["age"]).sum())


def test_explanations_name_what_sets_a_group_apart() -> None:
    profiles, truth = _population()
    office = np.array([t == "office" for t in truth])
    phrases = explain(profiles, office)
    text = " · ".join(phrases)
    assert "busy office" in text and "prefers phone" in text
    assert any("× average spend" in p for p in phrases)
    assert name_from(phrases, set()) and not name_from(phrases, set()).startswith("0.")
    gifts = explain(profiles, np.array([t == "gifts" for t in truth]))
    assert "mostly one-off buyers" in gifts or any("55" in p for p in gifts)
    assert explain(profiles, np.zeros(len(profiles), dtype=bool)) == ["no members"]


def test_fit_scores_rank_target_members_first() -> None:
    profiles, truth = _population()
    model = SegmentClusterer(k_range=(2, 6)).fit(profiles)
    z = model.reduce(profiles)
    office = np.array([t == "office" for t in truth])
    fit = IdealCustomerFit().fit(z, {42: office}, profiles.numeric["spend"])
    scores = fit.predict(z)
    assert scores.score.min() >= 0 and scores.score.max() <= 100
    assert scores.score[office].mean() > 40 and scores.score[~office].max() < 5
    assert set(scores.segment_id.tolist()) == {42}
    with pytest.raises(ValueError, match="no target segment"):
        IdealCustomerFit().fit(z, {}, profiles.numeric["spend"]).predict(z)
