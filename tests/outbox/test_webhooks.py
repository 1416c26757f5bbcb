"""Webhooks: HMAC signatures, delivery to a real HTTP receiver, retries, removed endpoints."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine

from fairdesk.config import Settings
from fairdesk.db.base import utcnow
from fairdesk.db.session import unit_of_work
from fairdesk.outbox import webhooks, worker
from fairdesk.outbox.models import OutboxItem, OutboxKind, OutboxStatus
from fairdesk.tickets.intake import Incoming, receive
from fairdesk.tickets.models import IntakeChannel
from tests.factories import make_user

SECRET = "whsec_test-secret-0123456789"


class Receiver:
    """What a subscriber sees: each request's headers, body and whether it verified."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status = 200


@contextmanager
def http_receiver(secret: str = SECRET) -> Iterator[tuple[Receiver, str]]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            receiver.requests.append(
                {
                    "headers": dict(self.headers),
                    "body": json.loads(body),
                    "verified": webhooks.verify_signature(
                        secret,
                        self.headers["X-Fairdesk-Timestamp"],
                        body,
                        self.headers["X-Fairdesk-Signature"],
                    ),
                }
            )
            self.send_response(receiver.status)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver, f"http://127.0.0.1:{server.server_address[1]}/hooks"
    finally:
        server.shutdown()
        server.server_close()


@given(st.text(min_size=1), st.binary(), st.integers(min_value=0, max_value=2**40))
def test_a_signature_verifies_only_for_its_own_body_and_time(
    secret: str, body: bytes, ts: int
) -> None:
    signature = webhooks.sign(secret, ts, body)
    assert webhooks.verify_signature(secret, str(ts), body, signature, now=ts)
    assert not webhooks.verify_signature(secret, str(ts), body + b"x", signature, now=ts)
    assert not webhooks.verify_signature(secret + "x", str(ts), body, signature, now=ts)
    assert not webhooks.verify_signature(secret, str(ts + 1), body, signature, now=ts)


def test_old_or_malformed_timestamps_are_refused() -> None:
    body = b'{"id":"1"}'
    signature = webhooks.sign(SECRET, 1000, body)
    assert webhooks.verify_signature(SECRET, "1000", body, signature, 300, now=1300)
    assert not webhooks.verify_signature(SECRET, "1000", body, signature, 300, now=1301)
    assert not webhooks.verify_signature(SECRET, "soon", body, signature, now=1000)


def _subscribe(engine: Engine, url: str, events: list[str] | None = None) -> int:
    with unit_of_work(engine) as session:
        manager = make_user(session)
        endpoint = webhooks.create_endpoint(
            session, actor=manager, url=url, events=events or [], secret=SECRET
        )
        return endpoint.id


def _new_ticket(engine: Engine) -> str:
    with unit_of_work(engine) as session:
        result = receive(
            session,
            Incoming(channel=IntakeChannel.API, email="w@example.com", subject="Hi", body="x"),
        )
        return result.ticket.reference


def _webhook_items(engine: Engine) -> list[OutboxItem]:
    with unit_of_work(engine) as session:
        return list(session.query(OutboxItem).filter(OutboxItem.kind == OutboxKind.WEBHOOK).all())


def test_ticket_event_is_delivered_signed(committed_db: Engine) -> None:
    with http_receiver() as (receiver, url):
        _subscribe(committed_db, url, ["ticket.created"])
        reference = _new_ticket(committed_db)
        report = worker.run_once(committed_db, settings=Settings())
    assert report.failed == 0
    [request] = receiver.requests
    assert request["verified"]
    assert request["headers"]["X-Fairdesk-Event"] == "ticket.created"
    assert request["headers"]["X-Fairdesk-Delivery"] == request["body"]["id"]
    assert request["body"]["data"]["reference"] == reference
    [item] = _webhook_items(committed_db)
    assert item.status == OutboxStatus.SENT


def test_error_answer_is_retried_with_a_fresh_signature(committed_db: Engine) -> None:
    with http_receiver() as (receiver, url):
        _subscribe(committed_db, url)
        _new_ticket(committed_db)
        receiver.status = 503
        worker.run_once(committed_db, settings=Settings(), now=utcnow())
        [item] = _webhook_items(committed_db)
        assert item.status == OutboxStatus.PENDING and item.attempts == 1
        assert "HTTP 503" in (item.last_error or "")
        receiver.status = 204
        worker.run_once(committed_db, settings=Settings(), now=item.next_attempt_at)
    assert [r["verified"] for r in receiver.requests] == [True, True]
    ids = {r["headers"]["X-Fairdesk-Delivery"] for r in receiver.requests}
    assert len(ids) == 1  # the same delivery id on a retry lets the receiver drop repeats
    [item] = _webhook_items(committed_db)
    assert item.status == OutboxStatus.SENT and item.attempts == 2


def test_unreachable_receiver_is_retried(committed_db: Engine) -> None:
    with http_receiver() as (_receiver, url):
        pass  # closed again: nothing listens there now
    _subscribe(committed_db, url)
    _new_ticket(committed_db)
    report = worker.run_once(committed_db, settings=Settings(webhook_timeout_s=2))
    assert report.failed == 1
    [item] = _webhook_items(committed_db)
    assert item.status == OutboxStatus.PENDING and "ConnectError" in (item.last_error or "")


def test_deliveries_for_a_deleted_endpoint_end_dead_with_the_reason(
    committed_db: Engine,
) -> None:
    endpoint_id = _subscribe(committed_db, "http://127.0.0.1:9/never")
    _new_ticket(committed_db)
    with unit_of_work(committed_db) as session:
        manager = make_user(session)
        webhooks.delete_endpoint(session, actor=manager, endpoint_id=endpoint_id)
    report = worker.run_once(committed_db, settings=Settings())
    assert report.dead == 1
    [item] = _webhook_items(committed_db)
    assert item.status == OutboxStatus.DEAD and "deleted" in (item.last_error or "")


def test_a_paused_endpoint_gets_no_new_events_and_holds_queued_ones(
    committed_db: Engine,
) -> None:
    with http_receiver() as (receiver, url):
        endpoint_id = _subscribe(committed_db, url)
        _new_ticket(committed_db)
        with unit_of_work(committed_db) as session:
            manager = make_user(session)
            webhooks.set_active(session, actor=manager, endpoint_id=endpoint_id, active=False)
        _new_ticket(committed_db)  # not queued for the paused endpoint
        report = worker.run_once(committed_db, settings=Settings())
    assert receiver.requests == [] and report.failed == 1
    [item] = _webhook_items(committed_db)
    assert item.status == OutboxStatus.PENDING and "paused" in (item.last_error or "")
