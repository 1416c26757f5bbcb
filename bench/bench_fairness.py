"""Fairness signals for 1,000,000 customers and 10,000,000 orders (PostgreSQL).

Run by hand:  .venv/bin/python bench/bench_fairness.py [--customers N] [--orders N]

Data (seeded, bulk-loaded with COPY into a scratch database ``bench_fairness``, dropped at
the end unless ``--keep``; ``--reuse`` skips seeding): customers; orders (placed over two
years, delivered a day or three later, 2 % cancelled, 3 % refunded); about 0.3 tickets per
customer on their orders (one customer message each, triaged), a gesture on most of them,
a rating on some; and 0.3 % planted exploiters (not received on delivered orders, refunds
weeks after delivery, credits just under the no-receipt limit) and 0.1 % abusers.

Timed, each in a fresh child process so its peak memory (max RSS) is its own:

* **fairdesk compute**: ``signals.compute.compute`` - the SQL summary pass in PostgreSQL,
  the robust z-scores and rules in NumPy, the evidence ids of every signal that fires;
* **fairdesk scan --open**: the same, then storing every signal (multi-row INSERTs) and
  opening every case with its dossier (built a chunk of customers at a time); run twice:
  the first scan (stored signals and cases of an earlier run are deleted first, so
  ``--reuse`` times a first scan too; the append-only audit log keeps its entries), then
  the daily recompute;
* **per-customer ORM loop**: what a quick script would do - for each customer, load their
  orders, tickets, gestures, triaged messages and ratings through the ORM and count in
  Python; timed on 2,000 random customers and extrapolated (pandas is not a dependency).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from fairdesk.db.migrate import upgrade
from fairdesk.db.session import build_engine, unit_of_work

PG_DB = "bench_fairness"
SEED = 2026
NOW = datetime(2026, 11, 1, tzinfo=UTC)
DAY = 86_400
SAMPLE = 2_000  # customers the naive per-customer loop is timed on


def _url(admin: str, database: str) -> str:
    return make_url(admin).set(database=database).render_as_string(hide_password=False)


def _copy(engine: Engine, table: str, frame: pl.DataFrame) -> None:
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=False, null_value="")
    raw = engine.raw_connection()
    try:
        cursor: Any = raw.cursor()
        with (
            cursor as cur,
            cur.copy(
                f"COPY {table} ({', '.join(frame.columns)}) FROM STDIN WITH (FORMAT csv)"
            ) as copy,
        ):
            copy.write(buffer.getvalue())
        raw.commit()
    finally:
        raw.close()


def _stamp(seconds: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """ISO timestamps (UTC) of seconds before NOW."""
    base = np.datetime64(NOW.replace(tzinfo=None), "s")
    return np.char.add(np.datetime_as_string(base - seconds.astype("timedelta64[s]")), "+00:00")


def seed(engine: Engine, customers: int, orders: int) -> dict[str, int]:
    rng = np.random.default_rng(SEED)
    t0 = time.perf_counter()
    ids = np.arange(1, customers + 1)
    for lo in range(0, customers, 250_000):
        part = ids[lo : lo + 250_000]
        _copy(
            engine,
            "customer",
            pl.DataFrame(
                {
                    "id": part,
                    "external_id": [f"C{i:07d}" for i in part],
                    "first_name": "Bench",
                    "last_name": [f"Customer {i}" for i in part],
                    "email": [f"c{i}@example.com" for i in part],
                }
            ).with_columns(
                *(
                    pl.lit("[]").alias(c)
                    for c in ('"values"', "interests", "personality", "lifestyle", "product_lines")
                ),
                pl.lit("email").alias("preferred_channel"),
                pl.lit(True).alias("consent_email"),
                pl.lit(False).alias("consent_marketing"),
                pl.lit("active").alias("lifecycle_status"),
                pl.lit(NOW.isoformat()).alias("created_at"),
                pl.lit(NOW.isoformat()).alias("updated_at"),
            ),
        )
    print(f"  customers {customers:,} ({time.perf_counter() - t0:.0f} s)", flush=True)

    count = rng.negative_binomial(2, 2 / (2 + orders / customers), customers)
    while (gap := orders - int(count.sum())) != 0:  # exactly `orders`
        pick = rng.choice(customers, abs(gap))
        np.add.at(count, pick, 1 if gap > 0 else -1)
        count = np.maximum(count, 0)
    owner = np.repeat(ids, count)
    n = owner.size
    placed = rng.uniform(40 * DAY, 730 * DAY, n)
    delivered = placed - rng.uniform(1 * DAY, 3 * DAY, n)
    amount = np.round(np.maximum(rng.gamma(3, 8, n), 3.5), 2)
    draw = rng.random(n)
    status = np.where(draw < 0.02, "cancelled", np.where(draw < 0.05, "refunded", "fulfilled"))
    refunded = np.where(status == "refunded", amount, 0.0)
    refund_at = delivered - rng.uniform(DAY, 10 * DAY, n)

    # Planted exploiters: 0.3 % of customers with 3-6 orders, a third per pattern.
    few = np.flatnonzero((count >= 3) & (count <= 6))
    bad = rng.choice(few, int(customers * 0.003), replace=False)
    first = np.cumsum(count) - count
    pattern = np.arange(bad.size) % 3  # 0 not received, 1 wardrobing, 2 near limit
    planted_orders = [first[c] + np.arange(3) for c in bad]
    ward = np.concatenate([o for o, p in zip(planted_orders, pattern, strict=True) if p == 1])
    status[ward], refunded[ward] = "refunded", amount[ward]
    refund_at[ward] = delivered[ward] - 25 * DAY
    t0 = time.perf_counter()
    for lo in range(0, n, 2_000_000):
        hi = min(lo + 2_000_000, n)
        cancelled = status[lo:hi] == "cancelled"
        _copy(
            engine,
            "customer_order",
            pl.DataFrame(
                {
                    "id": np.arange(lo + 1, hi + 1),
                    "external_id": [f"B{k:09d}" for k in range(lo, hi)],
                    "customer_id": owner[lo:hi],
                    "placed_at": _stamp(placed[lo:hi]),
                    "amount": amount[lo:hi],
                    "currency": "GBP",
                    "status": status[lo:hi],
                    "refunded_amount": refunded[lo:hi],
                    "item_count": 1,
                    "channel": "web",
                    "delivered_at": np.where(
                        cancelled, np.array(None, dtype=object), _stamp(delivered[lo:hi])
                    ),
                    "created_at": _stamp(placed[lo:hi]),
                    "updated_at": np.where(
                        refunded[lo:hi] > 0, _stamp(refund_at[lo:hi]), _stamp(placed[lo:hi])
                    ),
                }
            ),
        )
        print(f"  orders {hi:,} ({time.perf_counter() - t0:.0f} s)", flush=True)

    # Tickets: 0.3 per customer on random delivered orders, plus the planted claims.
    live = np.flatnonzero(status != "cancelled")
    t_order = rng.choice(live, int(customers * 0.3))
    t_after = rng.uniform(1 * DAY, 10 * DAY, t_order.size)
    t_cat = rng.choice(
        ["delivery", "quality", "billing", "refund", "fulfilment"],
        t_order.size,
        p=[0.3, 0.3, 0.2, 0.1, 0.1],
    )
    extra_o, extra_after, extra_cat = [], [], []
    for orders_of, p in zip(planted_orders, pattern, strict=True):
        extra_o.append(orders_of)
        extra_after.append(np.full(3, 25 * DAY if p == 1 else 3 * DAY))
        extra_cat.append(np.full(3, ("delivery", "refund", "quality")[p]))
    t_order = np.concatenate([t_order, *extra_o])
    t_after = np.concatenate([t_after, *extra_after])
    t_cat = np.concatenate([t_cat, *extra_cat])
    # Abusers: 0.1 % of customers, two tickets each on their first order.
    abusers = rng.choice(np.flatnonzero(count >= 1), int(customers * 0.001), replace=False)
    t_order = np.concatenate([t_order, np.repeat(first[abusers], 2)])
    t_after = np.concatenate([t_after, np.full(abusers.size * 2, 2 * DAY)])
    t_cat = np.concatenate([t_cat, np.full(abusers.size * 2, "quality")])
    abusive_ticket = np.zeros(t_order.size, dtype=bool)
    abusive_ticket[-abusers.size * 2 :] = True
    tn = t_order.size
    t_ids = np.arange(1, tn + 1)
    t_at = _stamp(np.maximum(delivered[t_order] - t_after, 60))
    _copy(
        engine,
        "ticket",
        pl.DataFrame(
            {
                "id": t_ids,
                "reference": [f"R{i:010d}" for i in t_ids],
                "customer_id": owner[t_order],
                "channel": "email",
                "subject": "About my order",
                "status": "closed",
                "priority": "normal",
                "category": t_cat,
                "tags": "[]",
                "order_id": t_order + 1,
                "warned_first_response": False,
                "warned_resolution": False,
                "created_at": t_at,
                "updated_at": t_at,
            }
        ),
    )
    _copy(
        engine,
        "ticket_message",
        pl.DataFrame(
            {
                "id": t_ids,
                "ticket_id": t_ids,
                "kind": "customer",
                "channel": "email",
                "body": "About my order",
                "created_at": t_at,
                "meta": "{}",
            }
        ),
    )
    rude = abusive_ticket | (rng.random(tn) < 0.005)
    threat = abusive_ticket & (rng.random(tn) < 0.3)
    _copy(
        engine,
        "message_triage",
        pl.DataFrame(
            {
                "message_id": t_ids,
                "ticket_id": t_ids,
                "sentiment": 0.0,
                "anger": 0.2,
                "anger_level": "calm",
                "urgency": 0.2,
                "urgency_level": "normal",
                "urgency_reasons": "[]",
                "topic": "other",
                "topic_confidence": 0.5,
                "tone": "neutral",
                "abusive": rude,
                "threat": threat,
                "abuse_kinds": np.where(threat, '["threat"]', np.where(rude, '["insult"]', "[]")),
                "spans": "[]",
                "detail": "{}",
                "model_version": "bench",
                "created_at": t_at,
            }
        ),
    )
    # Gestures on 60 % of tickets; near-limit exploiters' credits sit just under £30.
    g = np.flatnonzero(rng.random(tn) < 0.6)
    near_rows = np.flatnonzero(t_cat == "quality")
    near_rows = near_rows[np.isin(owner[t_order[near_rows]], bad[pattern == 2] + 1)]
    g = np.union1d(g, near_rows)
    g_amount = np.minimum(amount[t_order[g]], 60.0)
    g_amount[np.isin(g, near_rows)] = np.round(
        rng.uniform(26.5, 29.95, np.isin(g, near_rows).sum()), 2
    )
    with unit_of_work(engine) as session:
        from fairdesk.auth.models import Role
        from fairdesk.auth.service import create_user
        from fairdesk.goodwill import service as goodwill_service

        version = goodwill_service.current_version(session).id
        agent = create_user(
            session,
            email="bench.agent@example.com",
            name="Bench Agent",
            password="bench-password-123",
            role=Role.AGENT,
        ).id
    _copy(
        engine,
        "goodwill_gesture",
        pl.DataFrame(
            {
                "id": np.arange(1, g.size + 1),
                "ticket_id": g + 1,
                "customer_id": owner[t_order[g]],
                "order_id": t_order[g] + 1,
                "request_key": [f"k{i}" for i in g],
                "remedy": np.where(np.isin(g, near_rows), "store_credit", "replacement"),
                "amount": g_amount,
                "currency": "GBP",
                "status": "granted",
                "rule": "bench",
                "reasons": "[]",
                "inputs": "{}",
                "charged_to_budget": False,
                "policy_version_id": version,
                "note": "",
                "decision_note": "",
                "created_at": t_at[g],
            }
        ),
    )
    r = np.flatnonzero((rng.random(tn) < 0.1) | abusive_ticket)
    _copy(
        engine,
        "fairness_interaction_rating",
        pl.DataFrame(
            {
                "id": np.arange(1, r.size + 1),
                "ticket_id": r + 1,
                "customer_id": owner[t_order[r]],
                "staff_id": agent,
                "rating": np.where(abusive_ticket[r], 1, rng.integers(2, 6, r.size)),
                "note": "",
                "created_at": t_at[r],
            }
        ),
    )
    with engine.connect() as conn:
        for table in (
            "customer",
            "customer_order",
            "ticket",
            "ticket_message",
            "goodwill_gesture",
            "fairness_interaction_rating",
        ):
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            )
        conn.commit()
    # Freshly loaded rows: set their hint bits and statistics now, as autovacuum would
    # before any daily scan, rather than inside the first timed query.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM (ANALYZE)"))
    return {
        "customers": customers,
        "orders": n,
        "tickets": tn,
        "gestures": int(g.size),
        "ratings": int(r.size),
        "exploiters": int(bad.size),
        "abusers": int(abusers.size),
    }


def _rss() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_compute(url: str) -> dict[str, Any]:
    from fairdesk.config import Settings
    from fairdesk.fairness.signals.compute import compute, thresholds_for

    engine = build_engine(url)
    t0 = time.perf_counter()
    with unit_of_work(engine) as session:
        computed = compute(session, thresholds_for(session, Settings()))
    return {
        "wall_s": round(time.perf_counter() - t0, 2),
        "max_rss_mb": round(_rss()),
        "customers": len(computed.summaries),
        "signals": len(computed.found),
    }


def child_scan(url: str) -> dict[str, Any]:
    from sqlalchemy import delete

    from fairdesk.config import Settings
    from fairdesk.fairness import cases
    from fairdesk.fairness.models import FairnessCase, FairnessSignal
    from fairdesk.fairness.signals.compute import thresholds_for

    engine = build_engine(url)
    with unit_of_work(engine) as session:  # a reused database: make the first scan a first
        session.execute(delete(FairnessCase))
        session.execute(delete(FairnessSignal))
    runs = []
    for _ in range(2):
        t0 = time.perf_counter()
        with unit_of_work(engine) as session:
            result = cases.scan(
                session, thresholds=thresholds_for(session, Settings()), open_them=True, now=NOW
            )
            opened = len(result.opened)
        runs.append(
            {
                "wall_s": round(time.perf_counter() - t0, 2),
                "signals": result.signals,
                "opened": opened,
            }
        )
    return {"runs": runs, "max_rss_mb": round(_rss())}


def child_orm_loop(url: str) -> dict[str, Any]:
    """The naive way: per customer, load their rows through the ORM and count in Python.

    Timed on a random sample of customers and extrapolated to all of them (a full run would
    take hours); the per-customer summary is the same one the SQL pass computes.
    """
    from sqlalchemy import func, select

    from fairdesk.customers.models import Customer, Order
    from fairdesk.fairness.models import InteractionRating
    from fairdesk.goodwill.models import Gesture
    from fairdesk.tickets.models import Ticket
    from fairdesk.triage.models import MessageTriage

    engine = build_engine(url)
    rng = np.random.default_rng(SEED)
    with unit_of_work(engine) as session:
        total = session.scalar(select(func.count()).select_from(Customer)) or 0
        sample = rng.choice(np.arange(1, total + 1), min(SAMPLE, total), replace=False)
        t0 = time.perf_counter()
        flagged = 0
        for cid in sample.tolist():
            orders = session.scalars(select(Order).where(Order.customer_id == cid)).all()
            tickets = session.scalars(select(Ticket).where(Ticket.customer_id == cid)).all()
            gestures = session.scalars(select(Gesture).where(Gesture.customer_id == cid)).all()
            triaged = session.scalars(
                select(MessageTriage).where(MessageTriage.ticket_id.in_([t.id for t in tickets]))
            ).all()
            rated = session.scalars(
                select(InteractionRating).where(InteractionRating.customer_id == cid)
            ).all()
            claimed = {o.id for o in orders if o.refunded_amount > 0}
            claimed |= {t.order_id for t in tickets if t.order_id} | {
                g.order_id for g in gestures if g.order_id
            }
            delivered = {o.id: o.delivered_at for o in orders}
            after = len(
                [
                    t
                    for t in tickets
                    if t.category == "delivery"
                    and t.order_id
                    and (at := delivered.get(t.order_id)) is not None
                    and at < t.created_at
                ]
            )
            abusive = sum(1 for m in triaged if m.abusive or m.threat)
            low = sum(1 for r in rated if r.rating <= 2)
            flagged += int(after >= 2 or abusive >= 2 or low >= 2 or len(claimed) >= 3)
        wall = time.perf_counter() - t0
    return {
        "sample": int(sample.size),
        "sample_s": round(wall, 2),
        "extrapolated_s": round(wall / max(sample.size, 1) * total),
        "max_rss_mb": round(_rss()),
        "flagged_in_sample": flagged,
    }


CHILDREN = {"compute": child_compute, "scan": child_scan, "orm_loop": child_orm_loop}


def _child(kind: str, url: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--url", url],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        return {"error": out.stderr[-2000:]}
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=10_000_000)
    parser.add_argument(
        "--pg-admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--skip", nargs="*", default=[], choices=list(CHILDREN))
    parser.add_argument("--child", choices=list(CHILDREN))
    parser.add_argument("--url")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(CHILDREN[args.child](args.url)))
        return
    admin = build_engine(args.pg_admin_url, isolation_level="AUTOCOMMIT")
    url = _url(args.pg_admin_url, PG_DB)
    data: dict[str, int] = {}
    if not args.reuse:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{PG_DB}"'))
        engine = build_engine(url)
        upgrade(engine)
        print(f"seeding {args.customers:,} customers and {args.orders:,} orders", flush=True)
        t0 = time.perf_counter()
        data = seed(engine, args.customers, args.orders)
        print(f"seeded in {time.perf_counter() - t0:.0f} s: {data}", flush=True)
        engine.dispose()
    results = {}
    for kind in CHILDREN:
        if kind not in args.skip:
            results[kind] = _child(kind, url)
            print(kind, json.dumps(results[kind]), flush=True)
    print(
        json.dumps(
            {
                "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                "machine": f"{os.cpu_count()} cores, {platform.processor() or 'cpu'}",
                "load": os.getloadavg(),
                "data": data,
                "results": results,
            },
            indent=2,
        )
    )
    if not args.keep:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
