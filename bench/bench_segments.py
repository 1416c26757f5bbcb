"""RFM + clustering + fit + personas on 1,000,000 customers and 10,000,000 orders (PostgreSQL).

Run by hand:  .venv/bin/python bench/bench_segments.py [--customers N] [--orders N]

Data: customers are drawn from the demo business's seven planted kinds (``demo.profiles``,
the same draws ``planted_kinds`` knows), orders per kind with the kinds' buying behaviour
(gap between orders, spend, dropout), and both are bulk-loaded with COPY into a scratch
database ``bench_segments`` (dropped at the end unless ``--keep``; ``--reuse`` skips seeding).

Timed, each in a fresh child process so its peak memory (max RSS) is its own:

* **fairdesk**: ``segments.analysis.run`` - the SQL summary pass in PostgreSQL, RFM, choice of
  k by silhouette, k-means over everyone, fit scores against two target segments, their
  personas, and replacing a million rows of scores (which hold the memberships) - committed;
  run twice, the second being the recompute a daily ``fairdesk analyze`` does.
* **pandas + scikit-learn**: the script a user would otherwise write - ``read_sql`` of
  customers and orders, a pandas groupby for RFM with ``qcut`` quintiles, ``get_dummies`` and
  ``MultiLabelBinarizer`` features, ``StandardScaler``, ``MiniBatchKMeans`` for k = 2…10 and
  ``silhouette_score`` on a 10,000 sample; nothing stored, no personas. Like fairdesk it runs
  k-means on one OpenMP thread (on a shared two-core machine more threads only spin).

Both report silhouette and the adjusted Rand index against the planted kinds.
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

PG_DB = "bench_segments"
SEED = 2026
NOW = datetime(2026, 11, 1, tzinfo=UTC)
HORIZON_DAYS = 730


def _url(admin: str, database: str) -> str:
    return make_url(admin).set(database=database).render_as_string(hide_password=False)


def _copy(engine: Engine, table: str, frame: pl.DataFrame) -> None:
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=False, null_value="")
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cur, cur.copy(  # type: ignore[attr-defined]
            f"COPY {table} ({', '.join(frame.columns)}) FROM STDIN WITH (FORMAT csv)"
        ) as copy:
            copy.write(buffer.getvalue())
        raw.commit()
    finally:
        raw.close()


def seed(engine: Engine, customers: int, orders: int) -> None:
    from fairdesk.demo.draws import stream
    from fairdesk.demo.generate import _draw_kinds
    from fairdesk.demo.kinds import KIND_SPECS
    from fairdesk.demo.profiles import draw_profiles

    kinds = _draw_kinds(SEED, customers)
    stamp = NOW.isoformat()
    rng = stream(SEED, "profiles")
    t0 = time.perf_counter()
    for start in range(0, customers, 100_000):
        part = kinds[start:start + 100_000]
        rows = draw_profiles(rng, part, year=NOW.year)
        for i, row in enumerate(rows):  # external ids continue across chunks
            row["external_id"] = f"C{start + i + 1:06d}"
            row["email"] = f"c{start + i + 1}@example.com"
        frame = pl.DataFrame({
            **{k: [str(r[k]) if r[k] is not None else None for r in rows]
               for k in ("external_id", "first_name", "last_name", "email", "phone",
                         "preferred_channel", "gender", "country", "region", "city",
                         "education", "income_band", "usage_frequency", "attitude")},
            "birth_year": [r["birth_year"] for r in rows],
            "household_size": [r["household_size"] for r in rows],
            "consent_email": [r["consent_email"] for r in rows],
            "consent_marketing": [r["consent_marketing"] for r in rows],
            **{k: [json.dumps(r[k]) for r in rows]
               for k in ("values", "interests", "personality", "lifestyle", "product_lines")},
        }).with_columns(pl.lit("active").alias("lifecycle_status"),
                        pl.lit(stamp).alias("created_at"), pl.lit(stamp).alias("updated_at"))
        _copy(engine, "customer", frame.rename({"values": '"values"'}))
        print(f"  customers {start + len(part):,} ({time.perf_counter() - t0:.0f} s)",
              flush=True)
    with engine.connect() as conn:
        ids = np.array(conn.execute(text("SELECT id FROM customer ORDER BY id")).scalars().all())
    _seed_orders(engine, ids, kinds, orders, [s.behaviour for s in KIND_SPECS])


def _seed_orders(engine: Engine, ids: np.ndarray[Any, Any], kinds: np.ndarray[Any, Any],
                 total: int, behaviours: list[Any]) -> None:
    """Orders with each kind's cadence, spend and dropout, scaled to ``total`` in all."""
    rng = np.random.default_rng(SEED)
    gap = np.array([b.gap_days for b in behaviours])[kinds]
    shape = np.array([b.gap_shape for b in behaviours])[kinds]
    dropout = np.array([b.dropout for b in behaviours])[kinds]
    never = np.array([b.never_buy for b in behaviours])[kinds]
    rate = HORIZON_DAYS / gap / (1 + 25 * dropout) * rng.gamma(shape, 1 / shape)
    rate *= total / rate.sum()
    count = np.where(rng.random(ids.size) < never, 0, rng.poisson(rate))
    count = np.where((count == 0) & (rng.random(ids.size) > never), 1, count)
    # Exactly ``total`` orders: the shortfall (or excess) is spread over random buyers.
    if (short := total - int(count.sum())) > 0:
        np.add.at(count, rng.choice(np.flatnonzero(count > 0), short), 1)
    while (excess := int(count.sum()) - total) > 0:
        many = np.flatnonzero(count > 1)
        np.subtract.at(count, rng.choice(many, min(excess, many.size), replace=False), 1)
    owner = np.repeat(np.arange(ids.size), count)
    gaps = rng.exponential(gap[owner])
    cum = np.cumsum(gaps)
    starts = np.repeat(np.cumsum(count) - count, count)
    within = cum - np.concatenate([[0.0], cum])[starts]
    span = np.zeros(ids.size)
    np.maximum.at(span, owner, within)
    first = rng.uniform(0, np.maximum(HORIZON_DAYS - span, 1))
    days_ago = np.clip(HORIZON_DAYS - (first[owner] + within), 0, HORIZON_DAYS)
    spend = np.array([b.spend for b in behaviours])[kinds]
    spread = np.array([b.spend_spread for b in behaviours])[kinds]
    spend_shape = np.array([b.spend_shape for b in behaviours])[kinds]
    mean = spend * rng.gamma(spread, 1 / spread)
    amount = np.maximum(rng.gamma(spend_shape[owner], mean[owner] / spend_shape[owner]), 3.5)
    draw = rng.random(owner.size)
    status = np.where(draw < 0.02, "cancelled", np.where(draw < 0.032, "refunded", "fulfilled"))
    base = np.datetime64(NOW.replace(tzinfo=None), "s")
    print(f"  orders to write: {owner.size:,}", flush=True)
    t0 = time.perf_counter()
    for lo in range(0, owner.size, 2_000_000):
        hi = min(lo + 2_000_000, owner.size)
        placed = base - (days_ago[lo:hi] * 86_400).astype("timedelta64[s]")
        amounts = np.round(amount[lo:hi], 2)
        frame = pl.DataFrame({
            "external_id": [f"B{n:09d}" for n in range(lo, hi)],
            "customer_id": ids[owner[lo:hi]],
            "placed_at": np.datetime_as_string(placed) + "+00:00",
            "amount": amounts,
            "currency": "GBP",
            "status": status[lo:hi],
            "refunded_amount": np.where(status[lo:hi] == "refunded", amounts, 0.0),
            "item_count": 1,
            "channel": "web",
        }).with_columns(pl.lit(NOW.isoformat()).alias("created_at"),
                        pl.lit(NOW.isoformat()).alias("updated_at"))
        _copy(engine, "customer_order", frame)
        print(f"  orders {hi:,} ({time.perf_counter() - t0:.0f} s)", flush=True)
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()


