"""Goodwill: recommendation latency and grant throughput with exact budgets, on PostgreSQL.

Run by hand on a quiet machine (it creates and drops a scratch database of its own):

    .venv/bin/python bench/bench_goodwill.py [--threads 8] [--grants 4000] [--agents 16] \
        [--processes 2,4] [--sequential 300]

Reports, side by side in one run:

* **recommendation** p50/p95 — the pure ``recommend()`` on a cached policy, the full
  ``recommendation_for`` (ticket, order, CLV, segment, claims and budget read from the
  database), and what one would otherwise write: re-reading and validating the YAML per call;
* **cost of one grant** — grants one after the other in one process: CPU ms in Python, CPU ms
  in the PostgreSQL backend serving it, SQL statements, wall ms (what bounds the rate per core);
* **grants/s** — complete ``grants.grant`` calls (decision, ledger row, budget, refund, the
  public reply through the outbox, audit), one unit of work each, many agents: N threads in
  this process, then the same concurrency spread over worker processes (as uvicorn workers
  would serve it; one Python process is bound by its GIL), with Python CPU per grant and the
  whole machine's CPU per grant;
* **one agent's budget under contention** — every thread grants against one agent's daily
  budget; checks ``spent`` equals the limit exactly and the ledger agrees;
* **budget primitive** — reservations/s and overspend for the conditional ``UPDATE`` used here,
  ``SELECT … FOR UPDATE`` then ``UPDATE`` (the usual alternative), and a naive
  read-check-write (what goes wrong without either).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import random
import secrets
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal
from multiprocessing.synchronize import Event

from sqlalchemy import Engine, event, func, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from fairdesk.auth import service as auth_service
from fairdesk.auth.models import Role, StaffUser
from fairdesk.customers.models import Customer, Order
from fairdesk.db.migrate import upgrade
from fairdesk.db.session import build_engine, unit_of_work
from fairdesk.goodwill import budget, grants, policy
from fairdesk.goodwill import service as goodwill_service
from fairdesk.goodwill.models import Budget, BudgetPeriod, Gesture, GestureStatus
from fairdesk.goodwill.rules import Facts, GestureRequest, recommend
from fairdesk.tickets.models import IntakeChannel, Ticket

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
CATEGORIES = ["defect", "delivery", "billing", "refund", "other", "product_question"]


def _admin(sql: str) -> None:
    engine = build_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = ordered[len(ordered) // 2] * 1000
    p95 = ordered[int(len(ordered) * 0.95)] * 1000
    return f"p50 {p50:.3f} ms, p95 {p95:.3f} ms (n={len(samples):,})"


def _timed(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def seed(
    engine: Engine, *, agents: int, tickets: int, per_day: int
) -> tuple[list[int], list[int]]:
    """Agents, customers with one order each, and a ticket per order."""
    rng = random.Random(7)
    with unit_of_work(engine) as session:
        source = goodwill_service.default_source().replace(
            "per_day: 250\n    per_month: 2000\n", f"per_day: {per_day}\n    per_month: 1000000\n"
        )
        goodwill_service.save_policy(session, source=source, actor=None, note="bench")
        staff = [auth_service.create_user(session, email=f"a{i}@bench.example", name=f"Agent {i}",
                                          password="benchmark-password", role=Role.AGENT)
                 for i in range(agents)]
        customers = [Customer(external_id=f"B{i}", first_name="Bench", last_name=str(i),
                              email=f"c{i}@bench.example") for i in range(tickets)]
        session.add_all(customers)
        session.flush()
        orders = [Order(external_id=f"BO{i}", customer_id=c.id, currency="GBP",
                        placed_at=datetime(2026, 1, 1, tzinfo=UTC),
                        amount=Decimal(rng.randint(8, 90)))
                  for i, c in enumerate(customers)]
        session.add_all(orders)
        session.flush()
        rows = [Ticket(reference=secrets.token_hex(6), customer_id=o.customer_id,
                       channel=IntakeChannel.EMAIL, subject="bench", order_id=o.id,
                       category=rng.choice(CATEGORIES)) for o in orders]
        session.add_all(rows)
        session.flush()
        return [s.id for s in staff], [t.id for t in rows]


def bench_recommendation(engine: Engine, ticket_ids: list[int], agent_id: int) -> None:
    rules = policy.parse(goodwill_service.default_source())
    rng = random.Random(1)
    facts = [Facts(role="agent", category=rng.choice(CATEGORIES),
                   order_amount=Decimal(rng.randint(5, 200)), order_currency="GBP",
                   clv=rng.choice([None, 50.0, 150.0, 600.0]),
                   segment=rng.choice([None, "champions", "lost"]),
                   recent_claims=rng.randint(0, 4)) for _ in range(2000)]
    it = iter(facts * 10)
    pure = _timed(lambda: recommend(rules, next(it)), 20_000)
    source = goodwill_service.default_source()
    it2 = iter(facts)
    naive = _timed(lambda: recommend(policy.parse(source), next(it2)), 2000)
    with unit_of_work(engine) as session:
        actor = session.get(StaffUser, agent_id)
        assert actor is not None
        picks = iter(rng.choices(ticket_ids, k=2000))
        full = _timed(lambda: goodwill_service.recommendation_for(
            session, ticket_id=next(picks), actor=actor), 2000)
    print(f"recommend(), cached policy:              {_percentiles(pure)}")
    print(f"recommendation_for() with DB reads (PG): {_percentiles(full)}")
    print(f"re-parse YAML per call (naive):          {_percentiles(naive)}")


def statements_per_grant(engine: Engine, ticket_id: int, agent_id: int) -> int:
    """SQL statements one complete grant sends (its unit of work, commit excluded)."""
    sent: list[str] = []

    def count(*_: object) -> None:
        sent.append("")

    event.listen(engine, "before_cursor_execute", count)
    try:
        _grant_all(engine, [(ticket_id, agent_id)], 1)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(sent) - 1  # less the bench's own read of the actor


def _grant_all(engine: Engine, jobs: list[tuple[int, int]], threads: int) -> tuple[float, int, int]:
    granted = refused = 0
    lock = threading.Lock()

    def one(job: tuple[int, int]) -> None:
        nonlocal granted, refused
        ticket_id, agent_id = job
        try:
            with unit_of_work(engine) as session:
                actor = session.get(StaffUser, agent_id)
                assert actor is not None
                grants.grant(session, ticket_id=ticket_id, actor=actor,
                             request=GestureRequest("store_credit", Decimal("5"), "GBP"))
            with lock:
                granted += 1
        except grants.OverLimit:
            with lock:
                refused += 1

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(one, jobs))
    return time.perf_counter() - t0, granted, refused


def _machine_cpu() -> float:
    """CPU seconds (user + system, every process) the machine has spent since boot."""
    with open("/proc/stat") as stat:
        fields = stat.readline().split()[1:]
    return (int(fields[0]) + int(fields[1]) + int(fields[2])) / os.sysconf("SC_CLK_TCK")


def _process_cpu(pid: int) -> float:
    """CPU seconds of one process (the PostgreSQL backend serving a connection)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cost_per_grant(url: str, jobs: list[tuple[int, int]]) -> None:
    """Grants one after the other on one connection: where a grant's time and CPU go."""
    engine = build_engine(url, pool_size=1, max_overflow=0)
    sent: list[str] = []

    def count(*_: object) -> None:
        sent.append("")

    try:
        _grant_all(engine, jobs[:1], 1)  # warm the connection and the statement cache
        with engine.connect() as conn:
            backend = int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
        event.listen(engine, "before_cursor_execute", count)
        pg0, cpu0, t0 = _process_cpu(backend), time.process_time(), time.perf_counter()
        _, ok, _ = _grant_all(engine, jobs[1:], 1)
        took, cpu, pg = (time.perf_counter() - t0, time.process_time() - cpu0,
                         _process_cpu(backend) - pg0)
        event.remove(engine, "before_cursor_execute", count)
    finally:
        engine.dispose()
    print(f"one grant after the other, one process ({ok} grants): {1000 * took / ok:.1f} ms wall, "
          f"{1000 * cpu / ok:.1f} ms CPU in Python, {1000 * pg / ok:.1f} ms CPU in the "
          f"PostgreSQL backend, {(len(sent) - len(jobs) + 1) / ok:.1f} SQL statements per grant "
          f"(commit and the bench's own read of the actor excluded)")


