"""Nothing lost, API half: ``kill -9`` the real server mid-load, restart it, and find every
acknowledged ticket in the database exactly once.

``fairdesk serve`` runs as its own process group (two uvicorn workers on PostgreSQL, one on a
SQLite file). Client threads post tickets with httpx, each under a unique ``Idempotency-Key``
that is also written into the subject. A client that gets no answer (the server died under
it) retries the same request with the same key, as a real integration would, until it gets
one. At the end every key that was answered 201 — or 200, a replay of an earlier 201 whose
answer was lost — has exactly one ticket, with its acknowledgement e-mail queued beside it,
and there is no ticket without a key.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, select

from fairdesk.auth import service as auth_service
from fairdesk.auth.models import Role
from fairdesk.db.migrate import upgrade
from fairdesk.db.session import build_engine, unit_of_work
from fairdesk.outbox.models import OutboxItem
from fairdesk.tickets.models import Ticket
from tests.conftest import TEST_SECRET, _drop_pg_database, _fresh_pg_database, _worker

pytestmark = pytest.mark.slow

CLIENTS = 8
ACKS_PER_PHASE = 25
START_TIMEOUT_S = 60.0  # a bound for a loaded machine; a quiet one starts in 2-3 s
MARK = "nothing-lost "


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``fairdesk serve`` in a process group of its own, so ``kill -9`` takes every worker."""

    def __init__(self, env: dict[str, str], workers: int, log: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        fairdesk = Path(sys.executable).parent / "fairdesk"
        self.cmd = [str(fairdesk), "serve", "--port", str(self.port), "--workers", str(workers)]
        self.env = env
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.cmd, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()[-3000:]
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.kill9()  # not left behind, respawning workers, when the test fails here
        raise AssertionError(f"server did not start:\n{self.log.read_text()[-3000:]}")

    def kill9(self) -> None:
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):  # already gone: a failed start
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)


class Load:
    """Client threads posting tickets; each request is retried under its key until answered."""

    def __init__(self, url: str, token: str) -> None:
        self.url = f"{url}/api/v1/tickets"
        self.headers = {"Authorization": f"Bearer {token}"}
        self.answers: dict[str, int] = {}
        self.unexpected: list[str] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._client, daemon=True) for _ in range(CLIENTS)]

    def acked(self) -> int:
        with self.lock:
            return sum(1 for status in self.answers.values() if status in (200, 201))

    def _client(self) -> None:
        with httpx.Client(timeout=10) as http:
            while not self.stop.is_set():
                key = uuid.uuid4().hex
                body = {
                    "customer": {"email": f"{key[:12]}@example.com", "name": "Load Test"},
                    "subject": MARK + key,
                    "body": "My order has not arrived.",
                }
                # The same request, under the same key, until it is answered (or the test ends).
                while not self.stop.is_set():
                    try:
                        resp = http.post(
                            self.url, json=body, headers={**self.headers, "Idempotency-Key": key}
                        )
                    except httpx.TransportError:
                        time.sleep(0.05)
                        continue
                    if resp.status_code >= 500:
                        time.sleep(0.05)
                        continue
                    with self.lock:
                        self.answers[key] = resp.status_code
                        if resp.status_code not in (200, 201):
                            self.unexpected.append(resp.text)
                    break

    def wait_for(self, acked: int, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while self.acked() < acked:
            assert time.monotonic() < deadline, f"only {self.acked()} tickets acknowledged"
            time.sleep(0.02)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Engine, int]]:
    """A fresh database and the number of uvicorn workers to serve it with."""
    if request.param == "sqlite":
        engine = build_engine(f"sqlite:///{tmp_path / 'fairdesk.db'}")
        workers = 1
    else:
        engine = build_engine(_fresh_pg_database(f"fairdesk_test_{_worker()}_lost"))
        workers = 2
    upgrade(engine)
    yield engine, workers
    engine.dispose()
    if request.param == "postgresql":
        _drop_pg_database(str(engine.url.database))


def test_acknowledged_tickets_survive_kill_9(database: tuple[Engine, int], tmp_path: Path) -> None:
    engine, workers = database
    with unit_of_work(engine) as session:
        user = auth_service.create_user(
            session,
            email="load@example.com",
            name="Load",
            password="a-long-password",
            role=Role.AGENT,
        )
        _, token = auth_service.create_token(session, user=user, name="load")
    env = {
        **os.environ,
        "FAIRDESK_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "FAIRDESK_DATA_DIR": str(tmp_path),
        "FAIRDESK_SECRET_KEY": TEST_SECRET,
    }
    server = Server(env, workers, tmp_path / "server.log")
    server.start()
    load = Load(server.url, token)
    for thread in load.threads:
        thread.start()
    try:
        load.wait_for(ACKS_PER_PHASE)
        server.kill9()  # mid-load: requests are in flight in every client thread
        killed_at = load.acked()
        server.start()
        load.wait_for(killed_at + ACKS_PER_PHASE)
    finally:
        load.stop.set()
        for thread in load.threads:
            thread.join(timeout=30)
        server.kill9()
    assert not load.unexpected, load.unexpected[:3]
    with unit_of_work(engine) as session:
        rows = session.execute(select(Ticket.id, Ticket.subject)).all()
        acks = set(
            session.scalars(
                select(OutboxItem.dedup_key).where(OutboxItem.dedup_key.like("ack:ticket:%"))
            ).all()
        )
    stored = Counter(subject.removeprefix(MARK) for _, subject in rows)
    answered = {key for key, status in load.answers.items() if status in (200, 201)}
    assert len(answered) >= 2 * ACKS_PER_PHASE
    assert all(stored[key] == 1 for key in answered), "an acknowledged ticket is missing or twice"
    assert set(stored) <= answered | {key for key in load.answers}, "a ticket nobody sent"
    assert max(stored.values()) == 1
    assert {f"ack:ticket:{tid}" for tid, _ in rows} <= acks
