"""E-mail out against a real SMTP server: headers, threading, retries, dead items, workers."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from aiosmtpd.smtp import AuthResult, LoginPassword
from pydantic import SecretStr
from sqlalchemy import Engine, func, select

from fairdesk.config import Settings
from fairdesk.db.base import utcnow
from fairdesk.db.session import unit_of_work
from fairdesk.outbox import service as outbox_service
from fairdesk.outbox import worker
from fairdesk.outbox.models import OutboxItem, OutboxKind, OutboxStatus
from fairdesk.outbox.smtp import build_email
from fairdesk.tickets.intake import Incoming, receive
from fairdesk.tickets.mail_parse import parse_message
from fairdesk.tickets.models import IntakeChannel, Message
from tests.outbox.smtp_sink import free_port, smtp_sink


def _settings(port: int, **kw: Any) -> Settings:
    return Settings(
        mail_backend="smtp",
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_timeout_s=5,
        business_name="Acme Shop",
        **kw,
    )


def _enqueue(engine: Engine, n: int = 1, **payload: Any) -> list[int]:
    with unit_of_work(engine) as session:
        items = [
            outbox_service.enqueue(
                session,
                kind=OutboxKind.EMAIL,
                payload={
                    "to": f"c{i}@example.com",
                    "subject": f"Hello {i}",
                    "text": "Hi",
                    **payload,
                },
            )
            for i in range(n)
        ]
        return [i.id for i in items]


def _item(engine: Engine, item_id: int) -> OutboxItem:
    with unit_of_work(engine) as session:
        item = session.get(OutboxItem, item_id)
        assert item is not None
        return item


def test_acknowledgement_is_sent_and_the_customers_reply_threads(committed_db: Engine) -> None:
    with unit_of_work(committed_db) as session:
        first = receive(
            session,
            Incoming(
                channel=IntakeChannel.EMAIL,
                email="ann@example.com",
                name="Ann Lee",
                subject="Broken kettle",
                body="It leaks",
                email_message_id="<first@ann.example>",
            ),
        )
        ticket_id, reference = first.ticket.id, first.ticket.reference
    with smtp_sink() as (sink, port):
        report = worker.run_once(committed_db, settings=_settings(port))
    assert report.sent >= 1 and report.failed == 0
    [ack] = [m for m in sink.messages if m["To"] == "ann@example.com"]
    assert ack["From"] == "Acme Shop <support@fairdesk.example>"
    assert reference in ack["Subject"]
    assert reference in ack.get_content()
    with unit_of_work(committed_db) as session:
        recorded = session.scalars(
            select(Message.email_message_id).where(Message.ticket_id == ticket_id)
        ).all()
    assert ack["Message-ID"] in recorded

    # The customer's mail client answers the acknowledgement: it threads into the ticket.
    answer = build_email(
        {"to": "support@fairdesk.example", "subject": f"Re: {ack['Subject']}", "text": "More"},
        Settings(),
    )
    answer.replace_header("From", "Ann Lee <ann@example.com>")
    answer["In-Reply-To"] = ack["Message-ID"]
    answer["References"] = f"<first@ann.example> {ack['Message-ID']}"
    with unit_of_work(committed_db) as session:
        second = receive(session, parse_message(answer.as_bytes()))
        assert not second.created and second.ticket.id == ticket_id


def test_reply_payload_sets_threading_headers(committed_db: Engine) -> None:
    [item_id] = _enqueue(
        committed_db,
        message_id="<reply-1@fairdesk.example>",
        in_reply_to="<customer-2@example.com>",
        references=["<customer-1@example.com>"],
        subject="[FD-ABCDEFGH] Broken\r\nBcc: everyone@example.com",
    )
    with smtp_sink() as (sink, port):
        worker.run_once(committed_db, settings=_settings(port))
    [sent] = sink.messages
    assert sent["Message-ID"] == "<reply-1@fairdesk.example>"
    assert sent["In-Reply-To"] == "<customer-2@example.com>"
    assert sent["References"] == "<customer-1@example.com> <customer-2@example.com>"
    assert sent["Bcc"] is None  # a line break in a subject never becomes a header
    assert _item(committed_db, item_id).status == OutboxStatus.SENT


def test_login_is_used_when_configured(committed_db: Engine) -> None:
    seen: list[tuple[bytes, bytes]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        assert isinstance(data, LoginPassword)
        seen.append((data.login, data.password))
        return AuthResult(success=data.password == b"s3cret-pass")

    [item_id] = _enqueue(committed_db)
    options = {"authenticator": authenticator, "auth_require_tls": False}
    with smtp_sink(**options) as (sink, port):
        settings = _settings(port, smtp_username="desk", smtp_password=SecretStr("s3cret-pass"))
        worker.run_once(committed_db, settings=settings)
    assert seen == [(b"desk", b"s3cret-pass")]
    assert len(sink.messages) == 1 and _item(committed_db, item_id).status == OutboxStatus.SENT


def test_connection_refused_schedules_a_retry_with_backoff(committed_db: Engine) -> None:
    [item_id] = _enqueue(committed_db)
    start = utcnow()
    report = worker.run_once(committed_db, settings=_settings(free_port()), now=start)
    assert report.failed == 1 and report.sent == 0
    item = _item(committed_db, item_id)
    assert item.status == OutboxStatus.PENDING and item.attempts == 1
    assert item.next_attempt_at == start + outbox_service.BASE_BACKOFF
    assert item.last_error and "SMTP 127.0.0.1" in item.last_error
    # Not due yet: a second run leaves it alone.
    assert worker.run_once(committed_db, settings=_settings(free_port()), now=start).claimed == 0


def test_temporary_refusal_then_recovery(committed_db: Engine) -> None:
    [item_id] = _enqueue(committed_db)
    now = utcnow()
    with smtp_sink() as (sink, port):
        sink.reply = "451 4.3.0 try again later"
        worker.run_once(committed_db, settings=_settings(port), now=now)
        item = _item(committed_db, item_id)
        assert item.attempts == 1 and item.last_error and "451" in item.last_error
        sink.reply = None
        later = now + outbox_service.BASE_BACKOFF
        worker.run_once(committed_db, settings=_settings(port), now=later)
    item = _item(committed_db, item_id)
    assert item.status == OutboxStatus.SENT and item.attempts == 2
    assert len(sink.messages) == 1


def test_permanent_failure_ends_dead_after_max_attempts(committed_db: Engine) -> None:
    [item_id] = _enqueue(committed_db)
    now = utcnow()
    gaps = []
    with smtp_sink() as (sink, port):
        sink.reply = "554 5.7.1 rejected"
        for _ in range(outbox_service.MAX_ATTEMPTS):
            worker.run_once(committed_db, settings=_settings(port), now=now)
            item = _item(committed_db, item_id)
            if item.status == OutboxStatus.DEAD:
                break
            gaps.append(item.next_attempt_at - now)
            now = item.next_attempt_at
    item = _item(committed_db, item_id)
    assert item.status == OutboxStatus.DEAD and item.attempts == outbox_service.MAX_ATTEMPTS
    assert item.last_error and "554" in item.last_error
    assert gaps == [outbox_service.BASE_BACKOFF * 2**i for i in range(len(gaps))]
    # Dead is kept and can be sent again once the cause is fixed.
    with unit_of_work(committed_db) as session:
        worker.requeue(session, item_id=item_id)
    with smtp_sink() as (sink, port):
        worker.run_once(committed_db, settings=_settings(port))
    assert _item(committed_db, item_id).status == OutboxStatus.SENT and len(sink.messages) == 1


def test_bad_payload_is_retried_not_lost(committed_db: Engine) -> None:
    with unit_of_work(committed_db) as session:
        bad = outbox_service.enqueue(session, kind=OutboxKind.EMAIL, payload={"subject": "no to"})
        bad_id = bad.id
    [good_id] = _enqueue(committed_db)
    with smtp_sink() as (_sink, port):
        report = worker.run_once(committed_db, settings=_settings(port))
    assert report.sent == 1 and report.failed == 1
    bad_item = _item(committed_db, bad_id)
    assert bad_item.status == OutboxStatus.PENDING and "no recipient" in (bad_item.last_error or "")
    assert _item(committed_db, good_id).status == OutboxStatus.SENT


def test_two_workers_never_send_the_same_item(committed_db: Engine) -> None:
    ids = _enqueue(committed_db, n=60)
    with smtp_sink() as (sink, port):
        settings = _settings(port, outbox_batch_size=10)
        errors: list[BaseException] = []

        def work() -> None:
            try:
                while worker.run_once(committed_db, settings=settings).claimed:
                    pass
            except BaseException as exc:  # surfaced below
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors
    sent_ids = [m["Message-ID"] for m in sink.messages]
    assert len(sent_ids) == len(ids) == len(set(sent_ids))
    with unit_of_work(committed_db) as session:
        sent = session.scalar(
            select(func.count()).select_from(OutboxItem).where(OutboxItem.status == "sent")
        )
        attempts = session.scalar(select(func.sum(OutboxItem.attempts)))
    assert sent == len(ids) and attempts == len(ids)


def test_log_backend_sends_nothing_and_marks_sent(committed_db: Engine) -> None:
    [item_id] = _enqueue(committed_db)
    report = worker.run_once(committed_db, settings=Settings(mail_backend="log"))
    assert report.sent == 1 and _item(committed_db, item_id).status == OutboxStatus.SENT


def test_lease_hides_a_claimed_item_until_it_expires(committed_db: Engine) -> None:
    [item_id] = _enqueue(committed_db)
    now = utcnow()
    lease = timedelta(seconds=300)
    with unit_of_work(committed_db) as session:
        assert [j.id for j in worker.claim(session, limit=10, lease=lease, now=now)] == [item_id]
    # The claiming worker died before settling: nobody else takes it until the lease ends.
    with unit_of_work(committed_db) as session:
        assert worker.claim(session, limit=10, lease=lease, now=now) == []
        retaken = worker.claim(session, limit=10, lease=lease, now=now + lease)
        assert [j.id for j in retaken] == [item_id]