def _worker(url: str, jobs: list[tuple[int, int]], threads: int, ready: Event, go: Event,
            out: multiprocessing.Queue[tuple[int, int, float, float, float]]) -> None:
    """One worker process: warm up on its first job, wait for the start, grant the rest."""
    engine = build_engine(url, pool_size=threads, max_overflow=0)
    _grant_all(engine, jobs[:1], 1)
    ready.set()
    go.wait()
    start, cpu0 = time.monotonic(), time.process_time()
    _, ok, no = _grant_all(engine, jobs[1:], threads)
    out.put((ok, no, time.process_time() - cpu0, start, time.monotonic()))
    engine.dispose()


def grant_processes(url: str, jobs: list[tuple[int, int]], processes: int, threads: int) -> str:
    """The same grants from several worker processes at once (each warmed up first)."""
    ctx = multiprocessing.get_context("spawn")
    out: multiprocessing.Queue[tuple[int, int, float, float, float]] = ctx.Queue()
    go = ctx.Event()
    workers, readies = [], []
    for i in range(processes):
        ready = ctx.Event()
        worker = ctx.Process(target=_worker,
                             args=(url, jobs[i::processes], threads, ready, go, out))
        worker.start()
        workers.append(worker)
        readies.append(ready)
    for ready in readies:
        ready.wait()
    machine0 = _machine_cpu()
    go.set()
    results = [out.get() for _ in workers]
    machine = _machine_cpu() - machine0
    for worker in workers:
        worker.join()
    ok = sum(r[0] for r in results)
    no = sum(r[1] for r in results)
    took = max(r[4] for r in results) - min(r[3] for r in results)
    python_cpu = sum(r[2] for r in results)
    return (f"{ok / took:,.0f} grants/s ({ok:,} granted, {no} refused in {took:.1f} s); "
            f"{1000 * python_cpu / ok:.1f} ms Python CPU and {1000 * machine / ok:.1f} ms "
            f"machine CPU (all processes) per grant")


