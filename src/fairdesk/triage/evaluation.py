"""Scoring triage against labelled messages: per-class precision and recall, abuse targets.

"Abuse" is the union of the ``abusive`` and ``threat`` classes: both are aimed at staff. The
issue's targets are abuse precision ≥ 0.95, abuse recall ≥ 0.85, and at most 2% of
angry-but-legitimate messages called abuse.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fairdesk.triage.result import Tone

ABUSE = frozenset({Tone.ABUSIVE.value, Tone.THREAT.value})
CLASSES = tuple(t.value for t in Tone)


@dataclass(frozen=True)
class LabelledMessage:
    id: str
    split: str  # "train" or "heldout"; held-out rows are never used for training or tuning
    label: str
    topic: str
    tags: tuple[str, ...]
    text: str


def read_labelled(path: Path, *, split: str | None = None) -> list[LabelledMessage]:
    """Read the evaluation CSV, optionally one split only."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [
            LabelledMessage(
                id=row["id"],
                split=row["split"],
                label=row["label"],
                topic=row["topic"],
                tags=tuple(t for t in row["tags"].split(";") if t),
                text=row["text"],
            )
            for row in csv.DictReader(handle)
        ]
    return [r for r in rows if split is None or r.split == split]


def _ratio(num: int, den: int) -> float:
    return num / den if den else 0.0


def tone_report(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
    """Per-class precision/recall/support and the abuse metrics."""
    pairs = list(zip(truth, predicted, strict=True))
    per_class: dict[str, dict[str, float]] = {}
    for cls in CLASSES:
        tp = sum(1 for t, p in pairs if t == cls and p == cls)
        support = sum(1 for t, _ in pairs if t == cls)
        called = sum(1 for _, p in pairs if p == cls)
        per_class[cls] = {
            "precision": _ratio(tp, called),
            "recall": _ratio(tp, support),
            "support": support,
        }
    tp = sum(1 for t, p in pairs if t in ABUSE and p in ABUSE)
    called = sum(1 for _, p in pairs if p in ABUSE)
    actual = sum(1 for t, _ in pairs if t in ABUSE)
    angry = [p for t, p in pairs if t == Tone.ANGRY.value]
    return {
        "classes": per_class,
        "abuse": {
            "precision": _ratio(tp, called),
            "recall": _ratio(tp, actual),
            "support": actual,
            "angry_called_abuse": _ratio(sum(1 for p in angry if p in ABUSE), len(angry)),
            "angry_support": len(angry),
        },
        "accuracy": _ratio(sum(1 for t, p in pairs if t == p), len(pairs)),
        "n": len(pairs),
    }
