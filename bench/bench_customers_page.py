"""Server time of GET /customers on 100,000 customers, SQLite file and PostgreSQL.

Run by hand:  .venv/bin/python bench/bench_customers_page.py [--customers N] [--orders N]

What is timed: the ASGI call of the real app (session cookie, login check, query parsing, the
service's count + page queries, ``stats_for``, template rendering), in-process, so neither a
socket nor a client is in the figure. The floor beside it replays the very same SQL statements
the app ran for that request straight through the DB driver (sqlite3 / psycopg) and fetches
every row: what a hand-written page over the same queries would cost at the least.

PostgreSQL: a scratch database ``bench_pages`` is created through ``--pg-admin-url`` and dropped
at the end (``--keep`` keeps both databases, ``--reuse`` skips seeding when they are full).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, insert, select, text
from sqlalchemy.engine import make_url
from starlette.types import ASGIApp, Receive, Scope, Send

from fairdesk.app import create_app
from fairdesk.auth import service as auth_service
from fairdesk.auth.models import Role
from fairdesk.config import Settings
from fairdesk.customers.models import Customer, LifecycleStatus, Order
from fairdesk.db.migrate import is_initialised, upgrade
from fairdesk.db.session import build_engine, unit_of_work

PG_DB = "bench_pages"
PASSWORD = "bench-password-123"
FIRST = ("Ada", "Alan", "Grace", "Linus", "Margaret", "Ken", "Barbara", "Edsger", "Frances",
         "Donald", "John", "Radia", "Tim", "Hedy", "Katherine", "Dennis", "Sophie", "Guido",
         "Anita", "Bjarne", "Carol", "Niklaus", "Lynn", "Fran", "Leslie", "Shafi", "Yukihiro",
         "Mary", "Jean", "Karen", "Ivan", "Ruth", "Claude", "Joan", "Vint", "Marissa", "Evelyn",
         "Susan", "Brian", "Rasmus")
LAST = ("Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Thompson", "Liskov", "Dijkstra",
        "Allen", "Knuth", "Backus", "Perlman", "Lee", "Lamarr", "Johnson", "Ritchie", "Wilson",
        "Rossum", "Borg", "Stroustrup", "Shaw", "Wirth", "Conway", "Bilas", "Lamport",
        "Goldwasser", "Matsumoto", "Keller", "Sammet", "Jones", "Sutherland", "Lichterman",
        "Shannon", "Clarke", "Cerf", "Mayer", "Boyd", "Kare", "Kernighan", "Lerdorf", "Martin",
        "Garcia", "Novak", "Schmidt", "Dubois", "Rossi", "Silva", "Kowalski", "Nagy", "Jensen")
COUNTRIES = ("GB", "GB", "GB", "FR", "DE", "ES", "IT", "NL", "IE", "US", "PL", "SE")
CITIES = ("London", "Leeds", "Paris", "Lyon", "Berlin", "Madrid", "Rome", "Dublin", None)
STATUSES = tuple(LifecycleStatus)
STATUS_WEIGHTS = (15, 50, 20, 12, 3)
TAGS = ("hiking", "cooking", "gardening", "books", "travel", "music", "gaming", "fitness",
        "cycling", "photography", "film", "fashion", "tech", "pets", "art", "crafts", "coffee",
        "wine", "yoga", "running")
VALUES = ("quality", "price", "sustainability", "convenience", "service", "novelty")

# (label, query string); deep pages use the default page size of 50.
REQUESTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("first page", ("",)),
    ("deep page (1000)", ("page=1000", "page=1001", "page=999")),
    ("last page (2000)", ("page=2000",)),
    ("search name", ("q=lovelace", "q=grace+hop", "q=martin", "q=turing")),
    ("search e-mail", ("q=ada.lovelace.4", "q=@example.org", "q=linus.torvalds.77")),
    ("search external id", ("q=C0054321", "q=C0000007", "q=C0099999")),
    ("search, no match", ("q=zzzz-nobody",)),
    ("filter country", ("country=FR", "country=de", "country=SE")),
    ("filter status", ("status=lapsed", "status=churned", "status=lead")),
    ("filter tag", ("tag=hiking", "tag=wine", "tag=quality")),
    ("sort newest", ("sort=-created", "sort=-created&page=20")),
    ("sort e-mail p.50", ("sort=email&page=50",)),
    ("combined filters", ("country=DE&status=active&tag=cooking&sort=-created",
                          "country=GB&tag=books&q=an")),
)


class Timed:
    """ASGI wrapper: the seconds each call spent inside the app, client excluded."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.last = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = time.perf_counter()
        await self.app(scope, receive, send)
        self.last = time.perf_counter() - start


