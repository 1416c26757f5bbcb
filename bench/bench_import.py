"""Import benchmark: 100,000 customers, then 1,000,000 orders, on SQLite and PostgreSQL.

fairdesk's importer (checked, all-or-nothing, upsert) is timed next to what a shop would
otherwise use: pandas ``read_csv`` + ``to_sql``, and the database's own bulk loader (sqlite3
``.import`` / psql ``\\copy``) into a text table followed by one ``INSERT … SELECT``. Neither
of those checks a value or can be run twice. Each step runs in its own process, which reports
its wall time, its CPU time (its own, its tools', and that of the PostgreSQL backends serving
it: on a shared machine the steadier figure) and its peak memory (VmHWM; for the bulk
loaders, that of the tool's process). The database server's memory is not counted.

Run by hand (not part of the tests):

    .venv/bin/python bench/bench_import.py [--orders 1000000] [--customers 100000]
                                          [--db sqlite,postgresql]

PostgreSQL: a scratch database ``bench_import`` is created through ``--pg-admin`` and dropped
afterwards. Files go to bench/out/ (git-ignored). Prints the markdown for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from fairdesk.customers.importer import ImportReport, import_customers, import_orders
from fairdesk.customers.models import Customer, Order
from fairdesk.db.migrate import upgrade
from fairdesk.db.session import build_engine, session_factory

OUT = Path(__file__).parent / "out"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_DB = "bench_import"
STATUSES = ["paid", "fulfilled", "fulfilled", "fulfilled", "refunded", "partially_refunded",
            "pending", "cancelled"]


# --- data --------------------------------------------------------------------------------

def generate(customers: int, orders: int) -> tuple[Path, Path]:
    """Deterministic CSVs in our import format."""
    OUT.mkdir(exist_ok=True)
    rng = np.random.default_rng(20260101)
    people = pl.DataFrame({"n": np.arange(customers)}).select(
        pl.format("C{}", pl.col("n").cast(pl.String).str.zfill(7)).alias("external_id"),
        pl.lit("Ada").alias("first_name"), pl.format("Test{}", "n").alias("last_name"),
        pl.format("customer{}@example.com", "n").alias("email"),
        pl.Series(rng.choice(["GB", "DE", "FR", "US", "IE"], customers)).alias("country"),
        pl.Series(rng.choice(["quality;craft", "price", "", "speed;service"], customers))
        .alias("values"),
        pl.Series(rng.choice(["yes", "no"], customers)).alias("consent_marketing"),
        pl.Series(rng.integers(1940, 2005, customers)).alias("birth_year"),
    )
    amount = rng.integers(100, 50_000, orders)
    status = rng.choice(STATUSES, orders)
    refunded = np.where(status == "refunded", amount,
                        np.where(status == "partially_refunded", amount // 3, 0))
    start = int(datetime(2020, 1, 1, tzinfo=UTC).timestamp())
    placed = start + rng.integers(0, 5 * 365 * 86400, orders)
    iso = "%Y-%m-%dT%H:%M:%SZ"
    sales = pl.DataFrame({
        "n": np.arange(orders), "customer": rng.integers(0, customers, orders),
        "placed": placed * 1_000_000, "amount": amount, "status": status,
        "refunded": refunded, "item_count": rng.integers(1, 6, orders),
        "channel": rng.choice(["web", "web", "pos", "phone"], orders),
    }).with_columns(pl.col("placed").cast(pl.Datetime("us"))).select(
        pl.format("O{}", pl.col("n").cast(pl.String).str.zfill(8)).alias("external_id"),
        pl.format("C{}", pl.col("customer").cast(pl.String).str.zfill(7))
        .alias("customer_external_id"),
        pl.col("placed").dt.strftime(iso).alias("placed_at"),
        (pl.col("amount") / 100).alias("amount"), pl.lit("GBP").alias("currency"), "status",
        (pl.col("refunded") / 100).alias("refunded_amount"), "item_count", "channel",
        pl.when(pl.col("status") == "fulfilled")
        .then((pl.col("placed") + pl.duration(days=3)).dt.strftime(iso)).alias("delivered_at"),
    )
    customers_csv, orders_csv = OUT / "customers.csv", OUT / "orders.csv"
    people.write_csv(customers_csv)
    sales.write_csv(orders_csv, float_precision=2)
    return customers_csv, orders_csv


# --- steps, each run in a child process --------------------------------------------------

def _fairdesk(url: str, path: Path, which: str) -> dict[str, Any]:
    engine = build_engine(url)
    with session_factory(engine)() as session:
        importer = import_customers if which == "customers" else import_orders
        report: ImportReport = importer(session, path)
        session.commit()
    assert report.ok, report.errors[:5]
    return {"inserted": report.inserted, "updated": report.updated,
            "unchanged": report.unchanged}


def _pandas(url: str, path: Path) -> dict[str, Any]:
    import pandas as pd  # type: ignore[import-untyped]  # by hand only: not a dependency

    engine = create_engine(url)
    frame = pd.read_csv(path, parse_dates=["placed_at", "delivered_at"])
    ids = pd.read_sql("SELECT id AS customer_id, external_id AS customer_external_id "
                      "FROM customer", engine)
    frame = frame.merge(ids, on="customer_external_id").drop(columns="customer_external_id")
    now = pd.Timestamp.now(tz="UTC")
    frame["created_at"] = frame["updated_at"] = now
    frame.to_sql("customer_order", engine, if_exists="append", index=False, chunksize=50_000)
    return {"inserted": len(frame)}


_RAW_COLUMNS = ("external_id", "customer_external_id", "placed_at", "amount", "currency",
                "status", "refunded_amount", "item_count", "channel", "delivered_at")
# What a DBA would write: the text columns cast (PostgreSQL) or taken as they are (SQLite).
_FROM_RAW = """
INSERT INTO customer_order (external_id, customer_id, placed_at, amount, currency, status,
    refunded_amount, item_count, channel, delivered_at, created_at, updated_at)