def _ari(external: list[str], labels: list[int], customers: int) -> float:
    from sklearn.metrics import adjusted_rand_score

    from fairdesk.demo import planted_kinds

    truth = planted_kinds(SEED, customers)
    return float(adjusted_rand_score([truth[e] for e in external], labels))


def child_fairdesk(url: str, customers: int) -> dict[str, Any]:
    from sqlalchemy import select

    from fairdesk.customers.models import Customer
    from fairdesk.segments.analysis import _rfm_segments, run
    from fairdesk.segments.models import CustomerScore, Segment, SegmentKind
    from fairdesk.segments.rfm import RfmSegment

    engine = build_engine(url)
    with unit_of_work(engine) as session:  # targets: champions and a rule segment
        _rfm_segments(session)[RfmSegment.CHAMPIONS].is_target = True
        if session.scalar(select(Segment).where(Segment.kind == SegmentKind.RULE)) is None:
            from fairdesk.segments import service

            seg = service.create_rule_segment(session, name="Night-owl students", actor=None,
                                              rules={"match": "all", "rules": [
                                                  {"field": "lifestyle", "op": "has",
                                                   "value": "student life"}]})
            seg.is_target = True
    runs = []
    for _ in range(2):  # the first analysis, then the recompute a daily `analyze` does
        steps: list[tuple[float, str]] = []
        t0 = time.perf_counter()
        with unit_of_work(engine) as session:
            outcome = run(session, now=NOW,
                          say=lambda m, t0=t0, steps=steps: steps.append(
                              (time.perf_counter() - t0, m)))
            k, silhouette = outcome.k, outcome.silhouette
        runs.append({"wall_s": round(time.perf_counter() - t0, 1),
                     "steps": [(round(t, 1), m) for t, m in steps]})
    with engine.connect() as conn:
        rows = conn.execute(select(Customer.external_id, CustomerScore.cluster_segment_id)
                            .join(CustomerScore, CustomerScore.customer_id == Customer.id)).all()
    return {"wall_s": runs[-1]["wall_s"], "first_wall_s": runs[0]["wall_s"],
            "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "k": k, "silhouette": silhouette,
            "ari": _ari([r[0] for r in rows], [r[1] for r in rows], customers), "runs": runs}