@dataclass
class Sql:
    """Statements the app sent to the driver, recorded to replay them for the floor."""

    recording: bool = False
    statements: list[tuple[str, Any]] | None = None

    def __call__(self, conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if self.recording and self.statements is not None:
            self.statements.append((statement, parameters))


def _customer(rng: random.Random, n: int, created: datetime) -> dict[str, Any]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return {
        "external_id": f"C{n:07d}", "first_name": first, "last_name": last,
        "email": f"{first}.{last}.{n}@example.{rng.choice(('com', 'org'))}".lower(),
        "phone": None, "preferred_channel": "email", "consent_email": True,
        "consent_marketing": rng.random() < 0.4,
        "lifecycle_status": rng.choices(STATUSES, STATUS_WEIGHTS)[0],
        "birth_year": rng.randint(1945, 2006), "gender": None, "country": rng.choice(COUNTRIES),
        "region": None, "city": rng.choice(CITIES), "education": None, "income_band": None,
        "household_size": None, "values": rng.sample(VALUES, rng.randint(0, 2)),
        "interests": rng.sample(TAGS, rng.randint(0, 4)), "personality": [],
        "lifestyle": rng.sample(TAGS, rng.randint(0, 1)), "usage_frequency": None,
        "product_lines": [], "attitude": None, "created_at": created, "updated_at": created,
    }


def _order(rng: random.Random, n: int, customers: int, placed: datetime) -> dict[str, Any]:
    # Skewed: a fifth of the customers place most orders, as in real shops.
    return {"external_id": f"O{n:08d}", "customer_id": int(customers * rng.random() ** 2.5) + 1,
            "placed_at": placed, "amount": Decimal(rng.randint(500, 25_000)) / 100,
            "currency": "GBP", "status": "paid", "refunded_amount": Decimal(0),
            "item_count": rng.randint(1, 5), "channel": "web", "delivered_at": None,
            "created_at": placed, "updated_at": placed}


def _seed(engine: Engine, customers: int, orders: int) -> None:
    rng = random.Random(20260101)
    start = datetime(2023, 1, 1, tzinfo=UTC)
    batch = 10_000
    with engine.begin() as conn:
        for lo in range(0, customers, batch):
            conn.execute(insert(Customer), [
                _customer(rng, n, start + timedelta(minutes=n * 13))
                for n in range(lo + 1, min(lo + batch, customers) + 1)])
        for lo in range(0, orders, batch):
            conn.execute(insert(Order), [
                _order(rng, n, customers, start + timedelta(minutes=rng.randint(0, 1_576_800)))
                for n in range(lo + 1, min(lo + batch, orders) + 1)])
    with unit_of_work(engine) as session:
        auth_service.create_user(session, email="bench@example.com", name="Bench",
                                 password=PASSWORD, role=Role.AGENT)


def _seeded(engine: Engine, customers: int) -> bool:
    if not is_initialised(engine):
        return False
    with engine.connect() as conn:
        return bool(conn.scalar(select(func.count()).select_from(Customer)) == customers)


def _login(client: TestClient) -> None:
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    resp = client.post("/login", data={"email": "bench@example.com", "password": PASSWORD,
                                       "csrf_token": token}, follow_redirects=False)
    assert resp.status_code == 303, resp.text


def _pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def _replay(engine: Engine, statements: list[tuple[str, Any]]) -> float:
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        start = time.perf_counter()
        for statement, params in statements:
            cur.execute(statement, params)
            cur.fetchall()
        took = time.perf_counter() - start
        cur.close()
        raw.rollback()
        return took
    finally:
        raw.close()


def measure(engine: Engine, data_dir: Path, repeats: int) -> list[tuple[str, list[float],
                                                                       list[float]]]:
    timed = Timed(create_app(Settings(data_dir=data_dir, secret_key="bench-" * 8), engine))
    sql = Sql()
    event.listen(engine, "before_cursor_execute", sql)
    results = []
    with TestClient(timed, base_url="http://bench") as client:
        _login(client)
        for label, queries in REQUESTS:
            captured: dict[str, list[tuple[str, Any]]] = {}
            for qs in queries:  # warm up and record each query's SQL once
                sql.recording, sql.statements = True, []
                assert client.get(f"/customers?{qs}").status_code == 200, (label, qs)
                sql.recording, captured[qs] = False, sql.statements
            server, floor = [], []
            for i in range(repeats):
                qs = queries[i % len(queries)]
                resp = client.get(f"/customers?{qs}")
                assert resp.status_code == 200, (label, qs, resp.status_code)
                server.append(timed.last)
                floor.append(_replay(engine, captured[qs]))
            results.append((label, server, floor))
    event.remove(engine, "before_cursor_execute", sql)
    return results


@contextmanager
def pg_database(admin_url: str, keep: bool) -> Iterator[str]:
    admin = build_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": PG_DB})
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{PG_DB}"'))
    try:
        yield make_url(admin_url).set(database=PG_DB).render_as_string(hide_password=False)
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
        admin.dispose()


def _load() -> str:
    """Other work on the machine inflates every figure; print it next to them."""
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor())
    mem_kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")))
    date = subprocess.run(["date", "-u"], capture_output=True, text=True).stdout.strip()
    return (f"{date}; {os.cpu_count()} CPUs ({cpu}), {mem_kb / 2**20:.0f} GiB RAM; "
            f"Python {platform.python_version()}")