SELECT r.external_id, c.id, {placed}, {amount}, r.currency, r.status, {refunded}, {items},
    r.channel, {delivered}, {now}, {now}
FROM raw_orders r JOIN customer c ON c.external_id = r.customer_external_id;
"""
_SQLITE_FROM_RAW = _FROM_RAW.format(
    placed="r.placed_at", amount="r.amount", refunded="r.refunded_amount",
    items="r.item_count", delivered="NULLIF(r.delivered_at, '')", now="CURRENT_TIMESTAMP")
_PG_FROM_RAW = _FROM_RAW.format(
    placed="r.placed_at::timestamptz", amount="r.amount::numeric",
    refunded="r.refunded_amount::numeric", items="r.item_count::int",
    delivered="NULLIF(r.delivered_at, '')::timestamptz", now="now()")


def _bulk(url: str, path: Path) -> dict[str, Any]:
    parsed = make_url(url)
    create = f"CREATE TABLE raw_orders ({', '.join(f'{c} TEXT' for c in _RAW_COLUMNS)});"
    if parsed.get_backend_name() == "sqlite":
        script = f"{create}\n.import --csv --skip 1 {path} raw_orders\n{_SQLITE_FROM_RAW}"
        return _measured(["sqlite3", str(parsed.database)], script)
    dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    script = f"{create}\n\\copy raw_orders FROM '{path}' CSV HEADER\n{_PG_FROM_RAW}"
    return _measured(["psql", "-q", "-v", "ON_ERROR_STOP=1", dsn], script)


def _measured(command: list[str], script: str) -> dict[str, Any]:
    """Run a command-line tool under GNU time, for its own peak memory."""
    report = OUT / "time.txt"
    subprocess.run(["/usr/bin/time", "-f", "%M", "-o", str(report), *command],
                   input=script.encode(), check=True)
    return {"tool_peak_mb": int(report.read_text().split()[-1]) / 1024}


def _peak_mb() -> float:
    """This process's peak resident memory. Not ru_maxrss: Linux carries that over from the
    parent across fork and exec, so every child would report the parent's size."""
    status = Path("/proc/self/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines()
                    if line.startswith("VmHWM:"))) / 1024


class CpuMeter:
    """CPU seconds of this process, its tools, and the PostgreSQL backends serving PG_DB.

    On a shared machine, wall time says as much about the neighbours as about the code; CPU
    time does not. Backends are found by their process title and sampled every 0.2 s, so up
    to a fifth of a second per backend can be missed.
    """

    def __init__(self) -> None:
        self.backends: dict[int, float] = {}
        self._start = self._own()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        tick = os.sysconf("SC_CLK_TCK")
        title = f" {PG_DB} ".encode()
        while not self._stop.wait(0.2):
            for proc in Path("/proc").iterdir():
                try:
                    if proc.name.isdigit() and title in (proc / "cmdline").read_bytes():
                        fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
                        self.backends[int(proc.name)] = (int(fields[11]) + int(fields[12])) / tick
                except OSError:
                    continue  # the process ended meanwhile

    @staticmethod
    def _own() -> float:
        used = 0.0
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
            usage = resource.getrusage(who)
            used += usage.ru_utime + usage.ru_stime
        return used

    def seconds(self) -> float:
        self._stop.set()
        self._thread.join()
        return self._own() - self._start + sum(self.backends.values())