def child_baseline(url: str, customers: int) -> dict[str, Any]:
    import pandas as pd
    from sklearn.cluster import MiniBatchKMeans
    from sklearn.metrics import silhouette_score
    from sklearn.preprocessing import MultiLabelBinarizer, StandardScaler
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    # One OpenMP thread, as fairdesk uses: on a shared two-core machine more only spin.
    threadpool_limits(limits=1)
    engine = build_engine(url)
    t0 = time.perf_counter()
    cust = pd.read_sql("SELECT * FROM customer", engine)
    orders = pd.read_sql("SELECT customer_id, placed_at, amount, refunded_amount, status "
                         "FROM customer_order", engine)
    orders = orders[~orders["status"].isin(["cancelled", "refunded"])]
    orders["net"] = orders["amount"].astype(float) - orders["refunded_amount"].astype(float)
    g = orders.groupby("customer_id").agg(last=("placed_at", "max"), n=("net", "size"),
                                          spend=("net", "sum"))
    cust = cust.merge(g, left_on="id", right_index=True, how="left")
    cust["recency"] = (pd.Timestamp(NOW) - cust["last"]).dt.days
    for col, asc in (("recency", False), ("n", True), ("spend", True)):
        ranked = cust[col].rank(method="first", ascending=asc)
        cust[col + "_q"] = pd.qcut(ranked, 5, labels=False) + 1
    cats = pd.get_dummies(cust[["gender", "country", "education", "income_band",
                                "usage_frequency", "attitude", "preferred_channel"]],
                          dummy_na=True).astype(float)
    tags = [pd.DataFrame(MultiLabelBinarizer().fit_transform(cust[c]), index=cust.index)
            for c in ("values", "interests", "personality", "lifestyle", "product_lines")]
    nums = cust[["birth_year", "household_size", "n", "spend", "recency"]].astype(float)
    nums = nums.fillna(nums.median())
    x = np.hstack([StandardScaler().fit_transform(nums), cats.to_numpy(),
                   *(t.to_numpy(dtype=float) for t in tags)]).astype(np.float32)
    rng = np.random.default_rng(0)
    sample = rng.choice(len(x), 10_000, replace=False)
    best: tuple[float, int, Any] = (-1.0, 0, None)
    for k in range(2, 11):
        km = MiniBatchKMeans(k, random_state=0, n_init=3, batch_size=4096).fit(x)
        s = float(silhouette_score(x[sample], km.labels_[sample]))
        if s > best[0]:
            best = (s, k, km.labels_)
    wall = time.perf_counter() - t0
    return {"wall_s": wall, "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            / 1024, "k": best[1], "silhouette": best[0],
            "ari": _ari(cust["external_id"].tolist(), list(best[2]), customers)}


def _child(kind: str, url: str, customers: int) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--child", kind, "--url", url,
                          "--customers", str(customers)], capture_output=True, text=True,
                         check=False)
    if out.returncode != 0:
        return {"error": out.stderr[-2000:]}
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=10_000_000)
    parser.add_argument("--pg-admin-url",
                        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--child", choices=["fairdesk", "baseline"])
    parser.add_argument("--url")
    args = parser.parse_args()
    if args.child:
        fn = child_fairdesk if args.child == "fairdesk" else child_baseline
        print(json.dumps(fn(args.url, args.customers)))
        return
    admin = build_engine(args.pg_admin_url, isolation_level="AUTOCOMMIT")
    url = _url(args.pg_admin_url, PG_DB)
    if not args.reuse:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{PG_DB}"'))
        engine = build_engine(url)
        upgrade(engine)
        print(f"seeding {args.customers:,} customers and ~{args.orders:,} orders", flush=True)
        seed(engine, args.customers, args.orders)
        engine.dispose()
    results = {"fairdesk": _child("fairdesk", url, args.customers)}
    print(json.dumps(results["fairdesk"]), flush=True)
    if not args.skip_baseline:
        results["pandas + scikit-learn"] = _child("baseline", url, args.customers)
    load = os.getloadavg()
    print(json.dumps({"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                      "machine": f"{os.cpu_count()} cores, {platform.processor() or 'cpu'}",
                      "load": load, "results": results}, indent=2))
    if not args.keep:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
