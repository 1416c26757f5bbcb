"""Ticket intake over HTTP: ``POST /api/v1/tickets`` on PostgreSQL with two uvicorn workers.

Run by hand on a quiet machine (it creates and drops a scratch database of its own):

    .venv/bin/python bench/bench_tickets_api.py [--duration 15] [--rate 300]

Reports, beside PostgreSQL's own single-row insert rate on the same database:

* **sustained tickets/s** — ``wrk`` (Debian package) with a Lua script that gives every
  request a unique ``Idempotency-Key`` and customer, closed loop over N connections;
* **latency at a fixed 300 tickets/s** — an open-loop asyncio client that sends on a fixed
  schedule over keep-alive connections and measures each answer from the moment it was *due*
  (so a slow answer also counts against the requests queued behind it);
* **pgbench** — ``INSERT`` of one row into a scratch table, ``-c 2 -j 2``, as the ceiling the
  database itself sets for one-row transactions; the ticket rate is given as a share of it.

Every request is a first contact or a known customer (half each, from 20,000 seeded ones),
and five agents are in the assignment rotation, as in a small shop. The server runs as one
would deploy it: ``uvicorn --workers 2 --no-access-log --loop uvloop --http httptools``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import func, insert, select, text

from fairdesk.auth import service as auth_service
from fairdesk.auth.models import Role
from fairdesk.customers.models import Customer
from fairdesk.db.migrate import upgrade
from fairdesk.db.session import build_engine, unit_of_work
from fairdesk.tickets.assignment import set_availability
from fairdesk.tickets.models import Ticket

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SEEDED = 20_000
AGENTS = 5

WRK_SCRIPT = r"""
local counter = 0
local token = os.getenv("BENCH_TOKEN")
local run = os.getenv("BENCH_RUN")
local seeded = tonumber(os.getenv("BENCH_SEEDED"))
local threads = 0
-- "tid" is a global that setup() gives each thread: unique keys across threads.

function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

function init(args)
  math.randomseed(1000 + tid)
end

function request()
  counter = counter + 1
  local key = string.format("%s-%d-%d", run, tid, counter)
  local email
  if counter % 2 == 0 then
    email = string.format("seed%d@bench.example", math.random(0, seeded - 1))
  else
    email = key .. "@bench.example"
  end
  local body = string.format(
    '{"customer":{"email":"%s","name":"Bench Customer"},"subject":"Bench %s",' ..
    '"body":"My order has not arrived and the tracking page says nothing."}', email, key)
  return wrk.format("POST", "/api/v1/tickets", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
    ["Idempotency-Key"] = key,
  }, body)
end
"""


def sh(cmd: list[str], **kw: object) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout  # type: ignore[call-overload, no-any-return]


def machine() -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
    return {
        "date": sh(["date", "-u"]).strip(),
        "cpu": f"{os.cpu_count()} × {cpu}",
        "ram": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "postgres": sh(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", "show server_version"]
        ).strip(),
        "python": platform.python_version(),
    }


def uptime() -> str:
    return sh(["uptime"]).strip().split("load average:")[-1].strip()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Database:
    name: str

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:5432/{self.name}"

    def create(self) -> None:
        admin = build_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        admin.dispose()

    def drop(self) -> None:
        admin = build_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        admin.dispose()


def seed(url: str) -> str:
    """Schema, an API token, five agents in rotation and 20,000 known customers."""
    engine = build_engine(url)
    upgrade(engine)
    with unit_of_work(engine) as session:
        user = auth_service.create_user(
            session, email="bench@bench.example", name="Bench", password="bench-password-1"
        )
        for n in range(AGENTS):
            agent = auth_service.create_user(
                session,
                email=f"agent{n}@bench.example",
                name=f"Agent {n}",
                password="bench-password-1",
                role=Role.AGENT,
            )
            set_availability(session, staff_id=agent.id, available=True)
        _, token = auth_service.create_token(session, user=user, name="bench")
        session.execute(
            insert(Customer),
            [
                {"email": f"seed{n}@bench.example", "first_name": "Seed", "last_name": str(n)}
                for n in range(SEEDED)
            ],
        )
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return token


def pgbench(db: Database, seconds: int) -> float:
    """One-row INSERT transactions per second, two clients: the database's own limit."""
    sh(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            db.name,
            "-qc",
            "CREATE TABLE bench_scratch (id bigserial PRIMARY KEY, at timestamptz DEFAULT now(),"
            " payload text)",
        ]
    )
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write("INSERT INTO bench_scratch (payload) VALUES ('My order has not arrived.');\n")
    out = sh(
        [
            "pgbench",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-n",
            "-c",
            "2",
            "-j",
            "2",
            "-T",
            str(seconds),
            "-f",
            script.name,
            db.name,
        ]
    )
    os.unlink(script.name)
    return float(re.search(r"tps = ([\d.]+)", out).group(1))  # type: ignore[union-attr]


