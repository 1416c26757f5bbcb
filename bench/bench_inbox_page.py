"""Server time of GET /inbox on 100,000 tickets (with messages), SQLite file and PostgreSQL.

Run by hand:  .venv/bin/python bench/bench_inbox_page.py [--tickets N] [--repeats N]

What is timed: the ASGI call of the real app (session cookie, login check, query parsing,
the page's count + page queries, the six view counts, the customer and assignee names and
template rendering), in-process, so neither a socket nor a client is in the figure. Every
view is measured with every sort, plus deep and last pages, filters and searches. The floor
beside each figure replays the very same SQL statements the app sent for that request
straight through the DB driver (sqlite3 / psycopg), fetching every row: what a hand-written
page over the same queries would cost at the least.

PostgreSQL: a scratch database ``bench_inbox`` is created through ``--pg-admin-url`` and
dropped at the end (``--keep`` keeps both databases, ``--reuse`` skips seeding when full).
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
from fairdesk.customers.models import Customer
from fairdesk.db.migrate import is_initialised, upgrade
from fairdesk.db.session import build_engine, unit_of_work
from fairdesk.tickets.models import Message, Ticket
from fairdesk.triage.abuse import snippet
from fairdesk.triage.models import TicketTriage

PG_DB = "bench_inbox"
PASSWORD = "bench-password-123"
AGENTS = 10
CUSTOMERS = 20_000
REF_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
TOPICS = (
    "Parcel never arrived",
    "Refund not received",
    "Wrong size delivered",
    "Broken on arrival",
    "Cannot log in",
    "Charged twice",
    "Change delivery address",
    "Missing part",
    "Warranty question",
    "Cancel my order",
    "Discount code rejected",
    "Invoice needed",
    "Item not as described",
    "Late delivery",
    "Return label",
)
PRIORITIES = (("low", 15), ("normal", 60), ("high", 20), ("urgent", 5))
CHANNELS = (("email", 50), ("web", 30), ("api", 10), ("portal", 5), ("phone", 5))
TARGETS_MIN = {
    "low": (1440, 10080),
    "normal": (480, 4320),
    "high": (240, 1440),
    "urgent": (60, 480),
}

VIEWS = ("mine", "unassigned", "due_soon", "breached", "open", "all")
SORTS = ("due", "-created", "created", "priority", "urgency", "sentiment")
# (label, query strings); every view with every sort is added in ``requests()``.
EXTRA: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "all, deep page 1000",
        (
            "view=all&page=1000",
            "view=all&page=999&sort=-created",
            "view=all&page=1001&sort=priority",
        ),
    ),
    ("all, last page 2000", ("view=all&page=2000", "view=all&page=2000&sort=created")),
    ("open, deep page 100", ("view=open&page=100", "view=open&page=100&sort=priority")),
    ("filter status", ("view=all&status=pending", "view=all&status=closed&sort=-created")),
    (
        "filter priority+channel",
        (
            "view=open&priority=urgent&channel=web",
            "view=all&priority=high&channel=email&sort=-created",
        ),
    ),
    (
        "filter urgency/sentiment/abuse",
        (
            "view=open&urgency=urgent&sort=urgency",
            "view=all&sentiment=negative&sort=sentiment",
            "view=all&abuse=1",
            "view=open&urgency=high&sentiment=negative",
        ),
    ),
    ("all, urgency deep page 1000", ("view=all&page=1000&sort=urgency",)),
    ("search reference", ("view=all&q={ref}",)),
    ("search subject", ("view=all&q=refund", "view=open&q=parcel", "view=all&q=zzz-none")),
)


def requests(reference: str) -> list[tuple[str, tuple[str, ...]]]:
    out: list[tuple[str, tuple[str, ...]]] = [
        (f"{v} / {s}", (f"view={v}&sort={s}",)) for v in VIEWS for s in SORTS
    ]
    for label, qs in EXTRA:
        out.append((label, tuple(q.format(ref=reference) for q in qs)))
    return out


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


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([k for k, _ in weighted], [w for _, w in weighted])[0]


def _ticket_row(n: int, rng: random.Random, now: datetime, agent_ids: list[int]) -> dict[str, Any]:
    """One ticket of a two-year history: most solved, the recent ones still open."""
    age = timedelta(minutes=int(730 * 24 * 60 * (1 - rng.random() ** 0.5)))
    created = now - age
    priority = _pick(rng, PRIORITIES)
    first_min, resolve_min = TARGETS_MIN[priority]
    fr_due = created + timedelta(minutes=first_min)
    res_due = created + timedelta(minutes=resolve_min)
    recent = age < timedelta(days=10)
    status = (
        rng.choice(("new", "open", "open", "pending", "resolved"))
        if recent
        else rng.choice(("resolved", "closed", "closed"))
    )
    responded = (
        None
        if status == "new"
        else created + timedelta(minutes=rng.randint(5, int(first_min * 1.3)))
    )
    solved = status in ("resolved", "closed")
    resolved_at = (
        created + timedelta(minutes=rng.randint(30, int(resolve_min * 1.2))) if solved else None
    )
    assignee = None if status == "new" and rng.random() < 0.6 else rng.choice(agent_ids)
    return {
        "reference": "FD-" + "".join(rng.choice(REF_ALPHABET) for _ in range(8)),
        "customer_id": rng.randint(1, CUSTOMERS),
        "channel": _pick(rng, CHANNELS),
        "subject": f"{rng.choice(TOPICS)} (order {rng.randint(10_000, 99_999)})",
        "status": status,
        "priority": priority,
        "category": None,
        "tags": [],
        "assignee_id": assignee,
        "order_id": None,
        "sla_policy_id": None,
        "first_response_due_at": fr_due,
        "resolution_due_at": res_due,
        "first_responded_at": responded,
        "resolved_at": resolved_at,
        "closed_at": resolved_at if status == "closed" else None,
        "sla_paused_at": created + timedelta(hours=1) if status == "pending" else None,
        "first_response_breached": (responded > fr_due) if responded else None,
        "resolution_breached": (resolved_at > res_due) if resolved_at else None,
        "warned_first_response": False,
        "warned_resolution": False,
        "last_customer_message_at": created,
        "created_at": created,
        "updated_at": created,
    }


def _triage_row(ticket_id: int, rng: random.Random, now: datetime, preview: str) -> dict[str, Any]:
    urgency = rng.random() ** 3
    abusive = rng.random() < 0.02
    return {
        "ticket_id": ticket_id,
        "urgency": urgency,
        "urgency_level": "urgent" if urgency > 0.7 else "high" if urgency > 0.4 else "normal",
        "sentiment": rng.uniform(-1, 1),
        "anger": rng.random(),
        "topic": rng.choice(("delivery", "refund", "defect", "billing", "account")),
        "abusive": abusive,
        "threat": abusive and rng.random() < 0.2,
        "messages": 1,
        "updated_at": now,
        "preview": preview,
    }


def _seed(engine: Engine, tickets: int) -> None:
    rng = random.Random(20261124)
    now = datetime.now(UTC)
    with unit_of_work(engine) as session:
        ids = [
            auth_service.create_user(
                session,
                email=f"agent{i}@example.com",
                name=f"Agent {i}",
                password=PASSWORD,
                role=Role.AGENT,
            ).id
            for i in range(AGENTS)
        ]
    batch = 10_000
    with engine.begin() as conn:
        conn.execute(
            insert(Customer),
            [
                {
                    "external_id": f"C{n:07d}",
                    "first_name": f"First{n % 997}",
                    "last_name": f"Last{n % 1009}",
                    "email": f"c{n}@example.com",
                    "preferred_channel": "email",
                    "consent_email": True,
                    "consent_marketing": False,
                    "lifecycle_status": "active",
                    "values": [],
                    "interests": [],
                    "personality": [],
                    "lifestyle": [],
                    "product_lines": [],
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(1, CUSTOMERS + 1)
            ],
        )
        for lo in range(0, tickets, batch):
            rows = [_ticket_row(n, rng, now, ids) for n in range(lo, min(lo + batch, tickets))]
            conn.execute(insert(Ticket), rows)
        first_id = conn.scalar(select(func.min(Ticket.id)))
        assert first_id is not None
        latest: dict[int, str] = {}  # each ticket's latest customer message, for its preview
        for lo in range(0, tickets, batch):
            msgs: list[dict[str, Any]] = []
            for tid in range(first_id + lo, first_id + min(lo + batch, tickets)):
                at = now - timedelta(days=rng.randint(0, 700))
                for k in range(rng.randint(1, 5)):
                    body = "Hello, " + rng.choice(TOPICS).lower() + ". " * 20
                    if k % 2 == 0:
                        latest[tid] = body
                    msgs.append(
                        {
                            "ticket_id": tid,
                            "kind": "customer" if k % 2 == 0 else "reply",
                            "author_staff_id": None,
                            "channel": "email",
                            "body": body,
                            "created_at": at + timedelta(hours=k),
                            "email_message_id": None,
                            "meta": {},
                        }
                    )
            conn.execute(insert(Message), msgs)
        # Every ticket's triage summary, as intake writes it: 1 in 10 urgent, 1 in 50 abusive,
        # with the latest customer message's preview (these bodies have nothing to mask).
        for lo in range(0, tickets, batch):
            conn.execute(
                insert(TicketTriage),
                [
                    _triage_row(tid, rng, now, snippet(latest[tid]))
                    for tid in range(first_id + lo, first_id + min(lo + batch, tickets))
                ],
            )
        # Each customer message's own triage row, as intake stores it (previews read it).
        pg = conn.dialect.name == "postgresql"
        empty, nothing = (
            ("CAST('[]' AS JSON)", "CAST('{}' AS JSON)") if pg else ("json('[]')", "json('{}')")
        )
        conn.execute(
            text(
                "INSERT INTO message_triage (message_id, ticket_id, sentiment, anger, "
                "anger_level, urgency, urgency_level, urgency_reasons, topic, topic_confidence, "
                "tone, abusive, threat, abuse_kinds, spans, detail, model_version, created_at) "
                "SELECT m.id, m.ticket_id, t.sentiment, t.anger, 'calm', t.urgency, "
                f"t.urgency_level, {empty}, t.topic, 0.5, 'polite', t.abusive, t.threat, "
                f"{empty}, {empty}, {nothing}, 'bench', m.created_at "
                "FROM ticket_message m JOIN ticket_triage t ON t.ticket_id = m.ticket_id "
                "WHERE m.kind = 'customer'"
            )
        )


def _seeded(engine: Engine, tickets: int) -> bool:
    if not is_initialised(engine):
        return False
    with engine.connect() as conn:
        return bool(conn.scalar(select(func.count()).select_from(Ticket)) == tickets)


def _login(client: TestClient) -> None:
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    resp = client.post(
        "/login",
        data={"email": "agent0@example.com", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
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


def measure(
    engine: Engine, data_dir: Path, repeats: int
) -> list[tuple[str, list[float], list[float]]]:
    timed = Timed(create_app(Settings(data_dir=data_dir, secret_key="bench-" * 8), engine))
    with engine.connect() as conn:
        reference = conn.scalar(select(Ticket.reference).order_by(Ticket.id.desc()).limit(1))
    sql = Sql()
    event.listen(engine, "before_cursor_execute", sql)
    results = []
    with TestClient(timed, base_url="http://bench") as client:
        _login(client)
        for label, queries in requests(str(reference)):
            captured: dict[str, list[tuple[str, Any]]] = {}
            for qs in queries:  # warm up and record each query's SQL once
                sql.recording, sql.statements = True, []
                assert client.get(f"/inbox?{qs}").status_code == 200, (label, qs)
                sql.recording, captured[qs] = False, sql.statements
            server, floor = [], []
            for i in range(repeats):
                qs = queries[i % len(queries)]
                resp = client.get(f"/inbox?{qs}")
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


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = int(
        next(
            line.split()[1]
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    )
    date = subprocess.run(["date", "-u"], capture_output=True, text=True).stdout.strip()
    load = Path("/proc/loadavg").read_text().split()[:3]
    return (
        f"{date}; {os.cpu_count()} CPUs ({cpu}), {mem_kb / 2**20:.0f} GiB RAM; "
        f"Python {platform.python_version()}; load average {' '.join(load)}"
    )


def run_one(name: str, url: str, args: argparse.Namespace, data_dir: Path) -> None:
    engine = build_engine(url)
    try:
        if not (args.reuse and _seeded(engine, args.tickets)):
            upgrade(engine)
            started = time.perf_counter()
            _seed(engine, args.tickets)
            # What autovacuum would have done by now (statistics, visibility map).
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(
                    text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE")
                )
            print(f"<!-- {name}: seeded in {time.perf_counter() - started:.0f} s -->")
        with engine.connect() as conn:
            version = conn.scalar(
                text(
                    "SELECT sqlite_version()"
                    if engine.dialect.name == "sqlite"
                    else "SHOW server_version"
                )
            )
            messages = conn.scalar(select(func.count()).select_from(Message))
        print(
            f"\n{name} {version}, {args.tickets:,} tickets, {messages:,} messages, "
            f"{args.repeats} requests per row\n"
        )
        print("| request | server p50 ms | p95 ms | max ms | driver floor p50 | p95 |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for label, server, floor in measure(engine, data_dir, args.repeats):
            flag = " ⚠" if _pct(server, 95) > 100 else ""
            print(
                f"| {label} | {_pct(server, 50):.1f} | {_pct(server, 95):.1f}{flag} | "
                f"{max(server) * 1000:.1f} | {_pct(floor, 50):.1f} | {_pct(floor, 95):.1f} |",
                flush=True,
            )
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=60, help="timed requests per row")
    parser.add_argument(
        "--pg-admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument(
        "--sqlite-dir", type=Path, default=Path(tempfile.gettempdir()) / "fairdesk-bench"
    )
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--keep", action="store_true", help="keep both databases")
    parser.add_argument("--reuse", action="store_true", help="skip seeding a full database")
    args = parser.parse_args()
    print(f"Machine: {machine()}")
    db_file = args.sqlite_dir / "bench_inbox.db"
    if args.only != "postgresql":
        if not args.reuse:
            for leftover in args.sqlite_dir.glob("bench_inbox.db*"):
                leftover.unlink()
        run_one("SQLite", f"sqlite:///{db_file}", args, args.sqlite_dir)
        if not args.keep:
            for leftover in args.sqlite_dir.glob("bench_inbox.db*"):
                leftover.unlink()
    if args.only != "sqlite":
        with pg_database(args.pg_admin_url, args.keep) as url:
            run_one("PostgreSQL", url, args, args.sqlite_dir)


if __name__ == "__main__":
    main()
