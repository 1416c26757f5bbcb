"""Train the starter topic model shipped in ``fairdesk/triage/data/topic_model.json``.

Run by hand when the training text changes, then commit the JSON it writes::

    python -m fairdesk.triage.training.starter tests/data/triage/messages.csv

It reads the ``train`` split of the evaluation set and the seed examples next to this file,
both written for fairdesk. The held-out split is never read: :func:`training_examples` filters
it out before anything else sees the rows, and a test checks that changing held-out rows
changes nothing in the model.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from pathlib import Path

from fairdesk.triage.evaluation import read_labelled
from fairdesk.triage.topic import TopicModel

SEED = Path(__file__).with_name("topic_seed.csv")
OUTPUT = Path(__file__).parent.parent / "data" / "topic_model.json"
VERSION_PREFIX = "starter"


def training_examples(eval_csv: Path, seed: Path = SEED) -> tuple[list[str], list[str]]:
    """Texts and topics to train on: the evaluation set's train split plus the seed file."""
    texts: list[str] = []
    topics: list[str] = []
    for row in read_labelled(eval_csv, split="train"):
        texts.append(row.text)
        topics.append(row.topic)
    with seed.open(encoding="utf-8", newline="") as handle:
        for seed_row in csv.DictReader(handle):
            texts.append(seed_row["text"])
            topics.append(seed_row["topic"])
    return texts, topics


def build(eval_csv: Path, seed: Path = SEED) -> TopicModel:
    """Fit the starter model; its version is a digest of its parameters, so it is stable."""
    texts, topics = training_examples(eval_csv, seed)
    model = TopicModel().fit(texts, topics)
    digest = hashlib.sha256(json.dumps(model.to_dict(), sort_keys=True).encode()).hexdigest()
    model.version = f"{VERSION_PREFIX}-{digest[:10]}"
    return model


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    model = build(Path(argv[0]))
    model.save(OUTPUT)
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size:,} bytes), version {model.version}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
