"""SMTP intake and outbox send throughput, beside a plain aiosmtpd sink (the protocol's ceiling).

Run by hand (the numbers go to docs/benchmarks.md, section "SMTP intake"):

    .venv/bin/python bench/bench_smtp.py --messages 2000 --clients 8

Intake: `fairdesk mail serve` runs as its own process on a fresh SQLite file and on a fresh
PostgreSQL database; N client threads each keep one SMTP connection and send distinct
messages (new tickets from 500 different customers). Every message is parsed, stored,
acknowledged in the outbox and committed before its 250. The same load against aiosmtpd's
Sink handler, which stores nothing, is what SMTP itself costs on this machine.

Outbox: M e-mails queued in each database are sent by one `run_once` worker loop to a local
aiosmtpd sink, beside a bare smtplib loop sending the same messages over one connection.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.policy import SMTP
from functools import partial
from pathlib import Path

from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url

from fairdesk.config import Settings
from fairdesk.db.migrate import upgrade
from fairdesk.db.session import build_engine, unit_of_work
from fairdesk.outbox import service as outbox_service
from fairdesk.outbox import worker
from fairdesk.outbox.models import OutboxItem, OutboxKind, OutboxStatus
from fairdesk.outbox.smtp import build_email
from fairdesk.tickets.models import Message, MessageKind

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SUPPORT = "support@fairdesk.example"
SERVE = [sys.executable, "-c", "from fairdesk.cli import app; app()", "mail", "serve"]
SINK = [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink", "-l"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    load = os.getloadavg()
    return (
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {os.cpu_count()} cores "
        f"({cpu}), {mem_kb / 1024 / 1024:.1f} GiB RAM, Python {platform.python_version()}; "
        f"load average before the run {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )


@contextmanager
def database(dialect: str, workdir: Path) -> Iterator[str]:
    if dialect == "sqlite":
        yield f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:8]}.db'}"
        return
    name = f"fairdesk_bench_smtp_{uuid.uuid4().hex[:8]}"
    admin = build_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def server(command: list[str], env: dict[str, str], port: int) -> Iterator[int]:
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError(log.read().decode(errors="replace"))
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=2) as smtp:
                smtp.noop()
            break
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                raise
            time.sleep(0.1)
    try:
        yield proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def mail(n: int, run: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Customer {n % 500} <customer{n % 500}@example.com>"
    msg["To"] = SUPPORT
    msg["Subject"] = f"Order {100000 + n} arrived damaged"
    msg["Message-ID"] = f"<bench-{run}-{n}@example.com>"
    msg.set_content(
        "Hello,\n\nmy order arrived today and the box was crushed; two of the cups inside "
        "are broken. I attach nothing, but can send photos if you need them.\n\n"
        * 6
        + "Kind regards,\nA customer\n"
    )
    return msg.as_bytes(policy=SMTP)


def drive(port: int, messages: int, clients: int) -> float:
    """Send ``messages`` over ``clients`` kept-open connections; returns messages per second."""
    run = uuid.uuid4().hex[:8]
    payloads = [mail(n, run) for n in range(messages)]
    numbers = itertools.count()
    failures: list[str] = []

    def client() -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
            while (n := next(numbers)) < messages:
                try:
                    smtp.sendmail("bounces@example.com", [SUPPORT], payloads[n])
                except smtplib.SMTPException as exc:
                    failures.append(str(exc))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if failures:
        raise RuntimeError(f"{len(failures)} messages refused, e.g. {failures[0]}")
    return messages / elapsed


def measured(pid: int, port: int, args: argparse.Namespace) -> tuple[float, float]:
    """Messages per second, and the server's CPU milliseconds per message."""
    drive(port, min(200, args.messages), args.clients)  # warm-up
    before = cpu_seconds(pid)
    rate = drive(port, args.messages, args.clients)
    return rate, (cpu_seconds(pid) - before) * 1000 / args.messages


def bench_intake(args: argparse.Namespace, workdir: Path) -> list[tuple[str, tuple[float, float]]]:
    rows = []
    port = free_port()
    with server([*SINK, f"127.0.0.1:{port}"], dict(os.environ), port) as pid:
        rows.append(("aiosmtpd Sink (stores nothing)", measured(pid, port, args)))
    for dialect in ("sqlite", "postgresql"):
        with database(dialect, workdir) as url:
            env = {**os.environ, "FAIRDESK_DATABASE_URL": url, "FAIRDESK_DATA_DIR": str(workdir)}
            port = free_port()
            with server([*SERVE, "--port", str(port)], env, port) as pid:
                result = measured(pid, port, args)
            engine = build_engine(url)
            with unit_of_work(engine) as session:
                stored = session.scalar(
                    select(func.count())
                    .select_from(Message)
                    .where(Message.kind == MessageKind.CUSTOMER)
                )
            engine.dispose()
            assert stored == args.messages + min(200, args.messages), stored
            rows.append((f"fairdesk mail serve → {dialect}", result))
    return rows


def drain(engine: Engine, settings: Settings) -> int:
    """Run outbox batches until none is due; returns how many were sent."""
    sent = 0
    while (report := worker.run_once(engine, settings=settings)).claimed:
        sent += report.sent
    return sent


def timed(fn: Callable[[], int]) -> float:
    start = time.perf_counter()
    count = fn()
    return count / (time.perf_counter() - start)


def bench_outbox(args: argparse.Namespace, workdir: Path) -> list[tuple[str, float]]:
    rows = []
    port = free_port()
    settings = Settings(mail_backend="smtp", smtp_host="127.0.0.1", smtp_port=port)
    payloads = [
        {"to": f"c{n}@example.com", "subject": f"[FD-BENCH] reply {n}", "text": "Thanks! " * 60}
        for n in range(args.outbox)
    ]
    with server([*SINK, f"127.0.0.1:{port}"], dict(os.environ), port):

        def raw_loop() -> int:
            with smtplib.SMTP("127.0.0.1", port) as smtp:
                for payload in payloads:
                    smtp.send_message(build_email(payload, settings))
            return len(payloads)

        rows.append(("smtplib loop, one connection (no database)", timed(raw_loop)))
        for dialect in ("sqlite", "postgresql"):
            with database(dialect, workdir) as url:
                engine = build_engine(url)
                upgrade(engine)
                with unit_of_work(engine) as session:
                    for payload in payloads:
                        outbox_service.enqueue(session, kind=OutboxKind.EMAIL, payload=payload)

                rate = timed(partial(drain, engine, settings))
                with unit_of_work(engine) as session:
                    left = session.scalar(
                        select(func.count())
                        .select_from(OutboxItem)
                        .where(OutboxItem.status != OutboxStatus.SENT)
                    )
                engine.dispose()
                assert left == 0, left
                rows.append((f"outbox worker (run_once, batch 50) on {dialect}", rate))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--outbox", type=int, default=2000)
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        intake = bench_intake(args, workdir)
        outbox = bench_outbox(args, workdir)
    print(f"\nSMTP intake, {args.messages} messages, {args.clients} concurrent clients")
    print("| server | messages/s | server CPU ms/message |\n| --- | ---: | ---: |")
    for name, (rate, cpu_ms) in intake:
        print(f"| {name} | {rate:,.0f} | {cpu_ms:.1f} |")
    print(f"\nOutbox e-mail to a local aiosmtpd sink, {args.outbox} messages")
    print("| sender | messages/s |\n| --- | ---: |")
    for name, rate in outbox:
        print(f"| {name} | {rate:,.0f} |")


if __name__ == "__main__":
    main()