class Server:
    def __init__(self, url: str) -> None:
        self.port = free_port()
        self.env = {
            **os.environ,
            "FAIRDESK_DATABASE_URL": url,
            "FAIRDESK_SECRET_KEY": "bench-secret-key-0123456789",
        }
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "fairdesk.app:create_app",
                "--factory",
                "--port",
                str(self.port),
                "--workers",
                "2",
                "--no-access-log",
                "--loop",
                "uvloop",
                "--http",
                "httptools",
                "--log-level",
                "warning",
            ],
            env=self.env,
            start_new_session=True,
        )
        for _ in range(600):
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise SystemExit("the server did not start")

    def cpu_seconds(self) -> float:
        """User + system CPU of the server's processes (parent and workers) so far.

        Per ticket, this is the figure that other load on a shared machine changes least:
        throughput falls when the workers wait for a core, their CPU per request much less.
        """
        assert self.proc is not None
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # the process ended while we looked
            if int(fields[2]) == self.proc.pid:  # pgrp: the server's own process group
                total += int(fields[11]) + int(fields[12])  # utime + stime, in ticks
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)


def wrk(server: Server, token: str, seconds: int, connections: int) -> dict[str, float]:
    port = server.port
    cpu_before = server.cpu_seconds()
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    env = {
        **os.environ,
        "BENCH_TOKEN": token,
        "BENCH_RUN": f"w{time.time_ns()}",
        "BENCH_SEEDED": str(SEEDED),
    }
    out = sh(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            script.name,
            f"http://127.0.0.1:{port}",
        ],
        env=env,
    )
    cpu = server.cpu_seconds() - cpu_before
    os.unlink(script.name)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)

    def ms(label: str) -> float:
        value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    requests = float(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return {
        "requests": requests,
        "server_cpu_ms_per_ticket": cpu * 1000 / max(requests, 1.0),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50": ms("50%"),
        "p99": ms("99%"),
        "non2xx": float(bad.group(1)) if bad else 0.0,
        "socket_errors": 0.0 if errors is None else 1.0,
    }


async def _fixed_rate(port: int, token: str, rate: float, seconds: float) -> dict[str, float]:
    """Open loop: request i is due at t0 + i/rate; latency counts from when it was due."""
    loop = asyncio.get_running_loop()
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    latencies: list[float] = []
    failures = 0
    run = f"r{time.time_ns()}"
    rng = random.Random(7)

    async def one(i: int, due: float) -> None:
        nonlocal failures
        await asyncio.sleep(max(0.0, due - loop.time()))
        conn = idle.pop() if idle else await asyncio.open_connection("127.0.0.1", port)
        reader, writer = conn
        key = f"{run}-{i}"
        email = f"seed{rng.randrange(SEEDED)}@bench.example" if i % 2 else f"{key}@bench.example"
        body = json.dumps(
            {
                "customer": {"email": email, "name": "Bench Customer"},
                "subject": f"Bench {key}",
                "body": "My order has not arrived and the tracking page says nothing.",
            }
        ).encode()
        writer.write(
            (
                "POST /api/v1/tickets HTTP/1.1\r\nHost: bench\r\n"
                "Content-Type: application/json\r\n"
                f"Authorization: Bearer {token}\r\nIdempotency-Key: {key}\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            ).encode()
            + body
        )
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))  # type: ignore[union-attr]
        await reader.readexactly(length)
        latencies.append(loop.time() - due)
        if not head.startswith(b"HTTP/1.1 201"):
            failures += 1
        idle.append(conn)

    t0 = loop.time() + 0.2
    count = int(rate * seconds)
    await asyncio.gather(*(one(i, t0 + i / rate) for i in range(count)))
    elapsed = loop.time() - t0
    for _, writer in idle:
        writer.close()
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    return {
        "rate": count / elapsed,
        "p50": pct(0.50),
        "p90": pct(0.90),
        "p99": pct(0.99),
        "max": ordered[-1] * 1000,
        "mean": statistics.fmean(ordered) * 1000,
        "failures": float(failures),
    }


