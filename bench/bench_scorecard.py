"""Scorecard at scale on PostgreSQL: full rollup rebuild, and the page over real HTTP.

Seeds a separate database (``fairdesk_bench_scorecard``, dropped at the end unless
``--keep``) inside PostgreSQL with ``generate_series``: 200,000 customers with journey events,
RFM segments, personas and CLV; 1,000,000 tickets over two years with their messages
(question, answer, follow-ups, reopenings), triage and 50,000 goodwill gestures; 400,000
survey invitations and 300,000 answers. Then:

1. ``fairdesk scorecard rebuild`` (``rollup.rebuild`` + commit) from scratch, timed;
2. the ``/scorecard`` page served by uvicorn, fetched warm over HTTP by a signed-in manager
   for every breakdown and three periods: p50 / p95 / max;
3. side by side, what one would otherwise do: compute the same scorecard straight from the
   raw tables on each request (the same SQL restricted to the period, then the same figures),
   timed in-process (no HTTP: that only flatters it).

    .venv/bin/python bench/bench_scorecard.py [--tickets 1000000] [--keep] [--reuse]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from fairdesk.app import create_app
from fairdesk.auth import service as auth_service
from fairdesk.auth.models import Role
from fairdesk.config import Settings
from fairdesk.db.migrate import upgrade
from fairdesk.db.session import build_engine, unit_of_work
from fairdesk.goodwill import service as goodwill_service
from fairdesk.scorecard import rollup
from fairdesk.scorecard.query import DIMENSIONS, parse
from fairdesk.scorecard.service import scorecard

PG_ADMIN = os.environ.get("FAIRDESK_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1/test")
PG_DB = "fairdesk_bench_scorecard"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
DAYS = 728
AGENTS = 20
PASSWORD = "bench-password-123"
OUT = Path(__file__).parent / "out" / "scorecard"
SEGMENTS = ("champions", "loyal", "potential", "new", "promising", "at_risk", "hibernating", "lost")
TOPICS = (
    "delivery",
    "damaged",
    "billing",
    "refund",
    "product_question",
    "wrong_item",
    "subscription",
    "account",
    "quality",
    "other",
)
CHANNELS = ("email", "web", "api", "phone", "portal")
BULK_TABLES = (
    "customer",
    "journey_event",
    "customer_score",
    "ticket",
    "ticket_message",
    "ticket_triage",
    "survey_invitation",
    "survey_answer",
    "goodwill_gesture",
    "customer_value",
)


@contextmanager
def pg_database(keep: bool) -> Iterator[str]:
    admin = build_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": PG_DB}):
            conn.execute(text(f'CREATE DATABASE "{PG_DB}"'))
    try:
        yield make_url(PG_ADMIN).set(database=PG_DB).render_as_string(hide_password=False)
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
        admin.dispose()


def pick(words: tuple[str, ...]) -> str:
    """SQL for one of ``words`` at random, drawn per row."""
    return f"(ARRAY{list(words)})[1 + floor(random() * {len(words)})::int]"


def _fill(conn: Any, table: str, given: dict[str, str], source: str) -> None:
    """INSERT … SELECT with ``given`` columns; every other NOT NULL column gets a neutral value.

    The models' defaults live in Python, not in the schema, so a bulk INSERT names them all;
    reading the schema here keeps this seed working when another domain adds a column.
    """
    neutral = {
        "integer": "0",
        "smallint": "0",
        "bigint": "0",
        "double precision": "0",
        "numeric": "0",
        "boolean": "false",
        "json": "'[]'::json",
        "jsonb": "'[]'::jsonb",
        "timestamp with time zone": "now()",
        "date": "current_date",
    }
    rows = conn.execute(
        text(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = :t AND is_nullable = 'NO' AND column_default IS NULL"
        ),
        {"t": table},
    ).all()
    cols = dict(given)
    for name, kind in rows:
        if name not in cols:
            cols[name] = neutral.get(kind, "''")
    conn.execute(
        text(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(cols.values())} {source}")
    )


def seed(engine: Engine, tickets: int) -> dict[str, float]:
    customers = max(1000, tickets // 5)
    timings: dict[str, float] = {}
    with unit_of_work(engine) as session:
        manager = auth_service.create_user(
            session,
            email="manager@bench.example",
            name="Bench",
            password=PASSWORD,
            role=Role.MANAGER,
        )
        for i in range(AGENTS):
            auth_service.create_user(
                session,
                email=f"agent{i}@bench.example",
                name=f"Agent {i}",
                password=PASSWORD,
                role=Role.AGENT,
            )
        version_id = goodwill_service.current_version(session).id
        first_agent = manager.id + 1
    now = f"TIMESTAMPTZ '{NOW.isoformat()}'"
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL work_mem = '256MB'"))
        # The rows are consistent by construction: skip the per-row foreign-key triggers, and
        # build the secondary indexes once after the load (as after a COPY), not row by row.
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        indexes = conn.execute(
            text(
                "SELECT indexname, indexdef FROM pg_indexes i WHERE schemaname = 'public' "
                "AND tablename = ANY(:t) AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
                "WHERE c.conname = i.indexname)"
            ),
            {"t": list(BULK_TABLES)},
        ).all()
        for name, _ in indexes:
            conn.execute(text(f'DROP INDEX "{name}"'))
        conn.execute(text("SELECT setseed(0.42)"))
        steps: list[tuple[str, str, dict[str, str], str]] = [
            (
                "customers",
                "customer",
                {
                    "id": "g",
                    "first_name": "'Bench'",
                    "last_name": "'Customer ' || g",
                    "email": "'c' || g || '@bench.example'",
                    "preferred_channel": "'email'",
                    "lifecycle_status": "'active'",
                    "created_at": f"{now} - (random() * {DAYS}) * interval '1 day'",
                    "updated_at": now,
                },
                f"FROM generate_series(1, {customers}) g",
            ),
            (
                "journey: first entry",
                "journey_event",
                {
                    "customer_id": "c.id",
                    "stage": "CASE WHEN random() < 0.3 THEN 'lead' ELSE 'first_purchase' END",
                    "event_type": "'bench'",
                    "occurred_at": "c.created_at",
                    "details": "'{}'::json",
                },
                "FROM customer c",
            ),
            (
                "journey: later stages",
                "journey_event",
                {
                    "customer_id": "j.customer_id",
                    "stage": "CASE WHEN r < 0.25 THEN 'first_purchase' WHEN r < 0.55 THEN 'repeat' "
                    "WHEN r < 0.70 THEN 'lapsed' WHEN r < 0.78 THEN 'churned' "
                    "ELSE 'reactivated' END",
                    "event_type": "'bench'",
                    "occurred_at": "j.occurred_at + (1 + random() * 200) * interval '1 day'",
                    "details": "'{}'::json",
                },
                "FROM (SELECT customer_id, occurred_at, random() AS r FROM journey_event) j "
                "WHERE j.r < 0.9",
            ),
            (
                "segments and personas",
                "customer_score",
                {
                    "customer_id": "c.id",
                    "computed_at": now,
                    "orders": "1 + (random() * 9)::int",
                    "spend": "random() * 900",
                    "recency_days": "random() * 700",
                    "r_score": "1 + (random() * 4)::int",
                    "f_score": "1 + (random() * 4)::int",
                    "m_score": "1 + (random() * 4)::int",
                    "rfm_segment": pick(SEGMENTS),
                    "persona_id": "CASE WHEN random() < 0.7 THEN 1 + (random() * 5)::int END",
                },
                "FROM customer c",
            ),
            (
                "tickets",
                "ticket",
                {
                    "id": "s.g",
                    "reference": "'B' || s.g",
                    "customer_id": f"1 + (random() * {customers - 1})::int",
                    "channel": pick(CHANNELS),
                    "subject": "'Bench ticket'",
                    "status": "CASE WHEN s.resolved IS NULL THEN 'open' ELSE 'closed' END",
                    "priority": "'normal'",
                    "tags": "'[]'::json",
                    "assignee_id": f"{first_agent} + (random() * {AGENTS - 1})::int",
                    "created_at": "s.created",
                    "updated_at": now,
                    "first_responded_at": "s.created + s.frt * interval '1 minute'",
                    "resolved_at": "s.resolved",
                    "warned_first_response": "false",
                    "warned_resolution": "false",
                },
                "FROM (SELECT g, c AS created, exp(random() * 7) AS frt, "
                f"CASE WHEN random() < 0.95 AND c < {now} - interval '3 days' "
                "THEN c + (30 + exp(random() * 9.5)) * interval '1 minute' END AS resolved "
                f"FROM (SELECT g, {now} - (random() * {DAYS}) * interval '1 day' AS c "
                f"FROM generate_series(1, {tickets}) g) x) s",
            ),
        ]
        for label, table, given, source in steps:
            started = time.perf_counter()
            _fill(conn, table, given, source)
            timings[label] = time.perf_counter() - started
        messages: list[tuple[str, dict[str, str], str]] = [
            (
                "messages: questions",
                {
                    "ticket_id": "t.id",
                    "kind": "'customer'",
                    "channel": "t.channel",
                    "body": "'Where is my order?'",
                    "created_at": "t.created_at",
                    "meta": "'{}'::json",
                },
                "FROM ticket t",
            ),
            (
                "messages: first answers",
                {
                    "ticket_id": "t.id",
                    "kind": "'reply'",
                    "channel": "t.channel",
                    "body": "'On its way.'",
                    "created_at": "t.first_responded_at",
                    "meta": "'{}'::json",
                    "author_staff_id": "t.assignee_id",
                },
                "FROM ticket t",
            ),
            (
                "messages: follow-ups",
                {
                    "ticket_id": "t.id",
                    "kind": "'customer'",
                    "channel": "t.channel",
                    "body": "'Still nothing.'",
                    "created_at": "t.first_responded_at + "
                    "(t.resolved_at - t.first_responded_at) / 3",
                    "meta": "'{}'::json",
                },
                "FROM ticket t WHERE t.resolved_at > t.first_responded_at AND random() < 0.4",
            ),
            (
                "messages: resolutions",
                {
                    "ticket_id": "t.id",
                    "kind": "'reply'",
                    "channel": "t.channel",
                    "body": "'Sorted.'",
                    "created_at": "t.resolved_at",
                    "meta": "'{}'::json",
                    "author_staff_id": "t.assignee_id",
                },
                "FROM ticket t WHERE t.resolved_at > t.first_responded_at",
            ),
            (
                "messages: reopenings",
                {
                    "ticket_id": "t.id",
                    "kind": "'event'",
                    "channel": "t.channel",
                    "body": "'Reopened'",
                    "created_at": "t.resolved_at - interval '1 hour'",
                    "meta": '\'{"event": "reopened"}\'::json',
                },
                "FROM ticket t WHERE t.resolved_at IS NOT NULL AND random() < 0.06",
            ),
        ]
        for label, given, source in messages:
            started = time.perf_counter()
            _fill(conn, "ticket_message", given, source)
            timings[label] = time.perf_counter() - started
        started = time.perf_counter()
        _fill(
            conn,
            "ticket_triage",
            {
                "ticket_id": "t.id",
                "urgency": "random()",
                "urgency_level": "'normal'",
                "sentiment": "random() * 2 - 1",
                "anger": "random() * random()",
                "topic": pick(TOPICS),
                "abusive": "false",
                "threat": "false",
                "messages": "2",
                "updated_at": now,
            },
            "FROM ticket t",
        )
        timings["triage"] = time.perf_counter() - started
        started = time.perf_counter()
        conn.execute(
            text(
                "INSERT INTO survey_form (kind, title, questions, reason_codes, active, "
                "updated_at) "
                "VALUES ('ticket', 'How did we do?', '[\"csat\", \"ces\", \"nps\"]', "
                '\'["slow", "not solved", "rude", "policy"]\', true, now())'
            )
        )
        invitations = int(tickets * 0.4)
        _fill(
            conn,
            "survey_invitation",
            {
                "id": "t.id",
                "form_id": "1",
                "kind": "'ticket'",
                "customer_id": "t.customer_id",
                "ticket_id": "t.id",
                "nonce": "'n' || t.id",
                "status": "'queued'",
                "questions": '\'["csat", "ces", "nps"]\'::json',
                "sent_at": "t.resolved_at",
                "expires_at": "t.resolved_at + interval '14 days'",
            },
            f"FROM ticket t WHERE t.resolved_at IS NOT NULL AND t.id % 5 < 2 "
            f"ORDER BY t.id LIMIT {invitations}",
        )
        answers = min(int(tickets * 0.3), invitations)
        _fill(
            conn,
            "survey_answer",
            {
                "invitation_id": "i.id",
                "customer_id": "i.customer_id",
                "ticket_id": "i.ticket_id",
                "csat": "i.csat",
                "ces": "1 + (random() * 6)::int",
                "nps": "CASE WHEN random() < 0.8 THEN (random() * 10)::int END",
                "reasons": "CASE WHEN i.csat <= 3 THEN json_build_array((ARRAY['slow', "
                "'not solved', 'rude', 'policy'])[1 + (random() * 3)::int]) "
                "ELSE '[]'::json END",
                "comment": "''",
                "answered_at": "i.sent_at + interval '3 hours'",
                "updated_at": "i.sent_at + interval '3 hours'",
            },
            "FROM (SELECT *, 1 + (random() * 4)::int AS csat FROM survey_invitation "
            f"ORDER BY id LIMIT {answers}) i",
        )
        conn.execute(
            text(
                "UPDATE survey_invitation SET status = 'answered' WHERE id IN "
                "(SELECT invitation_id FROM survey_answer)"
            )
        )
        timings["surveys"] = time.perf_counter() - started
        started = time.perf_counter()
        _fill(
            conn,
            "goodwill_gesture",
            {
                "ticket_id": "t.id",
                "customer_id": "t.customer_id",
                "request_key": "'b' || t.id",
                "remedy": "'store_credit'",
                "amount": "5",
                "currency": "'GBP'",
                "status": "CASE WHEN random() < 0.8 THEN 'granted' ELSE 'pending' END",
                "rule": "'bench'",
                "policy_version_id": str(version_id),
                "actor_id": "t.assignee_id",
                "approver_id": f"CASE WHEN random() < 0.15 THEN {first_agent - 1} END",
                "created_at": "t.created_at + interval '1 hour'",
                "reasons": "'[]'::json",
                "inputs": "'{}'::json",
            },
            "FROM ticket t WHERE t.id % 20 = 0",
        )
        _fill(
            conn,
            "clv_fit",
            {
                "observation_end": now,
                "model_version": "'bench'",
                "time_unit": "'week'",
                "n_customers": str(customers),
                "horizon_months": "12",
                "monthly_discount_rate": "0.01",
                "transaction_model": "'{}'::json",
                "spend_model": "'{}'::json",
            },
            "",
        )
        _fill(
            conn,
            "customer_value",
            {
                "customer_id": "c.id",
                "fit_id": "1",
                "computed_at": now,
                "p_alive": "random()",
                "clv": "random() * 400",
                "expected_spend": "random() * 60",
            },
            "FROM customer c",
        )
        timings["gestures"] = time.perf_counter() - started
        started = time.perf_counter()
        for _, definition in indexes:
            conn.execute(text(str(definition)))
        timings["indexes"] = time.perf_counter() - started
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        started = time.perf_counter()
        conn.execute(text("VACUUM ANALYZE"))
        timings["vacuum analyze"] = time.perf_counter() - started
    return timings


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t: int(conn.scalar(text(f"SELECT count(*) FROM {t}")) or 0)
            for t in (
                "customer",
                "journey_event",
                "ticket",
                "ticket_message",
                "survey_invitation",
                "survey_answer",
                "goodwill_gesture",
            )
        }


@contextmanager
def serve(engine: Engine, data_dir: Path) -> Iterator[str]:
    settings = Settings(data_dir=data_dir, secret_key="bench-secret-key-0123456789")
    server = uvicorn.Server(uvicorn.Config(create_app(settings, engine), log_level="warning"))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def login(client: httpx.Client) -> None:
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    resp = client.post(
        "/login", data={"email": "manager@bench.example", "password": PASSWORD, "csrf_token": token}
    )
    assert resp.status_code in (200, 303), resp.status_code


PERIODS = {
    "4 weeks": (NOW.date() - timedelta(weeks=4), NOW.date()),
    "26 weeks": (NOW.date() - timedelta(weeks=26), NOW.date()),
    "2 years": (NOW.date() - timedelta(days=DAYS), NOW.date()),
}


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def page_timings(url: str, rounds: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with httpx.Client(base_url=url, follow_redirects=True, timeout=120) as client:
        login(client)
        for name, (since, until) in PERIODS.items():
            times = []
            for n in range(rounds + 1):
                for by in DIMENSIONS:
                    started = time.perf_counter()
                    resp = client.get(
                        "/scorecard", params={"since": str(since), "until": str(until), "by": by}
                    )
                    elapsed = time.perf_counter() - started
                    assert resp.status_code == 200 and "chart-funnel" in resp.text
                    if n:  # the first round warms caches and connections
                        times.append(elapsed * 1000)
            results[name] = {
                "n": len(times),
                "p50_ms": statistics.median(times),
                "p95_ms": _pct(times, 0.95),
                "max_ms": max(times),
            }
    return results


def raw_timings(engine: Engine, rounds: int) -> dict[str, Any]:
    """The same scorecard computed from the raw tables on each request (rolled back)."""
    results: dict[str, Any] = {}
    for name, (since, until) in PERIODS.items():
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            with engine.connect() as conn, conn.begin() as tx:
                session = Session(bind=conn)
                rollup.rebuild(session, since=since)
                scorecard(
                    session,
                    parse(since=str(since), until=str(until), by="segment", today=NOW.date()),
                )
                session.close()
                tx.rollback()
            times.append((time.perf_counter() - started) * 1000)
        results[name] = {
            "n": len(times),
            "p50_ms": statistics.median(times),
            "p95_ms": _pct(times, 0.95),
            "max_ms": max(times),
        }
        print(f"raw per request, {name}: {results[name]}", flush=True)
    return results


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    date_s = subprocess.run(["date", "-u"], capture_output=True, text=True).stdout.strip()
    load = Path("/proc/loadavg").read_text().split()[:3]
    return f"{date_s}; {os.cpu_count()} CPUs ({cpu}); load average {' '.join(load)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=10, help="page rounds per period")
    parser.add_argument("--raw-rounds", type=int, default=3)
    parser.add_argument("--rebuilds", type=int, default=2)
    parser.add_argument(
        "--incremental",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also time a rebuild of the last week",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept, seeded database")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"machine": machine(), "tickets_asked": args.tickets}
    with pg_database(args.keep) as url:
        engine = build_engine(url, pool_size=5)
        upgrade(engine)
        if not (args.reuse and counts(engine)["ticket"]):
            started = time.perf_counter()
            report["seed_steps_s"] = seed(engine, args.tickets)
            report["seed_s"] = time.perf_counter() - started
        report["rows"] = counts(engine)
        print(json.dumps(report, indent=2), flush=True)
        rebuilds = []
        for _ in range(args.rebuilds):
            started = time.perf_counter()
            with unit_of_work(engine) as session:
                result = rollup.rebuild(session)
            rebuilds.append(time.perf_counter() - started)
            print(f"full rebuild: {rebuilds[-1]:.1f} s ({result})", flush=True)
        report["rebuild_s"] = rebuilds
        if rebuilds:
            report["rollup_rows"] = result.rows
        if args.incremental:
            started = time.perf_counter()
            with unit_of_work(engine) as session:
                rollup.rebuild(session, since=NOW.date() - timedelta(days=7))
            report["incremental_rebuild_last_week_s"] = time.perf_counter() - started
        with serve(engine, OUT) as base:
            report["page_ms"] = page_timings(base, args.rounds)
        print(json.dumps(report["page_ms"], indent=2), flush=True)
        if args.raw_rounds:
            report["raw_per_request_ms"] = raw_timings(engine, args.raw_rounds)
        engine.dispose()
    report["finished"] = machine()
    (OUT / "results.json").write_text(json.dumps(report, indent=2, default=str))
    print(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