def _exact(engine: Engine, per_day: int) -> str:
    with unit_of_work(engine) as session:
        spent = dict(session.execute(select(Budget.staff_id, Budget.spent).where(
            Budget.period == BudgetPeriod.DAY)).all())
        rows = session.execute(select(Gesture.actor_id, func.sum(Gesture.amount)).where(
            Gesture.status == GestureStatus.GRANTED, Gesture.charged_to_budget.is_(True))
            .group_by(Gesture.actor_id)).all()
    ledger = {int(a): Decimal(total) for a, total in rows if a is not None}
    agree = all(spent.get(a, Decimal(0)) == ledger.get(a, Decimal(0))
                for a in set(spent) | set(ledger))
    within = all(v <= per_day for v in spent.values())
    return (f"ledger == budget: {agree}; every budget <= £{per_day}: {within}; "
            f"max spent £{max(spent.values())}")


def bench_reserve(engine: Engine, staff_id: int, threads: int, n: int, limit: int) -> None:
    """Reserve £1 n times against a £limit budget with three locking strategies."""
    day = datetime.now(UTC).date().replace(year=2030)

    def reset() -> None:
        with unit_of_work(engine) as session:
            budget.ensure_rows(session, staff_id=staff_id, today=day)
            session.execute(update(Budget).where(Budget.staff_id == staff_id,
                                                 Budget.starts_on == day).values(spent=0))

    def conditional(session: Session) -> None:
        spent = budget.lock_rows(session, staff_id=staff_id, today=day)
        budget.charge(session, staff_id=staff_id, amount=Decimal(1), today=day, spent=spent,
                      per_day=Decimal(limit), per_month=Decimal(10**9))

    def locking(session: Session, lock: bool) -> None:
        q = select(Budget.spent).where(Budget.staff_id == staff_id, Budget.period == "day",
                                       Budget.starts_on == day)
        spent = session.scalar(q.with_for_update() if lock else q) or Decimal(0)
        if spent + 1 <= limit:
            session.execute(update(Budget).where(Budget.staff_id == staff_id,
                                                 Budget.period == "day", Budget.starts_on == day)
                            .values(spent=spent + 1))

    strategies: list[tuple[str, Callable[[Session], None]]] = [
        ("lock_rows upsert + one charge UPDATE (fairdesk)", conditional),
        ("SELECT ... FOR UPDATE + UPDATE", lambda s: locking(s, True)),
        ("naive read-check-write", lambda s: locking(s, False)),
    ]
    for name, fn in strategies:
        reset()

        def job(_: int, fn: Callable[[Session], None] = fn) -> None:
            with unit_of_work(engine) as session:
                fn(session)

        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(job, range(n)))
        took = time.perf_counter() - t0
        with unit_of_work(engine) as session:
            spent = session.scalar(select(Budget.spent).where(
                Budget.staff_id == staff_id, Budget.period == "day", Budget.starts_on == day))
        print(f"  {name:32s} {n / took:8,.0f} reservations/s; spent £{spent} of £{limit} "
              f"({'exact' if spent == limit else 'WRONG'})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--grants", type=int, default=4000)
    parser.add_argument("--agents", type=int, default=16)
    parser.add_argument("--processes", default="2,4",
                        help="worker process counts to run; --threads grants in flight in all")
    parser.add_argument("--sequential", type=int, default=300)
    args = parser.parse_args()
    process_counts = [int(p) for p in args.processes.split(",") if p]
    name = f"fairdesk_bench_gw_{uuid.uuid4().hex[:8]}"
    _admin(f'CREATE DATABASE "{name}"')
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = build_engine(url, pool_size=args.threads + 2, max_overflow=0)
    try:
        upgrade(engine)
        load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
        print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; "
              f"{platform.processor() or platform.machine()}, nproc {os.cpu_count()}; {load}")
        per_day = 1_000_000
        runs = 2 + len(process_counts)  # threads, each process count, one agent's budget
        agent_ids, tickets = seed(engine, agents=args.agents + 1,
                                  tickets=args.grants * runs + args.sequential + 1 + 2 * 4,
                                  per_day=per_day)
        bench_recommendation(engine, tickets, agent_ids[0])
        spare = tickets.pop()  # one ticket of its own for counting statements
        print(f"SQL statements, an agent's first grant of the day: "
              f"{statements_per_grant(engine, spare, agent_ids[1])}")

        def take(n: int) -> list[tuple[int, int]]:
            picked = [tickets.pop() for _ in range(n)]
            return [(t, agent_ids[1 + i % args.agents]) for i, t in enumerate(picked)]

        cost_per_grant(url, take(args.sequential + 1))
        many = take(args.grants)
        machine0, cpu0 = _machine_cpu(), time.process_time()
        took, ok, no = _grant_all(engine, many, args.threads)
        machine, cpu = _machine_cpu() - machine0, time.process_time() - cpu0
        print(f"grants, {args.threads} threads in this process, {args.agents} agents: "
              f"{ok / took:,.0f} grants/s ({ok:,} granted, {no} refused in {took:.1f} s); "
              f"{1000 * cpu / ok:.1f} ms Python CPU and {1000 * machine / ok:.1f} ms machine CPU "
              f"per grant")
        for processes in process_counts:
            threads = max(1, args.threads // processes)
            jobs = take(args.grants + processes)  # one warm-up grant each
            print(f"grants, {processes} processes x {threads} threads, {args.agents} agents: "
                  f"{grant_processes(url, jobs, processes, threads)}")
        print(f"after every grant run: {_exact(engine, per_day)}")
        limit = 5 * (args.grants // 4)  # room for half the attempts
        with unit_of_work(engine) as session:
            session.execute(update(Budget).values(spent=0))
            source = goodwill_service.current_version(session).source.replace(
                f"per_day: {per_day}", f"per_day: {limit}")
            goodwill_service.save_policy(session, source=source, actor=None, note="contention")
        one = [(tickets.pop(), agent_ids[0]) for _ in range(args.grants)]
        took, ok, no = _grant_all(engine, one, args.threads)
        with unit_of_work(engine) as session:
            spent = session.scalar(select(Budget.spent).where(
                Budget.staff_id == agent_ids[0], Budget.period == BudgetPeriod.DAY,
                Budget.starts_on == datetime.now(UTC).date()))
        print(f"one agent's £{limit} daily budget, {args.threads} threads: {(ok + no) / took:,.0f} "
              f"calls/s, {ok:,} granted, {no:,} refused; spent £{spent} "
              f"({'exact' if spent == limit else 'WRONG'})")
        print(f"budget primitive, {args.threads} threads, 2,000 x £1 against £1,000:")
        bench_reserve(engine, agent_ids[0], args.threads, 2000, 1000)
    finally:
        engine.dispose()
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