def fixed_rate(port: int, token: str, rate: float, seconds: float) -> dict[str, float]:
    import uvloop

    return uvloop.run(_fixed_rate(port, token, rate, seconds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--rate", type=float, default=300.0)
    parser.add_argument("--connections", type=int, nargs="+", default=[16, 32, 64])
    args = parser.parse_args()
    db = Database(f"bench_tickets_api_{os.getpid()}")
    facts = machine()
    load_before = uptime()
    db.create()
    try:
        token = seed(db.url)
        inserts = pgbench(db, args.duration)
        server = Server(db.url)
        server.start()
        try:
            fixed_rate(server.port, token, 100, 2)  # warm-up: connections, caches, plans
            sustained = {c: wrk(server, token, args.duration, c) for c in args.connections}
            steady = fixed_rate(server.port, token, args.rate, args.duration)
        finally:
            server.stop()
        engine = build_engine(db.url)
        with engine.connect() as conn:
            stored = conn.scalar(select(func.count()).select_from(Ticket))
        engine.dispose()
    finally:
        db.drop()
    load_after = uptime()
    best = max(sustained.values(), key=lambda r: r["rps"])
    sent = 200 + sum(r["requests"] for r in sustained.values()) + args.rate * args.duration
    # Every request carried a fresh key: one answered request, one stored ticket — plus at
    # most one per connection that wrk dropped mid-request when its time was up.
    if not sent <= (stored or 0) <= sent + sum(args.connections):
        print(f"WARNING: {sent:.0f} requests answered but {stored} tickets stored")
    print(
        json.dumps(
            {
                "machine": facts,
                "load_before": load_before,
                "load_after": load_after,
                "pgbench_inserts_per_s": inserts,
                "wrk": sustained,
                "fixed_rate": steady,
                "tickets_stored": stored,
            },
            indent=2,
        )
    )
    print()
    print(f"| {facts['date']} | {facts['cpu']} | load {load_before} → {load_after} |")
    print("| measure | fairdesk API | pgbench 1-row INSERT | share |")
    print("| --- | ---: | ---: | ---: |")
    print(
        f"| sustained tickets/s (best of c={args.connections}) | {best['rps']:,.0f} "
        f"(p99 {best['p99']:.0f} ms) | {inserts:,.0f} | {best['rps'] / inserts:.0%} |"
    )
    print(
        f"| latency at {args.rate:.0f}/s: p50 / p99 / max | {steady['p50']:.1f} / "
        f"{steady['p99']:.1f} / {steady['max']:.0f} ms | | |"
    )
    for c, r in sustained.items():
        print(
            f"| wrk c={c} | {r['rps']:,.0f}/s, p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms, "
            f"non-2xx {r['non2xx']:.0f}, server CPU {r['server_cpu_ms_per_ticket']:.1f} ms/ticket"
            " | | |"
        )


if __name__ == "__main__":
    main()
