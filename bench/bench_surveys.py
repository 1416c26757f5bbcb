"""Surveys on PostgreSQL: the stats for 300,000 answers, and relationship-NPS sending rate.

Run by hand (it creates and drops a scratch database of its own):

    .venv/bin/python bench/bench_surveys.py [--answers 300000] [--customers 50000]

Reports, side by side in one run and checked to agree:

* **stats** (sent, answered, response rate, CSAT, CES, NPS with intervals, reasons) over all
  answers and over the last 90 days: ``survey_stats`` (one ``GROUP BY`` per score in the
  database, then ``metrics``), beside what one would otherwise write: every answer row
  fetched through SQLAlchemy and counted in Python, or fetched into a Polars frame;
* **sending**: ``send_relationship`` for 2,000 due customers in one unit of work (fatigue and
  opt-out checks, invitation row, signed link, e-mail in the outbox), invitations per second.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Engine, insert, select, text
from sqlalchemy.engine import make_url

from fairdesk.config import Settings
from fairdesk.customers.models import Customer, LifecycleStatus
from fairdesk.db.base import utcnow
from fairdesk.db.migrate import upgrade
from fairdesk.db.session import build_engine, unit_of_work
from fairdesk.feedback.surveys import forms, metrics, service
from fairdesk.feedback.surveys.models import (
    InvitationStatus,
    SurveyAnswer,
    SurveyInvitation,
    SurveyKind,
)
from fairdesk.feedback.surveys.stats import survey_stats

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
REASONS = ["slow", "not solved", "rude", "policy", "had to repeat myself"]
QUERY = (
    "SELECT a.csat, a.ces, a.nps, a.reasons FROM survey_answer a "
    "JOIN survey_invitation i ON i.id = a.invitation_id WHERE i.sent_at >= :since"
)


def _admin(sql: str) -> None:
    engine = build_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()


def _seed(engine: Engine, n_answers: int, n_customers: int) -> None:
    rng = np.random.default_rng(7)
    now = utcnow()
    with unit_of_work(engine) as session:
        form = forms.get_form(session, SurveyKind.TICKET)
        session.flush()
        session.execute(
            insert(Customer),
            [
                {
                    "external_id": f"B{i:07d}",
                    "first_name": "Bench",
                    "last_name": str(i),
                    "email": f"bench{i}@example.com",
                    "lifecycle_status": LifecycleStatus.ACTIVE,
                }
                for i in range(n_customers)
            ],
        )
        first_id = session.scalar(select(Customer.id).order_by(Customer.id).limit(1)) or 1
        n_inv = int(n_answers * 4 / 3)
        sent = rng.uniform(0, 400, n_inv)
        owners = rng.integers(0, n_customers, n_inv)
        for start in range(0, n_inv, 50_000):
            session.execute(
                insert(SurveyInvitation),
                [
                    {
                        "form_id": form.id,
                        "kind": SurveyKind.TICKET,
                        "customer_id": first_id + int(owners[i]),
                        "nonce": uuid.uuid4().hex,
                        "status": InvitationStatus.ANSWERED
                        if i < n_answers
                        else InvitationStatus.QUEUED,
                        "questions": ["csat", "ces", "nps", "comment"],
                        "sent_at": now - timedelta(days=float(sent[i])),
                        "expires_at": now - timedelta(days=float(sent[i]) - 14),
                    }
                    for i in range(start, min(n_inv, start + 50_000))
                ],
            )
        ids = session.execute(
            select(
                SurveyInvitation.id, SurveyInvitation.customer_id, SurveyInvitation.sent_at
            ).where(SurveyInvitation.status == InvitationStatus.ANSWERED)
        ).all()
        csat = rng.choice(5, len(ids), p=[0.08, 0.07, 0.12, 0.33, 0.40]) + 1
        ces = rng.integers(1, 8, len(ids))
        nps = rng.choice(11, len(ids), p=np.array([1, 1, 1, 2, 2, 4, 6, 10, 16, 22, 20]) / 85)
        for start in range(0, len(ids), 50_000):
            session.execute(
                insert(SurveyAnswer),
                [
                    {
                        "invitation_id": inv_id,
                        "customer_id": cust,
                        "csat": int(csat[k]),
                        "ces": int(ces[k]),
                        "nps": int(nps[k]),
                        "reasons": [REASONS[k % 5]] if csat[k] <= 3 else [],
                        "comment": "",
                        "answered_at": at + timedelta(hours=3),
                        "updated_at": at + timedelta(hours=3),
                    }
                    for k, (inv_id, cust, at) in enumerate(ids[start : start + 50_000], start)
                ],
            )
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()


def _python_rows(engine: Engine, since: Any) -> dict[str, Any]:
    """Fetch every answer through SQLAlchemy, count in Python (the usual first version)."""
    with unit_of_work(engine) as session:
        rows = session.execute(text(QUERY), {"since": since}).all()
    reasons: Counter[str] = Counter()
    for r in rows:
        reasons.update(r.reasons or [])
    return {
        "csat": metrics.csat([r.csat for r in rows if r.csat is not None]).value,
        "ces": metrics.ces([r.ces for r in rows if r.ces is not None]).mean,
        "nps": metrics.nps([r.nps for r in rows if r.nps is not None]).value,
        "answers": len(rows),
    }


def _polars(engine: Engine, since: Any) -> dict[str, Any]:
    """Fetch every answer into a Polars frame and aggregate there."""
    with engine.connect() as conn:
        frame = pl.read_database(
            text(QUERY), conn, execute_options={"parameters": {"since": since}}
        )
    n = frame.height
    nps = frame["nps"].drop_nulls()
    return {
        "csat": 100 * float((frame["csat"] >= 4).sum()) / n,
        "ces": float(frame["ces"].mean()),  # type: ignore[arg-type]
        "nps": 100 * (float((nps >= 9).sum()) - float((nps <= 6).sum())) / nps.len(),
        "answers": n,
    }


def _ours(engine: Engine, since: Any) -> dict[str, Any]:
    with unit_of_work(engine) as session:
        s = survey_stats(session, since=since)
    return {"csat": s.csat.value, "ces": s.ces.mean, "nps": s.nps.value, "answers": s.answered}


def _time(fn: Callable[[], dict[str, Any]], runs: int) -> tuple[float, float, dict[str, Any]]:
    fn()  # warm
    times, out = [], {}
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))], out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--answers", type=int, default=300_000)
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    name = f"fairdesk_bench_surveys_{uuid.uuid4().hex[:8]}"
    _admin(f'CREATE DATABASE "{name}"')
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = build_engine(url)
    try:
        upgrade(engine)
        t0 = time.perf_counter()
        _seed(engine, args.answers, args.customers)
        print(
            f"seeded {args.answers:,} answers in {time.perf_counter() - t0:.0f} s; "
            f"load {os.getloadavg()[0]:.1f}; {platform.processor() or platform.machine()}"
        )
        results: dict[str, Any] = {}
        for label, since in (
            ("all", utcnow() - timedelta(days=3650)),
            ("90 days", utcnow() - timedelta(days=90)),
        ):
            impls: list[tuple[str, Callable[[Engine, Any], dict[str, Any]]]] = [
                ("survey_stats (SQL GROUP BY)", _ours),
                ("rows into Python", _python_rows),
                ("Polars frame", _polars),
            ]
            for impl, fn in impls:
                p50, p95, out = _time(partial(fn, engine, since), args.runs)
                results[f"{label} / {impl}"] = out
                print(
                    f"{label:8} {impl:30} p50 {p50:8.1f} ms  p95 {p95:8.1f} ms  "
                    f"answers {out['answers']:,}"
                )
            ref = results[f"{label} / survey_stats (SQL GROUP BY)"]
            for impl in ("rows into Python", "Polars frame"):
                other = results[f"{label} / {impl}"]
                assert other["answers"] == ref["answers"]
                for key in ("csat", "ces", "nps"):
                    assert abs(other[key] - ref[key]) < 1e-9, (impl, key)
        with unit_of_work(engine) as session:
            t0 = time.perf_counter()
            report = service.send_relationship(
                session, limit=2000, settings=Settings(survey_fatigue_days=0)
            )
            session.flush()
            elapsed = time.perf_counter() - t0
        print(
            f"send_relationship: {report.queued:,} invitations in {elapsed:.2f} s = "
            f"{report.queued / elapsed:,.0f}/s"
        )
    finally:
        engine.dispose()
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
