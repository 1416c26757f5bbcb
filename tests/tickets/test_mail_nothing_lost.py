"""Nothing lost: `fairdesk mail serve` killed with SIGKILL under load loses no acknowledged mail.

Real processes, real sockets: concurrent clients behave like sending mail servers (a message
is done only when it got 250; anything else — a refused connection, a dropped one, a 4xx —
is retried later with the same Message-ID). The server is killed mid-load and restarted.
Afterwards every message that got a 250 is in the database exactly once.
"""

from __future__ import annotations

import itertools
import os
import signal
import smtplib
import subprocess
import sys
import threading
import time
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from fairdesk.db.session import unit_of_work
from fairdesk.tickets.models import Message, MessageKind
from tests.outbox.smtp_sink import free_port

TOTAL = 180
CLIENTS = 6
KILL_AFTER = TOTAL // 3
DEADLINE_S = 60
SERVE = [sys.executable, "-c", "from fairdesk.cli import app; app()", "mail", "serve"]


def _start_server(url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "FAIRDESK_DATABASE_URL": url}
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [*SERVE, "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=2) as smtp:
                smtp.noop()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError(f"mail server did not start:\n{log.read_text()}")


def _message(n: int) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Customer {n} <c{n % 40}@example.com>"
    msg["To"] = "support@fairdesk.example"
    msg["Subject"] = f"Load message {n}"
    msg["Message-ID"] = f"<load-{n}@example.com>"
    msg.set_content(f"Body of message {n}\n" * 5)
    return msg.as_bytes(policy=SMTP)


@pytest.mark.slow
def test_acknowledged_mail_survives_kill_9(committed_db: Engine, tmp_path: Path) -> None:
    url = committed_db.url.render_as_string(hide_password=False)
    port = free_port()
    log = tmp_path / "server.log"
    acked: list[str] = []
    lock = threading.Lock()
    numbers = itertools.count()
    deadline = time.monotonic() + DEADLINE_S

    def client() -> None:
        while (n := next(numbers)) < TOTAL:
            raw = _message(n)
            while time.monotonic() < deadline:  # like an MTA: retry until 250
                try:
                    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
                        smtp.sendmail("bounces@example.com", ["support@fairdesk.example"], raw)
                except (OSError, smtplib.SMTPException):
                    time.sleep(0.05)
                    continue
                with lock:
                    acked.append(f"<load-{n}@example.com>")
                break

    server = _start_server(url, port, log)
    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    try:
        while len(acked) < KILL_AFTER and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(server.pid, signal.SIGKILL)
        server.wait()
        killed_at = len(acked)
        server = _start_server(url, port, log)
        for t in threads:
            t.join()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    assert KILL_AFTER <= killed_at < TOTAL  # the kill really happened mid-load
    assert sorted(acked) == sorted({f"<load-{n}@example.com>" for n in range(TOTAL)})
    with unit_of_work(committed_db) as session:
        rows = session.execute(
            select(Message.email_message_id, func.count())
            .where(Message.kind == MessageKind.CUSTOMER)
            .group_by(Message.email_message_id)
        ).all()
    stored = dict(rows)
    assert all(stored.get(mid) == 1 for mid in acked)
    assert len(stored) == TOTAL