def child(args: argparse.Namespace) -> None:
    steps: dict[str, Callable[[], dict[str, Any]]] = {
        "customers": lambda: _fairdesk(args.url, Path(args.file), "customers"),
        "orders": lambda: _fairdesk(args.url, Path(args.file), "orders"),
        "pandas": lambda: _pandas(args.url, Path(args.file)),
        "bulk": lambda: _bulk(args.url, Path(args.file)),
    }
    meter = CpuMeter()
    start = time.perf_counter()
    result = steps[args.step]()
    seconds = time.perf_counter() - start
    result["cpu_seconds"] = meter.seconds()
    peak = result.pop("tool_peak_mb", None) or _peak_mb()
    table = Customer if args.step == "customers" else Order
    engine = build_engine(args.url)
    with engine.connect() as conn:
        result["rows_in_table"] = conn.scalar(select(func.count()).select_from(table))
    print(json.dumps({"seconds": seconds, "peak_mb": peak, **result}))


def run_step(step: str, url: str, file: Path) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--child", step, "--url", url,
                          "--file", str(file)], check=True, capture_output=True, text=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


# --- databases ---------------------------------------------------------------------------

def fresh(db: str) -> str:
    """An empty, migrated database; its URL."""
    if db == "sqlite":
        path = OUT / "bench_import.db"
        for leftover in OUT.glob("bench_import.db*"):
            leftover.unlink()
        url = f"sqlite:///{path}"
    else:
        admin = build_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{PG_DB}"'))
        admin.dispose()
        url = make_url(PG_ADMIN).set(database=PG_DB).render_as_string(hide_password=False)
    engine = build_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def drop(db: str) -> None:
    if db == "postgresql":
        admin = build_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
        admin.dispose()


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor())
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return f"{os.cpu_count()} cores, {cpu}, {memory_kb / 1024 / 1024:.0f} GiB RAM"


def main(args: argparse.Namespace) -> None:
    started = datetime.now(UTC).strftime("%a %b %d %H:%M:%S UTC %Y")
    load_before = os.getloadavg()
    customers_csv, orders_csv = generate(args.customers, args.orders)
    rows: list[tuple[str, str, dict[str, Any]]] = []
    for db in args.db.split(","):
        try:
            url = fresh(db)
            rows.append((db, "fairdesk: customers", run_step("customers", url, customers_csv)))
            rows.append((db, "fairdesk: orders", run_step("orders", url, orders_csv)))
            rows.append((db, "fairdesk: orders again (upsert, unchanged)",
                         run_step("orders", url, orders_csv)))
            for step, label in (("pandas", "pandas read_csv + to_sql"),
                                ("bulk", "sqlite3 .import / psql \\copy + INSERT … SELECT")):
                url = fresh(db)
                run_step("customers", url, customers_csv)
                rows.append((db, label, run_step(step, url, orders_csv)))
            print(f"{db} done", file=sys.stderr)
        finally:
            drop(db)
    shutil.rmtree(OUT / "bench_import.db", ignore_errors=True)
    print(f"Run {started} on {machine()}; load average {load_before[0]:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after. {args.customers:,} customers, "
          f"{args.orders:,} orders ({orders_csv.stat().st_size / 1e6:.0f} MB).\n")
    print("| database | method | wall time (s) | CPU time (s) | peak memory (MB) "
          "| rows in table |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for db, label, result in rows:
        print(f"| {db} | {label} | {result['seconds']:.1f} | {result['cpu_seconds']:.1f} | "
              f"{result['peak_mb']:.0f} | {result['rows_in_table']:,} |")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--pg-admin", default=PG_ADMIN)
    parser.add_argument("--child", dest="step")
    parser.add_argument("--url")
    parser.add_argument("--file")
    return parser.parse_args()


if __name__ == "__main__":
    parsed_args = arguments()
    PG_ADMIN = parsed_args.pg_admin
    if parsed_args.step:
        child(parsed_args)
    else:
        main(parsed_args)
