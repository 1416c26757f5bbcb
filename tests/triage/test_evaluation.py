"""The labelled evaluation set, its fixed held-out split, and the targets met on it."""

from __future__ import annotations

import csv
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from fairdesk.triage.evaluation import CLASSES, read_labelled, tone_report
from fairdesk.triage.topic import TopicModel
from fairdesk.triage.training import starter
from fairdesk.triage.triager import default_triager

DATA = Path(__file__).parents[1] / "data" / "triage"
MESSAGES = DATA / "messages.csv"


def test_the_set_is_large_labelled_and_varied() -> None:
    rows = read_labelled(MESSAGES)
    assert len(rows) >= 400
    assert len({r.id for r in rows}) == len(rows)
    assert {r.label for r in rows} == set(CLASSES)
    assert {r.split for r in rows} == {"train", "heldout"}
    tags = Counter(t for r in rows for t in r.tags)
    for needed in ("sarcasm", "typo", "profanity", "mixed_language", "short", "long", "emoji",
                   "obfuscated", "self_reference", "company_anger", "hard_negative"):  # fmt: skip
        assert tags[needed] >= 5, needed
    assert any(len(r.text) >= 900 for r in rows) and any(len(r.text) <= 6 for r in rows)
    assert "written for fairdesk" in (DATA / "README.md").read_text(encoding="utf-8")


def test_held_out_split_is_fixed_and_at_least_thirty_percent() -> None:
    rows = read_labelled(MESSAGES)
    held = [r for r in rows if r.split == "heldout"]
    assert len(held) / len(rows) >= 0.30
    for label in CLASSES:
        assert sum(1 for r in held if r.label == label) >= 10, label


def test_targets_on_the_held_out_split() -> None:
    rows = read_labelled(MESSAGES, split="heldout")
    triager = default_triager()
    report = tone_report([r.label for r in rows], [str(triager.analyze(r.text).tone) for r in rows])
    abuse = report["abuse"]
    assert abuse["precision"] >= 0.95, abuse
    assert abuse["recall"] >= 0.85, abuse
    assert abuse["angry_called_abuse"] <= 0.02, abuse


def test_training_never_reads_the_held_out_split(tmp_path: Path) -> None:
    """Scrambling every held-out row must leave the trained model unchanged."""
    texts, _topics = starter.training_examples(MESSAGES)
    held_texts = {r.text for r in read_labelled(MESSAGES, split="heldout")}
    assert not held_texts & set(texts)

    poisoned = tmp_path / "messages.csv"
    shutil.copy(MESSAGES, poisoned)
    with MESSAGES.open(encoding="utf-8", newline="") as src:
        rows = list(csv.DictReader(src))
    for row in rows:
        if row["split"] == "heldout":
            row["text"] = "zzz poisoned " + row["text"][::-1]
            row["topic"] = "poison"
    with poisoned.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    clean = starter.build(MESSAGES)
    dirty = starter.build(poisoned)
    assert json.dumps(clean.to_dict(), sort_keys=True) == json.dumps(
        dirty.to_dict(), sort_keys=True
    )


def test_shipped_model_is_the_one_the_script_builds() -> None:
    """The JSON in the package is what the build script makes (up to float rounding)."""
    built, shipped = starter.build(MESSAGES), TopicModel.starter()
    assert built.classes_ == shipped.classes_
    assert built.idf_.keys() == shipped.idf_.keys()
    for text in [r.text for r in read_labelled(MESSAGES, split="heldout")][:50]:
        expected = shipped.predict_proba_one(text)
        assert built.predict_proba_one(text) == pytest.approx(expected, abs=1e-3)
