"""Case opening on a generated base with known truth meets its targets (docs/fairness.md)."""

from __future__ import annotations

import numpy as np

from fairdesk.fairness.evaluation import evaluate, generate, opened_mask
from fairdesk.fairness.signals.thresholds import Thresholds


def test_targets_on_a_generated_base() -> None:
    data = generate(50_000, seed=2026)
    report = evaluate(data)
    assert report.high_value_angry >= 200  # enough to measure a 1 % share
    assert report.high_value_angry_share <= 0.01
    assert report.precision >= 0.95
    assert report.recall >= 0.6
    assert all(share >= 0.3 for share in report.recall_by_role.values())


def test_the_same_seed_gives_the_same_base_and_outcome() -> None:
    a, b = generate(2_000, seed=5), generate(2_000, seed=5)
    assert np.array_equal(a.summaries.claims, b.summaries.claims)
    assert np.array_equal(
        opened_mask(a.summaries, Thresholds()), opened_mask(b.summaries, Thresholds())
    )


def test_value_never_enters_the_decision() -> None:
    """Swapping who is high-value changes nothing about who is opened."""
    data = generate(5_000, seed=9)
    opened = opened_mask(data.summaries, Thresholds())
    assert np.array_equal(opened, opened_mask(data.summaries, Thresholds()))
    flipped = evaluate(type(data)(data.summaries, data.role, ~data.high_value))
    assert flipped.opened == int(opened.sum())
