"""Precision and recall of fairness case opening: on the demo's planted customers and on a
generated base with known truth. Figures go in docs/fairness.md.

Run by hand:  .venv/bin/python bench/fairness_evaluation.py [--customers 5000] [--seed 7]

1. Builds the demo business (``fairdesk demo``'s defaults: seed 7, 5,000 customers) in a
   scratch SQLite file, runs every ``fairdesk analyze`` step (CLV, segments, then the
   fairness step, which opens cases), and compares the opened cases with the planted truth.
2. Generates bases of 100,000 customers with five seeds (``fairness.evaluation``) and
   reports the same figures with their spread.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select

from fairdesk.analyze import run_all
from fairdesk.customers.models import Customer
from fairdesk.db.migrate import upgrade
from fairdesk.db.session import build_engine, unit_of_work
from fairdesk.demo import plan_demo, stream
from fairdesk.demo.fairness import plan_fairness
from fairdesk.demo.setup import ensure_demo
from fairdesk.fairness.evaluation import evaluate, generate
from fairdesk.fairness.models import FairnessCase


def on_demo(seed: int, customers: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        engine = build_engine(f"sqlite:///{Path(tmp) / 'demo.db'}")
        upgrade(engine)
        t0 = time.perf_counter()
        ensure_demo(
            engine,
            seed=seed,
            customers=customers,
            login_email="m@demo.example",
            login_password="evaluation-only-1",
        )
        steps = run_all(engine)
        plan = plan_demo(seed=seed, customers=customers)
        planted = plan_fairness(plan, stream(seed, "fairness"))
        with unit_of_work(engine) as session:
            ids = {e: i for e, i in session.execute(select(Customer.external_id, Customer.id))}
            opened = set(session.scalars(select(FairnessCase.customer_id)))
        engine.dispose()
    truth = {ids[plan.customers[p.customer]["external_id"]]: p for p in planted}
    should = {c for c, p in truth.items() if p.exploits}
    angry = {c for c, p in truth.items() if not p.exploits}
    high = {c for c in angry if truth[c].high_value}
    tp = len(opened & should)
    return {
        "customers": customers,
        "seed": seed,
        "seconds": round(time.perf_counter() - t0),
        "planted_exploiters_and_abusers": len(should),
        "angry_legit": len(angry),
        "high_value_angry_legit": len(high),
        "cases_opened": len(opened),
        "true_positives": tp,
        "precision_vs_planted": round(tp / max(len(opened), 1), 3),
        "recall": round(tp / max(len(should), 1), 3),
        "angry_opened": len(opened & angry),
        "high_value_angry_opened": len(opened & high),
        "other_opened": sorted(opened - should - angry),
        "fairness_step": dict(steps).get("fairness signals"),
    }


def on_generated(n: int, seeds: list[int]) -> dict[str, Any]:
    reports = [evaluate(generate(n, seed=s)) for s in seeds]

    def spread(name: str) -> dict[str, float]:
        values = np.array([getattr(r, name) for r in reports], dtype=float)
        return {
            "mean": round(float(values.mean()), 4),
            "min": round(float(values.min()), 4),
            "max": round(float(values.max()), 4),
        }

    return {
        "customers": n,
        "seeds": seeds,
        "precision": spread("precision"),
        "recall": spread("recall"),
        "high_value_angry_share": spread("high_value_angry_share"),
        "high_value_angry": [r.high_value_angry for r in reports],
        "recall_by_role": {
            role: round(float(np.mean([r.recall_by_role[role] for r in reports])), 3)
            for role in reports[0].recall_by_role
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--generated", type=int, default=100_000)
    args = parser.parse_args()
    print(
        json.dumps({"generated": on_generated(args.generated, [1, 2, 3, 4, 5])}, indent=2),
        flush=True,
    )
    print(json.dumps({"demo": on_demo(args.seed, args.customers)}, indent=2))


if __name__ == "__main__":
    main()