def run_one(name: str, url: str, args: argparse.Namespace, data_dir: Path) -> None:
    engine = build_engine(url)
    try:
        upgrade(engine)
        if not (args.reuse and _seeded(engine, args.customers)):
            started = time.perf_counter()
            _seed(engine, args.customers, args.orders)
            if engine.dialect.name == "postgresql":
                # What autovacuum does after bulk inserts: statistics, and the visibility map
                # that lets the sort indexes (ending in id) answer pages by index-only scans.
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.execute(text("VACUUM ANALYZE"))
            print(f"<!-- {name}: seeded in {time.perf_counter() - started:.0f} s -->")
        with engine.connect() as conn:
            version = conn.scalar(text("SELECT sqlite_version()" if engine.dialect.name ==
                                       "sqlite" else "SHOW server_version"))
        print(f"\n{name} {version}, {args.customers:,} customers, {args.orders:,} orders, "
              f"{args.repeats} requests per kind; load average before: {_load()}\n")
        print("| request | server p50 ms | p95 ms | max ms | driver floor p50 | p95 |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for label, server, floor in measure(engine, data_dir, args.repeats):
            print(f"| {label} | {_pct(server, 50):.1f} | {_pct(server, 95):.1f} | "
                  f"{max(server) * 1000:.1f} | {_pct(floor, 50):.1f} | {_pct(floor, 95):.1f} |")
        print(f"\nLoad average after: {_load()}")
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=300_000)
    parser.add_argument("--repeats", type=int, default=200, help="timed requests per kind")
    parser.add_argument("--pg-admin-url",
                        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--sqlite-dir", type=Path,
                        default=Path(tempfile.gettempdir()) / "fairdesk-bench")
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--keep", action="store_true", help="keep both databases")
    parser.add_argument("--reuse", action="store_true", help="skip seeding a full database")
    args = parser.parse_args()
    print(f"Machine: {machine()}")
    db_file = args.sqlite_dir / "bench_pages.db"
    if args.only != "postgresql":
        if not args.reuse:
            for leftover in args.sqlite_dir.glob("bench_pages.db*"):
                leftover.unlink()
        run_one("SQLite", f"sqlite:///{db_file}", args, args.sqlite_dir)
        if not args.keep:
            for leftover in args.sqlite_dir.glob("bench_pages.db*"):
                leftover.unlink()
    if args.only != "sqlite":
        with pg_database(args.pg_admin_url, args.keep) as url:
            run_one("PostgreSQL", url, args, args.sqlite_dir)


if __name__ == "__main__":
    main()
